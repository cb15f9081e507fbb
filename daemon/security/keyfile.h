/* keyfile: reads the small secret files named in [security] (CURVE keys, the seal key):
 * text with at most one trailing newline. A secret must be readable by its owner alone (or
 * be in systemd's $CREDENTIALS_DIRECTORY, which systemd makes so): a key file readable by
 * group or others is refused, as ssh refuses such a private key. */
#ifndef KEYFILE_H
#define KEYFILE_H

#include <stdbool.h>
#include <stddef.h>

#define KEYFILE_ERR_MAX 512

/* Reads path into buf (NUL-terminated, the trailing newline dropped); the text must be
 * exactly want_len characters. When secret, a mode that lets group or others read it is
 * refused. Returns 0, or -1 with err naming the file and what is wrong. */
int keyfile_read(const char *path, bool secret, char *buf, size_t want_len,
		 char err[KEYFILE_ERR_MAX]);

#endif
