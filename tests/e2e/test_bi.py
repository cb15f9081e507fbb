"""Business interests and second jobs (BI) end to end (REGISTERS.md "Business interests and
second jobs (BI)"; HMIC 2012; Police Regulations 2003 regs 7-9), over real sockets, from
PROTOCOL.md and REGISTERS.md only: a second job applied for, assessed by HR, checked by PSD,
refused by the appropriate officer, appealed, approved on appeal with conditions, a breach
referred for misconduct, reviewed a year later and withdrawn, with the state, the deadlines and
the kind's fields in case.get after each step and the notifications on a SUB socket; and a
refusal whose appeal window lapses closes the case with reason `refused`.

The durations are injected through the test's config: the "year" of bi_annual_review is a few
seconds, the appeal window two in the second test; every other deadline an hour or more."""

import unittest

from harness import (SCALE, DaemonTestCase, fast_sections, new_id, new_subject_id, now_ms,
                     roles_of, year)

PSD, AA, HEAD, HR = "PSD-0101", "AA1", "HPSD-01", "HR-0101"
LINE_MANAGER = "LM-0001"
CONDITIONS = [{"code": "other", "text": "No more than 8 hours a week, none before a shift."}]
# how long a deadline a few seconds away may take to fire, in seconds (the sanitizer build
# is slower)
WAIT = 10.0 / min(1.0, SCALE)


def sections(**deadlines):
    s = fast_sections()
    s["deadlines"].update(deadlines)
    return s


