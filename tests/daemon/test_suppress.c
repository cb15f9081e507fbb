/* suppress: REGISTERS.md "Management data": every count from 1 to suppress_below - 1 is shown
 * suppressed, and enough further cells of its row and column that none can be worked back
 * from the totals. The check after each table: no row or column of the grid (margins too)
 * has exactly one hidden entry, no small count is shown, no zero is hidden. */
#include "dtest.h"

#include <string.h>

#include "control/suppress.h"

#define BELOW 5 /* the default [reports] suppress_below */
#define MAX_R 6
#define MAX_C 6
#define GRID  SUPPRESS_CELLS(MAX_R, MAX_C)

struct grid {
	uint64_t v[GRID];
	bool hidden[GRID];
	struct suppress_table t;
};

static void grid_load(struct grid *g, size_t rows, size_t cols, const uint64_t *counts)
{
	memset(g, 0, sizeof(*g));
	g->t = (struct suppress_table){rows, cols, g->v, g->hidden};
	for (size_t i = 0; i < rows; i++)
		for (size_t j = 0; j < cols; j++)
			g->v[SUPPRESS_AT(&g->t, i, j)] = counts[i * cols + j];
	suppress_totals(&g->t);
}

static bool hid(const struct grid *g, size_t i, size_t j)
{
	return g->hidden[SUPPRESS_AT(&g->t, i, j)];
}

/* The table's promise, checked on every line of the grid. */
static void assert_protected(const struct grid *g, uint64_t below)
{
	const struct suppress_table *t = &g->t;

	for (size_t i = 0; i <= t->rows; i++) {
		size_t n = 0;

		for (size_t j = 0; j <= t->cols; j++)
			n += hid(g, i, j);
		if (n == 1)
			fail_msg("row %zu has one hidden entry: it is its total less the others",
				 i);
	}
	for (size_t j = 0; j <= t->cols; j++) {
		size_t n = 0;

		for (size_t i = 0; i <= t->rows; i++)
			n += hid(g, i, j);
		if (n == 1)
			fail_msg("column %zu has one hidden entry", j);
	}
	for (size_t i = 0; i <= t->rows; i++)
		for (size_t j = 0; j <= t->cols; j++) {
			uint64_t c = t->v[SUPPRESS_AT(t, i, j)];

			if (c > 0 && c < below && !hid(g, i, j))
				fail_msg("(%zu, %zu) = %llu is shown", i, j, (unsigned long long)c);
			if (c == 0 && hid(g, i, j))
				fail_msg("(%zu, %zu) is a zero and hidden", i, j);
		}
}

static void test_totals_are_the_sums_of_rows_and_columns(void **state)
{
	const uint64_t c[] = {1, 2, 3, 4, 5, 6};
	struct grid g;

	(void)state;
	grid_load(&g, 2, 3, c);
	assert_int_equal(g.v[SUPPRESS_AT(&g.t, 0, 3)], 6);
	assert_int_equal(g.v[SUPPRESS_AT(&g.t, 1, 3)], 15);
	assert_int_equal(g.v[SUPPRESS_AT(&g.t, 2, 0)], 5);
	assert_int_equal(g.v[SUPPRESS_AT(&g.t, 2, 2)], 9);
	assert_int_equal(g.v[SUPPRESS_AT(&g.t, 2, 3)], 21);
}

static void test_one_small_count_takes_its_row_and_column_partners(void **state)
{
	/* primary alone hides the 3: the row total 13 less the 10 gives it back */
	const uint64_t c[] = {3, 10, 10, 10};
	struct grid g;

	(void)state;
	grid_load(&g, 2, 2, c);
	assert_int_equal(suppress_apply(&g.t, BELOW), 4);
	assert_true(hid(&g, 0, 0) && hid(&g, 0, 1) && hid(&g, 1, 0) && hid(&g, 1, 1));
	assert_false(hid(&g, 0, 2) || hid(&g, 1, 2) || hid(&g, 2, 0) || hid(&g, 2, 1) ||
		     hid(&g, 2, 2));
	assert_protected(&g, BELOW);
}

static void test_the_partner_is_the_smallest_shown_nonzero_cell(void **state)
{
	/* the 2 in row 0: the 0 cannot hide it, the 7 is the smallest nonzero partner */
	const uint64_t c[] = {2, 0, 7, 9, /**/ 8, 20, 30, 40, /**/ 9, 25, 31, 41};
	struct grid g;

	(void)state;
	grid_load(&g, 3, 4, c);
	suppress_apply(&g.t, BELOW);
	assert_true(hid(&g, 0, 0));
	assert_false(hid(&g, 0, 1));
	assert_true(hid(&g, 0, 2));
	assert_false(hid(&g, 0, 3));
	/* column 0 takes its 8, the smaller of 8 and 9 */
	assert_true(hid(&g, 1, 0));
	assert_false(hid(&g, 2, 0));
	assert_protected(&g, BELOW);
}

