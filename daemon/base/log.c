#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LOG_LEVEL LOG_INFO /* debug records are for a debugger's build */

static void log_write(int prio, const char *suffix, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void log_write(int prio, const char *suffix, const char *fmt, va_list ap)
{
	char line[1024];
	int n, m;

	if (prio > LOG_LEVEL)
		return;
	n = snprintf(line, sizeof(line), "<%d>", prio);
	m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	n = (m < 0 || (size_t)(n + m) >= sizeof(line) - 1) ? (int)sizeof(line) - 2 : n + m;
	if (suffix) {
		m = snprintf(line + n, sizeof(line) - n, ": %s", suffix);
		n = (m < 0 || (size_t)(n + m) >= sizeof(line) - 1) ? (int)sizeof(line) - 2 : n + m;
	}
	line[n++] = '\n';
	/* one write(2) a record, so lines from several threads never interleave */
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_write(prio, NULL, fmt, ap);
	va_end(ap);
}

int log_errno(int prio, int r, const char *fmt, ...)
{
	char buf[128];
	va_list ap;

	va_start(ap, fmt);
	log_write(prio, strerror_r(-r, buf, sizeof(buf)), fmt, ap);
	va_end(ap);
	return r;
}
