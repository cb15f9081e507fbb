"""The notifiable-association workflow end to end (WORKFLOW.md "Events on an NA case", "Side
effects"), over real sockets, from PROTOCOL.md and WORKFLOW.md only: each full path step by
step, the state in case.get after each step, the replies, the deadlines each state opens and
the notifications in the durable outbox (notifications.since). Deadlines here are the
production defaults (days), so none falls due during a test unless its `at` says so."""

import unittest

from harness import (AA_ROSTER, CONDITIONS, DAY_MS, VARIED_CONDITIONS, DaemonTestCase, Flow,
                     SharedDaemonTestCase, add_months, anonymous_referral, case_ref, declaration,
                     duration_ms, event, new_subject_id, now_ms, pack, production_due_ms,
                     production_duration_ms, referral, roles_of, scaled, subject)

RETENTION = "400d"
WORKFLOW_SECTIONS = {
    "escalation": {"aa_roster": ", ".join(AA_ROSTER)},
    "retention": {"closed_case": RETENTION},
}

# the agreed route from awaiting_assessment to conditions_active through an appeal:
# (event type, state after it)
ROUTE = (
    ("assessment.recorded", "awaiting_mitigation"),
    ("mitigation.proposed", "mitigation_proposed"),
    ("mitigation.agreed", "awaiting_aa_approval"),
    ("aa.determined", "awaiting_service"),
    ("determination.served", "appeal_window"),
    ("appeal.lodged", "under_appeal"),
    ("strategy_meeting.held", "awaiting_appeal_decision"),
    ("appeal.decided", "conditions_active"),
)


def advance(flow, state):
    """Steps a case from awaiting_assessment along ROUTE until it is in `state`."""
    for typ, after in ROUTE:
        flow.step(typ, after)
        if after == state:
            return
    raise ValueError("%s is not on the route" % state)


def by_kind(case, kind):
    return [x for x in case["deadlines"] if x["kind"] == kind]


def transitions(notes):
    return [(n["detail"]["from"], n["detail"]["to"]) for n in notes
            if n["topic"] == "case.state_changed"]


class CaseChecks:
    """Assertions on case.get's deadlines and history, for the test classes below."""

    def assertDeadline(self, case, kind, start, status="open"):
        """case's latest `kind` deadline is in `status` and due at start + the production
        default (WORKFLOW.md: a deadline "runs from the event's at")."""
        got = by_kind(case, kind)
        self.assertTrue(got, "no %s deadline in %r" % (kind, case["deadlines"]))
        last = got[-1]
        self.assertEqual(last["status"], status, "%s: %r" % (kind, got))
        self.assertEqual(last["due_at"], production_due_ms(kind, start),
                         "%s runs from the event's at (%d): %r" % (kind, start, last))
        return last

    def assertDone(self, case, kind):
        """Every `kind` deadline of the case is finished: met once the case left the state."""
        got = by_kind(case, kind)
        self.assertTrue(got, "no %s deadline in %r" % (kind, case["deadlines"]))
        self.assertEqual([x["status"] for x in got], ["met"] * len(got), "%s: %r" % (kind, got))

    def assertHistory(self, flow):
        """case.get's history is every accepted event, in order, with the replies' seqs."""
        hist = flow.case()["history"]
        self.assertEqual([(h["seq"], h["type"], h["at"]) for h in hist],
                         [(r["seq"], e["type"], e["at"]) for r, e in zip(flow.replies, flow.events)])


