/* The bodies of the events on an NA case (WORKFLOW.md "Events on an NA case", "Shared body
 * parts"), row by row: each type's minimal and full bodies are accepted, each required field
 * missing is missing_field, each enum outside its list and each unknown key invalid_field,
 * and the conditional rules hold both ways. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "testutil.h"
#include "typetab.h"

#define CASE_REF "NA-2026-000001"
#define CONDS    "[{'code':'no_contact','text':'No contact with A.'}]"

/* One row of WORKFLOW.md's table: the body with its required fields only, the body with
 * every field, and the names of its required fields and of its enum fields. */
struct row {
	const char *type;
	const char *minimal;
	const char *full;
	const char *required[4];
	const char *enums[3];
};

static const struct row rows[] = {
    {"manager.reviewed",
     "{'comments':'Spoke to PC A.'}",
     "{'comments':'c','advice':'a','interim_mitigation':['no contact','report any contact']}",
     {"comments"},
     {NULL}},
    {"assessment.recorded",
     "{'outcome':'interview','risk':'medium'}",
     "{'outcome':'mitigation','risk':'high','notes':'n'}",
     {"outcome", "risk"},
     {"outcome", "risk"}},
    {"interview.recorded",
     "{'outcome':'mitigation','police_friend':false}",
     "{'outcome':'no_further_action','police_friend':true,'notes':'n'}",
     {"outcome", "police_friend"},
     {"outcome"}},
    {"mitigation.proposed",
     "{'conditions':" CONDS "}",
     "{'conditions':[{'code':'report_contact','text':'t'},{'code':'other','text':'u'}]}",
     {"conditions"},
     {NULL}},
    {"mitigation.agreed", "{}", "{}", {NULL}, {NULL}},
    {"mitigation.disputed", "{'reason':'Too wide.'}", "{'reason':'r'}", {"reason"}, {NULL}},
    {"representations.submitted",
     "{'text':'t','police_friend':false}",
     "{'text':'t','police_friend':true}",
     {"text", "police_friend"},
     {NULL}},
    {"aa.approved", "{}", "{'conditions':" CONDS ",'review_period':'6mo'}", {NULL}, {NULL}},
    {"aa.determined",
     "{'decision':'no_risk','reasons':'r'}",
     "{'decision':'cease','conditions':" CONDS ",'review_period':'12mo','reasons':'r'}",
     {"decision", "reasons"},
     {"decision"}},
    {"determination.served", "{}", "{}", {NULL}, {NULL}},
    {"appeal.lodged", "{'grounds':'g'}", "{'grounds':'g'}", {"grounds"}, {NULL}},
    {"strategy_meeting.held", "{}", "{'attendees':['H1','PSD 7','AA1']}", {NULL}, {NULL}},
    {"appeal.decided",
     "{'outcome':'upheld'}",
     "{'outcome':'varied','conditions':" CONDS "}",
     {"outcome"},
     {"outcome"}},
    {"breach.reported", "{'details':'d'}", "{'details':'d'}", {"details"}, {NULL}},
    {"review.requested", "{'reason':'r'}", "{'reason':'r'}", {"reason"}, {NULL}},
    {"review.completed",
     "{'outcome':'no_change','representations_made':false}",
     "{'outcome':'varied','conditions':" CONDS ",'representations_made':true}",
     {"outcome", "representations_made"},
     {"outcome"}},
    {"vetting.reviewed",
     "{'outcome':'clearance_maintained'}",
     "{'outcome':'clearance_withdrawn'}",
     {"outcome"},
     {"outcome"}},
    {"subject.updated",
     "{'subject':{'rank':'Sgt'}}",
     "{'subject':{'name':'N','rank':'R','department':'D','vetting':'SC','line_manager':'S1'}}",
     {"subject"},
     {NULL}},
    {"deadline.extended",
     "{'kind':'psd_assessment','due_at':1769904000000,'reason':'r'}",
     "{'kind':'vetting_review','due_at':1769904000000,'reason':'r'}",
     {"kind", "due_at", "reason"},
     {"kind"}},
    {"case.closed", "{'reason':'withdrawn'}", "{'reason':'subject_left'}", {"reason"}, {"reason"}},
};
#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

