/* fuzzutil: the default policy and limits, and the check of a control reply, for the
 * targets that drive the daemon's modules (fuzz_ctl, fuzz_wf). See fuzz.h. */
#include "fuzz.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

#include "policy/config.h"
#include "proto_limits.h"

#define EMPTY_CONFIG "/dev/null"

/* Short deadlines, several reminders, a roster and the holiday calendar, so that every
 * kind falls due, reminds, breaches and escalates within a few weeks. */
static const char alt_config[] =
    "[deadlines]\nreminders = 3d,1d,2h\nescalation_interval = 2d\n"
    "holidays = " FUZZ_SOURCE_DIR "/config/holidays-england-wales.txt\n"
    "manager_review = 3d\npsd_assessment = 5d\ninterview = 4wd\nmitigation_proposal = 5d\n"
    "mitigation_response = 3d\naa_approval = 4d\nrepresentations = 3d\n"
    "aa_determination = 6d\nservice = 2wd\nappeal_window = 4d\nstrategy_meeting = 5d\n"
    "appeal_decision = 4d\nannual_review = 1mo\nreview = 5d\nvetting_review = 6d\n"
    "[escalation]\naa_roster = AA1, AA2\n[retention]\nclosed_case = 30d\n";

static void load(struct policy *p, const char *path, const char *what)
{
	static struct config cfg; /* large: not on the stack */
	char err[CONFIG_ERR_MAX];

	if (config_load(&cfg, path, err) < 0 || policy_load(p, &cfg, err) < 0) {
		fprintf(stderr, "fuzz: %s policy: %s\n", what, err);
		abort();
	}
}

const struct policy *fuzz_policy(void)
{
	static struct policy p;
	static bool loaded;

	if (!loaded)
		load(&p, EMPTY_CONFIG, "default");
	loaded = true;
	return &p;
}

const struct policy *fuzz_policy_alt(void)
{
	static struct policy p;
	static bool loaded;
	char path[] = "/tmp/fuzz-policy.XXXXXX";
	int fd;

	if (loaded)
		return &p;
	if ((fd = mkstemp(path)) < 0 || write(fd, alt_config, sizeof(alt_config) - 1) < 0) {
		perror(path);
		abort();
	}
	close(fd);
	load(&p, path, "alternative");
	unlink(path);
	loaded = true;
	return &p;
}

const struct proto_limits *fuzz_limits(void)
{
	static struct proto_limits lim;

	proto_limits_default(&lim);
	return &lim;
}

static const msgpack_object *get(const msgpack_object *map, const char *key)
{
	size_t n = strlen(key);

	for (uint32_t i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;

		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
		    memcmp(k->via.str.ptr, key, n) == 0)
			return &map->via.map.ptr[i].val;
	}
	return NULL;
}

static bool is_str(const msgpack_object *o)
{
	return o != NULL && o->type == MSGPACK_OBJECT_STR && o->via.str.size > 0 &&
	       proto_utf8_valid(o->via.str.ptr, o->via.str.size);
}

void fuzz_require_map(const char *bytes, size_t len)
{
	msgpack_unpacked up;
	size_t off = 0;

	msgpack_unpacked_init(&up);
	require(msgpack_unpack_next(&up, bytes, len, &off) == MSGPACK_UNPACK_SUCCESS);
	require(off == len && up.data.type == MSGPACK_OBJECT_MAP);
	msgpack_unpacked_destroy(&up);
}

bool fuzz_require_ctl_reply(const char *bytes, size_t len)
{
	bool ret;
	msgpack_unpacked up;
	const msgpack_object *root, *v, *ok, *e;
	size_t off = 0;

	msgpack_unpacked_init(&up);
	require(msgpack_unpack_next(&up, bytes, len, &off) == MSGPACK_UNPACK_SUCCESS);
	require(off == len);
	root = &up.data;
	require(root->type == MSGPACK_OBJECT_MAP);
	v = get(root, "v");
	require(v != NULL && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
		v->via.u64 == PROTO_VERSION);
	ok = get(root, "ok");
	require(ok != NULL && ok->type == MSGPACK_OBJECT_BOOLEAN);
	ret = ok->via.boolean;
	if (ret) {
		require(root->via.map.size == 3 && get(root, "result") != NULL);
	} else {
		e = get(root, "error");
		require(root->via.map.size == 3 && e != NULL && e->type == MSGPACK_OBJECT_MAP);
		require(e->via.map.size == 2 && is_str(get(e, "code")) &&
			is_str(get(e, "message")));
	}
	msgpack_unpacked_destroy(&up);
	return ret;
}