static void test_a_small_count_alone_with_zeros_hides_the_totals(void **state)
{
	/* row 0 is 3 and 0: its total is the 3; the column of the 1 has only zeros besides */
	const uint64_t c[] = {3, 0, /**/ 8, 9, /**/ 0, 1};
	struct grid g;

	(void)state;
	grid_load(&g, 3, 2, c);
	suppress_apply(&g.t, BELOW);
	assert_true(hid(&g, 0, 0) && hid(&g, 0, 2));
	assert_true(hid(&g, 2, 1) && hid(&g, 2, 2));
	assert_protected(&g, BELOW);
}

static void test_all_zero_hides_nothing(void **state)
{
	const uint64_t c[MAX_R * MAX_C] = {0};
	struct grid g;

	(void)state;
	grid_load(&g, MAX_R, MAX_C, c);
	assert_int_equal(suppress_apply(&g.t, BELOW), 0);
	assert_protected(&g, BELOW);
}

static void test_one_row(void **state)
{
	/* the row total is each column's total: the 2 and its column total, then the 7 and its */
	const uint64_t c[] = {2, 7, 9};
	struct grid g;

	(void)state;
	grid_load(&g, 1, 3, c);
	suppress_apply(&g.t, BELOW);
	assert_true(hid(&g, 0, 0) && hid(&g, 1, 0));
	assert_true(hid(&g, 0, 1) && hid(&g, 1, 1));
	assert_false(hid(&g, 0, 2) || hid(&g, 0, 3) || hid(&g, 1, 3));
	assert_protected(&g, BELOW);
}

static void test_a_whole_row_small(void **state)
{
	/* 1, 2 and 3 hidden, their total 6 shown: each column then needs a second cell */
	const uint64_t c[] = {1, 2, 3, /**/ 10, 20, 30};
	struct grid g;

	(void)state;
	grid_load(&g, 2, 3, c);
	suppress_apply(&g.t, BELOW);
	for (size_t j = 0; j < 3; j++)
		assert_true(hid(&g, 0, j) && hid(&g, 1, j));
	assert_false(hid(&g, 0, 3));
	assert_protected(&g, BELOW);
}

static void test_no_small_count_hides_nothing(void **state)
{
	const uint64_t c[] = {5, 6, 7, 80};
	struct grid g;

	(void)state;
	grid_load(&g, 2, 2, c);
	assert_int_equal(suppress_apply(&g.t, BELOW), 0);
}

static void test_suppress_below_1_hides_nothing(void **state)
{
	const uint64_t c[] = {1, 2, 3, 4};
	struct grid g;

	(void)state;
	grid_load(&g, 2, 2, c);
	assert_int_equal(suppress_apply(&g.t, 1), 0);
}

/* Tables of small and zero counts mixed, from a fixed LCG: the promise on every one. */
static void test_every_random_table_is_protected(void **state)
{
	uint64_t seed = 13, c[MAX_R * MAX_C];
	struct grid g;

	(void)state;
	for (int round = 0; round < 5000; round++) {
		size_t rows, cols;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		rows = 1 + (seed >> 33) % MAX_R;
		cols = 1 + (seed >> 40) % MAX_C;
		for (size_t k = 0; k < rows * cols; k++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			/* a third zeros, a third small, a third larger */
			c[k] = (seed >> 33) % 3 == 0 ? 0 : (seed >> 40) % 15;
		}
		grid_load(&g, rows, cols, c);
		suppress_apply(&g.t, BELOW);
		assert_protected(&g, BELOW);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_totals_are_the_sums_of_rows_and_columns),
	    cmocka_unit_test(test_one_small_count_takes_its_row_and_column_partners),
	    cmocka_unit_test(test_the_partner_is_the_smallest_shown_nonzero_cell),
	    cmocka_unit_test(test_a_small_count_alone_with_zeros_hides_the_totals),
	    cmocka_unit_test(test_all_zero_hides_nothing),
	    cmocka_unit_test(test_one_row),
	    cmocka_unit_test(test_a_whole_row_small),
	    cmocka_unit_test(test_no_small_count_hides_nothing),
	    cmocka_unit_test(test_suppress_below_1_hides_nothing),
	    cmocka_unit_test(test_every_random_table_is_protected),
	};

	return cmocka_run_group_tests_name("daemon/suppress", tests, NULL, NULL);
}
