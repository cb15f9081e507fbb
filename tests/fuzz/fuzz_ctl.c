/* fuzz_ctl: every input is a control request answered by ctl_handle, against a small store
 * made once in a temporary directory: cases in several states, with deadlines (some
 * overdue), notifications and history, written through batch_apply as the reactor writes
 * them. Each input is asked twice: by a client of every role (no clients file) and by an
 * operator. A deferred command's job runs too, but for backup, whose path is only checked (a
 * fuzzer must not write where its input says); reads are not journaled (the store would
 * grow with every input), their records only checked. Invariants: ctl_handle returns 0,
 * CTL_DEFERRED, CTL_RECORD or both; every reply is exactly one MessagePack map {"v": 1,
 * "ok": true, "result"} or {"v": 1, "ok": false, "error": {"code", "message"}}; a read's
 * record is one map and its case references ncases NUL-terminated strings; an operator
 * never gets an admin command done. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "loop/batch.h"
#include "security/clients.h"
#include "control/ctl.h"
#include "fuzz.h"
#include "jsonpack.h"
#include "store/store.h"

#define DAY_MS         86400000ull
#define MAP_SIZE       (1ull << 20)
#define MAP_MAX        (16ull << 20)
#define EVENT_JSON_MAX 1024

/* The people and events of the store; a ' stands for a ", case N is NA-2026-00000N. */
#define SUBJ  "'actor':{'id':'S1','role':'subject'}"
#define LM    "'actor':{'id':'LM1','role':'line_manager'}"
#define PSD   "'actor':{'id':'P1','role':'psd'}"
#define AA    "'actor':{'id':'AA1','role':'aa'}"
#define CONDS "[{'code':'no_contact','text':'No contact with A.'}]"
#define DECL(subject, extra)                                                                       \
	"{'type':'declaration.submitted','actor':{'id':'" subject "','role':'subject'},'body':{"   \
	"'subject':{'id':'" subject "','name':'Sam Example','vetting':'SC','line_manager':'LM1'}," \
	"'associate':{'name':'A N Other','kind':'person'},'relationship':'friend',"                \
	"'categories':['extremist','victim_witness_live_case'],'circumstances':'met at school',"   \
	"'vulnerable':true" extra "}}"
#define ON(n, type, actor, body)                                                                   \
	"{'type':'" type "','case':'NA-2026-00000" #n "'," actor ",'body':" body "}"

struct step {
	unsigned day; /* days after FUZZ_NOW_MS that it is applied */
	const char *json;
};

static const struct step steps[] = {
    /* 1: walked to conditions_active, with a breach reported */
    {0, DECL("S1", "")},
    {1, ON(1, "manager.reviewed", LM, "{'comments':'spoke to them'}")},
    {2, ON(1, "assessment.recorded", PSD, "{'outcome':'mitigation','risk':'high'}")},
    {3, ON(1, "mitigation.proposed", PSD, "{'conditions':" CONDS "}")},
    {4, ON(1, "mitigation.agreed", SUBJ, "{}")},
    {5, ON(1, "aa.approved", AA, "{'review_period':'6mo'}")},
    {6, ON(1, "breach.reported", PSD, "{'details':'met A'}")},
    /* 2: a named referral, disputed mitigation: referred to the AA */
    {0, "{'type':'referral.submitted','actor':{'id':'R1','role':'reporter'},'body':{"
	"'subject':{'id':'S1'},'associate':{'name':'Group X','kind':'group'},"
	"'categories':['media'],'circumstances':'seen at a rally'}}"},
    {1, ON(2, "assessment.recorded", PSD, "{'outcome':'mitigation','risk':'low'}")},
    {2, ON(2, "mitigation.proposed", PSD, "{'conditions':" CONDS "}")},
    {3, ON(2, "mitigation.disputed", SUBJ, "{'reason':'unfair'}")},
    /* 3: an anonymous referral, left to go overdue */
    {0, "{'type':'referral.submitted','body':{'subject':{'id':'S2'},"
	"'associate':{'name':'B','kind':'person'},'categories':['other'],"
	"'circumstances':'a tip','anonymous':true}}"},
    /* 4: closed */
    {1, DECL("S3", ",'bypass_manager':true")},
    {2, ON(4, "case.closed", PSD, "{'reason':'withdrawn'}")},
};
#define N_STEPS (sizeof(steps) / sizeof(steps[0]))
#define CTL_NOW (FUZZ_NOW_MS + 60 * DAY_MS) /* the store's deadlines are overdue by then */

static char dir[] = "/tmp/fuzz_ctl.XXXXXX";
static struct store st;
static bool opened;
static struct ctl_counters counters = {.accepted = N_STEPS, .duplicate = 1, .rejected = 2};
static struct reseal_progress reseal;
static struct ctl_read rd;
static const struct client ops_client = {
    .name = "ops-desk", .role = CLIENT_OPERATOR, .has_uid = true};
static struct ctl_env env;

/* admin commands: an operator must never get one done */
static const char *const admin_cmds[] = {"backup", "reload", "reseal", NULL};

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_ctl: %s: %s\n", what, detail);
	abort();
}

static void cleanup(void)
{
	DIR *d;
	struct dirent *e;
	char path[PATH_MAX];

	if (opened) {
		store_close(&st);
		ctl_read_destroy(&rd);
	}
	opened = false;
	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' &&
		    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) < (int)sizeof(path))
			unlink(path);
	closedir(d);
	rmdir(dir);
}