/* The types WORKFLOW.md lists on an NA case, the two openers included. */
#define N_NA_TYPES 22

/* ---- helpers ---- */

static json_t *event(const char *type, const char *body)
{
	char text[1024];
	json_t *doc;

	snprintf(text, sizeof(text),
		 "{'v':1,'id':'t-1','type':'%s','at':%llu,'actor':{'id':'P1','role':'psd'},"
		 "'case':'" CASE_REF "','body':%s}",
		 type, (unsigned long long)AT_MS, body);
	doc = doc_parse(text);
	return doc;
}

/* Failures name the type: the "file" of the report is the type. */
#define accept_in(row, doc)             check_accepted((doc), (row)->type, __LINE__)
#define reject_in(row, doc, code, need) check_rejected((doc), (code), (need), (row)->type, __LINE__)

static void accept_body(const char *type, const char *body)
{
	check_accepted(event(type, body), type, __LINE__);
}

static void reject_body(const char *type, const char *body, enum proto_err code, const char *needle)
{
	check_rejected(event(type, body), code, needle, type, __LINE__);
}

/* ---- every row ---- */

static void test_every_type_of_the_na_table_is_known(void **state)
{
	size_t n = 0;

	(void)state;
	for (const struct proto_type *t = proto_types; t->name != NULL; t++)
		n++;
	assert_int_equal(n, N_NA_TYPES);
	assert_int_equal(N_ROWS, N_NA_TYPES - 2);
	for (size_t i = 0; i < N_ROWS; i++)
		assert_non_null(proto_type_find(
		    (struct proto_str){rows[i].type, (uint32_t)strlen(rows[i].type)}));
}

static void test_every_type_but_the_openers_acts_on_a_case_with_an_actor(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ROWS; i++) {
		const struct proto_type *t = proto_type_find(
		    (struct proto_str){rows[i].type, (uint32_t)strlen(rows[i].type)});
		json_t *doc;

		assert_int_equal(t->opens, KIND_NONE);
		assert_true(t->actor_required);
		assert_null(t->anon_flag);
		doc = event(rows[i].type, rows[i].minimal);
		doc_del(doc, "case");
		reject_in(&rows[i], doc, PROTO_MISSING_FIELD, "case: is required");
		doc = event(rows[i].type, rows[i].minimal);
		doc_del(doc, "actor");
		reject_in(&rows[i], doc, PROTO_MISSING_FIELD, "actor: is required on");
	}
}

static void test_minimal_body_of_every_type_is_accepted(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ROWS; i++)
		accept_in(&rows[i], event(rows[i].type, rows[i].minimal));
}

static void test_full_body_of_every_type_is_accepted(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ROWS; i++)
		accept_in(&rows[i], event(rows[i].type, rows[i].full));
}

static void test_each_required_field_missing_is_missing_field_naming_it(void **state)
{
	char path[64], needle[96];

	(void)state;
	for (size_t i = 0; i < N_ROWS; i++) {
		for (size_t k = 0; rows[i].required[k] != NULL; k++) {
			const char *bodies[] = {rows[i].minimal, rows[i].full};

			snprintf(path, sizeof(path), "body.%s", rows[i].required[k]);
			snprintf(needle, sizeof(needle), "%s: is required but missing", path);
			for (size_t b = 0; b < 2; b++) {
				json_t *doc = event(rows[i].type, bodies[b]);

				doc_del(doc, path);
				reject_in(&rows[i], doc, PROTO_MISSING_FIELD, needle);
			}
		}
	}
}

