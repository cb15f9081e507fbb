#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus-NAME/ (Debian
python3-msgpack): corpus-proto (intake and control requests), corpus-ctl (control requests
against fuzz_ctl's store), corpus-wf (step lists for fuzz_wf, see fuzz_wf.c).

Run from anywhere: ./tests/fuzz/make-corpus.py. The files are committed; rerun after
changing a seed. Seeds are valid requests of every shape plus a few broken ones, so the
fuzzer starts from deep inside the validator rather than at the first byte check; the
workflow's are walks along WORKFLOW.md's and REGISTERS.md's paths (NA, CR, WR and BI cases,
and the reporter's channel), with time moving and timers firing."""
import os
import struct

import msgpack

AT = 1767225000000  # 2026-01-01 minus ten minutes; the fuzzers' "now" is 2026-01-01
DAY = 86400000

DECLARATION = {
    "v": 1, "id": "decl-0001", "type": "declaration.submitted", "at": AT,
    "actor": {"id": "E1234", "role": "subject"},
    "body": {
        "subject": {"id": "E1234", "name": "Sam Example", "rank": "PC",
                    "department": "Response", "vetting": "MV", "line_manager": "S5678"},
        "associate": {"name": "Alex Person", "kind": "person", "details": "school friend"},
        "relationship": "friend",
        "categories": ["criminal_conviction", "victim_witness_live_case"],
        "circumstances": "We met again at a reunion. Caf\u00e9 \u20ac \U0001F600",
        "started_on": "2024-02-29", "social_media": True, "home_working": False,
        "live_case_ref": "OP-77", "vulnerable": True, "bypass_manager": False,
    },
}

REFERRAL = {
    "v": 1, "id": "ref-0001", "type": "referral.submitted", "at": AT,
    "actor": {"id": "R1", "role": "reporter"},
    "body": {"subject": {"id": "E1234", "vetting": "SC"},
             "associate": {"name": "Group X", "kind": "group"},
             "categories": ["extremist"], "circumstances": "Seen at a rally."},
}

ANONYMOUS = {
    "v": 1, "id": "ref-0002", "type": "referral.submitted", "at": AT,
    "body": {"subject": {"id": "E9"}, "associate": {"name": "A", "kind": "person"},
             "categories": ["media", "other"], "circumstances": "Anonymous tip.",
             "anonymous": True},
}

CONDITIONS = [{"code": "no_contact", "text": "No contact with A."},
              {"code": "report_contact", "text": "Report any chance meeting."}]

# One body per event on an open case (WORKFLOW.md "Events on an NA case"), with every field.
ON_CASE = {
    "manager.reviewed": {"comments": "Spoke to PC A.", "advice": "Keep away.",
                         "interim_mitigation": ["no contact", "report any contact"]},
    "assessment.recorded": {"outcome": "mitigation", "risk": "high", "notes": "n"},
    "interview.recorded": {"outcome": "mitigation", "police_friend": True, "notes": "n"},
    "mitigation.proposed": {"conditions": CONDITIONS},
    "mitigation.agreed": {},
    "mitigation.disputed": {"reason": "Too wide."},
    "representations.submitted": {"text": "I ask for less.", "police_friend": False},
    "aa.approved": {"conditions": CONDITIONS, "review_period": "6mo"},
    "aa.determined": {"decision": "cease", "conditions": CONDITIONS, "review_period": "10wd",
                      "reasons": "r"},
    "determination.served": {},
    "appeal.lodged": {"grounds": "g"},
    "strategy_meeting.held": {"attendees": ["H1", "PSD 7", "AA1"]},
    "appeal.decided": {"outcome": "varied", "conditions": CONDITIONS},
    "breach.reported": {"details": "Met A."},
    "review.requested": {"reason": "A was charged."},
    "review.completed": {"outcome": "varied", "conditions": CONDITIONS,
                         "representations_made": True},
    "vetting.reviewed": {"outcome": "clearance_reviewed"},
    "subject.updated": {"subject": {"rank": "Sgt", "vetting": "SC", "line_manager": "S1"}},
    "deadline.extended": {"kind": "psd_assessment", "due_at": AT + 86400000,
                          "reason": "Sickness."},
    "case.closed": {"reason": "association_ceased"},
}


def on_case(type_, body):
    return {"v": 1, "id": "ev-" + type_, "type": type_, "at": AT,
            "actor": {"id": "P1", "role": "psd"}, "case": "NA-2026-000001", "body": body}


def pack(obj):
    return msgpack.packb(obj, use_bin_type=True)


def with_(base, path, value):
    """A deep copy of base with the dotted path set (value None deletes it)."""
    import copy
    doc = copy.deepcopy(base)
    *parents, last = path.split(".")
    node = doc
    for p in parents:
        node = node[p]
    if value is None:
        node.pop(last, None)
    else:
        node[last] = value
    return doc


def seeds():
    yield "valid-declaration", pack(DECLARATION)
    yield "valid-referral", pack(REFERRAL)
    yield "valid-anonymous-referral", pack(ANONYMOUS)
    for type_, body in ON_CASE.items():
        yield "valid-" + type_.replace(".", "-"), pack(on_case(type_, body))
    yield "ctl-status", pack({"v": 1, "cmd": "status"})
    yield "ctl-case-get", pack({"v": 1, "cmd": "case.get", "args": {"case": "NA-2026-000001"}})
    yield "ctl-case-list", pack({"v": 1, "cmd": "case.list",
                                 "args": {"state": "closed", "limit": 100, "after": None,
                                          "nested": [{"a": [1, -1, 1.5, b"bin"]}]}})
    yield "bad-unknown-body-key", pack(with_(DECLARATION, "body.vettng", "MV"))
    yield "bad-anonymous-with-actor", pack(with_(ANONYMOUS, "actor",
                                                 {"id": "R1", "role": "reporter"}))
    yield "bad-version", pack(with_(REFERRAL, "v", 2))
    yield "bad-future-at", pack(with_(REFERRAL, "at", AT * 2))
    yield "bad-empty-categories", pack(with_(DECLARATION, "body.categories", []))
    yield "bad-date", pack(with_(DECLARATION, "body.started_on", "2023-02-29"))
    yield "bad-utf8", pack(DECLARATION).replace(b"Alex Person", b"Alex\xed\xa0\x80Pers")
    yield "bad-conditions-with-no-risk", pack(on_case("aa.determined", {
        "decision": "no_risk", "conditions": CONDITIONS, "reasons": "r"}))
    yield "bad-varied-without-conditions", pack(on_case("appeal.decided", {"outcome": "varied"}))
    yield "bad-review-period", pack(on_case("aa.approved", {"review_period": "12 mo"}))
    yield "bad-subject-id-change", pack(on_case("subject.updated", {"subject": {"id": "E2"}}))
    yield "bad-attendee-twice", pack(on_case("strategy_meeting.held",
                                             {"attendees": ["H1", "H1"]}))
    yield "bad-no-case", pack(with_(on_case("breach.reported", {"details": "d"}), "case", None))
    yield "bad-truncated", pack(REFERRAL)[:-7]
    yield "bad-trailing", pack(REFERRAL) + b"\xc0"
    yield "bad-array32-bomb", b"\x81\xa4body\xdd" + struct.pack(">I", 0x10000000)
    yield "bad-ext", b"\x81\xa1a\xd6\xff\x00\x00\x00\x00"
    yield "bad-int-key", b"\x81\x01\x02"


# ---- fuzz_ctl: control requests; fuzz_ctl's store has NA-2026-000001 to 000004 ----------

def ctl(cmd, args=None):
    req = {"v": 1, "cmd": cmd}
    if args is not None:
        req["args"] = args
    return pack(req)


def ctl_seeds():
    yield "status", ctl("status")
    yield "status-empty-args", ctl("status", {})
    for n in range(1, 5):
        yield "case-get-%d" % n, ctl("case.get", {"case": "NA-2026-%06d" % n})
    yield "case-get-unknown", ctl("case.get", {"case": "NA-2026-999999"})
    yield "case-get-no-args", ctl("case.get")
    yield "case-list", ctl("case.list")
    yield "case-list-page", ctl("case.list", {"limit": 2, "after": "NA-2026-000001"})
    yield "case-list-state", ctl("case.list", {"state": "conditions_active"})
    yield "case-list-subject", ctl("case.list", {"subject": "S1", "limit": 1000})
    yield "case-list-bad-state", ctl("case.list", {"state": "nonsense"})
    yield "case-list-limit-0", ctl("case.list", {"limit": 0})
    yield "deadlines-list", ctl("deadlines.list")
    yield "deadlines-overdue", ctl("deadlines.list", {"overdue": True, "limit": 3})
    yield "deadlines-before", ctl("deadlines.list", {"before": AT + 30 * DAY, "overdue": False})
    yield "notifications-since-0", ctl("notifications.since", {"seq": 0})
    yield "notifications-since-page", ctl("notifications.since", {"seq": 3, "limit": 2})
    yield "notifications-since-none", ctl("notifications.since", {"seq": 2 ** 64 - 1})
    yield "report-summary", ctl("report.summary")
    yield "report-summary-range", ctl("report.summary", {"from": AT, "to": AT + 2 * DAY})
    yield "report-summary-empty-range", ctl("report.summary", {"from": AT, "to": AT})
    yield "audit-verify", ctl("audit.verify")
    yield "audit-reads", ctl("audit.reads", {"case": "NA-2026-000001"})
    yield "backup", ctl("backup", {"path": "/nonexistent/fuzz-backup"})
    yield "backup-relative", ctl("backup", {"path": "backup"})
    yield "backup-nul", ctl("backup", {"path": "/tmp/a\0b"})
    yield "reload", ctl("reload")
    yield "reseal", ctl("reseal")
    yield "reseal-with-args", ctl("reseal", {"now": True})
    yield "unknown-command", ctl("case.delete", {"case": "NA-2026-000001"})
    yield "unknown-arg", ctl("case.get", {"case": "NA-2026-000001", "cas": 1})
    yield "wrong-arg-type", ctl("deadlines.list", {"overdue": "yes", "before": -1})
    yield "args-not-map", pack({"v": 1, "cmd": "status", "args": [1, 2]})
    yield "bad-version", pack({"v": 2, "cmd": "status"})


# ---- fuzz_wf: step lists (the ops of fuzz_wf.c) -----------------------------------------

OP_EVENT, OP_JUMP, OP_RUN, OP_FIRE_DUE, OP_FIRE, OP_ASSIGN, OP_DISPOSE, OP_POLICY = range(8)
WF_NOW = AT + 600000  # fuzz_wf's clock starts at FUZZ_NOW_MS, 2026-01-01
SUBJECT = {"id": "S1", "vetting": "SC", "line_manager": "LM1"}
ACTORS = {
    "subject": {"id": "S1", "role": "subject"},
    "line_manager": {"id": "LM1", "role": "line_manager"},
    "psd": {"id": "P1", "role": "psd"},
    "aa": {"id": "AA1", "role": "aa"},
    "head_of_psd": {"id": "H1", "role": "head_of_psd"},
    "vetting": {"id": "V1", "role": "vetting"},
    "reporter": {"id": "R1", "role": "reporter"},
    "hr": {"id": "HR1", "role": "hr"},
}
ROLE = {
    "manager.reviewed": "line_manager", "assessment.recorded": "psd",
    "interview.recorded": "psd", "mitigation.proposed": "psd", "mitigation.agreed": "subject",
    "mitigation.disputed": "subject", "representations.submitted": "subject",
    "aa.approved": "aa", "aa.determined": "aa", "determination.served": "psd",
    "appeal.lodged": "subject", "strategy_meeting.held": "head_of_psd",
    "appeal.decided": "head_of_psd", "breach.reported": "psd", "review.requested": "aa",
    "review.completed": "aa", "vetting.reviewed": "vetting", "subject.updated": "psd",
    "deadline.extended": "psd", "case.closed": "psd",
    # REGISTERS.md
    "consultation.recorded": "psd", "development.reviewed": "psd", "iopc.referred": "aa",
    "investigation.concluded": "aa", "action.completed": "line_manager",
    "bad_faith.found": "psd", "psd.replied": "psd",
}

# REGISTERS.md: one body per event on a CR or WR case (a shared type's, the kind's own)
GRADING = {"source": "untested", "information": "C", "handling": "P"}
KIND_BODIES = {
    "consultation.recorded": {"response": "Covert development agreed."},
    "development.reviewed": {"outcome": "continue", "grading": GRADING, "notes": "n"},
    "iopc.referred": {"reference": "IOPC/2026/17"},
    "investigation.concluded": {"outcome": "misconduct", "reasons": "r"},
    "action.completed": {"notes": "Words of advice."},
    "bad_faith.found": {"reasons": "Malicious: a neighbour's dispute."},
    "psd.replied": {"text": "We are looking into it."},
    "subject.updated": {"subject": {"rank": "Sgt"}},
    "case.closed": {"reason": "withdrawn"},
}
# the token fuzz_wf gives an anonymous report (FUZZ_TOKEN), as the accepted reply shows it
TOKEN = "K7QF-9XJ2-M4R8-T6VW-0ABC-DEFG-4M"
# fuzz_wf's OP_FIRE kinds (enum dl_kind): REGISTERS.md's follow WORKFLOW.md's 16
(DL_PSD_CONSULTATION, DL_CR_ASSESSMENT, DL_DEVELOPMENT_REVIEW, DL_IOPC_REFERRAL,
 DL_CR_INVESTIGATION, DL_WR_ASSESSMENT, DL_MANAGEMENT_ACTION, DL_WR_INVESTIGATION,
 DL_REPORTER_UPDATE) = range(16, 25)
# BI's, after GH's four (config.h)
(DL_HR_ASSESSMENT, DL_PSD_CHECK, DL_BI_DECISION, DL_BI_APPEAL_WINDOW, DL_BI_APPEAL_DECISION,
 DL_BI_ANNUAL_REVIEW) = range(29, 35)
# REGISTERS.md "Business interests": one body per event on a BI case, and who sends it
BI_CONDITIONS = [{"code": "other", "text": "No more than 8 hours a week."}]
BI_EVENTS = {
    "hr.assessed": ("hr", {"recommendation": "approve_with_conditions", "notes": "n"}),
    "psd.checked": ("psd", {"outcome": "no_concern"}),
    "business_interest.decided": ("aa", {"decision": "refused", "reasons": "r"}),
    "business_interest.appealed": ("subject", {"grounds": "g"}),
    "business_interest.appeal_decided": ("head_of_psd", {"outcome": "upheld", "reasons": "r",
                                                         "conditions": BI_CONDITIONS}),
    "business_interest.reviewed": ("hr", {"outcome": "continue"}),
    "business_interest.ended": ("subject", {"ended_on": "2026-06-01"}),
    "breach.reported": ("psd", {"details": "Worked 20 hours."}),
}


class Walk:
    """Builds one fuzz_wf input: events dated at the walk's clock, time moving on."""

    def __init__(self):
        self.now = WF_NOW
        self.out = b""
        self.n = 0
        self.case = "NA-2026-000001"  # the case the walk's events name

    def frame(self, ev):
        self.n += 1
        ev = dict(ev, v=1, id="w-%d" % self.n, at=ev.get("at", self.now - 1000))
        b = pack(ev)
        self.out += struct.pack(">BH", OP_EVENT, len(b)) + b
        return self

    def open(self, **extra):
        body = {"subject": SUBJECT, "associate": {"name": "A N Other", "kind": "person"},
                "relationship": "friend", "categories": ["criminal_conviction"],
                "circumstances": "met at school"}
        body.update(extra)
        self.case = "NA-2026-000001"
        return self.frame({"type": "declaration.submitted", "actor": ACTORS["subject"],
                           "body": body})

    def report(self, kind, by=None, subject=True, **extra):
        """A corruption (CR) or wrongdoing (WR) report: by an actor's role, or anonymous."""
        if kind == "CR":
            body = {"subject": {"id": "S1", "line_manager": "LM1"},
                    "allegation": ["theft_fraud", "systems_misuse"],
                    "circumstances": "seen taking cash", "occurred_on": "2025-11-30"}
        else:
            body = {"standards": ["honesty_integrity", "discreditable_conduct"],
                    "circumstances": "falsified a statement"}
            if subject:
                body["subject"] = {"id": "S1", "line_manager": "LM1"}
        body.update(extra)
        ev = {"type": "corruption.reported" if kind == "CR" else "wrongdoing.reported",
              "body": body}
        if by is None:
            body["anonymous"] = True
        else:
            ev["actor"] = ACTORS[by]
        self.case = kind + "-2026-000001"
        return self.frame(ev)

    def apply(self):
        """A business interest (BI): S1 applies for a second job."""
        self.case = "BI-2026-000001"
        return self.frame({"type": "business_interest.applied", "actor": ACTORS["subject"],
                           "body": {"subject": {"id": "S1", "line_manager": "LM1"},
                                    "interest": {"kind": "second_job",
                                                 "organisation": {"name": "Acme Haulage Ltd",
                                                                  "org_id": "01234567"},
                                                 "role": "driver", "hours_per_week": 8,
                                                 "paid": True, "starts_on": "2026-03-01"}}})

    def bev(self, type_, by=None, **body):
        """An event on the BI case: BI_EVENTS' body with body's keys over it (None drops)."""
        role, b = BI_EVENTS[type_]
        b = dict(b, **body)
        b = {k: v for k, v in b.items() if v is not None}
        return self.frame({"type": type_, "case": self.case, "actor": ACTORS[by or role],
                           "body": b})

    def kev(self, type_, body=None, by=None):
        """An event on the CR or WR case: KIND_BODIES' body unless given."""
        body = KIND_BODIES[type_] if body is None else body
        return self.frame({"type": type_, "case": self.case,
                           "actor": ACTORS[by or ROLE[type_]], "body": body})

    def follow_up(self, by=None, token=TOKEN, text="Any news?"):
        """The reporter follows up: as the named reporter (case and their actor), or by
        token (no case, no actor)."""
        if by is None:
            return self.frame({"type": "report.followed_up",
                               "body": {"token": token, "text": text}})
        return self.frame({"type": "report.followed_up", "case": self.case,
                           "actor": ACTORS[by], "body": {"text": text}})

    def referral(self, anonymous=False):
        self.case = "NA-2026-000001"
        ev = {"type": "referral.submitted",
              "body": {"subject": {"id": "S1", "vetting": "MV"},
                       "associate": {"name": "Group X", "kind": "group"},
                       "categories": ["extremist", "victim_witness_live_case"],
                       "circumstances": "seen at a rally"}}
        if anonymous:
            ev["body"]["anonymous"] = True
        else:
            ev["actor"] = ACTORS["reporter"]
        return self.frame(ev)

    def ev(self, type_, body=None, **extra):
        body = ON_CASE[type_] if body is None else body
        return self.frame(dict({"type": type_, "case": self.case,
                                "actor": ACTORS[ROLE[type_]], "body": body}, **extra))

    def jump(self, days):
        self.now += days * DAY
        self.out += struct.pack(">BI", OP_JUMP, days * 86400)
        return self

    def run(self, days):
        self.now += days * DAY
        self.out += struct.pack(">BH", OP_RUN, days * 24)
        return self

    def fire_due(self):
        self.out += bytes([OP_FIRE_DUE])
        return self

    def fire(self, kind):
        self.out += bytes([OP_FIRE, kind])
        return self

    def assign(self, aa=True):
        self.out += bytes([OP_ASSIGN, 1 if aa else 0])
        return self

    def dispose(self):
        self.out += bytes([OP_DISPOSE])
        return self

    def policy(self, alt):
        self.out += bytes([OP_POLICY, 1 if alt else 0])
        return self


def wf_seeds():
    mit = {"outcome": "mitigation", "risk": "high"}
    # disputed: the AA hears representations, determines; served, appealed, varied
    w = Walk().open().run(2).ev("manager.reviewed").run(3).ev("assessment.recorded", mit)
    w.run(5).ev("mitigation.proposed").run(1).ev("mitigation.disputed").assign()
    w.ev("representations.submitted").run(15).ev("aa.determined", {
        "decision": "conditions", "conditions": CONDITIONS, "reasons": "r"})
    w.run(2).ev("determination.served").run(3).ev("appeal.lodged").run(10)
    w.ev("strategy_meeting.held").run(5).ev("appeal.decided").run(30)
    w.ev("breach.reported").ev("review.requested").run(10).ev("review.completed")
    w.run(3).ev("determination.served").run(20).ev("case.closed").run(2200).dispose()
    yield "walk-disputed-appealed", w.out
    # agreed: approved, the annual review breached and escalated while down
    w = Walk().open(bypass_manager=True).run(1)
    w.ev("assessment.recorded", {"outcome": "interview", "risk": "medium"}).run(7)
    w.ev("interview.recorded").run(2).ev("mitigation.proposed").run(3).ev("mitigation.agreed")
    w.run(2).ev("aa.approved").jump(420).fire_due().fire_due().ev("vetting.reviewed")
    w.ev("review.completed", {"outcome": "removed", "representations_made": False})
    w.jump(2300).fire(15).dispose()
    yield "walk-agreed-annual-review", w.out
    # unanswered: mitigation_response runs out, referred to the AA, assigned, no risk
    w = Walk().referral().run(1).ev("assessment.recorded", mit).run(1)
    w.ev("mitigation.proposed").run(16).assign().ev("mitigation.agreed")
    w.ev("aa.determined", {"decision": "no_risk", "reasons": "r"}).run(1)
    yield "walk-unanswered", w.out
    # anonymous: overdue while down, caught up late, extended, closed
    w = Walk().referral(anonymous=True).jump(60).fire_due().fire(1)
    w.ev("deadline.extended", {"kind": "psd_assessment", "due_at": w.now + 30 * DAY,
                               "reason": "Sickness."})
    w.run(40).ev("subject.updated").ev("case.closed").fire(15).dispose().jump(2200).dispose()
    yield "walk-anonymous-overdue", w.out
    # the appeal window closes; an appeal after it is window_closed; a new case replaces it
    w = Walk().open().ev("assessment.recorded", mit).ev("mitigation.proposed")
    w.ev("mitigation.agreed").ev("aa.determined", {
        "decision": "cease", "conditions": CONDITIONS, "review_period": "10wd", "reasons": "r"})
    w.ev("determination.served").run(15).ev("appeal.lodged").run(400).fire_due().open()
    yield "walk-appeal-window-closes", w.out
    # every event type on a fresh declaration, in WORKFLOW.md's order
    w = Walk().open()
    for type_ in ON_CASE:
        w.ev(type_).run(1)
    yield "walk-every-event", w.out
    # events for no case, a case reference the walk never opened, timers for a fresh case
    w = Walk().ev("case.closed").fire_due().assign().dispose().open().fire(0).fire(4)
    w.ev("case.closed", case="XX-1").jump(0).fire_due()
    yield "walk-stray-steps", w.out
    # the short policy: reminders, breaches and escalations within days, swapped back and
    # forth as SIGHUP does, with working days over the holiday calendar
    w = Walk().policy(True).open().run(2).ev("manager.reviewed").run(6).policy(False).run(1)
    w.policy(True).ev("assessment.recorded", {"outcome": "interview", "risk": "low"}).run(30)
    w.ev("interview.recorded").run(3).ev("mitigation.proposed").run(4).assign().run(4)
    w.ev("aa.determined", {"decision": "conditions", "conditions": CONDITIONS, "reasons": "r"})
    w.run(20).ev("determination.served").run(5).policy(False).fire_due().run(40).policy(True)
    w.ev("case.closed").run(31)
    yield "walk-short-policy", w.out

    # ---- REGISTERS.md: corruption reports, wrongdoing reports, the reporter's channel ----
    inv = {"outcome": "investigation", "grading": GRADING}
    # CR by a manager: consulted, developed as intelligence (its review breached and
    # renewed), then investigated; the named reporter follows up and hears back
    w = Walk().report("CR", "line_manager").run(1).fire(DL_REPORTER_UPDATE)
    w.follow_up("line_manager").run(20).fire_due().kev("consultation.recorded").run(2)
    w.kev("assessment.recorded", {"outcome": "intelligence_development", "grading": GRADING,
                                  "notes": "n"})
    w.run(100).kev("development.reviewed").kev("psd.replied").run(40)
    w.kev("development.reviewed", {"outcome": "investigation"}).run(400)
    w.kev("investigation.concluded").follow_up("line_manager").run(100)
    w.follow_up("line_manager").jump(2300).fire_due()
    yield "walk-cr-manager-developed-investigated", w.out
    # CR anonymous: extremism (prevent.referral), followed up by token, serious corruption
    # (iopc_referral opened, breached, met), concluded criminal; the channel closes
    w = Walk().report("CR", allegation=["extremism"]).follow_up().kev("psd.replied").run(3)
    w.kev("assessment.recorded", dict(inv, mandatory_referral=True)).run(10)
    w.kev("iopc.referred").kev("iopc.referred").run(30).follow_up(token=TOKEN.lower())
    w.kev("investigation.concluded", {"outcome": "criminal", "reasons": "r"}).run(5)
    w.follow_up(token=TOKEN.replace("-", "")).kev("psd.replied").run(100).follow_up()
    w.kev("psd.replied").jump(2300).fire_due().dispose().follow_up()
    yield "walk-cr-anonymous-iopc", w.out
    # CR straight to PSD, no further action; refused on the closed case but the channel
    w = Walk().report("CR", "psd").kev("assessment.recorded", {
        "outcome": "no_further_action", "grading": GRADING}).kev("psd.replied")
    w.kev("case.closed").kev("assessment.recorded", dict(inv, mandatory_referral=False))
    w.fire(DL_CR_ASSESSMENT).fire(DL_IOPC_REFERRAL).fire(15).follow_up("psd")  # 15: retention
    yield "walk-cr-psd-no-further-action", w.out
    # CR: a mandatory referral with another outcome is invalid_field; NA's body is not CR's
    w = Walk().report("CR", "reporter").kev("assessment.recorded", {
        "outcome": "intelligence_development", "grading": GRADING,
        "mandatory_referral": True})
    w.kev("assessment.recorded", {"outcome": "mitigation", "risk": "high"})
    w.ev("manager.reviewed").kev("consultation.recorded").run(40).fire_due()
    w.kev("deadline.extended", {"kind": "cr_assessment", "due_at": w.now + 30 * DAY,
                                "reason": "r"}, by="psd").kev("case.closed").run(100)
    yield "walk-cr-wrong-bodies", w.out
    # WR by a reporter: extremism, management action (breached), completed; bad faith
    w = Walk().report("WR", "reporter", extremism=True).follow_up("reporter")
    w.follow_up("psd").kev("assessment.recorded", {"outcome": "management_action"}).run(35)
    w.kev("action.completed").kev("bad_faith.found").kev("psd.replied").run(91)
    w.follow_up("reporter").jump(2300).fire_due()
    yield "walk-wr-management-action", w.out
    # WR by a manager naming nobody: subject.updated gives the id (once); misconduct
    # investigation (misconduct.referral), breached and escalated, concluded; bad faith on
    # the closed and on the disposed case
    w = Walk().report("WR", "line_manager", subject=False)
    w.kev("subject.updated", {"subject": {"id": "S7", "line_manager": "LM1"}})
    w.kev("subject.updated", {"subject": {"id": "S8"}})
    w.kev("assessment.recorded", {"outcome": "misconduct_investigation"}).run(400)
    w.kev("investigation.concluded", {"outcome": "no_case_to_answer", "reasons": "r"})
    w.kev("bad_faith.found", by="aa").jump(2300).fire_due().kev("bad_faith.found")
    yield "walk-wr-nobody-investigated", w.out
    # WR anonymous, counter-corruption: PSD then opens the CR case itself
    w = Walk().report("WR").follow_up().run(10).kev("psd.replied").follow_up()
    w.kev("assessment.recorded", {"outcome": "counter_corruption"}).follow_up()
    w.report("CR", "psd").fire(DL_WR_ASSESSMENT).fire(DL_REPORTER_UPDATE).run(30)
    w.kev("assessment.recorded", dict(inv, mandatory_referral=True)).fire(DL_IOPC_REFERRAL)
    w.run(2).kev("iopc.referred", {}, by="psd").kev("case.closed", {"reason": "other"})
    yield "walk-wr-counter-corruption", w.out
    # the channel on NA's anonymous referral: replies renew reporter_update, which breaches
    # and escalates while nobody replies; a named follow-up on an anonymous report is
    # forbidden
    w = Walk().referral(anonymous=True).kev("psd.replied").follow_up().run(40)
    w.follow_up("reporter").kev("psd.replied").ev("case.closed").follow_up().run(95)
    w.follow_up().kev("psd.replied")
    yield "walk-na-anonymous-channel", w.out
    # BI: assessed (late: breached, escalated), checked, refused, appealed in time, upheld
    # with conditions, a breach (misconduct.referral), reviewed a year on, then withdrawn
    w = Walk().apply().run(20).bev("hr.assessed").bev("psd.checked").run(3)
    w.bev("business_interest.decided").run(5).bev("business_interest.appealed").run(10)
    w.bev("business_interest.appeal_decided").bev("breach.reported", by="hr").run(370)
    w.bev("business_interest.reviewed").bev("business_interest.appealed")
    w.bev("business_interest.reviewed", by="psd", outcome="withdrawn").jump(2300).dispose()
    yield "walk-bi-refused-appealed-reviewed", w.out
    # BI: approved with conditions, the window lapses (stays approved), a late-received
    # appeal dated in time, dismissed (back to approved, its conditions), no second appeal;
    # the interest ended
    w = Walk().apply().bev("hr.assessed").bev("psd.checked")
    w.bev("business_interest.decided", decision="approved_with_conditions",
          conditions=BI_CONDITIONS).run(16).fire(DL_BI_APPEAL_WINDOW)
    w.frame({"type": "business_interest.appealed", "case": w.case, "actor": ACTORS["subject"],
             "at": w.now - 5 * DAY, "body": {"grounds": "g"}})
    w.bev("business_interest.appeal_decided", outcome="dismissed", conditions=None)
    w.bev("business_interest.appealed").bev("business_interest.ended", by="hr")
    yield "walk-bi-conditions-window-lapses", w.out
    # BI: refused, the window (10 working days) lapses and closes the case; wrong bodies and
    # roles on the way (conditions without them, an appeal by HR, a review while refused)
    w = Walk().apply().bev("hr.assessed", recommendation="maybe").bev("hr.assessed")
    w.bev("psd.checked", by="hr").bev("psd.checked")
    w.bev("business_interest.decided", decision="approved_with_conditions")
    w.bev("business_interest.decided").bev("business_interest.appealed", by="hr")
    w.bev("business_interest.reviewed").run(20).bev("business_interest.appealed")
    w.kev("case.closed", {"reason": "refused"})
    yield "walk-bi-refusal-lapses", w.out


def write(name, items):
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus-" + name)
    os.makedirs(out, exist_ok=True)
    for fname, data in items:
        with open(os.path.join(out, fname), "wb") as f:
            f.write(data)


def main():
    write("proto", seeds())
    write("ctl", ctl_seeds())
    write("wf", wf_seeds())


if __name__ == "__main__":
    main()
