"""A full store: the map grows from [store] map_size up to map_max; past it intake answers
`unavailable` and writes nothing, while reads (status, case.get, duplicates) go on; after a
restart with a larger map_max intake works again."""

import unittest

from harness import DaemonTestCase, declaration, pack

LIMIT = 20000
TEXT = "The associate runs a second-hand car business. " * 160  # ~7.5 KiB


class MapFull(DaemonTestCase):

    def test_full_map_is_unavailable_reads_go_on_and_a_bigger_map_recovers(self):
        d = self.new_daemon("mapfull", map_size="64KiB", map_max="1MiB")
        s0 = d.status()
        self.assertLessEqual(s0["store"]["map_bytes"], 1 << 20, s0)
        accepted = []
        full = None
        with d.intake_req() as c:
            for n in range(LIMIT):
                ev = declaration(circumstances="%d: %s" % (n, TEXT))
                data = pack(ev)
                r = c.request(data)
                if r.get("status") != "accepted":
                    self.assertRejected(r, "unavailable", msg="event %d" % n)
                    self.assertEqual(r.get("id"), ev["id"], r)
                    full = data
                    break
                accepted.append((data, r))
            else:
                self.fail("no `unavailable` after %d events in a 1 MiB map" % LIMIT)
        self.assertGreater(len(accepted), 0, "the very first event found the store full")

        # reads go on; the rejected event changed nothing
        st = d.status()
        self.assertEqual(st["journal_seq"], len(accepted), st)
        self.assertEqual(st["cases_total"], len(accepted), st)
        self.assertGreater(st["store"]["map_bytes"], 64 * 1024, "the map never grew: %r" % st)
        self.assertLessEqual(st["store"]["map_bytes"], 1 << 20, st)
        last = accepted[-1][1]
        self.assertEqual(d.case(last["case"])["history"][0]["seq"], last["seq"])
        self.assertIsNotNone(d.result("case.list", limit=5))
        v = d.result("audit.verify")
        self.assertEqual((v["ok"], v["entries"]), (True, len(accepted)), v)
        with d.intake_req() as c:
            r = c.request(full)
            self.assertRejected(r, "unavailable")
            r = c.request(accepted[0][0])
            self.assertEqual((r.get("status"), r.get("case"), r.get("seq")),
                             ("duplicate", accepted[0][1]["case"], accepted[0][1]["seq"]), r)
        self.assertEqual(d.status()["journal_seq"], len(accepted))

        # a larger ceiling: the same event now goes in, next in sequence
        self.assertEqual(d.restart(map_max="64MiB"), 0, d.log_tail())
        self.assertEqual(d.status()["journal_seq"], len(accepted))
        with d.intake_req() as c:
            r = self.assertAccepted(c.request(full))
            self.assertEqual(r["seq"], len(accepted) + 1, r)
            self.assertAccepted(c.request(declaration(circumstances=TEXT)))
        v = d.result("audit.verify")
        self.assertEqual((v["ok"], v["entries"]), (True, len(accepted) + 2), v)


if __name__ == "__main__":
    unittest.main()