static void test_each_enum_outside_its_list_is_invalid_field_naming_it(void **state)
{
	char path[64], needle[96];

	(void)state;
	for (size_t i = 0; i < N_ROWS; i++) {
		for (size_t k = 0; rows[i].enums[k] != NULL; k++) {
			json_t *doc = event(rows[i].type, rows[i].full);

			snprintf(path, sizeof(path), "body.%s", rows[i].enums[k]);
			snprintf(needle, sizeof(needle), "%s: must be one of", path);
			doc_set(doc, path, json_string("nope"));
			reject_in(&rows[i], doc, PROTO_INVALID_FIELD, needle);
		}
	}
}

static void test_unknown_body_key_is_invalid_field_on_every_type(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ROWS; i++) {
		json_t *doc = event(rows[i].type, rows[i].full);

		doc_set(doc, "body.colour", json_string("red"));
		reject_in(&rows[i], doc, PROTO_INVALID_FIELD, "body.colour: unknown field");
	}
}

/* PROTOCOL.md: a misspelt field is never dropped, even on a type whose body is empty */
static void test_empty_bodies_take_no_fields(void **state)
{
	(void)state;
	reject_body("mitigation.agreed", "{'reason':'r'}", PROTO_INVALID_FIELD,
		    "body.reason: unknown field; a misspelt field is never ignored");
	reject_body("determination.served", "{'served_at':1}", PROTO_INVALID_FIELD,
		    "body.served_at: unknown field");
}

/* ---- conditions (WORKFLOW.md "Shared body parts") ---- */

static void test_conditions_are_a_non_empty_array_of_code_and_text(void **state)
{
	const char *t = "mitigation.proposed";

	(void)state;
	reject_body(t, "{'conditions':[]}", PROTO_INVALID_FIELD,
		    "body.conditions: must be a non-empty array of maps");
	reject_body(t, "{'conditions':{'code':'other','text':'t'}}", PROTO_INVALID_FIELD,
		    "body.conditions: must be an array");
	reject_body(t, "{'conditions':[{'code':'other'}]}", PROTO_MISSING_FIELD,
		    "body.conditions[0].text: is required");
	reject_body(t, "{'conditions':[{'text':'t'}]}", PROTO_MISSING_FIELD,
		    "body.conditions[0].code: is required");
	reject_body(t, "{'conditions':[{'code':'other','text':'t'},{'code':'curfew','text':'t'}]}",
		    PROTO_INVALID_FIELD, "body.conditions[1].code: must be one of report_contact");
	reject_body(t, "{'conditions':[{'code':'other','text':''}]}", PROTO_INVALID_FIELD,
		    "body.conditions[0].text: must not be an empty string");
	reject_body(t, "{'conditions':[{'code':'other','text':'t','until':'2027-01-01'}]}",
		    PROTO_INVALID_FIELD, "body.conditions[0].until: unknown field");
}

static void test_every_condition_code_of_workflow_is_accepted(void **state)
{
	static const char *const codes[] = {"report_contact",      "no_contact",
					    "posting_restriction", "social_media_disconnect",
					    "cease_association",   "other"};
	char body[128];

	(void)state;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		snprintf(body, sizeof(body), "{'conditions':[{'code':'%s','text':'t'}]}", codes[i]);
		accept_body("mitigation.proposed", body);
	}
}

static void test_conditions_hold_at_most_the_array_bound(void **state)
{
	json_t *doc = event("mitigation.proposed", "{'conditions':[]}");
	json_t *list = json_object_get(json_object_get(doc, "body"), "conditions");

	(void)state;
	for (int i = 0; i < PROTO_ARRAY_MAX; i++)
		json_array_append_new(list, doc_parse("{'code':'other','text':'t'}"));
	assert_accepted(json_deep_copy(doc));
	json_array_append_new(list, doc_parse("{'code':'other','text':'t'}"));
	assert_rejected(doc, PROTO_INVALID_FIELD,
			"body.conditions: must be an array of at most 64");
}

