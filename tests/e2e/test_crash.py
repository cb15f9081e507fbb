"""Durability under load: kill -9 while four DEALER clients pipeline events, three times over,
and SIGTERM under load. An `accepted` reply means the event is on disk: after the restart
every acknowledged event is there (its exact bytes resent answer `duplicate` with the same
case and seq), the journal has no gaps and its hash chain verifies."""

import random
import unittest

from harness import (CASE_RE, DaemonTestCase, LoadClient, note, run_load_until, scaled,
                     stop_load)

CLIENTS = 4
WINDOW = 50
CYCLES = 3


class Crash(DaemonTestCase):

    def load_then(self, d, stop, acks, unavailable_ok=False):
        """Runs CLIENTS load clients until `acks` acknowledgements, then calls stop() while
        they are still sending, and returns the clients once they have drained. Events
        rejected as `unavailable` (allowed while stopping) count as sent without a reply."""
        clients = [LoadClient(d.intake_endpoint, window=WINDOW, name="c%d" % k)
                   for k in range(CLIENTS)]
        try:
            run_load_until(d, clients, acks)
            self.assertTrue(all(c.is_alive() for c in clients))
            rc = stop()
        finally:
            stop_load(clients)
        for c in clients:
            self.assertEqual(c.bad, [], "client %s got bad replies" % c.name)
            if not unavailable_ok:
                self.assertEqual(c.unavailable, {}, "client %s got unavailable" % c.name)
            c.unacked.update(c.unavailable)
        return clients, rc

    def resend_and_check(self, d, acked, unacked, stored):
        """Resends every acknowledged event (must be duplicate with the same case and seq)
        and every one sent without a reply (accepted or duplicate, both fine); records what
        the store now holds in `stored` {id: (case, seq)}."""
        payloads = [(i, v[0]) for i, v in acked.items()] + list(unacked.items())
        random.shuffle(payloads)
        with d.intake_dealer() as c:
            replies = c.pipeline(payloads, window=200)
        lost = []
        for eid, (data, case, seq) in acked.items():
            r = replies[eid]
            if (r.get("status"), r.get("case"), r.get("seq")) != ("duplicate", case, seq):
                lost.append((eid, case, seq, r))
            stored[eid] = (case, seq)
        note("resent %d acknowledged: all duplicate; %d unacknowledged: %d were stored",
             len(acked), len(unacked),
             sum(1 for i in unacked if replies[i].get("status") == "duplicate"))
        self.assertEqual(lost[:10], [], "%d acknowledged events not found as they were acked" % len(lost))
        for eid in unacked:
            r = replies[eid]
            self.assertIn(r.get("status"), ("accepted", "duplicate"), r)
            self.assertRegex(r["case"], CASE_RE)
            stored[eid] = (r["case"], r["seq"])

    def check_store(self, d, stored):
        st = d.status()
        seqs = sorted(seq for _, seq in stored.values())
        # every event we ever sent is stored exactly once, seqs 1..n with no gap or repeat
        self.assertEqual(st["journal_seq"], len(stored), st)
        self.assertEqual(seqs, list(range(1, len(stored) + 1)))
        self.assertEqual(len({case for case, _ in stored.values()}), len(stored))
        self.assertEqual(st["cases_total"], len(stored), st)
        v = d.result("audit.verify")
        self.assertEqual((v["ok"], v["entries"], v["first_bad_seq"]),
                         (True, st["journal_seq"], None), v)
        for eid, (case, seq) in random.sample(sorted(stored.items()), min(25, len(stored))):
            got = d.case(case)
            self.assertEqual(got["case"], case)
            self.assertEqual(got["history"][0]["seq"], seq, got)

    def test_kill9_under_pipelined_load_three_times(self):
        d = self.new_daemon("kill9")
        stored = {}
        earlier = {}
        acks = scaled(2000, 200)
        for cycle in range(CYCLES):
            with self.subTest(cycle=cycle):
                clients, rc = self.load_then(d, d.kill9, acks)
                self.assertEqual(rc, -9)
                acked, unacked = {}, {}
                for c in clients:
                    acked.update(c.acked)
                    unacked.update(c.unacked)
                self.assertGreaterEqual(len(acked), acks)
                note("cycle %d: kill -9 with %d acknowledged, %d in flight", cycle, len(acked),
                     len(unacked))
                d.start()
                # everything acknowledged in earlier cycles must still be there too
                again = dict(random.sample(sorted(earlier.items()), min(500, len(earlier))))
                self.resend_and_check(d, dict(acked, **again), unacked, stored)
                self.check_store(d, stored)
                for eid in list(acked) + list(unacked):
                    earlier[eid] = acked.get(eid) or (unacked[eid],) + stored[eid]

    def test_sigterm_under_pipelined_load(self):
        d = self.new_daemon("sigterm")
        clients, rc = self.load_then(d, d.sigterm, scaled(1000, 100), unavailable_ok=True)
        self.assertEqual(rc, 0, d.log_tail())
        acked, unacked = {}, {}
        for c in clients:
            acked.update(c.acked)
            unacked.update(c.unacked)
        note("SIGTERM with %d acknowledged, %d in flight", len(acked), len(unacked))
        d.start()
        stored = {}
        self.resend_and_check(d, acked, unacked, stored)
        self.check_store(d, stored)


if __name__ == "__main__":
    unittest.main()
