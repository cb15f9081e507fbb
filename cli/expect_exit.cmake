# Runs integrityctl with ARGS (a |-separated list) and checks its exit status is EXPECT and
# that it returned within MAXSECS: the exit codes that need no daemon.
string(REPLACE "|" ";" args "${ARGS}")
string(TIMESTAMP t0 "%s")
execute_process(COMMAND ${CTL} ${args} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
string(TIMESTAMP t1 "%s")
math(EXPR took "${t1} - ${t0}")
if(NOT rc EQUAL EXPECT)
	message(FATAL_ERROR "integrityctl ${ARGS}: expected exit ${EXPECT}, got ${rc}: ${err}")
endif()
if(took GREATER MAXSECS)
	message(FATAL_ERROR "integrityctl ${ARGS}: took ${took} s, more than ${MAXSECS}")
endif()