/* ---- the conditional rules ---- */

/* "the PSD AA will decide ...": `conditions` (when not `no_risk`) */
static void test_aa_determined_needs_conditions_unless_no_risk(void **state)
{
	const char *t = "aa.determined";

	(void)state;
	accept_body(t, "{'decision':'conditions','conditions':" CONDS ",'reasons':'r'}");
	accept_body(t, "{'decision':'cease','conditions':" CONDS ",'reasons':'r'}");
	reject_body(t, "{'decision':'conditions','reasons':'r'}", PROTO_MISSING_FIELD,
		    "body.conditions: is required when decision is conditions");
	reject_body(t, "{'decision':'cease','reasons':'r'}", PROTO_MISSING_FIELD,
		    "body.conditions: is required when decision is cease");
}

static void test_aa_determined_no_risk_takes_no_conditions(void **state)
{
	(void)state;
	accept_body("aa.determined", "{'decision':'no_risk','reasons':'r'}");
	reject_body("aa.determined", "{'decision':'no_risk','conditions':" CONDS ",'reasons':'r'}",
		    PROTO_INVALID_FIELD, "body.conditions: not allowed when decision is no_risk");
}

/* "uphold, confirm or vary": conditions when varied */
static void test_appeal_decided_takes_conditions_only_when_varied(void **state)
{
	const char *t = "appeal.decided";

	(void)state;
	accept_body(t, "{'outcome':'varied','conditions':" CONDS "}");
	accept_body(t, "{'outcome':'confirmed'}");
	reject_body(t, "{'outcome':'varied'}", PROTO_MISSING_FIELD,
		    "body.conditions: is required when outcome is varied");
	reject_body(t, "{'outcome':'upheld','conditions':" CONDS "}", PROTO_INVALID_FIELD,
		    "body.conditions: not allowed when outcome is upheld");
	reject_body(t, "{'outcome':'confirmed','conditions':" CONDS "}", PROTO_INVALID_FIELD,
		    "body.conditions: not allowed when outcome is confirmed");
}

/* annual review; "any variation ... right of appeal": conditions when varied */
static void test_review_completed_takes_conditions_only_when_varied(void **state)
{
	const char *t = "review.completed";

	(void)state;
	accept_body(t, "{'outcome':'removed','representations_made':true}");
	reject_body(t, "{'outcome':'varied','representations_made':true}", PROTO_MISSING_FIELD,
		    "body.conditions: is required when outcome is varied");
	reject_body(t, "{'outcome':'removed','conditions':" CONDS ",'representations_made':true}",
		    PROTO_INVALID_FIELD, "body.conditions: not allowed when outcome is removed");
	reject_body(t, "{'outcome':'no_change','conditions':" CONDS ",'representations_made':true}",
		    PROTO_INVALID_FIELD, "body.conditions: not allowed when outcome is no_change");
}

/* The order is fixed whatever the order of the keys: invalid values as sent, then missing
 * required fields, then the conditional rules. */
static void test_conditional_rules_come_after_plain_ones_in_a_fixed_order(void **state)
{
	const char *t = "aa.determined";

	(void)state;
	reject_body(t, "{'conditions':" CONDS ",'reasons':'r'}", PROTO_MISSING_FIELD,
		    "body.decision: is required but missing");
	reject_body(t, "{'decision':'no_risk','conditions':" CONDS "}", PROTO_MISSING_FIELD,
		    "body.reasons: is required but missing");
	reject_body(t, "{'conditions':[],'decision':'no_risk','reasons':'r'}", PROTO_INVALID_FIELD,
		    "body.conditions: must be a non-empty array");
	reject_body(t, "{'decision':'maybe','conditions':" CONDS ",'reasons':'r'}",
		    PROTO_INVALID_FIELD,
		    "body.decision: must be one of no_risk, conditions, cease");
}

/* ---- durations ---- */

