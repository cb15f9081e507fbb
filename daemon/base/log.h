/* log: one record a line on stderr, prefixed with its syslog priority ("<3>") so that
 * journald files it at the right level. The top layer logs a failure once; lower layers
 * return error codes and stay quiet. Safe to call from any thread. */
#ifndef LOG_H
#define LOG_H

#include <syslog.h>

void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Logs at prio with ": <strerror(-r)>" appended, and returns r (a negative errno). */
int log_errno(int prio, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_error(...)  log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)   log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)   log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)  log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
