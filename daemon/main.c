/* integrityd: the Professional Standards workflow daemon. See PROTOCOL.md "The daemon's
 * command line". */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "policy/config.h"
#include "store/checkpoint.h"
#include "store/journal.h"
#include "base/log.h"
#include "policy/policy.h"
#include "loop/reactor.h"
#include "security/security.h"
#include "security/seal.h"
#include "store/store.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: integrityd --config FILE [--check-config | --verify]\n"
		   "       integrityd --config FILE --verify --checkpoint FILE --sign-public KEY\n"
		   "       integrityd --version\n");
}

/* --verify --checkpoint: each line of the file an outside body kept (blank lines and '#'
 * comments skipped) must be signed by pk, for this store, and on its chain. Prints one line
 * per checkpoint; returns how many failed, or -1 when the file cannot be read. */
static int check_checkpoints(struct store *st, MDB_txn *txn, const char *file,
			     const uint8_t pk[CHECKPOINT_PK])
{
	char line[CHECKPOINT_LINE + 2], err[CHECKPOINT_ERR_MAX];
	struct checkpoint c;
	unsigned long lineno = 0;
	int failed = 0, r;
	FILE *f = fopen(file, "re");

	if (!f) {
		log_error("verify: %s: %s", file, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (line[0] == '\n' || line[0] == '#')
			continue;
		if (checkpoint_parse(line, &c) < 0) {
			printf("checkpoint line=%lu ok=false error=\"not a checkpoint line\"\n",
			       lineno);
			failed++;
			continue;
		}
		r = checkpoint_check(st, txn, &c, pk, err);
		if (r < 0 && r != -EKEYREJECTED && r != -EXDEV && r != -ERANGE && r != -EBADMSG) {
			log_errno(LOG_ERR, r, "verify: reading the store for line %lu", lineno);
			fclose(f);
			return -1;
		}
		if (r < 0) {
			printf("checkpoint line=%lu seq=%llu at=%llu ok=false error=\"%s\"\n", lineno,
			       (unsigned long long)c.seq, (unsigned long long)c.at, err);
			failed++;
		} else {
			printf("checkpoint line=%lu seq=%llu at=%llu ok=true\n", lineno,
			       (unsigned long long)c.seq, (unsigned long long)c.at);
		}
	}
	fclose(f);
	return failed;
}

/* --verify: audit.verify on the store in state_dir without a daemon (a stopped one, or a
 * backup copy): needs no key; with seal_key set it also opens each sealed entry it can. It
 * writes nothing there (store_open_rdonly), so it may run on an evidence copy or read-only
 * media. Prints the result; exit 0 when the chain is whole, 1 when not or when the store cannot
 * be read. */
static int verify_offline(const struct config *cfg, const char *ckpt_file, const char *sign_public)
{
	uint8_t pk[CHECKPOINT_PK];
	int ck_failed = 0;
	char data[PATH_MAX + 16], err[KEYFILE_ERR_MAX], hex[2 * JOURNAL_HASH + 1];
	uint8_t head[JOURNAL_HASH];
	struct store st = {0};
	struct seal *seal = NULL;
	uint64_t entries = 0, bad = 0;
	struct journal_checked ck = {0};
	MDB_txn *txn = NULL;
	int r;

	snprintf(data, sizeof(data), "%s/data.mdb", cfg->state_dir);
	if (access(data, R_OK) < 0) {
		log_error("verify: %s: %s", data, strerror(errno));
		return 1;
	}
	if (ckpt_file && checkpoint_load_public(sign_public, pk, err) < 0) {
		log_error("verify: --sign-public: %s", err);
		return 1;
	}
	if (*cfg->seal_key && seal_load(&seal, cfg->seal_key, cfg->seal_key_previous, err) < 0) {
		log_error("verify: [security] %s", err);
		return 1;
	}
	r = store_open_rdonly(&st, cfg->state_dir, (const enum store_db[]){DB_JOURNAL}, 1);
	if (r == -EBUSY)
		log_error("verify: %s: a daemon is running on it; use audit.verify, or verify a "
			  "backup",
			  cfg->state_dir);
	else if (r < 0)
		log_errno(LOG_ERR, r, "verify: store %s", cfg->state_dir);
	if (r == 0) {
		st.seal = seal;
		if ((r = store_begin(&st, true, &txn)) == 0)
			r = journal_verify_counted(&st, txn, &entries, head, &bad, &ck);
		if (r == 0 && ckpt_file && (ck_failed = check_checkpoints(&st, txn, ckpt_file, pk)) < 0)
			r = -EIO;
		store_abort(&txn);
		store_close(&st);
		if (r < 0)
			log_errno(LOG_ERR, r, "verify: reading the journal of %s", cfg->state_dir);
	}
	seal_free(&seal);
	if (r < 0)
		return 1;
	sodium_bin2hex(hex, sizeof(hex), head, JOURNAL_HASH);
	/* keys: opened when every sealed entry was opened with a key, partial when some got the
	 * keyless check only (their key is not in seal_key or seal_key_previous), none when no
	 * entry was opened; then how many entries got which check */
	printf("ok=%s entries=%llu head=%s first_bad_seq=%llu keys=%s plain=%llu opened=%llu "
	       "keyless=%llu disposed=%llu\n",
	       bad ? "false" : "true", (unsigned long long)entries, hex, (unsigned long long)bad,
	       !ck.opened   ? "none"
	       : ck.keyless ? "partial"
			    : "opened",
	       (unsigned long long)ck.plain, (unsigned long long)ck.opened,
	       (unsigned long long)ck.keyless, (unsigned long long)ck.none);
	if (ckpt_file)
		printf("checkpoints ok=%s failed=%d\n", ck_failed ? "false" : "true", ck_failed);
	return bad || ck_failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'}, {"check-config", no_argument, NULL, 'C'},
	    {"verify", no_argument, NULL, 'v'},       {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},         {"checkpoint", required_argument, NULL, 'k'},
	    {"sign-public", required_argument, NULL, 'p'}, {NULL, 0, NULL, 0},
	};
	static struct config cfg; /* large; lives for the whole run */
	char err[CONFIG_ERR_MAX];
	const char *path = NULL, *ckpt_file = NULL, *sign_public = NULL;
	int check = 0, verify = 0, c;

	while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'C':
			check = 1;
			break;
		case 'v':
			verify = 1;
			break;
		case 'k':
			ckpt_file = optarg;
			break;
		case 'p':
			sign_public = optarg;
			break;
		case 'V':
			printf("integrityd %s\n", INTEGRITYD_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!path || optind != argc || (check && verify) || !ckpt_file != !sign_public ||
	    (ckpt_file && !verify)) {
		usage(stderr);
		return 2;
	}
	if (config_load(&cfg, path, err) < 0) {
		log_error("config: %s", err);
		return 1;
	}
	if (check) { /* what a start loads: the holiday file, key files, clients file */
		static struct policy p;
		static struct security sec;
		struct seal *s;

		if (reactor_load_settings(&cfg, &p, &sec, &s) < 0)
			return 1;
		seal_free(&s);
		security_free(&sec);
		policy_free(&p);
		printf("%s: ok\n", path);
		return 0;
	}
	if (verify)
		return verify_offline(&cfg, ckpt_file, sign_public);
	return reactor_run(&cfg);
}
