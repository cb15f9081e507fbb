/* anon: what the store keeps of an anonymous referral (PROTOCOL.md "An anonymous
 * referral's history shows no actor, and nothing in the store can tell who sent it"; P01 3.5,
 * P01c 3.13). Such an event carries no actor (proto checks that). Beyond that, the store
 * keeps no identity and no time finer than the day of the reporter's sending:
 *   - its times (the event's `at`, its received time, the case's opened_at and history, the
 *     deadlines it opens, its notifications' `at`) are taken at the start of their UTC day;
 *   - its id, which a form may build from the sender or the clock (a UUIDv7 holds the
 *     millisecond), is kept only as a hash: in the idempotency index and in the journal.
 * The journal keeps the event re-packed with those two fields replaced (anon_redact); the
 * idempotency hash and the chain are those of the redacted bytes, so a resend (redacted alike)
 * is still a duplicate. The same id sent once named and once anonymous is a conflict: batch
 * looks each event's id up under the other key too, without writing it.
 *
 * The id's hash is keyed when the store is sealed: a form may build ids a copy of data.mdb
 * could otherwise guess and confirm (a staff number and the millisecond). The key is a
 * random secret of the store, kept in meta sealed under the seal key (so a rotation carries
 * it over and every anonymous id keeps its hash); without a seal key the hash is unkeyed
 * and only random ids (UUIDs) keep the sender's id from being guessed. Ids indexed unkeyed
 * before a store was first sealed cannot be hashed again (they were never kept): the store
 * is marked (meta anon_unkeyed, st->anon_unkeyed) and batch looks ids up under both. */
#ifndef ANON_H
#define ANON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "proto.h"

#define ANON_KEY_LEN   33                 /* ANON_KEY_TAG then BLAKE2b-256 of the id */
#define ANON_HASH_LEN  (ANON_KEY_LEN - 1) /* the id's hash */
#define ANON_KEY_TAG   0 /* a byte no id may hold ([A-Za-z0-9._:-]): no clash with an id */
#define ANON_ID_PREFIX "anon:"
#define ANON_SECRET    32 /* bytes of the id hash's key */

struct store;

/* True for an event whose type's anonymous flag is set in its body. */
bool anon_is(const struct proto_event *ev);

/* The start of the UTC day holding ms. */
uint64_t anon_day(uint64_t ms);

/* The hash of ev's id under secret (ANON_SECRET bytes; NULL: unkeyed), computed once per
 * event for both anon_event_key and anon_redact. */
void anon_id_hash(const uint8_t *secret, const struct proto_event *ev, uint8_t ret[ANON_HASH_LEN]);

/* The idempotency index key of an anonymous event whose id hashes to hash (anon_id_hash):
 * ANON_KEY_TAG, then the hash. */
void anon_event_key(const uint8_t hash[ANON_HASH_LEN], uint8_t ret[ANON_KEY_LEN]);

/* The event as the journal keeps it: the same map, with `id` replaced by ANON_ID_PREFIX and
 * the hex of the id's hash (anon_id_hash; a valid id still) and `at` by its day; a follow-up
 * by token (ev->by_token) also has its body's token replaced by `case`, the case it found
 * (ev->case_ref). Appends to out. */
void anon_redact(const uint8_t hash[ANON_HASH_LEN], const struct proto_event *ev,
		 msgpack_sbuffer *out);

/* At start, after reseal_start_check: with st->seal, loads the store's id-hash secret from
 * meta (creating it on a store that has none, and marking such a store when it already holds
 * unkeyed anonymous ids; sealing it again when it is under the previous key) into guarded
 * memory, and sets st->anon_secret and st->anon_unkeyed; without, leaves them unset. Returns 0, or
 * a negative errno (-EBADMSG: the stored secret does not open). */
int anon_secret_load(struct store *st);
void anon_secret_free(struct store *st);

#endif
