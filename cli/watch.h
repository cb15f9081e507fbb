/* watch: integrityctl's notification commands. `watch` subscribes to the notify socket and
 * prints one line per notification as it comes (notif.h's line, or one JSON object per line
 * with --json), says on stderr when seq jumps past notifications it never saw, and with
 * --fill fetches those with notifications.since. `replay` prints what notifications.since
 * returns, in the same format. The entry points are declared in cli.h. */
#ifndef CLI_WATCH_H
#define CLI_WATCH_H

/* notifications.since pages: PROTOCOL.md's default limit. */
#define WATCH_PAGE 1000

#endif