static void test_review_period_is_a_duration(void **state)
{
	static const char *const good[] = {"12mo", "6mo", "28d", "10wd", "1y", "300s", "2h"};
	char body[128];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(body, sizeof(body), "{'review_period':'%s'}", good[i]);
		accept_body("aa.approved", body);
		snprintf(body, sizeof(body),
			 "{'decision':'cease','conditions':" CONDS
			 ",'review_period':'%s','reasons':'r'}",
			 good[i]);
		accept_body("aa.determined", body);
	}
}

static void test_review_period_that_is_not_a_duration_is_invalid_field(void **state)
{
	static const char *const bad[] = {"12", "mo", "12 mo", "-1d", "1.5y", "12months", "P1Y"};
	char body[128], needle[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body), "{'review_period':'%s'}", bad[i]);
		snprintf(needle, sizeof(needle),
			 "body.review_period: '%s' is not a duration (a number and s, m, h, d, "
			 "wd, mo or y",
			 bad[i]);
		reject_body("aa.approved", body, PROTO_INVALID_FIELD, needle);
	}
	reject_body("aa.approved", "{'review_period':12}", PROTO_INVALID_FIELD,
		    "body.review_period: must be a string; got an unsigned integer");
	reject_body("aa.approved", "{'review_period':''}", PROTO_INVALID_FIELD,
		    "body.review_period: must not be an empty string");
}

static void test_review_period_of_zero_or_overflowing_is_invalid_field(void **state)
{
	(void)state;
	reject_body("aa.approved", "{'review_period':'0d'}", PROTO_INVALID_FIELD,
		    "body.review_period: '0d' is not a duration");
	reject_body("aa.approved", "{'review_period':'0mo'}", PROTO_INVALID_FIELD,
		    "body.review_period: '0mo' is not a duration");
	reject_body("aa.approved", "{'review_period':'213503982335d'}", PROTO_INVALID_FIELD,
		    "body.review_period: '213503982335d' is not a duration");
	reject_body("aa.approved", "{'review_period':'99999999999999999999999y'}",
		    PROTO_INVALID_FIELD, "is not a duration");
}

static void test_review_period_in_a_message_is_escaped(void **state)
{
	json_t *doc = event("aa.approved", "{}");

	(void)state;
	doc_set(doc, "body.review_period", json_string("12\x01mo"));
	assert_rejected(doc, PROTO_INVALID_FIELD, "body.review_period: '12\\x01mo' is not");
}

/* ---- the other bodies ---- */

/* "keeping records right": any subject fields but id */
static void test_subject_updated_changes_at_least_one_field(void **state)
{
	(void)state;
	reject_body("subject.updated", "{'subject':{}}", PROTO_INVALID_FIELD,
		    "body.subject: must hold at least 1 of name, rank, department, vetting, "
		    "line_manager, characteristics; got 0");
	reject_body("subject.updated", "{}", PROTO_MISSING_FIELD,
		    "body.subject: is required but missing");
	reject_body("subject.updated", "{'subject':'Sgt'}", PROTO_INVALID_FIELD,
		    "body.subject: must be a map");
}

static void test_subject_updated_accepts_each_field_alone(void **state)
{
	static const char *const one[] = {
	    "{'name':'N'}",     "{'rank':'Insp'}",         "{'department':'CID'}",
	    "{'vetting':'DV'}", "{'line_manager':'S 99'}", "{'characteristics':{'sex':'male'}}",
	};
	char body[128];

	(void)state;
	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		snprintf(body, sizeof(body), "{'subject':%s}", one[i]);
		accept_body("subject.updated", body);
	}
}

static void test_subject_updated_cannot_change_the_id(void **state)
{
	(void)state;
	reject_body("subject.updated", "{'subject':{'id':'E2','rank':'Sgt'}}", PROTO_INVALID_FIELD,
		    "body.subject.id: a subject's id cannot change");
	reject_body("subject.updated", "{'subject':{'id':'E2'}}", PROTO_INVALID_FIELD,
		    "body.subject.id: a subject's id cannot change");
}

