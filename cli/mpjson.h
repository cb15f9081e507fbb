/* mpjson: converts between MessagePack and JSON (jansson) for integrityctl. JSON objects
 * become maps with string keys, integers >= 0 uint, negative integers int, reals float64.
 * MessagePack comes back as JSON with nil as null and bin/ext as lower-case hex strings; a
 * uint above INT64_MAX, which JSON integers cannot hold, comes back as a decimal string. */
#ifndef CLI_MPJSON_H
#define CLI_MPJSON_H

#include <jansson.h>
#include <msgpack.h>

#define MPJSON_MAX_DEPTH 64 /* nesting beyond this is refused, not recursed into */

/* Packs one JSON value. Returns 0, or -E2BIG when nested deeper than MPJSON_MAX_DEPTH,
 * -EINVAL for a value MessagePack cannot hold. */
int mpjson_pack(msgpack_packer *pk, const json_t *j);

/* Packs one JSON value into a new buffer the caller frees with msgpack_sbuffer_destroy. */
int mpjson_encode(const json_t *j, msgpack_sbuffer *ret_buf);

/* Converts one MessagePack object; *ret is a new reference the caller owns and is left
 * untouched on failure. Returns 0, -E2BIG (too deep), -EINVAL (a map key that is neither a
 * string nor an integer) or -ENOMEM. */
int mpjson_from_object(const msgpack_object *o, json_t **ret);

/* Decodes one MessagePack value that must fill exactly len bytes, then converts it.
 * Returns 0, -EBADMSG when the bytes are not exactly one value, or as above. */
int mpjson_decode(const void *buf, size_t len, json_t **ret);

#endif
