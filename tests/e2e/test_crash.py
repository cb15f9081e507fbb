"""Durability under load: kill -9 while four DEALER clients pipeline events, three times over,
and SIGTERM under load. An `accepted` reply means the event is on disk: after the restart
every acknowledged event is there (its exact bytes resent answer `duplicate` with the same
case and seq), the journal has no gaps and its hash chain verifies."""

import random
import unittest

from harness import (DaemonTestCase, LoadClient, declaration, note, pack, run_load_until, scaled,
                     stop_load)

CLIENTS = 4
WINDOW = 50
CYCLES = 3


class Crash(DaemonTestCase):

    def load_then(self, d, stop, acks, unavailable_ok=False, text_bytes=0):
        """Runs CLIENTS load clients until `acks` acknowledgements, then calls stop() while
        they are still sending, and returns the clients once they have drained. Events
        rejected as `unavailable` (allowed while stopping) count as sent without a reply."""
        clients = [LoadClient(d.intake_endpoint, window=WINDOW, name="c%d" % k,
                              text_bytes=text_bytes) for k in range(CLIENTS)]
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

    def test_kill9_under_pipelined_load_three_times(self):
        d = self.new_daemon("kill9")
        stored = {}
        earlier = {}
        acks = scaled(2000, 200)
        for cycle in range(CYCLES):
            with self.subTest(cycle=cycle):
                # the middle cycle sends larger events (longer commits, more to lose)
                want = acks // 2 if cycle == 1 else acks
                clients, rc = self.load_then(d, d.kill9, want,
                                             text_bytes=8000 if cycle == 1 else 0)
                self.assertEqual(rc, -9)
                acked, unacked = {}, {}
                for c in clients:
                    acked.update(c.acked)
                    unacked.update(c.unacked)
                self.assertGreaterEqual(len(acked), want)
                note("cycle %d: kill -9 with %d acknowledged, %d in flight", cycle, len(acked),
                     len(unacked))
                d.start()
                # everything acknowledged in earlier cycles must still be there too
                again = dict(random.sample(sorted(earlier.items()), min(500, len(earlier))))
                self.resend_and_check(d, dict(acked, **again), unacked, stored)
                self.check_store(d, stored)
                for eid in list(acked) + list(unacked):
                    earlier[eid] = acked.get(eid) or (unacked[eid],) + stored[eid]

    def test_kill9_right_after_an_ack(self):
        # one event in flight: its ack must already mean "on disk"
        d = self.new_daemon("kill9ack")
        acked = []
        for n in range(scaled(10, 4)):
            ev = declaration()
            with d.intake_req() as c:
                r = self.assertAccepted(c.request(ev), ev)
                d.kill9()
            acked.append((pack(ev), r))
            d.start()
            with d.intake_dealer() as c:
                for data, r in acked:
                    dup = c.request(data)
                    self.assertEqual((dup["status"], dup["case"], dup["seq"]),
                                     ("duplicate", r["case"], r["seq"]), dup)
        self.assertEqual([r["seq"] for _, r in acked], list(range(1, len(acked) + 1)))
        v = d.result("audit.verify")
        self.assertEqual((v["ok"], v["entries"]), (True, len(acked)), v)

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