static void test_subject_updated_checks_fields_as_a_declaration_does(void **state)
{
	(void)state;
	reject_body("subject.updated", "{'subject':{'vetting':'TOP'}}", PROTO_INVALID_FIELD,
		    "body.subject.vetting: must be one of RV, MV");
	reject_body("subject.updated", "{'subject':{'line_manager':'S\\u00011'}}",
		    PROTO_INVALID_FIELD, "body.subject.line_manager: must not contain control");
	reject_body("subject.updated", "{'subject':{'rnak':'Sgt'}}", PROTO_INVALID_FIELD,
		    "body.subject.rnak: unknown field; allowed here: name, rank, department, "
		    "vetting, line_manager, characteristics");
	reject_body("subject.updated", "{'subject':{'characteristics':{'age_band':'60'}}}",
		    PROTO_INVALID_FIELD, "body.subject.characteristics.age_band: must be one of");
	reject_body("subject.updated", "{'subject':{'characteristics':{'age':'25_34'}}}",
		    PROTO_INVALID_FIELD, "body.subject.characteristics.age: unknown field");
}

/* "within 28 days ... strategy meeting": attendees are staff ids */
static void test_strategy_meeting_attendees_are_distinct_staff_ids(void **state)
{
	const char *t = "strategy_meeting.held";

	(void)state;
	accept_body(t, "{'attendees':['H1']}");
	reject_body(t, "{'attendees':[]}", PROTO_INVALID_FIELD,
		    "body.attendees: must be a non-empty array of staff ids");
	reject_body(t, "{'attendees':'H1'}", PROTO_INVALID_FIELD,
		    "body.attendees: must be an array of staff ids; got a string");
	reject_body(t, "{'attendees':['H1',7]}", PROTO_INVALID_FIELD,
		    "body.attendees[1]: must be a string");
	reject_body(t, "{'attendees':['H1','']}", PROTO_INVALID_FIELD,
		    "body.attendees[1]: must not be an empty string");
	reject_body(t, "{'attendees':['H\\n1']}", PROTO_INVALID_FIELD,
		    "body.attendees[0]: must not contain control characters");
	reject_body(t, "{'attendees':['H1','AA1','H1']}", PROTO_INVALID_FIELD,
		    "body.attendees[2]: \"H1\" is listed twice");
}

static void test_staff_ids_are_at_most_128_bytes(void **state)
{
	char body[256];

	(void)state;
	snprintf(body, sizeof(body), "{'attendees':['%0128d']}", 0);
	accept_body("strategy_meeting.held", body);
	snprintf(body, sizeof(body), "{'attendees':['%0129d']}", 0);
	reject_body("strategy_meeting.held", body, PROTO_INVALID_FIELD,
		    "body.attendees[0]: must be at most 128 bytes");
}

/* WMP "manager comments and any advice/mitigation should be recorded" */
static void test_interim_mitigation_is_an_array_of_text(void **state)
{
	const char *t = "manager.reviewed";

	(void)state;
	reject_body(t, "{'comments':'c','interim_mitigation':[]}", PROTO_INVALID_FIELD,
		    "body.interim_mitigation: must be a non-empty array of strings");
	reject_body(t, "{'comments':'c','interim_mitigation':'no contact'}", PROTO_INVALID_FIELD,
		    "body.interim_mitigation: must be an array of strings");
	reject_body(t, "{'comments':'c','interim_mitigation':['a','']}", PROTO_INVALID_FIELD,
		    "body.interim_mitigation[1]: must not be an empty string");
}

