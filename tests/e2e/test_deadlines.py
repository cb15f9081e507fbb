"""Deadlines end to end (WORKFLOW.md "Deadlines"), with a test config whose [deadlines] are
seconds: reminders, breach and escalations arrive on a SUB socket in order and exactly once;
the at-due actions that are not breaches (mitigation_response refers the case to the AA, the
appeal window closes, retention disposes); deadline.extended re-plans; a deadline already past
when it opens is breached at once; kill -9 while deadlines fire loses and repeats nothing;
SIGHUP changes the durations of new deadlines only.

Each test names the one or two kinds it makes short; every other kind is an hour, so nothing
else fires while it runs. Every wait is bounded by the time the policy gives plus LATE."""

import collections
import time
import unittest

from harness import (AA_ROSTER, DEADLINE_TOPICS, LINE_MANAGER, SCALE, DaemonTestCase, Flow,
                     declaration, duration_ms, fast_sections, note, note_line, now_ms, pack,
                     roles_of, scaled)

# how late a firing may be, in ms (the sanitizer build is slower): well under the 1 s
# between the reminders, so a reminder sent at the other's time fails
LATE = int(600 / min(1.0, SCALE))


def wait_s(ms):
    """A bound for waiting until `ms` from now: the time itself plus LATE and a margin."""
    return (ms + LATE) / 1000.0 + 2.0


def of_kind(notes, kind):
    return [n for n in notes if n["topic"] in DEADLINE_TOPICS and n["deadline"]["kind"] == kind]


def shape(notes):
    """(topic, level) of deadline notes; a reminder's level is not the contract's concern."""
    return [(n["topic"], None if n["topic"] == "deadline.reminder" else n["deadline"]["level"])
            for n in notes]


