"""`integrityctl case show` for every kind (issue 13: "Every kind in the tools: case show for
each kind's fields"): each kind's own fields of case.get printed readably under their labels
(cli/showkind.c), marks when the case has some, and a report's reporter never printed, not
even its staff id in the history (the opening row says "reporter (withheld)")."""

import re
import subprocess
import time

from harness import CLI, declaration, new_subject_id, now_ms
from test_registers import GRADING, RegisterCase, corruption_report, ev, wrongdoing_report

DAY_MS = 86400000


def field(out, label):
    """The value case show prints for label (a header line), or None."""
    m = re.search(r"(?m)^%s +(.*)$" % re.escape(label), out)
    return m.group(1) if m else None


class CaseShowEveryKind(RegisterCase):

    def setUp(self):
        super().setUp()
        self.d, self.sub = self.daemon("cshow")

    def show(self, ref):
        p = subprocess.run([CLI, "-c", self.d.config_path, "--timeout", "10000", "case", "show",
                            ref], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        if "\nother\n" in p.stdout:
            self.fail("a field of the kind left unlabelled:\n" +
                      p.stdout[p.stdout.index("\nother\n"):])
        return p.stdout

    def test_na_shows_relationship_and_categories(self):
        ref = self.accept(declaration(), "NA")["case"]
        out = self.show(ref)
        self.assertEqual(field(out, "kind"), "NA")
        self.assertEqual(field(out, "relationship"), "friend")
        self.assertEqual(field(out, "categories"), "criminal_conviction")
        self.assertIsNone(field(out, "marks"), "no marks: no line")

    def test_cr_shows_the_report_not_the_reporter(self):
        e = corruption_report("line_manager", allegation=("drugs", "information_disclosure"))
        cr = self.accept(e, "CR")["case"]
        self.step(self.d, cr, "consultation.recorded", "psd",
                  {"response": "PSD to assess."}, "awaiting_assessment")
        self.step(self.d, cr, "assessment.recorded", "psd",
                  {"grading": dict(GRADING), "outcome": "intelligence_development"},
                  "under_development")
        out = self.show(cr)
        self.assertEqual(field(out, "kind"), "CR")
        self.assertEqual(field(out, "allegation"), "drugs, information_disclosure")
        self.assertEqual(field(out, "grading"), "untested/B/P")
        self.assertEqual(field(out, "development"), "-")
        self.assertIsNone(field(out, "relationship"), "an NA field on a CR")
        self.assertIn(e["body"]["subject"]["id"], out)
        # the line manager who reported: withheld; PSD's own steps show
        self.assertNotIn(e["actor"]["id"], out)
        self.assertRegex(out, r"corruption\.reported .*reporter \(withheld\)")
        self.assertRegex(out, r"assessment\.recorded .*psd/PSD-0101")

    def test_wr_shows_standards_and_the_bad_faith_mark_not_the_reporter(self):
        e = wrongdoing_report("reporter", standards=["honesty_integrity", "confidentiality"])
        wr = self.accept(e, "WR")["case"]
        self.step(self.d, wr, "assessment.recorded", "psd", {"outcome": "no_further_action"},
                  "closed")
        self.step(self.d, wr, "bad_faith.found", "psd", {"reasons": "A grudge."}, "closed")
        out = self.show(wr)
        self.assertEqual(field(out, "kind"), "WR")
        self.assertEqual(field(out, "standards"), "honesty_integrity, confidentiality")
        self.assertEqual(field(out, "marks"), "bad_faith")
        self.assertNotIn(e["actor"]["id"], out)
        self.assertIn("reporter (withheld)", out)

    def test_gh_shows_offer_donor_decision_outcomes_and_the_late_mark(self):
        sid = new_subject_id("GHS")
        offered = time.strftime("%Y-%m-%d", time.gmtime((now_ms() - 60 * DAY_MS) / 1000))
        body = {"subject": {"id": sid, "line_manager": "LM1"}, "offer": "hospitality",
                "donor": {"name": "Jo Donorname", "organisation": "Acme Supplies Ltd",
                          "org_id": "01234567"},
                "value_pence": 4000, "offered_on": offered, "decision": "accepted",
                "description": "dinner at a conference"}
        gh = self.accept(ev("gift.declared", "subject", body, actor_id=sid), "GH")["case"]
        out = self.show(gh)
        self.assertEqual(field(out, "offer"), "hospitality")
        self.assertEqual(field(out, "donor"), "Jo Donorname (Acme Supplies Ltd, org 01234567)")
        self.assertEqual(field(out, "decision"), "accepted")
        self.assertEqual(field(out, "late"), "yes", "declared 60 days after the offer")
        self.assertEqual(field(out, "returned"), "-")
        got = self.d.case(gh)
        if "value_pence" in got:  # case.get's GH fields, as the daemon gives them
            self.assertEqual(field(out, "value"), "\u00a340.00")
        self.step(self.d, gh, "gift.refused", "psd", {"reasons": "Too lavish."},
                  "awaiting_return")
        self.step(self.d, gh, "gift.returned", "subject", {"how": "donated"},
                  "awaiting_psd_review", actor_id=sid)
        self.step(self.d, gh, "gift.reviewed", "psd", {"outcome": "no_concern"}, "closed")
        out = self.show(gh)
        self.assertEqual(field(out, "returned"), "donated")
        self.assertEqual(field(out, "PSD review"), "no_concern")
        self.assertIn("subject/%s" % sid, out)  # not a report: its declarer shows

    def test_a_fresh_gift_is_not_late(self):
        sid = new_subject_id("GHS")
        body = {"subject": {"id": sid, "line_manager": "LM1"}, "offer": "gift",
                "donor": {"name": "A Donor"}, "value_pence": 500,
                "offered_on": time.strftime("%Y-%m-%d", time.gmtime()), "decision": "declined",
                "description": "a bottle"}
        gh = self.accept(ev("gift.declared", "subject", body, actor_id=sid), "GH")["case"]
        out = self.show(gh)
        self.assertEqual(field(out, "donor"), "A Donor")
        self.assertEqual(field(out, "decision"), "declined")
        self.assertEqual(field(out, "late"), "no")

    def test_bi_shows_the_interest_and_each_stage(self):
        sid = new_subject_id("BIS")
        body = {"subject": {"id": sid, "line_manager": "LM1"},
                "interest": {"kind": "second_job",
                             "organisation": {"name": "Acme Haulage Ltd", "org_id": "01234567"},
                             "role": "weekend driver", "hours_per_week": 8, "paid": True,
                             "starts_on": "2027-01-04"}}
        bi = self.accept(ev("business_interest.applied", "subject", body, actor_id=sid),
                         "BI")["case"]
        out = self.show(bi)
        self.assertEqual(field(out, "interest"), "second_job: weekend driver at Acme Haulage "
                         "Ltd (org 01234567), paid, 8 h/week, from 2027-01-04")
        self.assertEqual(field(out, "HR assessment"), "-")
        self.assertIsNone(field(out, "appeal"), "an appeal row before any appeal")
        self.step(self.d, bi, "hr.assessed", "hr", {"recommendation": "refuse"},
                  "awaiting_psd_check", actor_id="HR-0201")
        self.step(self.d, bi, "psd.checked", "psd", {"outcome": "no_concern"},
                  "awaiting_decision")
        self.step(self.d, bi, "business_interest.decided", "aa",
                  {"decision": "refused", "reasons": "Conflicts with duty rosters."}, "refused")
        self.step(self.d, bi, "business_interest.appealed", "subject",
                  {"grounds": "Weekends only."}, "under_appeal", actor_id=sid)
        self.step(self.d, bi, "business_interest.appeal_decided", "head_of_psd",
                  {"outcome": "upheld", "reasons": "Weekends only."}, "approved",
                  actor_id="HOPSD-01")
        out = self.show(bi)
        self.assertEqual(field(out, "HR assessment"), "refuse")
        self.assertEqual(field(out, "PSD check"), "no_concern")
        self.assertEqual(field(out, "decision"), "refused")
        self.assertEqual(field(out, "appeal"), "upheld")
        self.assertIn("subject/%s" % sid, out)


if __name__ == "__main__":
    import unittest
    unittest.main()
