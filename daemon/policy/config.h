/* config: the daemon's INI file (PROTOCOL.md "Config"), parsed strictly: an unknown section
 * or key, or a bad value, is an error naming the file, line and key. Every setting has its
 * default here, so an empty file is a valid (development) configuration. */
#ifndef CONFIG_H
#define CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define CONFIG_ENDPOINTS_MAX 1024   /* bytes of a comma-separated endpoint list */
#define CONFIG_ENDPOINT_SEPS ", \t" /* between endpoints: the check and the bind split alike */
#define CONFIG_ERR_MAX       512
#define CONFIG_LIST_MAX      8 /* items of a duration list such as reminders */
#define CONFIG_ROSTER_MAX    512

/* The deadline kinds, one `[deadlines]` key each: WORKFLOW.md "Deadlines" (the notifiable
 * association's, and retention, up to DL_COUNT), then REGISTERS.md's (up to DL_KINDS). One
 * namespace of keys for every case kind; which kind each belongs to is its policy row. */
enum dl_kind {
	DL_MANAGER_REVIEW,
	DL_PSD_ASSESSMENT,
	DL_INTERVIEW,
	DL_MITIGATION_PROPOSAL,
	DL_MITIGATION_RESPONSE,
	DL_AA_APPROVAL,
	DL_REPRESENTATIONS,
	DL_AA_DETERMINATION,
	DL_SERVICE,
	DL_APPEAL_WINDOW,
	DL_STRATEGY_MEETING,
	DL_APPEAL_DECISION,
	DL_ANNUAL_REVIEW,
	DL_REVIEW,
	DL_VETTING_REVIEW,
	DL_RETENTION, /* not under [deadlines]: [retention] closed_case, or the kind's key */
	DL_COUNT,     /* WORKFLOW.md's */
	/* REGISTERS.md "Corruption reports" */
	DL_PSD_CONSULTATION = DL_COUNT,
	DL_CR_ASSESSMENT,
	DL_DEVELOPMENT_REVIEW,
	DL_IOPC_REFERRAL,
	DL_CR_INVESTIGATION,
	/* "Wrongdoing reports" */
	DL_WR_ASSESSMENT,
	DL_MANAGEMENT_ACTION,
	DL_WR_INVESTIGATION,
	/* "The reporter's channel" */
	DL_REPORTER_UPDATE,
	/* "Gifts and hospitality" */
	DL_GIFT_APPROVAL,
	DL_GIFT_RETURN,
	DL_GIFT_REVIEW,
	DL_GIFT_CONCERN,
	/* "Business interests and second jobs" */
	DL_HR_ASSESSMENT,
	DL_PSD_CHECK,
	DL_BI_DECISION,
	DL_BI_APPEAL_WINDOW,
	DL_BI_APPEAL_DECISION,
	DL_BI_ANNUAL_REVIEW,
	DL_KINDS
};
const char *config_dl_name(enum dl_kind k);
/* The kind named by s (len bytes, no NUL needed), or -1. */
int config_dl_parse(const char *s, size_t len);

enum store_sync { SYNC_FULL, SYNC_NONE };

#define CONFIG_NAME_MAX  64  /* a user or group name */
#define CONFIG_KEYS_MAX  48  /* rows of the key table (config.c asserts it is enough) */
#define CONFIG_WHERE_MAX 240 /* "FILE:LINE" of config_where */

/* Who owns an ipc:// socket file and who may open it ([intake], [notify], [control] owner,
 * group, mode). Empty names leave the owner or group as created; mode -1 leaves the mode. */
struct sock_perm {
	char owner[CONFIG_NAME_MAX]; /* a user name or a number */
	char group[CONFIG_NAME_MAX]; /* a group name or a number */
	int mode;                    /* 0 to 0777, or -1 */
};