class Deadlines(DaemonTestCase):

    def daemon(self, name, **sections):
        d = self.new_daemon(name, sections=fast_sections(**sections))
        sub = d.subscribe()
        self.addCleanup(sub.close)
        return d, sub

    def assertSubMatchesOutbox(self, d, sub, ref):
        """The SUB got every durable notification of the case, once each, byte for byte."""
        durable = d.notes_for(ref)
        self.assertEqual([n["seq"] for n in sub.notes(ref)], [n["seq"] for n in durable])
        self.assertEqual(sub.notes(ref), durable)

    def test_reminders_breach_and_escalations_arrive_in_order_exactly_once(self):
        # "Reminders go at the [deadlines] reminders offsets before it is due; at its due time
        # it is breached (to its owner), and every escalation_interval after that it escalates
        # one level (to head_of_psd) until it is met"
        d, sub = self.daemon("remind", manager_review="3s", reminders="2s,1s",
                             escalation_interval="2s")
        at = now_ms()
        f = Flow(self, d, declaration(at=at))
        due = at + 3000
        sub.wait_for("deadline.escalated", f.ref, timeout=wait_s(3000 + 4000),
                     where=lambda n: n["deadline"]["level"] == 2)
        f.step("manager.reviewed", "awaiting_assessment")
        sub.wait_for("case.state_changed", f.ref, where=lambda n: n["state"] == "awaiting_assessment")
        # met: nothing more comes for it, for an escalation interval and then some
        sub.quiet(2.0 + LATE / 1000.0)

        got = of_kind(sub.notes(f.ref), "manager_review")
        self.assertEqual(shape(got), [("deadline.reminder", None), ("deadline.reminder", None),
                                      ("deadline.breached", 0), ("deadline.escalated", 1),
                                      ("deadline.escalated", 2)],
                         "\n".join("%s at due%+d ms" % (n["topic"], n["at"] - due) for n in got))
        for n in got:
            self.assertEqual(n["deadline"]["due_at"], due, n)
        # each at its time, none early: due-2s, due-1s, due, due+2s, due+4s
        for n, offset in zip(got, (-2000, -1000, 0, 2000, 4000)):
            self.assertGreaterEqual(n["at"], due + offset, n)
            self.assertLessEqual(n["at"], due + offset + LATE, n)
        for n in got[:3]:
            self.assertIn({"role": "line_manager", "id": LINE_MANAGER}, n["recipients"], n)
        for n in got[3:]:
            self.assertIn("head_of_psd", roles_of(n), n)
        self.assertSubMatchesOutbox(d, sub, f.ref)
        # the SUB was there before the first notification: it saw every one, in seq order
        self.assertEqual(sub.seqs(), list(range(1, len(sub.seqs()) + 1)))

    def test_unanswered_mitigation_is_referred_to_aa_not_breached(self):
        # mitigation_response: "NOT a breach: mitigation is taken as not agreed, and the case
        # is referred to the AA as if disputed (case.escalated)"
        d, sub = self.daemon("unanswered", mitigation_response="2s")
        f = Flow(self, d, declaration(at=now_ms(), bypass_manager=True))
        f.step("assessment.recorded", "awaiting_mitigation")
        f.step("mitigation.proposed", "mitigation_proposed")
        proposed_at = f.events[-1]["at"]
        esc = sub.wait_for("case.escalated", f.ref, timeout=wait_s(2000))
        self.assertGreaterEqual(esc["at"], proposed_at + 2000, esc)
        aa = [r["id"] for r in esc["recipients"] if r["role"] == "aa"]
        self.assertEqual(len(aa), 1, esc)
        self.assertIn(aa[0], AA_ROSTER, esc)
        got = d.case(f.ref)
        self.assertEqual(got["state"], "referred_to_aa")
        self.assertIn(("mitigation_proposed", "referred_to_aa"),
                      [(n["detail"]["from"], n["detail"]["to"])
                       for n in sub.notes(f.ref, "case.state_changed")])
        self.assertEqual([n for n in of_kind(sub.notes(f.ref), "mitigation_response")
                          if n["topic"] != "deadline.reminder"], [], "not a breach")
        self.assertNotIn("breached", [x["status"] for x in got["deadlines"]
                                      if x["kind"] == "mitigation_response"])
        self.assertIn("open", [x["status"] for x in got["deadlines"]
                               if x["kind"] == "aa_determination"], got["deadlines"])
        f.reject("mitigation.agreed", "invalid_transition", "referred_to_aa")
        f.step("representations.submitted", "referred_to_aa")
        self.assertSubMatchesOutbox(d, sub, f.ref)

    def test_appeal_window_closes_to_conditions_active(self):
        # appeal_window: "a window: when it closes, the case goes to conditions_active
        # (appeal.window_closed); an appeal with `at` after it is window_closed"
        d, sub = self.daemon("appealwin", appeal_window="2s")
        f = Flow(self, d, declaration(at=now_ms(), bypass_manager=True))
        for typ, state in (("assessment.recorded", "awaiting_mitigation"),
                           ("mitigation.proposed", "mitigation_proposed"),
                           ("mitigation.agreed", "awaiting_aa_approval"),
                           ("aa.determined", "awaiting_service"),
                           ("determination.served", "appeal_window")):
            f.step(typ, state)
        served_at = f.events[-1]["at"]
        n = sub.wait_for("appeal.window_closed", f.ref, timeout=wait_s(2000))
        self.assertGreaterEqual(n["at"], served_at + 2000, n)
        self.assertEqual(n["state"], "conditions_active", n)
        got = d.case(f.ref)
        self.assertEqual(got["state"], "conditions_active")
        self.assertEqual([x["status"] for x in got["deadlines"] if x["kind"] == "appeal_window"],
                         ["met"], "a window that closes is not breached")
        self.assertIn("open", [x["status"] for x in got["deadlines"]
                               if x["kind"] == "annual_review"], got["deadlines"])
        self.assertEqual([x for x in of_kind(sub.notes(f.ref), "appeal_window")
                          if x["topic"] != "deadline.reminder"], [])
        f.reject("appeal.lodged", "window_closed")
        self.assertSubMatchesOutbox(d, sub, f.ref)

    def test_deadline_extended_replans_breach_after_new_due(self):
        # deadline.extended: "due_at (later than now due) ... reminders and breach re-planned"
        d, sub = self.daemon("extend", manager_review="2s", reminders="1s",
                             escalation_interval="1h")
        at = now_ms()
        f = Flow(self, d, declaration(at=at))
        old_due = at + 2000
        new_due = old_due + 2000
        f.reject("deadline.extended", "invalid_field", "due_at", role="psd",
                 kind="manager_review", due_at=old_due - 1)
        # "with that deadline open": interview is not
        f.reject("deadline.extended", "invalid_transition", kind="interview", due_at=new_due)
        f.step("deadline.extended", "awaiting_manager_review", kind="manager_review",
               due_at=new_due)
        dl = [x for x in d.case(f.ref)["deadlines"] if x["kind"] == "manager_review"]
        self.assertEqual([(x["due_at"], x["status"]) for x in dl], [(new_due, "open")], dl)
        b = sub.wait_for("deadline.breached", f.ref, timeout=wait_s(new_due - now_ms()))
        self.assertEqual(b["deadline"]["due_at"], new_due, b)
        # the reminder re-planned: 1 s before the new due time
        r = sub.wait_for("deadline.reminder", f.ref, timeout=0,
                         where=lambda n: n["deadline"]["due_at"] == new_due)
        self.assertGreaterEqual(r["at"], new_due - 1000, r)
        self.assertLess(r["seq"], b["seq"], "the reminder comes before the breach")
        self.assertGreaterEqual(b["at"], new_due, "breached before the new due time: %r" % (b,))
        breaches = sub.notes(f.ref, "deadline.breached")
        self.assertEqual(len(breaches), 1, breaches)
        self.assertSubMatchesOutbox(d, sub, f.ref)

    def test_extending_a_breached_deadline_replans_its_breach(self):
        # deadline.extended: "any open state with that deadline open ... reminders and breach
        # re-planned": an extension granted after the breach stops the escalations until the
        # new due time, when it is breached again
        d, sub = self.daemon("extbreach", manager_review="1s", escalation_interval="2s")
        f = Flow(self, d, declaration(at=now_ms()))
        first = sub.wait_for("deadline.breached", f.ref, timeout=wait_s(1000))
        new_due = now_ms() + 3000
        f.step("deadline.extended", "awaiting_manager_review", kind="manager_review",
               due_at=new_due)
        extended_at = f.events[-1]["at"]
        again = sub.wait_for("deadline.breached", f.ref, count=2, timeout=wait_s(3000))[1]
        self.assertEqual(again["deadline"]["due_at"], new_due, again)
        self.assertGreaterEqual(again["at"], new_due, again)
        early = [note_line(n) for n in sub.notes(f.ref) if n["topic"] != "deadline.reminder"
                 and n["topic"] in DEADLINE_TOPICS and extended_at <= n["at"] < new_due]
        self.assertEqual(early, [], "escalated after the extension, before its new due time "
                         "(first breach at %d, extended at %d, new due %d)" % (
                             first["at"], extended_at, new_due))

    def test_deadline_already_past_is_breached_at_once_without_reminders(self):
        # "A deadline that is already past when it opens is breached at once, and its stale
        # reminders are skipped; its escalations count from that breach, not from the due time"
        d, sub = self.daemon("pastdue", manager_review="3s", reminders="2s,1s",
                             escalation_interval="3s")
        at = now_ms() - 10000
        f = Flow(self, d, declaration(at=at))
        received = now_ms()
        b = sub.wait_for("deadline.breached", f.ref, timeout=wait_s(0))
        self.assertEqual((b["deadline"]["due_at"], b["deadline"]["level"]), (at + 3000, 0), b)
        self.assertLessEqual(b["at"], received + LATE, "not at once: %r" % (b,))
        e = sub.wait_for("deadline.escalated", f.ref, timeout=wait_s(3000))
        self.assertEqual(e["deadline"]["level"], 1, e)
        self.assertGreaterEqual(e["at"], b["at"] + 3000, "escalation counted from the due time")
        self.assertEqual(sub.notes(f.ref, "deadline.reminder"), [], "stale reminders are skipped")
        self.assertEqual(len(sub.notes(f.ref, "deadline.breached")), 1)
        self.assertSubMatchesOutbox(d, sub, f.ref)

    def test_retention_disposes_personal_data_leaving_a_tombstone(self):
        # retention: "the case's personal data is destroyed, a tombstone and the journal
        # hashes stay (retention.disposed)"
        d, sub = self.daemon("retention", retention="2s")
        ev = declaration(at=now_ms())
        sid = ev["body"]["subject"]["id"]
        f = Flow(self, d, ev)
        self.assertEqual(len(d.result("case.list", subject=sid)["cases"]), 1)
        f.step("case.closed", "closed", reason="association_ceased")
        closed_at = f.events[-1]["at"]
        n = sub.wait_for("retention.disposed", f.ref, timeout=wait_s(2000))
        self.assertGreaterEqual(n["at"], closed_at + 2000, n)
        got = d.case(f.ref)
        self.assertEqual((got["case"], got["state"], got["closed_reason"]),
                         (f.ref, "closed", "association_ceased"))
        self.assertFalse(got.get("subject"), "the tombstone has a subject: %r" % (got,))
        self.assertFalse(got.get("associate"), "the tombstone has an associate: %r" % (got,))
        packed = pack(got)
        for personal in (sid, ev["body"]["subject"]["name"], ev["body"]["associate"]["name"],
                         ev["body"]["associate"]["details"], ev["body"]["circumstances"]):
            self.assertNotIn(personal.encode(), packed, "case.get after disposal: %r" % (got,))
        self.assertEqual(d.result("case.list", subject=sid)["cases"], [])
        # its notifications keep references and roles; the staff ids in them are gone
        notes = d.notes_for(f.ref)
        self.assertGreaterEqual(len(notes), 3, notes)
        for note in notes:
            self.assertNotIn(sid.encode(), pack(note), note)
            self.assertNotIn(ev["body"]["subject"]["line_manager"].encode(), pack(note), note)
            self.assertTrue(all(r["id"] is None for r in note["recipients"]), note)
        v = d.result("audit.verify")
        self.assertEqual((v["ok"], v["first_bad_seq"]), (True, None), v)
        self.assertEqual(len(sub.notes(f.ref, "retention.disposed")), 1)

    def test_kill9_while_deadlines_fire_then_replay_has_no_duplicates_or_gaps(self):
        # "Each reminder, breach and escalation is sent exactly once, across restarts";
        # PROTOCOL.md: seq "starts at 1, +1 for each, no gaps, survives restarts"
        d, sub = self.daemon("kill9dl", manager_review="3s", reminders="2s,1s",
                             escalation_interval="1s")
        n_cases, spread = scaled(30, 10), 150
        t0 = now_ms() + 500
        refs = {}
        with d.intake_dealer() as c:
            # `at` may lie in the future (within clock_skew): due times one `spread` apart
            evs = [declaration(at=t0 + i * spread) for i in range(n_cases)]
            replies = c.pipeline([(e["id"], pack(e)) for e in evs])
            for e in evs:
                self.assertAccepted(replies[e["id"]], e)
                refs[replies[e["id"]]["case"]] = e["at"] + 3000
        first_due, last_due = min(refs.values()), max(refs.values())
        # kill -9 in the middle of the stream: some breached, some reminded, some not yet
        kill_at = (first_due + last_due) // 2
        time.sleep(max(0.0, (kill_at - now_ms()) / 1000.0))
        before = sub.drain()
        self.assertTrue(any(n["topic"] == "deadline.breached" for n in before),
                        "nothing breached before the kill")
        d.kill9()
        killed = now_ms()
        d.start()
        ready = now_ms()
        note("%d cases, kill -9 at due%+d ms of the first, down %d ms, %d notifications seen",
             n_cases, killed - first_due, ready - killed, len(sub.received))

        # every case breaches, and the last one escalates twice after the restart
        last = max(refs, key=refs.get)
        d.wait_note("deadline.escalated", last, timeout=wait_s(last_due + 2000 - now_ms()),
                    where=lambda n: n["deadline"]["level"] >= 2)
        notes = d.notifications()
        st = d.status()
        seqs = [n["seq"] for n in notes]
        self.assertEqual(seqs, list(range(1, len(seqs) + 1)), "outbox seqs not 1..N")
        self.assertGreaterEqual(len(seqs), st["notify_seq"])

        firings = collections.Counter()
        reminders = collections.Counter()
        for n in notes:
            if n["topic"] == "deadline.reminder":
                reminders[(n["case"], n["deadline"]["kind"], n["deadline"]["due_at"])] += 1
            elif n["topic"] in DEADLINE_TOPICS:
                firings[(n["topic"], n["case"], n["deadline"]["kind"], n["deadline"]["level"])] += 1
        self.assertEqual([k for k, v in firings.items() if v > 1], [], "sent more than once")
        for ref, due in refs.items():
            self.assertEqual(firings[("deadline.breached", ref, "manager_review", 0)], 1, ref)
            got = reminders[(ref, "manager_review", due)]
            self.assertLessEqual(got, 2, "%s: %d reminders for 2 offsets" % (ref, got))
            # reminders due well before the kill or well after the restart went exactly once
            # (one due while the daemon was down may be skipped as stale)
            if not any(killed - LATE <= due - off <= ready + 300 for off in (2000, 1000)):
                self.assertEqual(got, 2, "%s: reminders due at due-2s and due-1s" % ref)
        # what the SUB saw before the kill is what the outbox holds under those seqs: nothing
        # was published that the crash then lost
        by_seq = {n["seq"]: n for n in notes}
        for _, n in sub.received:
            self.assertEqual(by_seq.get(n["seq"]), n)

    def test_deadlines_list_in_due_order_with_overdue_before_and_limit(self):
        # PROTOCOL.md deadlines.list: `overdue`, `before`, `limit`, "in due order"; status
        # deadlines_open and deadlines_overdue
        d, sub = self.daemon("dlist", manager_review="1h", escalation_interval="1h")
        hour, now = duration_ms("1h"), now_ms()
        # due an hour after `at`: two overdue (breached at once), two not yet
        ats = (now - 2 * hour, now - hour - 60000, now, now + 60000)
        refs = [Flow(self, d, declaration(at=at)).ref for at in ats]
        due = {ref: at + hour for ref, at in zip(refs, ats)}
        for ref in refs[:2]:
            sub.wait_for("deadline.breached", ref)

        def mine(rows):
            return [(x["case"], x["kind"], x["due_at"]) for x in rows if x["case"] in due]
        every = d.deadlines()
        self.assertEqual([x["due_at"] for x in every], sorted(x["due_at"] for x in every))
        self.assertEqual(mine(every), [(r, "manager_review", due[r]) for r in refs])
        self.assertEqual([x["level"] for x in every if x["case"] in refs[:2]], [0, 0])
        overdue = d.deadlines(overdue=True)
        self.assertEqual(mine(overdue), [(r, "manager_review", due[r]) for r in refs[:2]])
        self.assertEqual([x["status"] for x in overdue], ["breached", "breached"])
        before = d.deadlines(before=due[refs[2]] + 30000)
        self.assertEqual(mine(before), [(r, "manager_review", due[r]) for r in refs[:3]])
        self.assertEqual(mine(d.deadlines(limit=2)), mine(every)[:2])
        st = d.status()
        self.assertEqual((st["deadlines_open"], st["deadlines_overdue"]), (4, 2), st)

    def test_sighup_changes_new_deadlines_and_keeps_open_ones(self):
        # issue 3: "SIGHUP reloads [deadlines]; open deadlines keep the due time they were
        # given"
        d, _ = self.daemon("sighup", manager_review="1h")
        at = now_ms()
        a = Flow(self, d, declaration(at=at))
        pid = d.proc.pid

        def new_case_due(duration="2h"):
            f = Flow(self, d, declaration(at=now_ms()))
            dl = d.case_deadlines(f.ref, "manager_review")
            return dl[0]["due_at"] - f.events[0]["at"] == duration_ms(duration)
        d.reload(deadlines={"manager_review": "2h"})
        d.wait_until("a new case's manager_review due 2h after it opened", new_case_due)
        self.assertEqual(d.proc.pid, pid)
        # a file that does not parse is refused; the daemon goes on, and reloads the next one
        d.reload(deadlines={"manager_review": "soon"})
        d.reload(deadlines={"manager_review": "3h"})
        d.wait_until("a new case's manager_review due 3h after it opened",
                     lambda: new_case_due("3h"))
        self.assertEqual(d.proc.pid, pid)
        # a due time is fixed when a deadline opens: no timer to move, no replan pass
        self.assertNotIn("SIGHUP: replanning the deadline timers", d.log())
        self.assertEqual([x["due_at"] for x in d.case_deadlines(a.ref, "manager_review")],
                         [at + duration_ms("1h")])

    def test_sighup_moves_timers_already_set_to_the_new_interval(self):
        # SIGHUP: deadlines already open keep their due time; what they do next follows the
        # new settings. A breach escalating every hour escalates every second after a reload
        # that says so (the replan pass moves its timer), not an hour later.
        d, sub = self.daemon("replan", manager_review="1s", escalation_interval="1h")
        f = Flow(self, d, declaration(at=now_ms()))
        breach = sub.wait_for("deadline.breached", f.ref, timeout=wait_s(1000 + 4000))
        d.reload(deadlines={"manager_review": "1s", "escalation_interval": "1s"})
        up = sub.wait_for("deadline.escalated", f.ref, timeout=wait_s(2000 + 4000),
                          where=lambda n: n["deadline"]["level"] >= 1)
        self.assertEqual(up["deadline"]["due_at"], breach["deadline"]["due_at"])
        self.assertLess(up["at"] - breach["at"], 60 * 1000)
        d.wait_until("the replan pass logged", lambda: "deadline timers moved" in d.log())

    def test_restart_with_an_edited_interval_moves_timers_already_set(self):
        # The same as a reload, across a restart: the store knows which settings its timers
        # were placed under (meta timer_policy), and a start under others replans them.
        d, sub = self.daemon("replan-restart", manager_review="1s", escalation_interval="1h")
        f = Flow(self, d, declaration(at=now_ms()))
        breach = sub.wait_for("deadline.breached", f.ref, timeout=wait_s(1000 + 4000))
        d.sigterm()
        d.sections["deadlines"]["escalation_interval"] = "1s"
        d.write_config()
        d.start()
        d.wait_until("an escalation after the restart",
                     lambda: [n for n in d.notes_for(f.ref) if n["topic"] == "deadline.escalated"])
        up = [n for n in d.notes_for(f.ref) if n["topic"] == "deadline.escalated"][0]
        self.assertEqual(up["deadline"]["due_at"], breach["deadline"]["due_at"])
        self.assertLess(up["at"] - breach["at"], 60 * 1000)


if __name__ == "__main__":
    unittest.main()
