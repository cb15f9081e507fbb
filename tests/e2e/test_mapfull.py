"""A full store: the map grows from [store] map_size up to map_max; past it intake answers
`unavailable` and writes nothing, while reads (status, case.get, duplicates) go on; after a
restart with a larger map_max intake works again."""

import os
import shutil
import unittest

import zmq

from harness import (DaemonTestCase, LoadClient, case_ref, declaration, new_socket, note, pack,
                     recv_frames, run_load_until, scaled, stop_load, unpack)

LIMIT = 20000
READS_MAX = 20000  # read records of ~200 bytes: far more than a full map has room for
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
        with d.intake_req() as c:
            r = c.request(full)
            self.assertRejected(r, "unavailable")
            r = c.request(accepted[0][0])
            self.assertEqual((r.get("status"), r.get("case"), r.get("seq")),
                             ("duplicate", accepted[0][1]["case"], accepted[0][1]["seq"]), r)
        self.assertEqual(d.status()["journal_seq"], len(accepted))
        # case reads go on while their small records fit; each answered one grows the journal,
        # so one comes that cannot be recorded, and it is not answered (proto/SPEC.md "Read
        # auditing"); status and audit.verify always go on
        last = accepted[-1][1]
        for n in range(READS_MAX):
            r = d.control("case.get", case=last["case"])
            if not r["ok"]:
                break
            self.assertEqual(r["result"]["case"], last["case"], r)
        else:
            self.fail("every one of %d reads was recorded in a full 1 MiB map" % READS_MAX)
        self.assertEqual(r["error"]["code"], "unavailable", r)
        self.assertIn("could not be recorded", r["error"]["message"])
        self.assertEqual(d.status()["journal_seq"], len(accepted) + d.journaled_reads)
        note("reads at the ceiling: %d recorded and answered before one was refused",
             d.journaled_reads)
        v = d.result("audit.verify")
        self.assertEqual((v["ok"], v["entries"]), (True, len(accepted) + d.journaled_reads), v)
        self.assertEqual(d.status()["journal_seq"], len(accepted) + d.journaled_reads)

        # a larger ceiling: the same event now goes in, next in sequence
        self.assertEqual(d.restart(map_max="64MiB"), 0, d.log_tail())
        self.assertEqual(d.status()["journal_seq"], len(accepted) + d.journaled_reads)
        with d.intake_req() as c:
            r = self.assertAccepted(c.request(full))
            self.assertEqual(r["seq"], len(accepted) + d.journaled_reads + 1, r)
            self.assertAccepted(c.request(declaration(circumstances=TEXT)))
        v = d.result("audit.verify")
        self.assertEqual((v["ok"], v["entries"]), (True, len(accepted) + d.journaled_reads + 2),
                         v)

    def test_a_reseal_share_that_cannot_be_written_does_not_refuse_its_batch(self):
        """Sealing values makes them larger: at map_max the reseal pass cannot write. Its
        share must not take down what shares the batch with it (intake, held reads): the
        pass stops and the batch is written again without it."""
        d = self.new_daemon("resealfull", map_size="64KiB", map_max="1MiB")
        refs = []
        with d.intake_req() as c:
            for n in range(LIMIT):
                r = c.request(pack(declaration(circumstances="%d: %s" % (n, TEXT))))
                if r.get("status") != "accepted":
                    self.assertRejected(r, "unavailable", msg="event %d" % n)
                    break
                refs.append(r["case"])
        self.assertGreater(len(refs), 0)
        # sealing on, and a little room: enough for a read record, far from enough for the
        # reseal pass's first share (256 values, each one larger sealed)
        key = os.path.join(d.dir, "seal.key")
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, (os.urandom(32).hex() + "\n").encode())
        os.close(fd)
        d.sections["security"] = {"seal_key": key}
        self.assertEqual(d.restart(map_max="1088KiB"), 0, d.log_tail())
        self.assertEqual(d.status()["seal"]["pending"], "plain")
        # reseal, then a case.get in the same control cycle: the read's record is journaled
        # in the batch that carries the pass's first share
        sock = new_socket(zmq.DEALER, d.control_endpoint)
        try:
            sock.send_multipart([b"", pack({"v": 1, "cmd": "reseal"})])
            sock.send_multipart([b"", pack({"v": 1, "cmd": "case.get",
                                            "args": {"case": refs[-1]}})])
            rs = unpack(recv_frames(sock)[1])
            got = unpack(recv_frames(sock)[1])
        finally:
            sock.close(0)
        self.assertTrue(rs["ok"] and rs["result"]["started"], rs)
        self.assertTrue(got["ok"], got)
        self.assertIn(refs[-1], repr(got["result"]))
        d.journaled_reads += 1
        # the pass stopped, saying why; intake goes on
        d.wait_until("the reseal pass stops",
                     lambda: not d.status()["seal"]["reseal"]["running"])
        self.assertIn("reseal: stopped", d.log_tail(50))
        with d.intake_req() as c:
            self.assertAccepted(c.request(declaration()))
        v = d.result("audit.verify")
        self.assertEqual((v["ok"], v["entries"]), (True, len(refs) + d.journaled_reads + 1), v)

    def test_full_map_under_pipelined_load_leaves_no_gap(self):
        # batches that hit the ceiling are answered unavailable as a whole or in part, but
        # whatever was accepted is numbered without gaps: no seq, no case reference lost
        d = self.new_daemon("mapfullpipe", map_size="64KiB", map_max="1MiB")
        evs = [declaration(circumstances="%d: %s" % (n, TEXT)) for n in range(400)]
        with d.intake_dealer() as c:
            replies = c.pipeline([(ev["id"], pack(ev)) for ev in evs], window=50)
        accepted = {i: r for i, r in replies.items() if r["status"] == "accepted"}
        for r in replies.values():
            if r["status"] != "accepted":
                self.assertRejected(r, "unavailable")
        self.assertGreater(len(accepted), 0)
        self.assertLess(len(accepted), len(evs), "400 events of 7.5 KiB fitted in 1 MiB")
        n = len(accepted)
        self.assertEqual(sorted(r["seq"] for r in accepted.values()), list(range(1, n + 1)))
        self.assertEqual(sorted(r["case"] for r in accepted.values()),
                         [case_ref(k) for k in range(1, n + 1)])
        st = d.status()
        self.assertEqual((st["journal_seq"], st["cases_total"]), (n, n), st)
        self.assertEqual(st["intake"]["rejected"], len(evs) - n, st)

        self.assertEqual(d.restart(map_max="64MiB"), 0, d.log_tail())
        with d.intake_dealer() as c:
            again = c.pipeline([(ev["id"], pack(ev)) for ev in evs], window=50)
        for i, r in again.items():
            if i in accepted:
                self.assertEqual((r["status"], r["case"], r["seq"]),
                                 ("duplicate", accepted[i]["case"], accepted[i]["seq"]), r)
            else:
                self.assertAccepted(r)
        self.assertEqual(sorted(r["seq"] for r in again.values()), list(range(1, len(evs) + 1)))
        v = d.result("audit.verify")
        self.assertEqual((v["ok"], v["entries"]), (True, len(evs)), v)

    def test_map_grows_under_load_while_reads_and_a_backup_go_on(self):
        d = self.new_daemon("grow", map_size="64KiB", map_max="1GiB")
        clients = [LoadClient(d.intake_endpoint, window=50, name="g%d" % k) for k in range(4)]
        target = scaled(4000, 400)
        backup = os.path.join(d.dir, "backup-under-load")
        sizes, reads, backed_up = [d.status()["store"]["map_bytes"]], 0, None
        try:
            run_load_until(d, clients, 1)
            while sum(c.count for c in clients) < target:
                st = d.status()
                sizes.append(st["store"]["map_bytes"])
                page = d.result("case.list", limit=5)
                for item in page["cases"]:
                    self.assertEqual(d.case(item["case"])["case"], item["case"])
                reads += 1
                if backed_up is None and sum(c.count for c in clients) >= target // 2:
                    backed_up = d.result("backup", path=backup)
                    reads_in_backup = d.journaled_reads
                self.assertTrue(d.running, d.log_tail())
                self.assertLess(reads, 100000)
        finally:
            stop_load(clients)
        sizes.append(d.status()["store"]["map_bytes"])
        acked, unacked = {}, {}
        for c in clients:
            self.assertEqual(c.bad, [], c.name)
            acked.update(c.acked)
            # a batch that needed the map to grow while the backup held it may be unavailable
            unacked.update(c.unacked)
            unacked.update(c.unavailable)
        note("%d acknowledged, %d control rounds, map %d -> %d bytes, backup %r", len(acked),
             reads, sizes[0], sizes[-1], backed_up)
        self.assertEqual(sizes, sorted(sizes), "the map shrank")
        self.assertGreater(sizes[-1], sizes[0], "the map never grew")
        stored = {}
        self.resend_and_check(d, acked, unacked, stored)
        self.check_store(d, stored)

        # the backup taken under load is consistent on its own
        self.assertIsNotNone(backed_up)
        copy = self.new_daemon("grow-copy", start=False)
        data = os.path.join(backup, "data.mdb") if os.path.isdir(backup) else backup
        shutil.copyfile(data, os.path.join(copy.state_dir, "data.mdb"))
        copy.start()
        st = copy.status()
        v = copy.result("audit.verify")
        self.assertEqual((v["ok"], v["entries"]), (True, st["journal_seq"]), v)
        self.assertEqual(st["cases_total"] + reads_in_backup, st["journal_seq"])
        self.assertGreater(st["cases_total"], 0)


if __name__ == "__main__":
    unittest.main()
