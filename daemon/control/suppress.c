/* suppress: see suppress.h. A line is walked by a start index and a stride, so rows and
 * columns of the grid, margins included, are one code path. */
#include "control/suppress.h"

#include <string.h>

struct line {
	size_t first, stride, n; /* n entries; the last is the line's total */
};

static struct line row_line(const struct suppress_table *t, size_t i)
{
	return (struct line){SUPPRESS_AT(t, i, 0), 1, t->cols + 1};
}

static struct line col_line(const struct suppress_table *t, size_t j)
{
	return (struct line){SUPPRESS_AT(t, 0, j), t->cols + 1, t->rows + 1};
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void suppress_totals(struct suppress_table *t)
{
	size_t n = SUPPRESS_CELLS(t->rows, t->cols);

	memset(t->hidden, 0, n * sizeof(t->hidden[0]));
	for (size_t i = 0; i <= t->rows; i++)
		t->v[SUPPRESS_AT(t, i, t->cols)] = 0;
	for (size_t j = 0; j < t->cols; j++)
		t->v[SUPPRESS_AT(t, t->rows, j)] = 0;
	for (size_t i = 0; i < t->rows; i++)
		for (size_t j = 0; j < t->cols; j++) {
			uint64_t c = t->v[SUPPRESS_AT(t, i, j)];
			size_t rt = SUPPRESS_AT(t, i, t->cols), ct = SUPPRESS_AT(t, t->rows, j),
			       gt = SUPPRESS_AT(t, t->rows, t->cols);

			t->v[rt] = add_sat(t->v[rt], c);
			t->v[ct] = add_sat(t->v[ct], c);
			t->v[gt] = add_sat(t->v[gt], c);
		}
}

/* Hides a second entry of l when it has exactly one hidden. Returns true when it hid one. */
static bool protect_line(struct suppress_table *t, struct line l)
{
	size_t n_hidden = 0, pick = SIZE_MAX, total = l.first + (l.n - 1) * l.stride;

	for (size_t k = 0; k < l.n; k++)
		n_hidden += t->hidden[l.first + k * l.stride];
	if (n_hidden != 1)
		return false;
	for (size_t k = 0; k + 1 < l.n; k++) {
		size_t at = l.first + k * l.stride;

		if (t->hidden[at] || t->v[at] == 0)
			continue;
		if (pick == SIZE_MAX || t->v[at] < t->v[pick])
			pick = at;
	}
	if (pick == SIZE_MAX) {
		if (t->hidden[total])
			return false; /* only with margins that are not the sums: nothing to hide */
		pick = total;
	}
	t->hidden[pick] = true;
	return true;
}

size_t suppress_apply(struct suppress_table *t, uint64_t below)
{
	size_t n = SUPPRESS_CELLS(t->rows, t->cols), hid = 0;
	bool changed;

	for (size_t k = 0; k < n; k++) {
		t->hidden[k] = t->v[k] > 0 && t->v[k] < below;
		hid += t->hidden[k];
	}
	do {
		changed = false;
		for (size_t i = 0; i <= t->rows; i++)
			if (protect_line(t, row_line(t, i)))
				changed = true, hid++;
		for (size_t j = 0; j <= t->cols; j++)
			if (protect_line(t, col_line(t, j)))
				changed = true, hid++;
	} while (changed);
	return hid;
}
