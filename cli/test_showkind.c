/* showkind: each kind's field rows as case show prints them, from case.get results written
 * here (cli/showkind.c), without a daemon: the formats (pounds, donor, grading, marks),
 * the rows of another kind left out, an unknown outcome left to "other", and a report's
 * opening actor withheld. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "show.h"

static char *render(const char *doc)
{
	json_t *c = json_loads(doc, 0, NULL);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(c);
	assert_non_null(out);
	show_case(out, c);
	fclose(out);
	json_decref(c);
	return text;
}

#define assert_has(text, needle)   assert_non_null(strstr((text), (needle)))
#define assert_lacks(text, needle) assert_null(strstr((text), (needle)))

static void test_gh_rows(void **state)
{
	char *t = render("{\"case\":\"GH-2026-000001\",\"kind\":\"GH\",\"offer\":\"gift\","
			 "\"donor\":{\"name\":\"Jo\",\"org_id\":\"0123\"},\"value_pence\":4005,"
			 "\"decision\":\"accepted\",\"outcomes\":{\"return\":\"donated\"},"
			 "\"marks\":[\"late\"],\"flags\":[],\"relationship\":null,"
			 "\"categories\":[],\"assessment\":null,"
			 "\"history\":[{\"seq\":1,\"type\":\"gift.declared\",\"at\":0,"
			 "\"actor\":{\"role\":\"subject\",\"id\":\"S1\"}}]}");

	(void)state;
	assert_has(t, "\noffer         gift\n");
	assert_has(t, "\ndonor         Jo (org 0123)\n");
	assert_has(t, "\nvalue         \xc2\xa3"
		      "40.05\n");
	assert_has(t, "\nreturned      donated\n");
	assert_has(t, "\nPSD review    -\n");
	assert_has(t, "\nlate          yes\n");
	assert_has(t, "\nmarks         late\n");
	assert_lacks(t, "flags"); /* none: no line */
	assert_lacks(t, "relationship");
	assert_lacks(t, "\nother\n");
	assert_has(t, "subject/S1");
	free(t);
}

static void test_cr_rows_withhold_the_reporter(void **state)
{
	char *t = render(
	    "{\"case\":\"CR-2026-000001\",\"kind\":\"CR\",\"allegation\":[\"drugs\",\"other\"],"
	    "\"grading\":{\"source\":\"reliable\",\"information\":\"A\",\"handling\":\"C\"},"
	    "\"assessment\":\"investigation\",\"outcomes\":{\"investigation\":\"misconduct\","
	    "\"novel\":\"x\"},\"iopc_reference\":\"IOPC/"
	    "1\",\"flags\":[{\"match\":\"GH-2026-000002\"}],"
	    "\"history\":[{\"seq\":1,\"type\":\"corruption.reported\",\"at\":0,"
	    "\"actor\":{\"role\":\"line_manager\",\"id\":\"LM-77\"}},{\"seq\":2,\"type\":"
	    "\"assessment.recorded\",\"at\":0,\"actor\":{\"role\":\"psd\",\"id\":\"P1\"}}]}");

	(void)state;
	assert_has(t, "\nallegation    drugs, other\n");
	assert_has(t, "\ngrading       reliable/A/C\n");
	assert_has(t, "\ninvestigation misconduct\n");
	assert_has(t, "\nIOPC ref      IOPC/1\n");
	assert_has(t, "\nflags         {\"match\":\"GH-2026-000002\"}\n");
	assert_lacks(t, "LM-77");
	assert_has(t, "reporter (withheld)");
	assert_has(t, "psd/P1");
	/* an outcome this version has no row for is not lost */
	assert_has(t, "\nother\n");
	assert_has(t, "outcomes.novel");
	free(t);
}

static void test_unknown_kind_keeps_its_fields_in_other(void **state)
{
	char *t = render("{\"case\":\"BI-2026-000001\",\"kind\":\"BI\",\"organisation\":\"X\","
			 "\"marks\":[],\"history\":[{\"seq\":1,\"type\":\"t\",\"at\":0,"
			 "\"actor\":{\"role\":\"subject\",\"id\":\"S9\"}}]}");

	(void)state;
	assert_has(t, "\nother\n  organisation  X\n");
	assert_has(t, "subject/S9"); /* not a report: shown */
	assert_lacks(t, "marks");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gh_rows),
	    cmocka_unit_test(test_cr_rows_withhold_the_reporter),
	    cmocka_unit_test(test_unknown_kind_keeps_its_fields_in_other),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
