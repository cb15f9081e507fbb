#include "dtest.h"

#include "policy/config.h"
#include "policy/policy.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void dtest_proto_ok(int r, const struct proto_error *err, const char *file, int line)
{
	if (r == 0)
		return;
	print_error("%s:%d: expected success, got %d: %s: %s\n", file, line, r,
		    proto_err_code(err->code), err->message);
	_fail(file, line);
}

void dtest_proto_err(const struct proto_error *err, enum proto_err code, const char *needle,
		     const char *file, int line)
{
	if (err->code == code && (!needle || strstr(err->message, needle)))
		return;
	print_error("%s:%d: expected %s containing \"%s\", got %s: %s\n", file, line,
		    proto_err_code(code), needle ? needle : "", proto_err_code(err->code),
		    err->message);
	_fail(file, line);
}

void dtest_contains(const char *hay, const char *needle, const char *file, int line)
{
	if (hay && strstr(hay, needle))
		return;
	print_error("%s:%d: \"%s\" does not contain \"%s\"\n", file, line, hay ? hay : "(null)",
		    needle);
	_fail(file, line);
}

/* ---- directories ------------------------------------------------------------------- */

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void dtest_rmrf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *dtest_fresh_dir(const char *name, char out[PATH_MAX])
{
	if (mkdir(DTEST_DIR, 0700) < 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", DTEST_DIR, strerror(errno));
	snprintf(out, PATH_MAX, "%s/%s-%ld", DTEST_DIR, name, (long)getpid());
	dtest_rmrf(out);
	if (mkdir(out, 0700) < 0)
		fail_msg("mkdir %s: %s", out, strerror(errno));
	return out;
}

const char *dtest_write_file(const char *dir, const char *name, const char *text,
			     char out[PATH_MAX])
{
	FILE *f;

	if (snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		fail_msg("%s/%s: path too long", dir, name);
	f = fopen(out, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return out;
}

void dstore_open(struct dstore *d, const char *name, uint64_t map_size, uint64_t map_max)
{
	char base[PATH_MAX];
	int r;

	dtest_fresh_dir(name, base);
	if (snprintf(d->dir, sizeof(d->dir), "%.4000s/store", base) >= (int)sizeof(d->dir))
		fail_msg("path too long: %s", base);
	r = store_open(&d->st, d->dir, map_size, map_max, false);
	if (r < 0)
		fail_msg("store_open %s: %s", d->dir, strerror(-r));
}

void dstore_close(struct dstore *d)
{
	char base[PATH_MAX];
	char *slash;

	store_close(&d->st);
	snprintf(base, sizeof(base), "%s", d->dir);
	if ((slash = strrchr(base, '/')))
		*slash = '\0';
	dtest_rmrf(base);
}

/* ---- events -------------------------------------------------------------------------- */

static void kstr(msgpack_packer *pk, const char *k, const char *v)
{
	proto_pack_cstr(pk, k);
	proto_pack_cstr(pk, v);
}

void tev_pack(const struct ev_spec *s, uint64_t now_ms, msgpack_sbuffer *out)
{
	const char *type = s->type ? s->type : "declaration.submitted";
	bool is_decl = strcmp(type, "declaration.submitted") == 0;
	bool actor = s->actor_id && s->actor_role;
	msgpack_packer pk;
	uint32_t nbody;

	msgpack_sbuffer_init(out);
	msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, actor ? 6 : 5);
	proto_pack_cstr(&pk, "v");
	msgpack_pack_uint8(&pk, 1);
	kstr(&pk, "id", s->id);
	kstr(&pk, "type", type);
	proto_pack_cstr(&pk, "at");
	msgpack_pack_uint64(&pk, s->at ? s->at : now_ms - 60000);
	if (actor) {
		proto_pack_cstr(&pk, "actor");
		msgpack_pack_map(&pk, 2);
		kstr(&pk, "id", s->actor_id);
		kstr(&pk, "role", s->actor_role);
	}
	proto_pack_cstr(&pk, "body");
	if (is_decl)
		nbody = 5 + (s->bypass_manager ? 1 : 0);
	else
		nbody = 4 + (s->anonymous ? 1 : 0);
	msgpack_pack_map(&pk, nbody);
	proto_pack_cstr(&pk, "subject");
	msgpack_pack_map(&pk, is_decl ? 3 : 1);
	kstr(&pk, "id", s->subject_id ? s->subject_id : "S100");
	if (is_decl) {
		kstr(&pk, "vetting", "SC");
		kstr(&pk, "line_manager", "LM7");
	}
	proto_pack_cstr(&pk, "associate");
	msgpack_pack_map(&pk, 2);
	kstr(&pk, "name", "A. Associate");
	kstr(&pk, "kind", "person");
	if (is_decl)
		kstr(&pk, "relationship", "friend");
	proto_pack_cstr(&pk, "categories");
	msgpack_pack_array(&pk, 1);
	proto_pack_cstr(&pk, "media");
	kstr(&pk, "circumstances", s->circumstances ? s->circumstances : "met at a club");
	if (is_decl && s->bypass_manager) {
		proto_pack_cstr(&pk, "bypass_manager");
		msgpack_pack_true(&pk);
	}
	if (!is_decl && s->anonymous) {
		proto_pack_cstr(&pk, "anonymous");
		msgpack_pack_true(&pk);
	}
}

void tev_init(struct tev *t, const struct ev_spec *s, uint64_t now_ms)
{
	static const struct proto_limits lim = {
	    .max_message_bytes = 65536,
	    .clock_skew_ms = 300000,
	    .max_depth = PROTO_DEFAULT_MAX_DEPTH,
	    .max_items = PROTO_DEFAULT_MAX_ITEMS,
	};
	char id[PROTO_ID_MAX + 1];
	struct proto_error err;
	int r;

	memset(t, 0, sizeof(*t));
	tev_pack(s, now_ms, &t->buf);
	r = proto_event_decode(&t->item.ev, (const uint8_t *)t->buf.data, t->buf.size, now_ms, &lim,
			       id, &err);
	assert_proto_ok(r, &err);
	t->decoded = true;
}

void tev_release(struct tev *t)
{
	if (t->decoded)
		proto_event_release(&t->item.ev);
	t->decoded = false;
	msgpack_sbuffer_destroy(&t->buf);
}

struct ev_spec decl(const char *id, const char *subject)
{
	return (struct ev_spec){
	    .id = id, .actor_id = subject, .actor_role = "subject", .subject_id = subject};
}

struct ev_spec referral(const char *id, const char *subject, const char *role)
{
	return (struct ev_spec){.type = "referral.submitted",
				.id = id,
				.actor_id = "R9",
				.actor_role = role,
				.subject_id = subject};
}

struct ev_spec anon_referral(const char *id, const char *subject)
{
	return (struct ev_spec){
	    .type = "referral.submitted", .id = id, .subject_id = subject, .anonymous = true};
}

int dtest_apply(struct store *st, const struct ev_spec *specs, size_t n, uint64_t now_ms,
		struct batch_item *ret)
{
	struct tev *t = calloc(n, sizeof(*t));
	struct batch_item **items = calloc(n, sizeof(*items));
	int r;

	assert_non_null(t);
	assert_non_null(items);
	for (size_t i = 0; i < n; i++) {
		tev_init(&t[i], &specs[i], now_ms);
		items[i] = &t[i].item;
	}
	r = batch_apply(st, items, n, now_ms, dtest_policy());
	for (size_t i = 0; i < n; i++) {
		if (ret) {
			ret[i] = t[i].item;
			memset(&ret[i].ev, 0, sizeof(ret[i].ev)); /* released below */
		}
		tev_release(&t[i]);
	}
	free(items);
	free(t);
	return r;
}

/* ---- MessagePack ------------------------------------------------------------------- */

bool mp_str_is(const msgpack_object *o, const char *s)
{
	size_t n = strlen(s);

	return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
	       memcmp(o->via.str.ptr, s, n) == 0;
}

const msgpack_object *mp_get(const msgpack_object *map, const char *key)
{
	if (!map || map->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (uint32_t i = 0; i < map->via.map.size; i++)
		if (mp_str_is(&map->via.map.ptr[i].key, key))
			return &map->via.map.ptr[i].val;
	return NULL;
}

void dtest_mp_str(const msgpack_object *map, const char *key, const char *s, const char *file,
		  int line)
{
	const msgpack_object *o = mp_get(map, key);

	if (mp_str_is(o, s))
		return;
	if (o && o->type == MSGPACK_OBJECT_STR)
		print_error("%s:%d: %s is \"%.*s\", expected \"%s\"\n", file, line, key,
			    (int)o->via.str.size, o->via.str.ptr, s);
	else
		print_error("%s:%d: %s is %s, expected the string \"%s\"\n", file, line, key,
			    o ? "not a string" : "absent", s);
	_fail(file, line);
}

uint64_t dtest_mp_u64(const msgpack_object *map, const char *key, const char *file, int line)
{
	const msgpack_object *o = mp_get(map, key);

	if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		return o->via.u64;
	print_error("%s:%d: %s is %s, expected an unsigned integer\n", file, line, key,
		    o ? "of another type" : "absent");
	_fail(file, line);
	return 0;
}

/* ---- control ----------------------------------------------------------------------- */

void ctl_call(const struct ctl_env *env, const char *cmd, int nargs, const struct carg *args,
	      struct creply *ret)
{
	msgpack_sbuffer req, rep;
	msgpack_packer pk, rpk;
	const msgpack_object *ok, *err;
	struct ctl_read rd;
	size_t off = 0;
	int r;

	msgpack_sbuffer_init(&req);
	msgpack_packer_init(&pk, &req, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, nargs < 0 ? 2 : 3);
	proto_pack_cstr(&pk, "v");
	msgpack_pack_uint8(&pk, 1);
	kstr(&pk, "cmd", cmd);
	if (nargs >= 0) {
		proto_pack_cstr(&pk, "args");
		msgpack_pack_map(&pk, (size_t)nargs);
		for (int i = 0; i < nargs; i++) {
			proto_pack_cstr(&pk, args[i].key);
			if (args[i].type == CA_STR)
				proto_pack_cstr(&pk, args[i].s);
			else if (args[i].type == CA_UINT)
				msgpack_pack_uint64(&pk, args[i].u);
			else if (args[i].u)
				msgpack_pack_true(&pk);
			else
				msgpack_pack_false(&pk);
		}
	}
	msgpack_sbuffer_init(&rep);
	msgpack_packer_init(&rpk, &rep, msgpack_sbuffer_write);
	memset(ret, 0, sizeof(*ret));
	ctl_read_init(&rd);
	r = ctl_handle(env, (const uint8_t *)req.data, req.size, &rpk, &ret->job, &rd);
	/* a read is journaled before it is answered */
	if (r & CTL_RECORD) {
		struct readlog_rec rec = {(const uint8_t *)rd.entry.data, rd.entry.size,
					  rd.refs.data, rd.refs.size, 0};
		struct batch_input in = {
		    .reads = &rec, .n_reads = 1, .policy = dtest_policy(), .now_ms = env->now_ms};

		assert_true(rd.entry.size > 0);
		assert_int_equal(batch_run(env->st, &in, NULL), 0);
		ret->recorded = true;
		ret->read_seq = rec.seq;
	} else {
		assert_int_equal(rd.entry.size, 0);
	}
	ctl_read_destroy(&rd);
	/* a deferred command (backup, audit.verify) runs here as the reactor's thread runs it */
	if (r & CTL_DEFERRED) {
		assert_int_equal(rep.size, 0); /* nothing packed yet */
		ret->deferred = true;
		ctl_job_run(env->st, &ret->job, &rpk);
	}
	msgpack_sbuffer_destroy(&req);

	msgpack_unpacked_init(&ret->up);
	assert_int_equal(msgpack_unpack_next(&ret->up, rep.data, rep.size, &off),
			 MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(off, rep.size); /* one map, nothing after it */
	ret->bytes = rep;                /* the tree points into it */
	ret->root = &ret->up.data;
	assert_int_equal(ret->root->type, MSGPACK_OBJECT_MAP);
	assert_int_equal(mp_u64(ret->root, "v"), 1);
	ok = mp_get(ret->root, "ok");
	assert_non_null(ok);
	assert_int_equal(ok->type, MSGPACK_OBJECT_BOOLEAN);
	ret->ok = ok->via.boolean;
	if (ret->ok) {
		ret->result = mp_get(ret->root, "result");
		assert_non_null(ret->result);
		return;
	}
	err = mp_get(ret->root, "error");
	assert_non_null(err);
	const msgpack_object *c = mp_get(err, "code"), *m = mp_get(err, "message");
	assert_true(c && c->type == MSGPACK_OBJECT_STR && c->via.str.size < sizeof(ret->code_buf));
	assert_true(m && m->type == MSGPACK_OBJECT_STR && m->via.str.size <= PROTO_ERRMSG);
	memcpy(ret->code_buf, c->via.str.ptr, c->via.str.size);
	memcpy(ret->message, m->via.str.ptr, m->via.str.size);
	ret->code = ret->code_buf;
}

void creply_release(struct creply *r)
{
	msgpack_unpacked_destroy(&r->up);
	msgpack_sbuffer_destroy(&r->bytes);
}

void dtest_ctl_ok(const struct creply *r, const char *file, int line)
{
	if (r->ok)
		return;
	print_error("%s:%d: expected ok, got %s: %s\n", file, line, r->code, r->message);
	_fail(file, line);
}

void dtest_ctl_err(const struct creply *r, const char *code, const char *needle, const char *file,
		   int line)
{
	if (!r->ok && strcmp(r->code, code) == 0 && (!needle || strstr(r->message, needle)))
		return;
	print_error("%s:%d: expected %s containing \"%s\", got %s: %s\n", file, line, code,
		    needle ? needle : "", r->ok ? "ok" : r->code, r->ok ? "" : r->message);
	_fail(file, line);
}

int dstore_setup(void **state, const char *name, uint64_t map_size, uint64_t map_max)
{
	struct dstore *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	dstore_open(d, name, map_size, map_max);
	*state = d;
	return 0;
}

int dstore_teardown(void **state)
{
	dstore_close(*state);
	free(*state);
	return 0;
}

const struct policy *dtest_policy(void)
{
	static struct policy p;
	static bool loaded;
	char dir[PATH_MAX], path[PATH_MAX], err[CONFIG_ERR_MAX];
	struct config cfg;

	if (loaded)
		return &p;
	dtest_fresh_dir("policy", dir);
	dtest_write_file(dir, "empty.conf", "", path);
	if (config_load(&cfg, path, err) < 0 || policy_load(&p, &cfg, err) < 0)
		fail_msg("default policy: %s", err);
	loaded = true;
	return &p;
}