class Workflow(CaseChecks, SharedDaemonTestCase):
    daemon_settings = {"sections": WORKFLOW_SECTIONS}

    def open_case(self, **body):
        return Flow(self, self.d, declaration(at=now_ms(), **body))

    def referred(self):
        """A case whose mitigation was disputed: referred_to_aa, and assigned to an AA."""
        f = self.open_case(bypass_manager=True)
        self.assertEqual(f.case()["state"], "awaiting_assessment")
        f.step("assessment.recorded", "awaiting_mitigation")
        f.step("mitigation.proposed", "mitigation_proposed")
        f.step("mitigation.disputed", "referred_to_aa")
        esc = self.d.wait_note("case.escalated", f.ref)
        aa = [r["id"] for r in esc["recipients"] if r["role"] == "aa"]
        self.assertEqual(len(aa), 1, "case.escalated names one AA: %r" % (esc,))
        self.assertIn(aa[0], AA_ROSTER, "case.escalated names an AA of the roster: %r" % (esc,))
        self.assertEqual(esc["state"], "referred_to_aa", esc)
        return f, aa[0]

    # ---- full paths

    def test_agreed_mitigation_approved_by_aa_conditions_active(self):
        # WMP "all voluntary/agreed mitigation will require the approval of a PSD AA"
        f = self.open_case()
        got = f.case()
        self.assertEqual(got["state"], "awaiting_manager_review")
        decl_at = f.events[0]["at"]
        self.assertDeadline(got, "manager_review", decl_at)
        f.step("manager.reviewed", "awaiting_assessment")
        self.assertDeadline(f.case(), "psd_assessment", f.events[-1]["at"])
        f.step("assessment.recorded", "awaiting_mitigation")
        self.assertDeadline(f.case(), "mitigation_proposal", f.events[-1]["at"])
        f.step("mitigation.proposed", "mitigation_proposed")
        self.assertDeadline(f.case(), "mitigation_response", f.events[-1]["at"])
        f.step("mitigation.agreed", "awaiting_aa_approval")
        self.assertDeadline(f.case(), "aa_approval", f.events[-1]["at"])
        f.step("aa.approved", "conditions_active")
        approved_at = f.events[-1]["at"]

        got = f.case()
        # aa.approved's conditions default to those agreed
        self.assertEqual(got["conditions"], CONDITIONS)
        self.assertDeadline(got, "annual_review", approved_at)
        for kind in ("manager_review", "psd_assessment", "mitigation_proposal",
                     "mitigation_response", "aa_approval"):
            self.assertDone(got, kind)
        self.assertIsNone(got["closed_reason"])
        self.assertHistory(f)

        notes = self.d.notes_for(f.ref)
        self.assertEqual([n["topic"] for n in notes].count("case.opened"), 1, notes)
        self.assertEqual(transitions(notes)[-5:], [
            ("awaiting_manager_review", "awaiting_assessment"),
            ("awaiting_assessment", "awaiting_mitigation"),
            ("awaiting_mitigation", "mitigation_proposed"),
            ("mitigation_proposed", "awaiting_aa_approval"),
            ("awaiting_aa_approval", "conditions_active")])
        imposed = [n for n in notes if n["topic"] == "conditions.imposed"]
        self.assertEqual(len(imposed), 1, notes)
        self.assertEqual(imposed[0]["state"], "conditions_active")
        for n in notes:
            if n["topic"] == "case.state_changed":
                self.assertEqual(n["state"], n["detail"]["to"], n)

    def test_disputed_mitigation_to_aa_representations_appeal_varied_annual_review(self):
        # "where mitigation cannot be agreed ... referred to a PSD AA"; "the PSD AA will allow
        # ... representations"; WMP appeals; "uphold, confirm or vary"; annual review
        f, aa = self.referred()
        got = f.case()
        disputed_at = f.events[-1]["at"]
        self.assertDone(got, "mitigation_response")
        self.assertDeadline(got, "representations", disputed_at)
        self.assertDeadline(got, "aa_determination", disputed_at)

        f.step("representations.submitted", "referred_to_aa")
        f.step("aa.determined", "awaiting_service", actor_id=aa)
        self.assertDone(f.case(), "aa_determination")
        self.assertDeadline(f.case(), "service", f.events[-1]["at"])

        f.step("determination.served", "appeal_window")
        served_at = f.events[-1]["at"]
        got = f.case()
        self.assertDeadline(got, "appeal_window", served_at)
        # "during the appeal period, the conditions must be adhered to"
        self.assertEqual(got["conditions"], CONDITIONS)

        f.step("appeal.lodged", "under_appeal", at=served_at + 1000)
        got = f.case()
        self.assertDone(got, "appeal_window")
        self.assertDeadline(got, "strategy_meeting", f.events[-1]["at"])

        f.step("strategy_meeting.held", "awaiting_appeal_decision")
        self.assertDeadline(f.case(), "appeal_decision", f.events[-1]["at"])

        f.step("appeal.decided", "conditions_active")
        decided_at = f.events[-1]["at"]
        got = f.case()
        self.assertEqual(got["conditions"], VARIED_CONDITIONS)
        self.assertDone(got, "strategy_meeting")
        self.assertDone(got, "appeal_decision")
        self.assertDeadline(got, "annual_review", decided_at)

        # the annual review: conditions_active again, with the next annual review
        f.step("review.completed", "conditions_active", actor_id=aa)
        reviewed_at = f.events[-1]["at"]
        got = f.case()
        annual = by_kind(got, "annual_review")
        self.assertEqual([x["status"] for x in annual], ["met", "open"], annual)
        self.assertEqual(annual[0]["due_at"], production_due_ms("annual_review", decided_at))
        self.assertEqual(annual[1]["due_at"], production_due_ms("annual_review", reviewed_at))
        self.assertEqual(got["conditions"], VARIED_CONDITIONS)
        self.assertHistory(f)

        topics = [n["topic"] for n in self.d.notes_for(f.ref)]
        for t in ("case.escalated", "appeal.lodged", "appeal.decided", "conditions.imposed"):
            self.assertIn(t, topics)
        self.assertEqual(topics.count("case.escalated"), 1, topics)

    def test_interview_then_no_further_action_closes(self):
        # P01c 3.18 assessment outcome interview; WMP interviews, police friend
        f = self.open_case(bypass_manager=True)
        f.step("assessment.recorded", "awaiting_interview", outcome="interview")
        self.assertDeadline(f.case(), "interview", f.events[-1]["at"])
        f.step("interview.recorded", "closed", role="line_manager", outcome="no_further_action",
               police_friend=True)
        got = f.case()
        self.assertDone(got, "interview")
        self.assertEqual(got["closed_reason"], "no_further_action")

    # ---- windows

    def test_aa_determined_while_representations_window_open_is_invalid_transition(self):
        # representations: "aa.determined on a disputed case is invalid_transition while it is
        # open, unless representations were submitted"
        f, aa = self.referred()
        f.reject("aa.determined", "invalid_transition", "referred_to_aa", actor_id=aa)
        self.assertEqual(f.case()["state"], "referred_to_aa")
        f.step("representations.submitted", "referred_to_aa")
        f.step("aa.determined", "awaiting_service", actor_id=aa)
        self.assertHistory(f)

    # ---- side effects

    def test_breach_reported_during_appeal_emits_misconduct_referral(self):
        # WMP misconduct; "during the appeal period, the conditions must be adhered to"
        f = self.open_case(bypass_manager=True)
        advance(f, "under_appeal")
        self.assertEqual(self.d.notes_for(f.ref, "misconduct.referral"), [])
        f.step("breach.reported", "under_appeal")
        n = self.d.wait_note("misconduct.referral", f.ref)
        self.assertEqual(n["state"], "under_appeal", n)
        f.step("breach.reported", "under_appeal", role="line_manager")
        self.assertEqual(len(self.d.notes_for(f.ref, "misconduct.referral")), 2)
        self.assertHistory(f)

    def test_breach_reported_without_conditions_in_force_is_invalid_transition(self):
        # breach.reported: "any state in which conditions are in force"
        f = self.open_case(bypass_manager=True)
        f.reject("breach.reported", "invalid_transition", "awaiting_assessment")
        self.assertEqual(self.d.notes_for(f.ref, "misconduct.referral"), [])

    def test_extremist_category_emits_prevent_referral(self):
        # P01b 3.3, P01c 3.10
        f = self.open_case(categories=["criminal_conviction", "extremist"])
        n = self.d.wait_note("prevent.referral", f.ref)
        self.assertEqual(n["state"], "awaiting_manager_review", n)
        # written in the opening's transaction: once case.opened is there, so would it be
        plain = self.open_case()
        self.d.wait_note("case.opened", plain.ref)
        self.assertEqual(self.d.notes_for(plain.ref, "prevent.referral"), [])

    def test_vulnerable_victim_witness_of_live_case_emits_misconduct_referral(self):
        # P01c 3.15
        f = self.open_case(categories=["victim_witness_live_case"], vulnerable=True,
                           live_case_ref="OP-2026-0417")
        self.d.wait_note("misconduct.referral", f.ref)
        not_vulnerable = self.open_case(categories=["victim_witness_live_case"],
                                        vulnerable=False, live_case_ref="OP-2026-0418")
        self.d.wait_note("case.opened", not_vulnerable.ref)
        self.assertEqual(self.d.notes_for(not_vulnerable.ref, "misconduct.referral"), [])

    def test_vetting_review_required_for_sc_with_risk_optional_for_rv(self):
        # WMP vetting review by level; [vetting] review_required (default MV,SC,DV)
        sid = new_subject_id("SC")
        f = Flow(self, self.d, declaration(subject_id=sid, at=now_ms(), bypass_manager=True,
                                           subject=subject(sid, vetting="SC")))
        self.d.wait_note("case.opened", f.ref)
        self.assertEqual(self.d.notes_for(f.ref, "vetting.review_required"), [],
                         "no risk identified yet")
        # "any open state with an open vetting task": there is none before a risk
        f.reject("vetting.reviewed", "invalid_transition")
        f.step("assessment.recorded", "awaiting_mitigation", outcome="mitigation")
        n = self.d.wait_note("vetting.review_required", f.ref)
        self.assertIs((n.get("detail") or {}).get("optional", False), False, n)
        self.assertIn("vetting", roles_of(n), n)
        got = f.case()
        self.assertTrue(got["tasks"], "a vetting task opens: %r" % (got["tasks"],))
        self.assertDeadline(got, "vetting_review", f.events[-1]["at"])
        f.step("vetting.reviewed", "awaiting_mitigation")
        self.assertDone(f.case(), "vetting_review")

        sid = new_subject_id("RV")
        g = Flow(self, self.d, declaration(subject_id=sid, at=now_ms(), bypass_manager=True,
                                           subject=subject(sid, vetting="RV")))
        g.step("assessment.recorded", "awaiting_mitigation", outcome="mitigation")
        n = self.d.wait_note("vetting.review_required", g.ref)
        self.assertIs((n.get("detail") or {}).get("optional"), True, n)
        self.assertEqual(by_kind(g.case(), "vetting_review"), [], "no deadline when optional")

    # ---- origin

    def test_anonymous_referral_history_shows_no_actor(self):
        # PROTOCOL.md: "An anonymous referral's history shows no actor"
        f = Flow(self, self.d, anonymous_referral(at=now_ms()))
        got = f.case()
        self.assertEqual((got["origin"], got["state"]), ("anonymous", "awaiting_assessment"))
        f.step("assessment.recorded", "awaiting_mitigation")
        hist = f.case()["history"]
        self.assertIsNone(hist[0].get("actor"), hist[0])
        self.assertEqual(hist[1]["actor"], f.events[1]["actor"])
        for n in self.d.notes_for(f.ref):
            self.assertNotIn("reporter", roles_of(n), n)

    # ---- closing

    def test_case_closed_opens_retention_deadline(self):
        # WORKFLOW.md "Deadlines": retention opens on closed, [retention] closed_case
        f = self.open_case()
        f.step("case.closed", "closed", reason="withdrawn")
        closed_at = f.events[-1]["at"]
        got = f.case()
        self.assertEqual(got["closed_reason"], "withdrawn")
        ret = by_kind(got, "retention")
        self.assertEqual(len(ret), 1, got["deadlines"])
        self.assertEqual(ret[0]["status"], "open", ret)
        self.assertEqual(ret[0]["due_at"], closed_at + duration_ms(RETENTION), ret)
        # leaving awaiting_manager_review ends its deadline
        self.assertNotIn("open", [x["status"] for x in got["deadlines"]
                                  if x["kind"] != "retention"], got["deadlines"])
        self.d.wait_note("case.closed", f.ref)
        f.reject("manager.reviewed", "invalid_transition", "closed")

    # ---- rejections

    def test_wrong_role_is_forbidden(self):
        f = self.open_case()
        # manager.reviewed: line_manager only
        f.reject("manager.reviewed", "forbidden", role="psd")
        # mitigation.agreed: the subject only; forbidden comes before invalid_transition
        f.reject("mitigation.agreed", "forbidden", role="psd")
        f.reject("aa.approved", "forbidden", role="head_of_psd")
        self.assertEqual(f.case()["state"], "awaiting_manager_review")
        self.assertHistory(f)
        with self.d.intake_req() as c:
            # declaration.submitted: "actor id = subject id"
            ev = declaration(at=now_ms())
            ev["actor"]["id"] = "someone-else"
            self.assertRejected(c.request(ev), "forbidden")
            ev = declaration(at=now_ms())
            ev["actor"]["role"] = "psd"
            self.assertRejected(c.request(ev), "forbidden")
            # referral.submitted: reporter, line_manager or psd
            for role in ("subject", "hr", "aa"):
                self.assertRejected(c.request(referral(role=role, at=now_ms())), "forbidden",
                                    msg=role)

    def test_wrong_state_is_invalid_transition_naming_the_state(self):
        f = self.open_case()
        f.reject("mitigation.proposed", "invalid_transition", "awaiting_manager_review")
        f.reject("appeal.decided", "invalid_transition", "awaiting_manager_review")
        f.reject("determination.served", "invalid_transition", "awaiting_manager_review")
        f.step("manager.reviewed", "awaiting_assessment")
        f.reject("manager.reviewed", "invalid_transition", "awaiting_assessment")
        self.assertHistory(f)

    def test_unknown_case(self):
        ref = case_ref(999999, 1999)
        with self.d.intake_req() as c:
            self.assertRejected(c.request(event("manager.reviewed", ref)), "unknown_case",
                                "NA-1999-999999")
            # unknown_case comes before the actor's role
            self.assertRejected(c.request(event("manager.reviewed", ref, role="psd")),
                                "unknown_case")

    def test_check_order_duplicate_of_accepted_event_after_state_moved_on(self):
        # PROTOCOL.md check order: duplicate or conflict before unknown_case, forbidden,
        # window_closed and invalid_transition
        f = self.open_case()
        reviewed = f.step("manager.reviewed", "awaiting_assessment")
        f.step("assessment.recorded", "awaiting_mitigation")
        ev = f.events[1]
        for data in (pack(ev), pack(f.events[0])):
            dup = f.send(data)
            self.assertEqual(dup.get("status"), "duplicate", dup)
        dup = f.send(pack(ev))
        self.assertEqual((dup["id"], dup["case"], dup["seq"]),
                         (ev["id"], f.ref, reviewed["seq"]), dup)
        changed = dict(ev, body={"comments": "Something else."})
        self.assertRejected(f.send(changed), "conflict")
        self.assertRejected(f.send(dict(ev, case=case_ref(999998, 1999))), "conflict")
        self.assertEqual(f.case()["state"], "awaiting_mitigation")
        self.assertHistory(f)


