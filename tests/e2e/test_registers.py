"""Corruption reports (CR) and wrongdoing reports (WR) end to end (REGISTERS.md "Corruption
reports (CR)", "Wrongdoing reports (WR)"), over real sockets, from PROTOCOL.md and REGISTERS.md
only: each kind's path step by step with the state in case.get after each step, the kinds'
own fields and marks in case.get, case.list and report.summary by kind, the side effects in
the durable outbox and on a SUB socket, the iopc_referral deadline breached and escalated in
seconds (or met by iopc.referred), the kinds' bad input in PROTOCOL.md's check order, and the
cases as they were after a restart.

Every daemon here is the test's own, so the references are numbered from 1. Deadlines are the
production defaults (days) but in the deadline test, whose config makes iopc_referral 2 s and
every other kind an hour."""

import re
import unittest

from harness import (DEADLINE_KINDS, LINE_MANAGER, SCALE, DaemonTestCase, Subscriber,
                     declaration, new_id, new_subject_id, note_line, now_ms,
                     roles_of, year)

# how late a deadline may fire, in ms, as test_deadlines.py allows (the sanitizer build is
# slower)
LATE = int(600 / min(1.0, SCALE))

# REGISTERS.md's deadline kinds beside WORKFLOW.md's (harness.DEADLINE_KINDS)
REGISTER_DEADLINE_KINDS = ("psd_consultation", "cr_assessment", "development_review",
                           "iopc_referral", "cr_investigation", "wr_assessment",
                           "management_action", "wr_investigation", "reporter_update")
# REGISTERS.md: "New topics: integrity.flag, iopc.referral_due, report.follow_up, report.reply"

GRADING = {"source": "untested", "information": "B", "handling": "P"}
PSD, AA, REPORTER = "PSD-0101", "AA1", "R-100"
ACTORS = {"psd": PSD, "aa": AA, "reporter": REPORTER, "line_manager": LINE_MANAGER}


def ref_re(kind):
    return re.compile(r"^%s-(\d{4})-(\d{6})$" % kind)


def ref(kind, n):
    return "%s-%04d-%06d" % (kind, year(), n)


def wait_s(ms):
    """A bound for waiting until `ms` from now: the time itself plus LATE and a margin."""
    return (max(0, ms) + LATE) / 1000.0 + 2.0


def ev(type, role, body, case=None, at=None, actor_id=None):
    """One event map; role None: no actor."""
    e = {"v": 1, "id": new_id(type.replace(".", "-")), "type": type,
         "at": now_ms() if at is None else at, "body": body}
    if role:
        e["actor"] = {"id": actor_id or ACTORS[role], "role": role}
    if case is not None:
        e["case"] = case
    return e


def corruption_report(role="line_manager", allegation=("inappropriate_association",), **over):
    body = {"subject": {"id": new_subject_id("CRS")}, "allegation": list(allegation),
            "circumstances": "Seen passing custody records to a known dealer in March."}
    body.update(over)
    return ev("corruption.reported", role, body)


def wrongdoing_report(role="reporter", **over):
    body = {"standards": ["honesty_integrity"],
            "circumstances": "Overtime claims for shifts nobody saw worked."}
    body.update(over)
    return ev("wrongdoing.reported", role, body)


def register_deadlines(**kinds):
    """A [deadlines] section: every kind of WORKFLOW.md and REGISTERS.md an hour, so that
    only the kinds a test names fire while it runs."""
    sec = {"reminders": kinds.pop("reminders", "1s"),
           "escalation_interval": kinds.pop("escalation_interval", "2s")}
    for k in DEADLINE_KINDS + REGISTER_DEADLINE_KINDS:
        sec[k] = kinds.pop(k, "1h")
    if kinds:
        raise ValueError("not deadline kinds: %s" % sorted(kinds))
    return sec


class RegisterCase(DaemonTestCase):
    """Helpers: a daemon with a SUB on it, and events sent on a REQ socket."""

    def daemon(self, name=None, **deadlines):
        sections = {"deadlines": register_deadlines(**deadlines)} if deadlines else None
        d = self.new_daemon(name, sections=sections)
        sub = Subscriber(d)
        self.addCleanup(sub.close)
        self.client = d.intake_req()
        self.addCleanup(self.client.close)
        return d, sub

    def send(self, e):
        return self.client.request(e)

    def accept(self, e, kind=None, case=None):
        """Sends e and asserts it is accepted (on `case`, or opening a case of `kind`)."""
        r = self.assert_accepted(self.client, e, case)
        if kind is not None:
            self.assertRegex(r.get("case") or "", ref_re(kind), r)
        return r

    def step(self, d, case, type, role, body, state, **kw):
        """An event on case that must be accepted and leave it in `state`; returns the reply."""
        e = ev(type, role, body, case=case, **kw)
        r = self.accept(e, case=case)
        self.assertEqual(d.case(case)["state"], state, "after %s on %s" % (type, case))
        return r

    def reject(self, e, code, field=None):
        """Sends e and asserts it is rejected with code, the message naming `field` (a
        regex) when given."""
        r = self.send(e)
        self.assertRejected(r, code, field, msg="request %r" % (e,))
        return r


