/* jobs: a deferred control command on a thread of its own. See jobs.h. */
#include "control/jobs.h"

#include <assert.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

struct job {
	pthread_t thread;
	struct store *st;
	int efd; /* the reactor's eventfd */
	struct ctl_job job;
	msgpack_sbuffer out; /* the whole reply, written by the thread */
};

static void *job_main(void *arg)
{
	struct job *j = arg;
	msgpack_packer pk;
	uint64_t one = 1;

	msgpack_packer_init(&pk, &j->out, msgpack_sbuffer_write);
	ctl_job_run(j->st, &j->job, &pk);
	/* an eventfd write of 1 cannot block or fail short of a bad fd */
	if (write(j->efd, &one, sizeof(one)) != sizeof(one))
		abort();
	return NULL;
}

int job_start(struct job **ret_job, struct store *st, int efd, const struct ctl_job *cj,
	      struct proto_error *err)
{
	struct job *j;

	assert(!*ret_job); /* the reactor refuses a second job before it gets here */
	j = calloc(1, sizeof(*j));
	if (!j)
		return proto_fail(err, PROTO_UNAVAILABLE, "out of memory");
	j->st = st;
	j->efd = efd;
	j->job = *cj;
	msgpack_sbuffer_init(&j->out);
	/* LMDB may not resize the map while the job's read transaction is open */
	st->grow_blocked = true;
	if (pthread_create(&j->thread, NULL, job_main, j) != 0) {
		st->grow_blocked = false;
		free(j);
		return proto_fail(err, PROTO_UNAVAILABLE, "could not start a thread for it");
	}
	*ret_job = j;
	return 0;
}

bool job_finish(int efd)
{
	uint64_t n;

	return read(efd, &n, sizeof(n)) == sizeof(n);
}

void job_complete(struct job **jp, struct ctl_job *ret_cj, msgpack_sbuffer *ret_out)
{
	struct job *j = *jp;

	pthread_join(j->thread, NULL);
	j->st->grow_blocked = false;
	*ret_cj = j->job;
	*ret_out = j->out; /* the buffer moves to the caller */
	free(j);
	*jp = NULL;
}
