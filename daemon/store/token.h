/* token: the reporter's follow-up tokens in the store (REGISTERS.md "The reporter's
 * channel"). A token is drawn from the system's CSPRNG when an anonymous report is accepted;
 * the case record keeps it (sealed with the record when the store is sealed), and the
 * look-up index keeps only its hash: meta "token/" + BLAKE2b-256 of the canonical token ->
 * the case reference. 130 random bits leave nothing to guess from the hash; without the seal
 * key, an unsealed store's record shows the token (proto/SPEC.md). */
#ifndef TOKEN_H
#define TOKEN_H

#include <stddef.h>

#include <lmdb.h>

#include "proto.h"

struct store;

/* A new token, canonical (proto_token_canon's form). */
void token_new(char ret[PROTO_TOKEN_LEN + 1]);
/* Indexes canon -> ref. Returns 0 or a store error. */
int token_put(struct store *st, MDB_txn *txn, const char *canon, const char *ref, size_t rlen);
/* The case of canon into ref. Returns 0, -ENOENT when no case has it, or a store error. */
int token_find(struct store *st, MDB_txn *txn, const char *canon, char ref[PROTO_CASE_MAX + 1]);
/* Forgets canon (retention). Returns 0 (also when it was not indexed) or a store error. */
int token_del(struct store *st, MDB_txn *txn, const char *canon, size_t len);

#endif
