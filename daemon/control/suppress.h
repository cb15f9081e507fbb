/* suppress: statistical disclosure control of a table of counts (REGISTERS.md "Management
 * data"), pure arithmetic with no I/O and no allocation. The caller fills the counts; suppress
 * adds the totals and marks which cells a published table must show as suppressed, so that no
 * small count is shown and none can be worked back from its row's or its column's total. */
#ifndef SUPPRESS_H
#define SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A rows × cols table with its margins: v and hidden are (rows + 1) × (cols + 1), row-major.
 * Cell (i, j) for i < rows, j < cols is a count; column cols holds each row's total, row rows
 * each column's total, and (rows, cols) the grand total. Every row and column of that grid,
 * the margins' too, is a line: its last entry is the sum of the others. */
struct suppress_table {
	size_t rows, cols;
	uint64_t *v;
	bool *hidden;
};

#define SUPPRESS_AT(t, i, j)       ((i) * ((t)->cols + 1) + (j))
#define SUPPRESS_CELLS(rows, cols) (((rows) + 1) * ((cols) + 1))

/* Fills t's margins from its counts (overflow saturates) and clears hidden. */
void suppress_totals(struct suppress_table *t);

/* Marks t->hidden; t's margins must be filled (suppress_totals). The rules:
 * - primary: every entry, count or total, from 1 to below - 1 is hidden (below <= 1: none);
 *   a zero is shown (no person is in it);
 * - secondary: while some line has exactly one hidden entry (which its other entries and the
 *   sum would give away), hide one more entry of it: its smallest shown nonzero entry other
 *   than the line's total (the first such when several are equal), or, when there is none,
 *   the line's total. Lines are visited rows first, then columns, again until none changes.
 * Every hidden entry is nonzero, so a line with one hidden entry always has another to hide,
 * and the loop ends (each pass hides one more entry). Afterwards no line has exactly one
 * hidden entry. This protects each line on its own; it is the usual cell suppression rule,
 * not a solver proof against every combination of lines. Returns how many entries it hid. */
size_t suppress_apply(struct suppress_table *t, uint64_t below);

#endif