class Windows(CaseChecks, DaemonTestCase):
    """Windows closed by `at`. Each case's history lies in the past, so that the day after a
    window is not in the future. mitigation_response is made long enough that a backdated
    proposal is not referred to the AA by the daemon before the test's next step (a deadline
    already past when it opens runs out at once)."""

    def daemon(self, name):
        return self.new_daemon(name, sections=dict(WORKFLOW_SECTIONS,
                                                   deadlines={"mitigation_response": "60d"}))

    def test_appeal_on_day_15_is_window_closed(self):
        # WMP appeals: 14 days from receipt of the determination in writing
        d = self.daemon("day15")
        window = production_duration_ms("deadlines", "appeal_window")
        served_at = now_ms() - window - 2 * DAY_MS
        t0 = served_at - 4 * DAY_MS
        f = Flow(self, d, declaration(at=t0, bypass_manager=True))
        f.step("assessment.recorded", "awaiting_mitigation", at=t0)
        f.step("mitigation.proposed", "mitigation_proposed", at=t0 + DAY_MS)
        f.step("mitigation.agreed", "awaiting_aa_approval", at=t0 + 2 * DAY_MS)
        f.step("aa.determined", "awaiting_service", at=t0 + 3 * DAY_MS)
        f.step("determination.served", at=served_at)
        day15 = served_at + window + DAY_MS
        # "an appeal with `at` after it is window_closed, in either state": whether the
        # window, already past when it opened, has moved the case on yet or not
        f.reject("appeal.lodged", "window_closed", at=day15)
        got = d.wait_state(f.ref, "conditions_active")
        self.assertEqual(by_kind(got, "appeal_window")[-1]["due_at"], served_at + window)
        d.wait_note("appeal.window_closed", f.ref)
        f.reject("appeal.lodged", "window_closed", at=day15)
        got = f.case()
        self.assertNotIn("appeal.lodged", [h["type"] for h in got["history"]])
        self.assertEqual(got["conditions"], CONDITIONS)


    def test_representations_after_their_window_are_window_closed(self):
        # representations: "a window, not a breach: when it closes, the AA may determine";
        # PROTOCOL.md window_closed: "an appeal or representations after its window"
        d = self.daemon("reps")
        window = production_duration_ms("deadlines", "representations")
        disputed_at = now_ms() - window - DAY_MS
        t0 = disputed_at - DAY_MS
        f = Flow(self, d, declaration(at=t0, bypass_manager=True))
        f.step("assessment.recorded", "awaiting_mitigation", at=t0)
        f.step("mitigation.proposed", "mitigation_proposed", at=t0)
        f.step("mitigation.disputed", "referred_to_aa", at=disputed_at)
        esc = d.wait_note("case.escalated", f.ref)
        aa = [r["id"] for r in esc["recipients"] if r["role"] == "aa"][0]
        f.reject("representations.submitted", "window_closed")
        self.assertEqual(d.notes_for(f.ref, "deadline.breached"), [], "a window is not a breach")
        # none were made and the window is closed: the AA may determine
        f.step("aa.determined", "awaiting_service", actor_id=aa)
        reps = by_kind(f.case(), "representations")
        self.assertEqual([(x["due_at"], x["status"]) for x in reps], [(disputed_at + window, "met")])


