/* bench_util: what the benchmark programs share: the clocks, a well-spread hash of a counter,
 * a growable array of latency samples with percentiles, options parsed from a table of rows,
 * and the one output convention run-bench parses: a human line on stdout and one
 * `RESULT key=value ...` line. Header-only (static inline), since each program is one file;
 * what needs MessagePack is in bench_msgpack.h. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
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

static inline uint64_t bench_wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t bench_wall_ms(void)
{
	return bench_wall_ns() / 1000000ull;
}

/* splitmix64's finaliser: a well-spread 64-bit value from a counter (ids in no order, as
 * UUIDs are). */
static inline uint64_t bench_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
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

/* One command-line option as a row: its letter, and where its value goes (exactly one of
 * the pointers set). A number is checked by bench_arg_num against [min, max] and cast to
 * the pointer's type; a flag takes no argument. A row with long_name is that long option
 * only (--status), its letter being getopt_long's value for it. */
struct bench_opt {
	int ch;
	const char *long_name;
	double min, max;
	unsigned *u;
	uint64_t *u64;
	int *i;
	double *d;
	const char **s;
	bool *flag;
};

#define BENCH_OPTS_MAX 16

static inline void bench_opt_set(const struct bench_opt *opt, const char *arg)
{
	char name[72];

	if (opt->flag) {
		*opt->flag = true;
		return;
	}
	if (opt->s) {
		*opt->s = arg;
		return;
	}
	if (opt->long_name)
		snprintf(name, sizeof(name), "--%s", opt->long_name);
	else
		snprintf(name, sizeof(name), "-%c", opt->ch);
	double v = bench_arg_num(name, arg, opt->min, opt->max);
	if (opt->u)
		*opt->u = (unsigned)v;
	else if (opt->u64)
		*opt->u64 = (uint64_t)v;
	else if (opt->i)
		*opt->i = (int)v;
	else if (opt->d)
		*opt->d = v;
}

/* Parses argv's options by the rows of tab (ended by a row with ch 0); an option not among
 * them calls usage(argv[0]), which must not return. Returns optind: the first operand. */
static inline int bench_opts_parse(int argc, char **argv, const struct bench_opt *tab,
				   void (*usage)(const char *))
{
	char shorts[2 * BENCH_OPTS_MAX + 1];
	struct option longs[BENCH_OPTS_MAX + 1];
	size_t ns = 0, nl = 0;
	int ch;

	for (const struct bench_opt *o = tab; o->ch; o++) {
		assert(nl < BENCH_OPTS_MAX && ns + 2 < sizeof(shorts));
		if (o->long_name) {
			longs[nl++] = (struct option){
			    o->long_name, o->flag ? no_argument : required_argument, NULL, o->ch};
			continue;
		}
		shorts[ns++] = (char)o->ch;
		if (!o->flag)
			shorts[ns++] = ':';
	}
	shorts[ns] = '\0';
	longs[nl] = (struct option){NULL, 0, NULL, 0};
	while ((ch = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		const struct bench_opt *o = tab;

		while (o->ch && o->ch != ch)
			o++;
		if (!o->ch)
			usage(argv[0]);
		else
			bench_opt_set(o, optarg);
	}
	return optind;
}

#endif
