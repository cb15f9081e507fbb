/* bench_fsync DIR [SECONDS] [RUNS]: the disk's own durable-write rate where the store lives.
 * A loop of one 4 KiB pwrite and one fdatasync, on a preallocated file in DIR (so that no
 * write changes the file's size and every sync is the data alone, as an LMDB commit's
 * are), for SECONDS in all (default 2) split into RUNS runs (default 5). Prints the median
 * run's syncs per second and the latency p50/p99 of one write+sync over all runs. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"

#define BLOCK     4096
#define FILE_SIZE (16u << 20) /* writes cycle through it, like LMDB's pages do */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: %s DIR [SECONDS] [RUNS]\n", argv[0]);
		return 2;
	}
	const char *dir = argv[1];
	double seconds = argc > 2 ? bench_arg_num("SECONDS", argv[2], 0.05, 600) : 2.0;
	int runs = argc > 3 ? (int)bench_arg_num("RUNS", argv[3], 1, 100) : 5;

	char path[4096];
	snprintf(path, sizeof(path), "%s/bench_fsync.XXXXXX", dir);
	int fd = mkstemp(path);
	if (fd < 0) {
		fprintf(stderr, "bench_fsync: cannot create a file in %s: %m\n", dir);
		return 1;
	}
	unlink(path); /* gone when we exit, whatever happens */

	static char block[BLOCK];
	memset(block, 0x5a, sizeof(block));
	int r = posix_fallocate(fd, 0, FILE_SIZE);
	if (r != 0) {
		fprintf(stderr, "bench_fsync: fallocate in %s: %s\n", dir, strerror(r));
		return 1;
	}
	/* Write the file once for real: fallocated extents are "unwritten", and the first
	 * write into each would otherwise cost a metadata update that LMDB's reused pages
	 * don't. */
	for (off_t off = 0; off < FILE_SIZE; off += BLOCK)
		if (pwrite(fd, block, BLOCK, off) != BLOCK) {
			fprintf(stderr, "bench_fsync: write: %m\n");
			return 1;
		}
	if (fsync(fd) < 0) {
		fprintf(stderr, "bench_fsync: fsync: %m\n");
		return 1;
	}

	struct bench_samples lat = {0};
	double *rate = calloc((size_t)runs, sizeof(*rate));
	if (!rate)
		return 1;
	uint64_t run_ns = (uint64_t)(seconds / runs * 1e9);
	off_t off = 0;
	for (int i = 0; i < runs; i++) {
		uint64_t start = bench_now_ns(), now = start;
		unsigned long ops = 0;
		while (now - start < run_ns) {
			block[0] = (char)ops; /* a real change each time */
			if (pwrite(fd, block, BLOCK, off) != BLOCK || fdatasync(fd) < 0) {
				fprintf(stderr, "bench_fsync: write+fdatasync: %m\n");
				return 1;
			}
			off = (off + BLOCK) % FILE_SIZE;
			uint64_t t = bench_now_ns();
			if (bench_samples_add(&lat, t - now) < 0)
				return 1;
			now = t;
			ops++;
		}
		rate[i] = (double)ops / ((double)(now - start) / 1e9);
	}
	close(fd);

	qsort(rate, (size_t)runs, sizeof(*rate), cmp_double);
	bench_samples_sort(&lat);
	double median = rate[runs / 2];
	double p50 = bench_us(bench_pct(&lat, 50)), p99 = bench_us(bench_pct(&lat, 99));
	printf("fdatasync (4 KiB pwrite + fdatasync) in %s: %.0f/s (median of %d runs), "
	       "p50 %.0f us, p99 %.0f us\n",
	       dir, median, runs, p50, p99);
	printf("RESULT ops_per_s=%.0f p50_us=%.1f p99_us=%.1f samples=%zu\n", median, p50, p99,
	       lat.n);
	bench_samples_free(&lat);
	free(rate);
	return 0;
}
