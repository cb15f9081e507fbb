/* checkpoint: integrityctl checkpoint (take a signed checkpoint of the journal, admin) and
 * checkpoints --since N (list them), each line printed exactly as the daemon signed it, one
 * a line, so that an outside body can keep them in a file for
 * `integrityd --verify --checkpoint FILE --sign-public KEY`. */
#ifndef CLI_CHECKPOINT_H
#define CLI_CHECKPOINT_H

#include "cli.h"

int cmd_checkpoint(struct cli *cli, int argc, char **argv);
int cmd_checkpoints(struct cli *cli, int argc, char **argv);

#endif
