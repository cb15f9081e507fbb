/* bench_util: what the three benchmark programs share: a monotonic clock, a growable array
 * of latency samples with percentiles, and the one output convention run-bench parses: a
 * human line on stdout and one `RESULT key=value ...` line. Header-only (static inline),
 * since each program is one file. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t bench_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000ull + (uint64_t)ts.tv_nsec / 1000000ull;
}

/* Latency samples in nanoseconds. */
struct bench_samples {
	uint64_t *v;
	size_t n, cap;
};

static inline int bench_samples_add(struct bench_samples *s, uint64_t ns)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		uint64_t *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = ns;
	return 0;
}

static inline int bench_samples_append(struct bench_samples *dst, const struct bench_samples *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (bench_samples_add(dst, src->v[i]) < 0)
			return -ENOMEM;
	return 0;
}

static inline void bench_samples_free(struct bench_samples *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

static inline int bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static inline void bench_samples_sort(struct bench_samples *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), bench_cmp_u64);
}

/* The p-th percentile (0 < p <= 100) of sorted samples, nearest rank; 0 when empty. */
static inline uint64_t bench_pct(const struct bench_samples *s, double p)
{
	if (s->n == 0)
		return 0;
	size_t rank = (size_t)(p / 100.0 * (double)s->n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > s->n)
		rank = s->n;
	return s->v[rank - 1];
}

static inline double bench_us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

/* Parses a positive number from argv; exits with a message naming the argument. */
static inline double bench_arg_num(const char *name, const char *text, double min, double max)
{
	char *end;
	errno = 0;
	double d = strtod(text, &end);
	if (errno || end == text || *end || d < min || d > max) {
		fprintf(stderr, "%s must be a number from %g to %g, not '%s'\n", name, min, max,
			text);
		exit(2);
	}
	return d;
}

#endif