# --------------------------------------------------------------------------------------------

class CorruptionReports(RegisterCase):

    def test_manager_report_through_development_and_investigation_to_misconduct(self):
        d, sub = self.daemon("crpath")
        # an NA case first: CR references are numbered per kind, not after NA's
        self.accept(declaration(), "NA")
        e = corruption_report("line_manager")
        r = self.accept(e, "CR")
        cr = r["case"]
        self.assertEqual(cr, ref("CR", 1), "the first CR of the year")
        got = d.case(cr)
        self.assertEqual((got["kind"], got["state"]), ("CR", "awaiting_consultation"), got)
        self.assertEqual(got["allegation"], ["inappropriate_association"], got)
        self.assertEqual(got["subject"]["id"], e["body"]["subject"]["id"], got)
        self.assertEqual((got["marks"], got["flags"]), ([], []), got)

        self.step(d, cr, "consultation.recorded", "psd",
                  {"response": "Discreet enquiries by the manager; PSD to assess."},
                  "awaiting_assessment")
        self.step(d, cr, "assessment.recorded", "psd",
                  {"grading": dict(GRADING), "outcome": "intelligence_development"},
                  "under_development")
        got = d.case(cr)
        self.assertEqual(got["grading"], GRADING, got)

        # case.list by state finds it while it is there, as a CR
        listed = d.result("case.list", state="under_development")["cases"]
        self.assertEqual([(c["case"], c["kind"], c["state"]) for c in listed],
                         [(cr, "CR", "under_development")], listed)
        # report.summary with kind CR counts it, and not the NA case
        s = d.result("report.summary", kind="CR")
        self.assertEqual(s["cases"], 1, s)
        self.assertEqual(s["kind"].get("CR"), 1, s["kind"])
        self.assertEqual(s["kind"].get("NA", 0), 0, s["kind"])
        self.assertEqual(s["state"].get("under_development"), 1, s["state"])
        s_all = d.result("report.summary")
        self.assertEqual((s_all["cases"], s_all["kind"].get("CR"), s_all["kind"].get("NA")),
                         (2, 1, 1), s_all["kind"])

        self.step(d, cr, "development.reviewed", "psd", {"outcome": "investigation"},
                  "under_investigation")
        self.assertEqual(d.result("case.list", state="under_development")["cases"], [],
                         "it has left under_development")
        self.step(d, cr, "investigation.concluded", "aa",
                  {"outcome": "misconduct", "reasons": "The records were disclosed knowingly."},
                  "closed")
        got = d.case(cr)
        self.assertEqual(got["closed_reason"], "misconduct", got)
        self.assertEqual((got["kind"], got["grading"], got["allegation"], got["marks"],
                          got["flags"]),
                         ("CR", GRADING, ["inappropriate_association"], [], []), got)
        self.assertEqual([h["type"] for h in got["history"]],
                         ["corruption.reported", "consultation.recorded", "assessment.recorded",
                          "development.reviewed", "investigation.concluded"], got["history"])

        # misconduct.referral: two frames (topic, map) on the SUB, recipients psd
        n = sub.wait_for("misconduct.referral", cr)
        frames = [f for f, m in sub.received if m is n][0]
        self.assertEqual(frames[0], b"misconduct.referral")
        self.assertEqual(roles_of(n), {"psd"}, n)
        self.assertEqual(n["state"], "closed", n)
        durable = d.notes_for(cr, "misconduct.referral")
        self.assertEqual(durable, [n], "the outbox holds the one SUB saw")

        # numbered per kind: the next CR is 2, the first WR 1
        self.assertEqual(self.accept(corruption_report("psd"), "CR")["case"], ref("CR", 2))
        self.assertEqual(self.accept(wrongdoing_report(), "WR")["case"], ref("WR", 1))

    def test_report_to_psd_awaits_assessment_and_extremism_is_referred_to_prevent(self):
        d, sub = self.daemon("crdirect")
        plain = self.accept(corruption_report("reporter"), "CR")["case"]
        self.assertEqual(d.case(plain)["state"], "awaiting_assessment")
        ext = self.accept(corruption_report("psd", allegation=("extremism", "drugs")), "CR")["case"]
        self.assertEqual(d.case(ext)["state"], "awaiting_assessment")
        n = sub.wait_for("prevent.referral", ext)
        self.assertEqual(n["case"], ext)
        self.assertEqual(d.notes_for(plain, "prevent.referral"), [],
                         "no extremism in the allegation, no prevent.referral")

    def test_mandatory_referral_breaches_and_escalates_unless_referred(self):
        d, sub = self.daemon("criopc", iopc_referral="2s", escalation_interval="2s",
                             reminders="1s")
        late = self.accept(corruption_report("psd"), "CR")["case"]
        met = self.accept(corruption_report("psd"), "CR")["case"]
        at = now_ms()
        body = {"grading": dict(GRADING), "outcome": "investigation", "mandatory_referral": True}
        self.step(d, late, "assessment.recorded", "psd", dict(body), "under_investigation", at=at)
        self.step(d, met, "assessment.recorded", "psd", dict(body), "under_investigation", at=at)
        due = at + 2000

        for case in (late, met):
            n = sub.wait_for("iopc.referral_due", case)
            self.assertEqual(roles_of(n), {"aa"}, n)
            dl = d.case_deadlines(case, "iopc_referral")
            self.assertEqual([(x["due_at"], x["status"]) for x in dl], [(due, "open")], dl)

        # the second case is referred before its due time: met, and nothing fires for it
        self.step(d, met, "iopc.referred", "aa", {"reference": "IOPC-2026-0042"},
                  "under_investigation")
        dl = d.case_deadlines(met, "iopc_referral")
        self.assertEqual([x["status"] for x in dl], ["met"], dl)
        # met once: a second referral has no deadline to meet
        self.reject(ev("iopc.referred", "psd", {}, case=met), "invalid_transition",
                    "under_investigation")

        # the first is breached at its due time (to aa), then escalates
        b = sub.wait_for("deadline.breached", late, timeout=wait_s(due - now_ms()),
                         where=lambda n: n["deadline"]["kind"] == "iopc_referral")
        self.assertEqual((b["deadline"]["due_at"], b["deadline"]["level"]), (due, 0), b)
        self.assertGreaterEqual(b["at"], due, "breached early: %r" % (b,))
        self.assertIn("aa", roles_of(b), b)
        x = sub.wait_for("deadline.escalated", late, timeout=wait_s(due + 2000 - now_ms()),
                         where=lambda n: n["deadline"]["kind"] == "iopc_referral")
        self.assertEqual((x["deadline"]["due_at"], x["deadline"]["level"]), (due, 1), x)
        self.assertGreaterEqual(x["at"], due + 2000, "escalated early: %r" % (x,))
        self.assertIn("head_of_psd", roles_of(x), x)
        dl = d.case_deadlines(late, "iopc_referral")
        self.assertEqual([x["status"] for x in dl], ["breached"], dl)

        # by now the met one's due time is 2 s past: no breach, no escalation
        fired = [note_line(n) for n in sub.notes(met)
                 if n["topic"] in ("deadline.breached", "deadline.escalated")]
        self.assertEqual(fired, [], "iopc_referral fired on a case referred in time")
        self.assertEqual([x["status"] for x in d.case_deadlines(met, "iopc_referral")], ["met"])
        # the SUB saw what the outbox holds, for both
        for case in (late, met):
            self.assertEqual(sub.notes(case), d.notes_for(case), case)

    def test_bad_input_on_a_corruption_report(self):
        d, _ = self.daemon("crbad")
        cr = self.accept(corruption_report("line_manager"), "CR")["case"]
        missing = ref("CR", 999999)
        before = d.case(cr)

        # an NA-only event type: invalid_transition naming the kind and the state
        na_only = ev("manager.reviewed", "line_manager", {"comments": "Discussed."}, case=cr)
        r = self.reject(na_only, "invalid_transition", "CR")
        self.assertRegex(r["error"]["message"], r"\bawaiting_consultation\b", r)
        # unknown_case comes before the kind's event types
        self.reject(dict(na_only, id=new_id("na-only"), case=missing), "unknown_case")

        self.step(d, cr, "consultation.recorded", "psd", {"response": "PSD to assess."},
                  "awaiting_assessment")
        # an NA body (risk, no grading) on a CR case: the kind's own body says what is wrong
        no_grading = ev("assessment.recorded", "psd", {"outcome": "investigation"}, case=cr)
        self.reject(no_grading, "missing_field", r"body\.grading")
        # with NA's risk in it as well, two things are wrong; PROTOCOL.md does not say which
        # a body reports first, and the daemon's codec names an unknown key before a missing
        # one for every kind (NA's own bodies too): either answer, naming its field
        na_body = ev("assessment.recorded", "psd", {"outcome": "investigation", "risk": "medium"},
                     case=cr)
        r = self.send(na_body)
        err = r.get("error") or {}
        self.assertIn((err.get("code"), (re.match(r"^(body\.\w+)\b", err.get("message", ""))
                                         or [None])[0]),
                      (("missing_field", "body.grading"), ("invalid_field", "body.risk")),
                      "request %r, reply %r" % (na_body, r))
        self.assertRejected(r, err["code"], r"body\.(grading|risk)")
        # and the other way round: a CR body on an NA case is NA's invalid_field
        na = self.accept(declaration(bypass_manager=True), "NA")["case"]
        self.reject(ev("assessment.recorded", "psd",
                       {"outcome": "mitigation", "risk": "medium", "grading": dict(GRADING)},
                       case=na), "invalid_field", r"body\.grading")
        # mandatory_referral only with outcome investigation
        nfa_referral = ev("assessment.recorded", "psd",
                          {"grading": dict(GRADING), "outcome": "no_further_action",
                           "mandatory_referral": True}, case=cr)
        self.reject(nfa_referral, "invalid_field", r"body\.mandatory_referral")
        # the same bad bodies on a CR reference that does not exist: unknown_case first
        for bad in (no_grading, na_body, nfa_referral):
            self.reject(dict(bad, id=new_id("nocase"), case=missing), "unknown_case",
                        re.escape(missing))
        # a grading outside 3x5x2
        self.reject(ev("assessment.recorded", "psd",
                       {"grading": dict(GRADING, information="F"), "outcome": "investigation"},
                       case=cr), "invalid_field", r"body\.grading\.information")
        # iopc.referred with no iopc_referral open
        self.reject(ev("iopc.referred", "aa", {}, case=cr), "invalid_transition",
                    "awaiting_assessment")
        # a role the row does not name, on a good body
        self.reject(ev("assessment.recorded", "aa",
                       {"grading": dict(GRADING), "outcome": "investigation"}, case=cr),
                    "forbidden")
        # nothing of that changed the case
        after = d.case(cr)
        self.assertEqual(after["state"], "awaiting_assessment")
        self.assertEqual([h["type"] for h in after["history"]],
                         [h["type"] for h in before["history"]] + ["consultation.recorded"])
        self.assertNotIn("grading", {k for k, v in after.items() if v}, after)