class Outcomes(CaseChecks, SharedDaemonTestCase):
    """The other branches of the decisions (WORKFLOW.md "goes to")."""
    daemon_settings = {"sections": WORKFLOW_SECTIONS}

    def decided(self):
        f = Flow(self, self.d, declaration(at=now_ms(), bypass_manager=True))
        for typ, after in ROUTE[:3]:
            f.step(typ, after)
        return f

    def test_aa_approval_review_period_sets_the_annual_review(self):
        # aa.approved: "review_period? (default annual_review)"
        f = self.decided()
        f.step("aa.approved", "conditions_active", review_period="6mo",
               conditions=VARIED_CONDITIONS)
        got = f.case()
        self.assertEqual(got["conditions"], VARIED_CONDITIONS)
        self.assertEqual(by_kind(got, "annual_review")[-1]["due_at"],
                         add_months(f.events[-1]["at"], 6))

    def test_aa_determines_no_risk_closes_and_cease_awaits_service(self):
        # "the PSD AA will decide ...": no_risk -> closed, otherwise awaiting_service
        f = self.decided()
        f.step("aa.determined", "closed", decision="no_risk", conditions=None)
        g = self.decided()
        g.step("aa.determined", "awaiting_service", decision="cease",
               conditions=[{"code": "cease_association", "text": "End the association."}])

    def test_appeal_upheld_closes_and_confirmed_keeps_conditions(self):
        # "uphold, confirm or vary"
        for outcome, state, conditions in (("upheld", "closed", None),
                                           ("confirmed", "conditions_active", CONDITIONS)):
            f = self.decided()
            for typ, after in ROUTE[3:7]:
                f.step(typ, after)
            f.step("appeal.decided", state, outcome=outcome, conditions=None)
            if conditions is not None:
                self.assertEqual(f.case()["conditions"], conditions)

    def test_review_varied_gives_a_new_right_of_appeal_and_removed_closes(self):
        # review.completed: "any variation ... right of appeal"
        f = self.decided()
        f.step("aa.approved", "conditions_active")
        f.step("review.requested", "conditions_active")
        self.assertDeadline(f.case(), "review", f.events[-1]["at"])
        f.step("review.completed", "awaiting_service", outcome="varied",
               conditions=VARIED_CONDITIONS, representations_made=True)
        self.assertEqual([x["status"] for x in by_kind(f.case(), "review")], ["met"])
        f.step("determination.served", "appeal_window")
        self.assertEqual(f.case()["conditions"], VARIED_CONDITIONS)
        g = self.decided()
        g.step("aa.approved", "conditions_active")
        g.step("review.completed", "closed", outcome="removed")

    def test_subject_updated_keeps_the_id(self):
        # subject.updated: "any subject fields but id"
        f = Flow(self, self.d, declaration(at=now_ms()))
        f.step("subject.updated", "awaiting_manager_review", subject={"rank": "DS"})
        got = f.case()["subject"]
        self.assertEqual((got["id"], got["rank"], got["name"]), (f.subject_id, "DS", "Pat Example"))
        f.reject("subject.updated", "invalid_field", r"id|subject\.id", subject={"id": "X-1"})


