/* workset: after a commit, the entries a batch held back go to their worker's held list; one
 * no list has room for is handed over again, and the next batch waits WS_RETRY_MS for it
 * rather than loop on it. No thread is started: the workers' locks alone. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "dtest.h"
#include "loop/workset.h"

static const enum store_db dbs[WS_COUNT] = {DB_TIMERS, DB_ESCALATIONS, DB_DISPOSALS};

static struct workset ws;

static int setup(void **state)
{
	(void)state;
	memset(&ws, 0, sizeof(ws));
	for (int k = 0; k < WS_COUNT; k++) {
		ws.w[k].db = dbs[k];
		ws.w[k].name = "test";
		pthread_mutex_init(&ws.w[k].mu, NULL);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int k = 0; k < WS_COUNT; k++)
		pthread_mutex_destroy(&ws.w[k].mu);
	return 0;
}

/* One timer entry handed over and held back by the batch; the deadline worker already holds
 * `held` others. */
static void commit_one_held(size_t held)
{
	struct batch_result res = {.n_held = 1};

	for (size_t i = 0; i < held; i++)
		snprintf(ws.w[WS_DEADLINE].held[i].ref, sizeof(ws.w[WS_DEADLINE].held[i].ref),
			 "NA-2026-%06zu", i + 1);
	ws.w[WS_DEADLINE].n_held = held;
	ws.items[0].db = DB_TIMERS;
	snprintf(ws.items[0].ref, sizeof(ws.items[0].ref), "NA-2027-000001");
	ws.n = 1;
	res.held[0] = 0;
	workset_committed(&ws, &res, NOW_MS);
	ws.n = 1; /* the worker's rescan hands something over again */
}

static void test_a_held_entry_with_room_leaves_the_next_batch_free(void **state)
{
	(void)state;
	commit_one_held(0);
	assert_int_equal(ws.w[WS_DEADLINE].n_held, 1);
	assert_true(workset_ready(&ws, NOW_MS));
}

static void test_a_held_entry_with_no_room_makes_the_next_batch_wait(void **state)
{
	(void)state;
	commit_one_held(WORKER_HELD_MAX);
	assert_int_equal(ws.w[WS_DEADLINE].n_held, WORKER_HELD_MAX);
	assert_false(workset_ready(&ws, NOW_MS));
	assert_false(workset_ready(&ws, NOW_MS + WS_RETRY_MS - 1));
	assert_true(workset_ready(&ws, NOW_MS + WS_RETRY_MS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_a_held_entry_with_room_leaves_the_next_batch_free,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_a_held_entry_with_no_room_makes_the_next_batch_wait, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