# --------------------------------------------------------------------------------------------

class WrongdoingReports(RegisterCase):

    def test_report_naming_nobody_to_investigation_then_found_in_bad_faith(self):
        d, sub = self.daemon("wrpath")
        e = wrongdoing_report("reporter")
        wr = self.accept(e, "WR")["case"]
        self.assertEqual(wr, ref("WR", 1))
        got = d.case(wr)
        self.assertEqual((got["kind"], got["state"]), ("WR", "awaiting_assessment"), got)
        self.assertEqual(got["standards"], ["honesty_integrity"], got)
        self.assertFalse((got.get("subject") or {}).get("id"), "no subject named: %r" % (got,))

        sid = new_subject_id("WRS")
        self.step(d, wr, "subject.updated", "psd", {"subject": {"id": sid, "rank": "PS"}},
                  "awaiting_assessment")
        got = d.case(wr)
        self.assertEqual(got["subject"]["id"], sid, got)
        listed = d.result("case.list", subject=sid)["cases"]
        self.assertEqual([(c["case"], c["kind"], c["subject_id"]) for c in listed],
                         [(wr, "WR", sid)], listed)
        # the id is set now: it cannot change
        self.reject(ev("subject.updated", "psd", {"subject": {"id": sid + "X"}}, case=wr),
                    "invalid_field", r"body\.subject\.id")

        self.step(d, wr, "assessment.recorded", "psd", {"outcome": "misconduct_investigation"},
                  "under_investigation")
        n = sub.wait_for("misconduct.referral", wr)
        self.assertEqual(n["state"], "under_investigation", n)
        self.step(d, wr, "investigation.concluded", "aa",
                  {"outcome": "no_case_to_answer", "reasons": "The claims match the rosters."},
                  "closed")
        got = d.case(wr)
        self.assertEqual((got["closed_reason"], got["marks"]), ("no_case_to_answer", []), got)

        # "any state, closed included"
        self.step(d, wr, "bad_faith.found", "psd",
                  {"reasons": "The reporter knew the rosters and reported regardless."},
                  "closed")
        got = d.case(wr)
        self.assertEqual(got["marks"], ["bad_faith"], got)
        self.assertEqual((got["kind"], got["closed_reason"], got["flags"]),
                         ("WR", "no_case_to_answer", []), got)
        self.assertEqual(d.notes_for(wr, "prevent.referral"), [], "no extremism, no prevent")

        # extremism: true -> prevent.referral
        ext = self.accept(wrongdoing_report("line_manager", extremism=True), "WR")["case"]
        self.assertEqual(ext, ref("WR", 2))
        n = sub.wait_for("prevent.referral", ext)
        self.assertEqual(n["case"], ext)
        self.assertEqual(len(d.notes_for(ext, "prevent.referral")), 1)

    def test_bad_input_on_a_wrongdoing_report(self):
        d, _ = self.daemon("wrbad")
        wr = self.accept(wrongdoing_report(), "WR")["case"]
        # a CR-only type and a CR-only outcome on a WR case
        self.reject(ev("consultation.recorded", "psd", {"response": "x"}, case=wr),
                    "invalid_transition", "WR")
        self.reject(ev("assessment.recorded", "psd", {"outcome": "intelligence_development"},
                       case=wr), "invalid_field", r"body\.outcome")
        # WR's assessment has no grading
        self.reject(ev("assessment.recorded", "psd",
                       {"outcome": "management_action", "grading": dict(GRADING)}, case=wr),
                    "invalid_field", r"body\.grading")
        self.reject(wrongdoing_report(standards=[]), "invalid_field", r"body\.standards")
        self.reject(wrongdoing_report(standards=["punctuality"]), "invalid_field",
                    r"body\.standards(\[0\])?")
        self.reject(wrongdoing_report("psd"), "forbidden")
        self.assertEqual(d.case(wr)["state"], "awaiting_assessment")