class Roster(DaemonTestCase):

    def test_referrals_go_to_the_aa_with_fewest_open_referrals(self):
        # WORKFLOW.md "Side effects": [escalation] aa_roster, the fewest open referrals
        d = self.new_daemon("roster", sections=WORKFLOW_SECTIONS)
        named = []
        for _ in AA_ROSTER:
            f = disputed(self, d)
            esc = d.wait_note("case.escalated", f.ref)
            named += [r["id"] for r in esc["recipients"] if r["role"] == "aa"]
        self.assertEqual(sorted(named), sorted(AA_ROSTER))

    def test_empty_roster_escalates_to_the_aa_role_alone(self):
        # "the role alone when the roster is empty"
        d = self.new_daemon("noroster", sections={"escalation": {"aa_roster": ""}})
        f = disputed(self, d)
        esc = d.wait_note("case.escalated", f.ref)
        self.assertEqual([r for r in esc["recipients"] if r["role"] == "aa"],
                         [{"role": "aa", "id": None}], esc)

    def test_kill9_after_a_dispute_is_acknowledged_escalates_exactly_once(self):
        # the escalation worker assigns after the commit that referred the case: a crash in
        # between must neither lose the assignment nor make it twice
        d = self.new_daemon("kill9esc", sections=WORKFLOW_SECTIONS)
        refs = []
        for _ in range(scaled(5, 3)):
            refs.append(disputed(self, d).ref)
            d.kill9()
            d.start()
        for ref in refs:
            d.wait_note("case.escalated", ref)
            self.assertEqual(d.case(ref)["state"], "referred_to_aa")
        # a later assignment would be a second one: the last restart has settled when a new
        # referral after it has been assigned
        d.wait_note("case.escalated", disputed(self, d).ref)
        for ref in refs:
            self.assertEqual(len(d.notes_for(ref, "case.escalated")), 1, ref)


def disputed(test, d):
    """A new case whose mitigation the subject disputed (referred_to_aa)."""
    f = Flow(test, d, declaration(at=now_ms(), bypass_manager=True))
    for typ, after in (("assessment.recorded", "awaiting_mitigation"),
                       ("mitigation.proposed", "mitigation_proposed"),
                       ("mitigation.disputed", "referred_to_aa")):
        f.step(typ, after)
    return f


if __name__ == "__main__":
    unittest.main()