/* WMP interviews, police friend; "the PSD AA will allow ... representations" */
static void test_police_friend_and_representations_made_are_booleans(void **state)
{
	(void)state;
	reject_body("interview.recorded", "{'outcome':'mitigation','police_friend':'yes'}",
		    PROTO_INVALID_FIELD, "body.police_friend: must be true or false");
	reject_body("representations.submitted", "{'text':'t','police_friend':1}",
		    PROTO_INVALID_FIELD, "body.police_friend: must be true or false");
	reject_body("review.completed", "{'outcome':'removed','representations_made':null}",
		    PROTO_INVALID_FIELD, "body.representations_made: must be true or false");
}

/* a recorded reason for every extension: the kind is a [deadlines] key */
static void test_deadline_extended_names_each_deadlines_kind(void **state)
{
	static const char *const kinds[] = {
	    "manager_review",
	    "psd_assessment",
	    "interview",
	    "mitigation_proposal",
	    "mitigation_response",
	    "aa_approval",
	    "representations",
	    "aa_determination",
	    "service",
	    "appeal_window",
	    "strategy_meeting",
	    "appeal_decision",
	    "annual_review",
	    "review",
	    "vetting_review",
	};
	char body[160];
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(body, sizeof(body), "{'kind':'%s','due_at':1,'reason':'r'}", kinds[i]);
		accept_body("deadline.extended", body);
	}
	while (proto_deadline_kinds[n] != NULL)
		n++;
	assert_int_equal(n, sizeof(kinds) / sizeof(kinds[0]));
	reject_body("deadline.extended", "{'kind':'retention','due_at':1,'reason':'r'}",
		    PROTO_INVALID_FIELD, "body.kind: must be one of");
}

static void test_deadline_extended_due_at_is_a_time_in_ms(void **state)
{
	const char *t = "deadline.extended";

	(void)state;
	reject_body(t, "{'kind':'review','due_at':'2026-02-01','reason':'r'}", PROTO_INVALID_FIELD,
		    "body.due_at: must be an unsigned integer");
	reject_body(t, "{'kind':'review','due_at':-1,'reason':'r'}", PROTO_INVALID_FIELD,
		    "body.due_at: must be an unsigned integer; got a negative integer");
	reject_body(t, "{'kind':'review','due_at':1.5,'reason':'r'}", PROTO_INVALID_FIELD,
		    "body.due_at: must be an unsigned integer; got a float");
}

static void test_each_close_reason_of_workflow_is_accepted(void **state)
{
	static const char *const reasons[] = {"association_ceased", "no_further_action",
					      "withdrawn", "subject_left", "other"};
	char body[96];

	(void)state;
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		snprintf(body, sizeof(body), "{'reason':'%s'}", reasons[i]);
		accept_body("case.closed", body);
	}
}

static void test_free_text_is_at_most_16384_bytes(void **state)
{
	json_t *doc = event("breach.reported", "{}");
	char *text = malloc(PROTO_TEXT_MAX + 2);

	(void)state;
	assert_non_null(text);
	memset(text, 'x', PROTO_TEXT_MAX + 1);
	text[PROTO_TEXT_MAX + 1] = '\0';
	doc_set(doc, "body.details", json_string(text));
	assert_rejected(json_deep_copy(doc), PROTO_INVALID_FIELD,
			"body.details: must be at most 16384 bytes");
	text[PROTO_TEXT_MAX] = '\0';
	doc_set(doc, "body.details", json_string(text));
	assert_accepted(doc);
	free(text);
}

/* ---- the table itself ---- */