/* Packs the step's JSON, decodes it and applies it in a batch of its own. */
static void apply(const struct step *s)
{
	char text[EVENT_JSON_MAX], id[PROTO_ID_MAX + 1];
	uint64_t now = FUZZ_NOW_MS + s->day * DAY_MS;
	struct batch_item it = {0}, *items[] = {&it};
	msgpack_sbuffer buf;
	msgpack_packer pk;
	json_error_t jerr;
	json_t *j;
	static unsigned n;

	require(strlen(s->json) < sizeof(text));
	strcpy(text, s->json);
	for (char *c = text; *c; c++)
		if (*c == '\'')
			*c = '"';
	if ((j = json_loads(text, 0, &jerr)) == NULL)
		die("step JSON", jerr.text);
	snprintf(id, sizeof(id), "ev-%u", ++n);
	json_object_set_new(j, "v", json_integer(PROTO_VERSION));
	json_object_set_new(j, "id", json_string(id));
	json_object_set_new(j, "at", json_integer((json_int_t)(now - 1000)));
	msgpack_sbuffer_init(&buf);
	msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
	jsonpack(&pk, j);
	json_decref(j);
	if (proto_event_decode(&it.ev, (const uint8_t *)buf.data, buf.size, now, fuzz_limits(), id,
			       &it.err) < 0)
		die(s->json, it.err.message);
	if (batch_apply(&st, items, 1, now, fuzz_policy()) < 0)
		die(s->json, "batch_apply failed");
	if (it.status != BATCH_ACCEPTED)
		die(s->json, it.err.message);
	proto_event_release(&it.ev);
	msgpack_sbuffer_destroy(&buf);
}

/* SIGHUP's work is the reactor's: here a reload only succeeds */
static int reload(void *arg, const char *who, char err[CONFIG_ERR_MAX])
{
	(void)arg;
	require(who != NULL);
	err[0] = '\0';
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int r;

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		die(dir, "mkdtemp failed");
	atexit(cleanup);
	if ((r = store_open(&st, dir, MAP_SIZE, MAP_MAX, false)) < 0)
		die(dir, strerror(-r));
	opened = true;
	ctl_read_init(&rd);
	for (size_t i = 0; i < N_STEPS; i++)
		apply(&steps[i]);
	env = (struct ctl_env){.st = &st,
			       .limits = fuzz_limits(),
			       .now_ms = CTL_NOW,
			       .started_ms = FUZZ_NOW_MS,
			       .intake = &counters,
			       .reload = reload,
			       .reseal = &reseal};
	return 0;
}

static void check_job(const struct ctl_job *job)
{
	msgpack_sbuffer buf;
	msgpack_packer pk;

	if (job->kind == CTL_JOB_BACKUP) {
		require(memchr(job->path, '\0', sizeof(job->path)) != NULL);
		require(job->path[0] == '/');
		return;
	}
	require(job->kind == CTL_JOB_VERIFY || job->kind == CTL_JOB_REPORT);
	msgpack_sbuffer_init(&buf);
	msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
	ctl_job_run(&st, job, &pk);
	fuzz_require_ctl_reply(buf.data, buf.size);
	msgpack_sbuffer_destroy(&buf);
}

/* The record of a read: one map whose "cases" array has as many references as the
 * NUL-terminated ones that fill refs (the reads index keys). */
/* The length of the "cases" array of a read record (a map, checked before). */
static uint32_t record_cases(const char *data, size_t size)
{
	msgpack_unpacked u;
	const msgpack_object *cases;
	uint32_t n;

	msgpack_unpacked_init(&u);
	require(msgpack_unpack_next(&u, data, size, NULL) == MSGPACK_UNPACK_SUCCESS);
	cases = proto_map_get(&u.data, "cases");
	require(cases != NULL && cases->type == MSGPACK_OBJECT_ARRAY);
	n = cases->via.array.size;
	msgpack_unpacked_destroy(&u);
	return n;
}

static void check_read(const struct ctl_read *r)
{
	const char *p = r->refs.data, *end = p + r->refs.size;
	uint32_t n = 0;

	fuzz_require_map(r->entry.data, r->entry.size);
	while (p < end) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));

		require(nul != NULL && nul > p && nul - p <= PROTO_CASE_MAX);
		p = nul + 1;
		n++;
	}
	require(n == record_cases(r->entry.data, r->entry.size));
}

static bool is_admin(const uint8_t *data, size_t size)
{
	struct proto_ctl req;
	struct proto_error err;
	bool admin = false;

	if (proto_ctl_decode(&req, data, size, fuzz_limits(), &err) < 0)
		return false;
	for (int i = 0; admin_cmds[i]; i++)
		admin |= proto_str_eq(req.cmd, admin_cmds[i]);
	proto_ctl_release(&req);
	return admin;
}

/* Asks as client; returns whether the command was done (an ok reply, or a job). */
static bool ask(const struct client *client, const uint8_t *data, size_t size)
{
	struct ctl_job job;
	msgpack_sbuffer buf;
	msgpack_packer pk;
	bool done;
	int r;

	memset(&job, 0xa5, sizeof(job)); /* as the reactor's: a command fills what it uses */
	env.client = client;
	env.client_name = client->name;
	reseal = (struct reseal_progress){0};
	msgpack_sbuffer_init(&buf);
	msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
	r = ctl_handle(&env, data, size, &pk, &job, &rd);
	require((r & ~(CTL_DEFERRED | CTL_RECORD)) == 0);
	if (r & CTL_DEFERRED) {
		require(buf.size == 0);
		check_job(&job);
		done = true;
	} else {
		done = fuzz_require_ctl_reply(buf.data, buf.size);
	}
	if (r & CTL_RECORD)
		check_read(&rd);
	msgpack_sbuffer_destroy(&buf);
	return done;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ask(clients_resolve(NULL, ""), data, size);
	if (ask(&ops_client, data, size))
		require(!is_admin(data, size));
	return 0;
}
