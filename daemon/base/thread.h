/* thread: starting the daemon's threads. The reactor takes every signal through its
 * signalfd (reactor.c), so no other thread may have one delivered to it. */
#ifndef THREAD_H
#define THREAD_H

#include <pthread.h>

/* pthread_create(t, NULL, fn, arg) with every signal blocked in the new thread (it inherits
 * the caller's mask, which is put back before this returns). Returns 0 or pthread_create's
 * error number. */
int thread_start_quiet(pthread_t *t, void *(*fn)(void *), void *arg);

#endif
