/* submit: turns JSON events into intake requests and sends them pipelined over one DEALER.
 * An event lacking "v" gets 1, lacking "id" a random one, lacking "at" the current time;
 * everything else is sent as written, so the daemon, not this tool, judges the event. */
#ifndef CLI_SUBMIT_H
#define CLI_SUBMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ctlclient.h"

/* Reads a JSON object or array of objects from path ("-": stdin) into *ret_events, always
 * an array; *ret_single tells whether the input was one object. Returns 0, or -EINVAL with
 * a message in errbuf. */
int submit_load(const char *path, json_t **ret_events, bool *ret_single, char *errbuf, size_t size);

/* Fills in the missing envelope keys of one event (v, id, at = now_ms). Returns 0, -EINVAL
 * when the event is not an object, -ENOMEM. */
int submit_prepare(json_t *event, uint64_t now_ms);

/* Sends every event of the array and collects the replies by id. *ret_replies is an array
 * of the same length, in the events' order, with null where no reply came. Waits at most
 * timeout_ms without any reply arriving. Returns 0 when every event was answered,
 * -ETIMEDOUT when some were not (*ret_replies is set then too), or another negative errno
 * (e.g. an event that cannot be encoded). */
int submit_run(struct ctlclient *c, const json_t *events, int timeout_ms, json_t **ret_replies);

#endif