static const struct proto_field *field_named(const struct proto_field *f, const char *name)
{
	for (; f->type != PF_END; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

static bool listed(const char *const *values, const char *v)
{
	for (; *values != NULL; values++)
		if (strcmp(*values, v) == 0)
			return true;
	return false;
}

/* A conditional field depends on an enum sibling, on values that enum has; it is never
 * plainly required, and a refused key is never required. Counts the rules met. */
static void check_rules(const struct proto_field *fields, int *n_when, int *n_refused)
{
	for (const struct proto_field *f = fields; f->type != PF_END; f++) {
		const struct proto_field *sib;

		if (f->refused != NULL) {
			assert_false(f->required);
			++*n_refused;
		}
		if (f->fields != NULL)
			check_rules(f->fields, n_when, n_refused);
		if (f->when_field == NULL) {
			assert_null(f->when_values);
			continue;
		}
		++*n_when;
		sib = field_named(fields, f->when_field);
		assert_false(f->required);
		assert_non_null(sib);
		assert_int_equal(sib->type, PF_ENUM);
		assert_non_null(f->when_values);
		for (const char *const *v = f->when_values; *v != NULL; v++)
			assert_true(listed(sib->values, *v));
	}
}

static void test_conditional_and_refused_fields_are_well_formed(void **state)
{
	int n_when = 0, n_refused = 0;

	(void)state;
	for (const struct proto_type *t = proto_types; t->name != NULL; t++)
		check_rules(proto_kind_body(KIND_NA, t), &n_when, &n_refused);
	/* aa.determined, appeal.decided and review.completed's conditions; subject.updated's id:
	 * each tested both ways above */
	assert_int_equal(n_when, 3);
	assert_int_equal(n_refused, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_type_of_the_na_table_is_known),
	    cmocka_unit_test(test_every_type_but_the_openers_acts_on_a_case_with_an_actor),
	    cmocka_unit_test(test_minimal_body_of_every_type_is_accepted),
	    cmocka_unit_test(test_full_body_of_every_type_is_accepted),
	    cmocka_unit_test(test_each_required_field_missing_is_missing_field_naming_it),
	    cmocka_unit_test(test_each_enum_outside_its_list_is_invalid_field_naming_it),
	    cmocka_unit_test(test_unknown_body_key_is_invalid_field_on_every_type),
	    cmocka_unit_test(test_empty_bodies_take_no_fields),
	    cmocka_unit_test(test_conditions_are_a_non_empty_array_of_code_and_text),
	    cmocka_unit_test(test_every_condition_code_of_workflow_is_accepted),
	    cmocka_unit_test(test_conditions_hold_at_most_the_array_bound),
	    cmocka_unit_test(test_aa_determined_needs_conditions_unless_no_risk),
	    cmocka_unit_test(test_aa_determined_no_risk_takes_no_conditions),
	    cmocka_unit_test(test_appeal_decided_takes_conditions_only_when_varied),
	    cmocka_unit_test(test_review_completed_takes_conditions_only_when_varied),
	    cmocka_unit_test(test_conditional_rules_come_after_plain_ones_in_a_fixed_order),
	    cmocka_unit_test(test_review_period_is_a_duration),
	    cmocka_unit_test(test_review_period_that_is_not_a_duration_is_invalid_field),
	    cmocka_unit_test(test_review_period_of_zero_or_overflowing_is_invalid_field),
	    cmocka_unit_test(test_review_period_in_a_message_is_escaped),
	    cmocka_unit_test(test_subject_updated_changes_at_least_one_field),
	    cmocka_unit_test(test_subject_updated_accepts_each_field_alone),
	    cmocka_unit_test(test_subject_updated_cannot_change_the_id),
	    cmocka_unit_test(test_subject_updated_checks_fields_as_a_declaration_does),
	    cmocka_unit_test(test_strategy_meeting_attendees_are_distinct_staff_ids),
	    cmocka_unit_test(test_staff_ids_are_at_most_128_bytes),
	    cmocka_unit_test(test_interim_mitigation_is_an_array_of_text),
	    cmocka_unit_test(test_police_friend_and_representations_made_are_booleans),
	    cmocka_unit_test(test_deadline_extended_names_each_deadlines_kind),
	    cmocka_unit_test(test_deadline_extended_due_at_is_a_time_in_ms),
	    cmocka_unit_test(test_each_close_reason_of_workflow_is_accepted),
	    cmocka_unit_test(test_free_text_is_at_most_16384_bytes),
	    cmocka_unit_test(test_conditional_and_refused_fields_are_well_formed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
