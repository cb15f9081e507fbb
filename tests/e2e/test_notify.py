"""Notifications end to end (PROTOCOL.md "Notify: notifications", notifications.since and
status): seq starts at 1 and has no gaps across restarts and kill -9; notifications carry
references, states and roles, never names, associates or free text; notifications.since
returns exactly what a subscriber missed, with limit and paging; a subscriber that never
reads does not slow intake; status notify_seq is the last seq."""

import time
import unittest
import uuid

from harness import (AA_ROSTER, CONDITIONS, DaemonTestCase, Flow, declaration, fast_sections,
                     note, now_ms, pack, scaled, subject)


def marker(label):
    """A string that must never appear in a notification."""
    return "MARK%s%s" % (label, uuid.uuid4().hex[:10])


class Notify(DaemonTestCase):

    def daemon(self, name, **sections):
        # every deadline an hour away: only the tests' own events make notifications, unless
        # a test's `at` puts a deadline in the past
        return self.new_daemon(name, sections=fast_sections(**sections))

    def opened(self, d, sub, **body):
        """A new case (declaration now); returns its Flow once SUB has its case.opened."""
        f = Flow(self, d, declaration(at=now_ms(), **body))
        sub.wait_for("case.opened", f.ref)
        return f

    def assertGapless(self, d, received=()):
        """The outbox is seq 1..status notify_seq, and every map a SUB received is the
        outbox's map under that seq."""
        st = d.status()
        notes = d.notifications()
        self.assertEqual([n["seq"] for n in notes], list(range(1, st["notify_seq"] + 1)))
        by_seq = {n["seq"]: n for n in notes}
        for n in received:
            self.assertEqual(by_seq.get(n["seq"]), n, "SUB got a map the outbox does not hold")
        return notes

    def test_seq_starts_at_1_and_has_no_gaps_across_restarts(self):
        # seq: "starts at 1, +1 for each, no gaps, survives restarts"
        d = self.daemon("seq")
        self.assertEqual(d.status()["notify_seq"], 0)
        received = []
        expect_first = 1
        for stop in (None, d.sigterm, d.kill9):
            if stop is not None:
                self.assertEqual(stop(), 0 if stop == d.sigterm else -9)
                d.start()
            with d.subscribe() as sub:
                f = self.opened(d, sub)
                f.step("manager.reviewed", "awaiting_assessment")
                sub.wait_for("case.state_changed", f.ref)
                seqs = sub.seqs()
                self.assertEqual(seqs[0], expect_first, "after %s" % (
                    stop.__name__ if stop else "the start"))
                self.assertEqual(seqs, list(range(seqs[0], seqs[0] + len(seqs))))
                self.assertEqual(d.status()["notify_seq"], seqs[-1])
                received += [n for _, n in sub.received]
                expect_first = seqs[-1] + 1
        self.assertGapless(d, received)

    def test_notifications_carry_no_names_associates_or_free_text(self):
        # "Notifications carry references, states and roles, never names, associates or free
        # text"; DESIGN.md "Least knowledge"
        d = self.daemon("notext", manager_review="1h")
        sub = d.subscribe()
        self.addCleanup(sub.close)
        marks = []

        def m(label):
            marks.append(marker(label))
            return marks[-1]

        sid = "S-%s" % uuid.uuid4().hex[:8]
        who = subject(sid, name=m("name"), rank=m("rank"), department=m("dept"))
        conditions = [dict(c, text=m("cond")) for c in CONDITIONS]
        body = dict(subject=who, associate={"name": m("assoc"), "kind": "person",
                                            "details": m("details")},
                    circumstances=m("circ"), live_case_ref=m("live"), vulnerable=True,
                    categories=["extremist", "victim_witness_live_case"])
        f = Flow(self, d, declaration(subject_id=sid, at=now_ms(), **body))
        f.step("manager.reviewed", "awaiting_assessment", comments=m("comments"),
               advice=m("advice"), interim_mitigation=[m("interim")])
        f.step("assessment.recorded", "awaiting_mitigation", notes=m("notes"))
        f.step("mitigation.proposed", "mitigation_proposed", conditions=conditions)
        f.step("mitigation.disputed", "referred_to_aa", reason=m("reason"))
        esc = sub.wait_for("case.escalated", f.ref)
        aa = [r["id"] for r in esc["recipients"] if r["role"] == "aa"][0]
        self.assertIn(aa, AA_ROSTER)
        f.step("representations.submitted", "referred_to_aa", text=m("reps"))
        f.step("aa.determined", "awaiting_service", actor_id=aa, conditions=conditions,
               reasons=m("reasons"))
        f.step("determination.served", "appeal_window")
        f.step("appeal.lodged", "under_appeal", grounds=m("grounds"))
        f.step("breach.reported", "under_appeal", details=m("breach"))
        f.step("strategy_meeting.held", "awaiting_appeal_decision")
        f.step("appeal.decided", "conditions_active",
               conditions=[{"code": "other", "text": m("varied")}])
        f.step("review.requested", "conditions_active", reason=m("review"))
        f.step("deadline.extended", "conditions_active", kind="review",
               due_at=now_ms() + 7200 * 1000, reason=m("extension"))
        f.step("subject.updated", "conditions_active",
               subject={"name": m("newname"), "department": m("newdept")})
        f.step("case.closed", "closed", reason="other")
        sub.wait_for("case.closed", f.ref)
        # and a deadline breached at once, with a name in the case
        g = Flow(self, d, declaration(at=now_ms() - 7200 * 1000,
                                      subject=subject(f.subject_id, name=m("name2")),
                                      subject_id=f.subject_id))
        sub.wait_for("deadline.breached", g.ref)

        topics = {n["topic"] for n in sub.notes(f.ref) + sub.notes(g.ref)}
        for t in ("prevent.referral", "misconduct.referral", "case.escalated",
                  "conditions.imposed", "appeal.lodged", "appeal.decided", "case.closed",
                  "deadline.breached"):
            self.assertIn(t, topics)
        published = b"".join(b"".join(frames) for frames, _ in sub.received)
        stored = pack(d.notifications())
        for mark in marks:
            self.assertNotIn(mark.encode(), published, "%s published" % mark)
            self.assertNotIn(mark.encode(), stored, "%s in notifications.since" % mark)
        # the case itself still holds them: the markers were really sent
        assoc = [mk for mk in marks if mk.startswith("MARKassoc")][0]
        self.assertIn(assoc.encode(), pack(d.case(f.ref)))

    def test_notifications_since_returns_exactly_the_missed_ones(self):
        # "a subscriber that sees a gap in seq, or starts late, asks the control socket for
        # notifications.since and receives exactly the ones it missed"
        d = self.daemon("since")
        early = d.subscribe()
        self.addCleanup(early.close)
        for _ in range(3):
            self.opened(d, early).step("manager.reviewed", "awaiting_assessment")
        late = d.subscribe()
        self.addCleanup(late.close)
        for _ in range(3):
            f = self.opened(d, late)
            f.step("manager.reviewed", "awaiting_assessment")
        last = d.status()["notify_seq"]
        late.wait_for("case.state_changed", f.ref)
        early.wait_for("case.state_changed", f.ref)
        everything = [n for _, n in early.received]
        self.assertEqual([n["seq"] for n in everything], list(range(1, last + 1)))

        first_late = late.seqs()[0]
        self.assertGreater(first_late, 1)
        missed = d.result("notifications.since", seq=0, limit=first_late - 1)
        self.assertEqual(missed["notifications"], everything[:first_late - 1])
        rest = d.result("notifications.since", seq=first_late - 1)
        self.assertEqual(rest["notifications"], [n for _, n in late.received])
        self.assertEqual(rest["last_seq"], last)

        # paging with a small limit: full pages, then the rest, then nothing
        pages, seq = [], 0
        for _ in range(last + 2):
            res = d.result("notifications.since", seq=seq, limit=3)
            self.assertEqual(set(res), {"notifications", "last_seq"}, res)
            page = res["notifications"]
            self.assertEqual(len(page), min(3, last - seq), res)
            if not page:
                break
            self.assertLessEqual(page[-1]["seq"], res["last_seq"])
            self.assertLessEqual(res["last_seq"], last)
            pages.append(page)
            seq = page[-1]["seq"]
        self.assertEqual([n for p in pages for n in p], everything)
        for beyond in (last, last + 100):
            self.assertEqual(d.result("notifications.since", seq=beyond)["notifications"], [])
        self.assertEqual(d.result("notifications.since", seq=0)["notifications"], everything)

    def test_subscriber_that_never_reads_does_not_slow_intake(self):
        # issue 3: "A slow or absent subscriber never slows intake"
        d = self.daemon("stalled")
        n = scaled(2000, 400)

        def burst():
            evs = [declaration(at=now_ms()) for _ in range(n)]
            t = time.monotonic()
            with d.intake_dealer() as c:
                replies = c.pipeline([(e["id"], pack(e)) for e in evs], window=200)
            took = time.monotonic() - t
            for e in evs:
                self.assertAccepted(replies[e["id"]], e)
            return took

        alone = burst()
        stalled = [d.subscribe(rcvhwm=1) for _ in range(3)]
        for s in stalled:
            self.addCleanup(s.close)
        with_stalled = burst()
        note("%d events: %.2f s alone, %.2f s with 3 subscribers that never read", n, alone,
             with_stalled)
        self.assertLess(with_stalled, 3 * alone + 2.0)
        # the PUB is not wedged: a new subscriber hears the next case
        with d.subscribe() as fresh:
            self.opened(d, fresh)
        self.assertGapless(d)
        got = len(stalled[0].drain())
        note("a stalled subscriber, read at last, holds %d of %d notifications", got,
             d.status()["notify_seq"])

    def test_topic_frame_lets_sub_filter_by_prefix(self):
        # "the topic (a string such as deadline.breached, so that SUB prefix filters work)"
        d = self.daemon("prefix", manager_review="1s", escalation_interval="1h")
        everything = d.subscribe()
        self.addCleanup(everything.close)
        deadlines = d.subscribe(topics=("deadline.",))
        self.addCleanup(deadlines.close)
        f = self.opened(d, everything)
        everything.wait_for("deadline.breached", f.ref)
        got = deadlines.wait_for("deadline.breached", f.ref)
        self.assertEqual(got, everything.notes(f.ref, "deadline.breached")[0])
        # both saw everything up to the breach: the filtered one, its deadline topics alone
        self.assertEqual(deadlines.notes(), [n for n in everything.notes()
                                             if n["topic"].startswith("deadline.")])

    def test_status_notify_seq_is_the_last_seq(self):
        # status notify_seq; notifications.since last_seq
        d = self.daemon("status", manager_review="1s", escalation_interval="1h")
        self.assertEqual(d.status()["notify_seq"], 0)
        with d.subscribe() as sub:
            f = self.opened(d, sub)
            sub.wait_for("deadline.breached", f.ref, timeout=10)
            last = sub.seqs()[-1]
        st = d.status()
        since = d.result("notifications.since", seq=0)
        self.assertEqual(st["notify_seq"], last)
        self.assertEqual(since["last_seq"], last)
        self.assertEqual(since["notifications"][-1]["seq"], last)


if __name__ == "__main__":
    unittest.main()
