/* jsonpack: a JSON document (jansson) packed as MessagePack, for the tests that write their
 * requests as JSON: objects as maps in their key order, integers >= 0 as uint, negative ones
 * as int, reals as float64, null as nil. */
#ifndef JSONPACK_H
#define JSONPACK_H

#include <jansson.h>
#include <msgpack.h>

void jsonpack(msgpack_packer *pk, const json_t *j);

#endif