# --------------------------------------------------------------------------------------------

class Restart(RegisterCase):

    def test_cases_of_both_kinds_survive_a_restart(self):
        d, _ = self.daemon("regrestart")
        cr = self.accept(corruption_report("line_manager", allegation=("drugs", "theft_fraud")),
                         "CR")["case"]
        self.step(d, cr, "consultation.recorded", "psd", {"response": "PSD to assess."},
                  "awaiting_assessment")
        self.step(d, cr, "assessment.recorded", "psd",
                  {"grading": dict(GRADING), "outcome": "intelligence_development"},
                  "under_development")
        wr = self.accept(wrongdoing_report(), "WR")["case"]
        sid = new_subject_id("WRS")
        self.step(d, wr, "subject.updated", "psd", {"subject": {"id": sid}}, "awaiting_assessment")
        self.step(d, wr, "assessment.recorded", "psd", {"outcome": "no_further_action"}, "closed")
        self.step(d, wr, "bad_faith.found", "aa", {"reasons": "Made to settle a grudge."},
                  "closed")
        before = {c: d.case(c) for c in (cr, wr)}

        self.client.close()
        self.assertEqual(d.restart(), 0, "SIGTERM exit code")
        self.client = d.intake_req()
        self.addCleanup(self.client.close)

        keys = ("case", "kind", "state", "subject", "history", "deadlines", "closed_reason",
                "marks", "flags")
        for c, fields in ((cr, keys + ("allegation", "grading")),
                          (wr, keys + ("standards",))):
            got = d.case(c)
            for k in fields:
                self.assertIn(k, got, "%s after the restart" % c)
                self.assertEqual(got[k], before[c][k], "%s's %s after the restart" % (c, k))
        got = d.case(cr)
        self.assertEqual((got["kind"], got["state"], got["allegation"], got["grading"]),
                         ("CR", "under_development", ["drugs", "theft_fraud"], GRADING))
        got = d.case(wr)
        self.assertEqual((got["kind"], got["state"], got["subject"]["id"], got["marks"],
                          got["standards"]),
                         ("WR", "closed", sid, ["bad_faith"], ["honesty_integrity"]))
        self.assertEqual([c["case"] for c in d.result("case.list", subject=sid)["cases"]], [wr])

        # the cases go on, and the numbering with them
        self.step(d, cr, "development.reviewed", "psd", {"outcome": "investigation"},
                  "under_investigation")
        self.assertEqual(self.accept(corruption_report("psd"), "CR")["case"], ref("CR", 2))
        self.assertEqual(self.accept(wrongdoing_report(), "WR")["case"], ref("WR", 2))


if __name__ == "__main__":
    unittest.main()