class BusinessInterests(DaemonTestCase):

    def setUp(self):
        super().setUp()
        self.sid = new_subject_id("BI")

    def daemon(self, name, **deadlines):
        d = self.new_daemon(name, sections=sections(**deadlines))
        sub = d.subscribe()
        self.addCleanup(sub.close)
        self.c = d.intake_req()
        self.addCleanup(self.c.close)
        return d, sub

    def ev(self, type_, role, body, case=None, actor=None, at=None):
        ev = {"v": 1, "id": new_id(type_.replace(".", "-")), "type": type_,
              "at": now_ms() if at is None else at, "body": body,
              "actor": {"id": actor or {"subject": self.sid, "hr": HR, "psd": PSD, "aa": AA,
                                        "head_of_psd": HEAD}[role], "role": role}}
        if case:
            ev["case"] = case
        return ev

    def step(self, d, ref, type_, role, body, state):
        r = self.c.request(self.ev(type_, role, body, ref))
        self.assertEqual(r.get("status"), "accepted", (type_, r))
        got = d.case(ref)
        self.assertEqual(got["state"], state, "after %s" % type_)
        return got

    def reject(self, ref, type_, role, body, code, needle):
        r = self.c.request(self.ev(type_, role, body, ref))
        self.assertEqual(r.get("status"), "rejected", (type_, r))
        self.assertEqual(r["error"]["code"], code, r)
        self.assertIn(needle, r["error"]["message"], r)

    def apply(self, d):
        r = self.c.request(self.ev("business_interest.applied", "subject", {
            "subject": {"id": self.sid, "line_manager": LINE_MANAGER},
            "interest": {"kind": "second_job",
                         "organisation": {"name": "Acme Haulage Ltd", "org_id": "01234567"},
                         "role": "weekend delivery driver", "hours_per_week": 8, "paid": True,
                         "starts_on": "2027-01-04"}}))
        self.assertEqual(r.get("status"), "accepted", r)
        ref = r["case"]
        self.assertRegex(ref, r"^BI-%04d-\d{6}$" % year())
        got = d.case(ref)
        self.assertEqual((got["kind"], got["state"]), ("BI", "awaiting_hr_assessment"))
        self.assertIn("open", statuses(got, "hr_assessment"))
        got = self.step(d, ref, "hr.assessed", "hr", {"recommendation": "refuse"},
                        "awaiting_psd_check")
        self.assertEqual(statuses(got, "hr_assessment"), ["met"])
        got = self.step(d, ref, "psd.checked", "psd", {"outcome": "no_concern"},
                        "awaiting_decision")
        self.assertEqual(statuses(got, "psd_check"), ["met"])
        self.assertEqual(statuses(got, "bi_decision"), ["open"])
        return ref

    def test_second_job_refused_appealed_approved_reviewed_a_year_later_and_withdrawn(self):
        d, sub = self.daemon("bi", bi_annual_review="4s")
        ref = self.apply(d)
        # reg 8: refused by the appropriate officer; the window opens (10 working days)
        got = self.step(d, ref, "business_interest.decided", "aa",
                        {"decision": "refused", "reasons": "Conflicts with shift pattern."},
                        "refused")
        self.assertEqual(statuses(got, "bi_appeal_window"), ["open"])
        # reg 9: appealed to the chief officer, within the window
        got = self.step(d, ref, "business_interest.appealed", "subject",
                        {"grounds": "I will only work weekends off."}, "under_appeal")
        self.assertEqual(statuses(got, "bi_appeal_window"), ["met"])
        self.assertEqual(statuses(got, "bi_appeal_decision"), ["open"])
        # upheld, approving with conditions; the annual review runs from now
        got = self.step(d, ref, "business_interest.appeal_decided", "head_of_psd",
                        {"outcome": "upheld", "conditions": CONDITIONS,
                         "reasons": "Weekends only."}, "approved")
        self.assertEqual(statuses(got, "bi_appeal_decision"), ["met"])
        self.assertEqual(statuses(got, "bi_annual_review"), ["open"])
        self.assertEqual(got["conditions"], CONDITIONS, got)
        # no further appeal
        self.reject(ref, "business_interest.appealed", "subject", {"grounds": "again"},
                    "invalid_transition", "no further appeal")
        # reg 7(1): a breach is referred for misconduct, to PSD
        self.step(d, ref, "breach.reported", "hr", {"details": "Worked 20 hours one week."},
                  "approved")
        n = sub.wait_for("misconduct.referral", ref, timeout=WAIT)
        self.assertEqual(roles_of(n), {"psd"}, n)
        # "reviewed annually": the year (4 s here) runs out: HR is reminded
        n = sub.wait_for("deadline.reminder", ref, timeout=WAIT,
                         where=lambda n: n["deadline"]["kind"] == "bi_annual_review")
        self.assertEqual(roles_of(n), {"hr"}, n)
        got = self.step(d, ref, "business_interest.reviewed", "hr", {"outcome": "continue"},
                        "approved")
        self.assertEqual(statuses(got, "bi_annual_review"), ["met", "open"])
        # ... and at the next review the approval is withdrawn
        got = self.step(d, ref, "business_interest.reviewed", "psd", {"outcome": "withdrawn"},
                        "closed")
        self.assertEqual(got["closed_reason"], "approval_withdrawn", got)
        self.assertEqual(statuses(got, "bi_annual_review"), ["met", "met"])
        closed = sub.wait_for("case.closed", ref, timeout=WAIT)
        self.assertEqual(closed["detail"], {"outcome": "approval_withdrawn"}, closed)
        # the journey, as the subscriber saw it
        moves = [(n["detail"]["from"], n["detail"]["to"])
                 for n in sub.notes(ref, "case.state_changed")]
        self.assertEqual(moves, [("awaiting_hr_assessment", "awaiting_psd_check"),
                                 ("awaiting_psd_check", "awaiting_decision"),
                                 ("awaiting_decision", "refused"),
                                 ("refused", "under_appeal"),
                                 ("under_appeal", "approved"),
                                 ("approved", "closed")])
        # case.list and report.summary name the kind BI; the report counts its outcomes
        rows = d.result("case.list", kind="BI")["cases"]
        self.assertEqual([r["case"] for r in rows], [ref], rows)
        rep = d.result("report.summary", kind="BI")
        self.assertEqual(rep["kind"]["BI"], 1, rep["kind"])
        out = rep["outcome"]
        self.assertEqual((out["hr_assessment"], out["psd_check"], out["decision"], out["appeal"],
                          out["review"], out["closed_reason"]),
                         ({"refuse": 1}, {"no_concern": 1}, {"refused": 1}, {"upheld": 1},
                          {"withdrawn": 1}, {"approval_withdrawn": 1}), out)
        self.assertEqual(rep["deadlines"]["bi_annual_review"]["met_on_time"], 2, rep["deadlines"])

    def test_refusal_unappealed_closes_when_the_appeal_window_lapses(self):
        d, sub = self.daemon("bilapse", bi_appeal_window="2s")
        ref = self.apply(d)
        decided = now_ms()
        self.step(d, ref, "business_interest.decided", "aa",
                  {"decision": "refused", "reasons": "Conflict of interest."}, "refused")
        n = sub.wait_for("case.closed", ref, timeout=WAIT)
        self.assertGreaterEqual(n["at"], decided + 2000, n)
        self.assertEqual(n["detail"], {"outcome": "refused"}, n)
        w = sub.wait_for("appeal.window_closed", ref, timeout=WAIT)
        self.assertEqual(roles_of(w), {"subject", "psd"}, w)
        got = d.case(ref)
        self.assertEqual((got["state"], got["closed_reason"]), ("closed", "refused"), got)
        self.assertEqual(statuses(got, "bi_appeal_window"), ["met"], "a window, not a breach")
        self.assertEqual([x for x in sub.notes(ref, "deadline.breached")], [])
        # too late now
        self.reject(ref, "business_interest.appealed", "subject", {"grounds": "late"},
                    "invalid_transition", "closed")


def statuses(case, kind):
    return [x["status"] for x in case["deadlines"] if x["kind"] == kind]


if __name__ == "__main__":
    unittest.main()