struct config {
	char path[PATH_MAX];
	/* [daemon] */
	char state_dir[PATH_MAX];
	/* [intake] */
	char intake_endpoint[CONFIG_ENDPOINTS_MAX];
	uint64_t max_message_bytes;
	uint64_t clock_skew_ms;
	uint64_t batch_max; /* events applied in one write transaction */
	struct sock_perm intake_perm;
	/* [notify], [control] */
	char notify_endpoint[CONFIG_ENDPOINTS_MAX];
	struct sock_perm notify_perm;
	char control_endpoint[CONFIG_ENDPOINTS_MAX];
	struct sock_perm control_perm;
	/* [store] */
	uint64_t map_size; /* initial LMDB map */
	uint64_t map_max;  /* ceiling the map may grow to */
	enum store_sync sync;
	/* [deadlines] */
	struct duration deadline[DL_KINDS];
	struct duration reminders[CONFIG_LIST_MAX];
	size_t n_reminders;
	struct duration escalation_interval;
	char holidays[PATH_MAX]; /* working-day calendar: one YYYY-MM-DD a line; "" = none */
	/* [escalation] */
	char aa_roster[CONFIG_ROSTER_MAX];
	/* [retention] closed_case is deadline[DL_RETENTION]; a kind's own key (`CR = 10y`) is
	 * retention[kind], 0 when not set: the kind then keeps closed_case */
	struct duration retention[KIND_COUNT];
	/* [reports]: the reporter's channel (REGISTERS.md) */
	struct duration channel_after_close;
	uint64_t token_failures_per_minute;
	/* [reports] suppress_below: management data (REGISTERS.md "Management data"); a count
	 * from 1 to suppress_below - 1 is shown suppressed (1 = none is) */
	uint64_t suppress_below;
	/* [gifts]: REGISTERS.md "Gifts and hospitality" (force policy) */
	uint64_t gifts_approval_threshold; /* pence: an accepted offer above it needs approval */
	struct duration gifts_declare_within; /* after offered_on; later is marked late */
	struct duration gifts_procurement_lookback; /* gift and award within it either way */
	/* [vetting] */
	char vetting_review_required[128];
	/* [security]: file names, resolved (a bare name is in $CREDENTIALS_DIRECTORY); "" =
	 * not set. curve_public_key and curve_secret_key are both set or neither. */
	char curve_public_key[PATH_MAX];
	char curve_secret_key[PATH_MAX];
	char clients[PATH_MAX];
	char seal_key[PATH_MAX];
	char seal_key_previous[PATH_MAX]; /* during a rotation: the key being retired */
	/* [audit]: the Ed25519 key checkpoints are signed with (checkpoint.h), "" = none: no
	 * checkpoints; how often one is taken (ms) */
	char sign_key[PATH_MAX];
	uint64_t checkpoint_every_ms;
	/* the line of the file that set each row of the key table, 0 when none did: for the
	 * errors found after config_load (policy_load, security_load), see config_where */
	int key_line[CONFIG_KEYS_MAX];
};

/* Fills cfg with the defaults, then the file's settings. Returns 0, or -1 with errbuf set to
 * "FILE:LINE: [section] key: what is wrong". */
int config_load(struct config *cfg, const char *path, char errbuf[CONFIG_ERR_MAX]);

/* Where [section] name of cfg was set, for an error found once the file is loaded (a holiday
 * file, a key file, a list a later check refuses): "FILE:LINE", or "FILE" when the file does
 * not set the key (its default is in force). Returns buf. */
const char *config_where(const struct config *cfg, const char *section, const char *name,
			 char buf[CONFIG_WHERE_MAX]);

/* The settings outside the policy sections a reload applies ([deadlines], [escalation],
 * [retention], [vetting]) that differ between a and b, as "[section] key" joined by ", "
 * into out (cut to len). Returns how many. */
size_t config_restart_changes(const struct config *a, const struct config *b, char *out,
			      size_t len);

/* Parsers shared with the tests: "300s", "7d", "5wd", "12mo", "6y"; "64KiB", "1GiB". */
int config_parse_duration(const char *s, struct duration *ret);
int config_parse_size(const char *s, uint64_t *ret);
/* A user or group ([section] owner and group, the clients file's uid and gid): a number, or a
 * name looked up in the passwd or group database. Returns 0; -EINVAL for a bad number (or
 * (uid_t)-1, which chown takes for "no change"); -ENOENT when there is no such name. */
int config_parse_unix_id(const char *s, bool group, unsigned long *ret);

#endif
