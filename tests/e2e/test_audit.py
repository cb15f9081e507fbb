"""Read auditing (issue 4, PROTOCOL.md audit.reads, proto/SPEC.md "Read auditing"): every
case.get, case.list, deadlines.list, report.summary and audit.reads is journaled before it
is answered, and audit.reads (and `integrityctl audit reads`) lists exactly the reads of a
case, oldest first, with who asked; and audit.verify finds a single flipped byte in the
journal of a copied store, a read record's as well as an event's."""

import json
import os
import shutil
import subprocess
import unittest

import zmq

from harness import (CLI, IPC_CLIENT_NAME, DaemonTestCase, declaration, flip_journal_byte,
                     journal_entries, new_socket, new_subject_id, now_ms, pack, recv_frames,
                     referral, unpack)



class AuditReads(DaemonTestCase):

    def setUp(self):
        super().setUp()
        self.d = self.new_daemon()
        s1, s2 = new_subject_id(), new_subject_id()
        with self.d.intake_req() as c:
            self.ref1 = self.assertAccepted(c.request(declaration(subject_id=s1)))["case"]
            self.ref2 = self.assertAccepted(c.request(declaration(subject_id=s1)))["case"]
            self.ref3 = self.assertAccepted(c.request(referral(subject_id=s2)))["case"]
        self.s1 = s1

    def journal_seq(self):
        return self.d.status()["journal_seq"]  # status is not journaled

    def assertReads(self, ref, cmds, t0, t1):
        rows = self.d.reads(ref)
        self.assertEqual([r["cmd"] for r in rows], cmds, rows)
        for r in rows:
            self.assertEqual(set(r), {"at", "client", "cmd"}, r)
            self.assertEqual(r["client"], IPC_CLIENT_NAME, r)
            self.assertTrue(t0 <= r["at"] <= t1, (t0, r, t1))
        return rows

    def test_audit_reads_lists_every_read_of_the_case_in_order(self):
        j0, t0 = self.journal_seq(), now_ms()
        self.d.case(self.ref1)                                  # 1: ref1
        self.d.result("case.list", subject=self.s1)            # 2: ref1, ref2
        self.d.result("case.list", limit=1000)                 # 3: all
        self.d.deadlines()                                     # 4: all three open cases
        self.d.result("report.summary")                        # 5: no case
        self.d.case(self.ref3)                                 # 6: ref3
        # not journaled: no case data, or what PUB published anyway, or refused
        self.d.result("notifications.since", seq=0)
        self.d.result("audit.verify")
        self.assertEqual(self.d.control("case.get", case="NA-1999-000001")["error"]["code"],
                         "unknown_case")
        t1 = now_ms()
        self.assertEqual(self.journal_seq(), j0 + 6)
        self.assertReads(self.ref1, ["case.get", "case.list", "case.list", "deadlines.list"],
                         t0, t1)
        self.assertReads(self.ref2, ["case.list", "case.list", "deadlines.list"], t0, t1)
        self.assertReads(self.ref3, ["case.list", "deadlines.list", "case.get"], t0, t1)
        # each audit.reads was a read of its case too
        self.assertEqual(self.journal_seq(), j0 + 9)
        self.assertReads(self.ref1, ["case.get", "case.list", "case.list", "deadlines.list",
                                     "audit.reads"], t0, now_ms())

    def test_audit_reads_of_an_unknown_case_is_unknown_case(self):
        r = self.d.control("audit.reads", case="NA-1999-000001")
        self.assertEqual(r["error"]["code"], "unknown_case", r)
        self.assertIn("NA-1999-000001", r["error"]["message"])
        r = self.d.control("audit.reads")
        self.assertEqual(r["error"]["code"], "missing_field", r)

    def test_integrityctl_audit_reads_prints_them(self):
        if not os.access(CLI, os.X_OK):
            self.skipTest("integrityctl not built at %s" % CLI)
        self.d.case(self.ref2)
        self.d.result("case.list", subject=self.s1)
        argv = [CLI, "-c", self.d.config_path, "--timeout", "10000"]
        p = subprocess.run(argv + ["audit", "reads", self.ref2], capture_output=True,
                           text=True, timeout=40)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["AT", "CLIENT", "CMD"], p.stdout)
        self.assertEqual([l.split()[-1] for l in lines[1:]], ["case.get", "case.list"],
                         p.stdout)
        # --json: the daemon's rows; this call follows the one above, itself a read
        p = subprocess.run(argv + ["--json", "audit", "reads", self.ref2], capture_output=True,
                           text=True, timeout=40)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = json.loads(p.stdout)["reads"]
        self.assertEqual([r["cmd"] for r in rows], ["case.get", "case.list", "audit.reads"])
        self.assertEqual({r["client"] for r in rows}, {IPC_CLIENT_NAME})
        # an unknown case: the daemon's error, exit 1
        p = subprocess.run(argv + ["audit", "reads", "NA-1999-000001"], capture_output=True,
                           text=True, timeout=40)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("unknown_case", p.stderr)


class PipelinedControlReplies(DaemonTestCase):
    """Audited reads are held until their records commit; the replies after them in the same
    cycle are held too, so one connection's replies come in the order of its requests
    (control replies carry no id: a client matches them by order)."""

    ROUNDS = 20

    @staticmethod
    def kind(reply):
        if not reply.get("ok"):
            return "error:" + reply["error"]["code"]
        res = reply["result"]
        for key, name in (("journal_seq", "status"), ("cases", "case.list"),
                          ("notifications", "notifications.since"), ("reads", "audit.reads")):
            if key in res:
                return name
        return "case.get"

    def test_pipelined_replies_on_one_dealer_come_in_request_order(self):
        d = self.new_daemon()
        with d.intake_req() as c:
            ref = self.assertAccepted(c.request(declaration()))["case"]
        reqs = [("case.get", {"case": ref}, "case.get"), ("status", None, "status"),
                ("case.list", {"limit": 5}, "case.list"), ("status", None, "status"),
                ("case.get", {"case": "NA-1999-000001"}, "error:unknown_case"),
                ("notifications.since", {"seq": 0}, "notifications.since"),
                ("audit.reads", {"case": ref}, "audit.reads"), ("status", None, "status")]
        want = [w for _, _, w in reqs]
        sock = new_socket(zmq.DEALER, d.control_endpoint)
        try:
            for _ in range(self.ROUNDS):
                for cmd, args, _ in reqs:  # one burst: they land in one control cycle
                    req = {"v": 1, "cmd": cmd}
                    if args:
                        req["args"] = args
                    sock.send_multipart([b"", pack(req)])
                got = []
                for _ in reqs:
                    frames = recv_frames(sock)
                    self.assertEqual(frames[0], b"")
                    got.append(self.kind(unpack(frames[1])))
                self.assertEqual(got, want)
        finally:
            sock.close(0)


class AuditReadsSealed(DaemonTestCase):
    """With [security] seal_key every journal entry is sealed, read records too: audit.reads
    opens them before it shows them."""

    def test_audit_reads_lists_the_reads_of_a_sealed_store(self):
        d = self.new_daemon(start=False)
        key = os.path.join(d.dir, "seal.key")
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, (os.urandom(32).hex() + "\n").encode())
        os.close(fd)
        d.sections["security"] = {"seal_key": key}
        d.start()
        self.assertIsNotNone(d.status()["seal"]["key_id"])
        with d.intake_req() as c:
            ref = self.assertAccepted(c.request(declaration()))["case"]
        t0 = now_ms()
        d.case(ref)
        d.result("case.list", limit=10)
        rows = d.reads(ref)
        self.assertEqual([r["cmd"] for r in rows], ["case.get", "case.list"], rows)
        self.assertEqual({r["client"] for r in rows}, {IPC_CLIENT_NAME})
        self.assertTrue(all(t0 <= r["at"] <= now_ms() for r in rows), rows)
        # the records are sealed in the journal (the event's entry is too)
        d.sigterm()
        entries = journal_entries(d.state_dir)
        self.assertTrue(entries and all(b[0] == 0xC1 for _, _, b in entries if b), entries)


class AuditVerifyOfACopy(DaemonTestCase):

    def restored(self, name, data):
        d = self.new_daemon(name, start=False)
        shutil.copyfile(data, os.path.join(d.state_dir, "data.mdb"))
        return d

    def test_a_flipped_byte_in_a_copied_journal_is_found_at_its_seq(self):
        d = self.new_daemon()
        with d.intake_req() as c:
            refs = [self.assertAccepted(c.request(declaration()))["case"] for _ in range(3)]
        for ref in refs:
            d.case(ref)
        with d.intake_req() as c:
            self.assertAccepted(c.request(declaration()))
        st = d.status()
        path = os.path.join(d.dir, "backup")
        d.result("backup", path=path)
        data = os.path.join(path, "data.mdb")

        entries = journal_entries(path)
        self.assertEqual([e[0] for e in entries], list(range(1, st["journal_seq"] + 1)))
        reads = [seq for seq, _, b in entries if b and unpack(b).get("type") == "audit.read"]
        events = [seq for seq, _, b in entries if b and "id" in unpack(b)]
        self.assertEqual(len(reads), 3, entries)
        self.assertEqual(len(events), 4, entries)

        whole = self.restored("whole", data)
        whole.start()
        v = whole.result("audit.verify")
        self.assertEqual((v["ok"], v["entries"], v["first_bad_seq"]),
                         (True, st["journal_seq"], None), v)

        # one bit of one byte inside the second read record; then inside an event
        for name, seq in (("readbad", reads[1]), ("eventbad", events[2])):
            bad = self.restored(name, data)
            flip_journal_byte(bad.state_dir, seq, offset=5)
            bad.start()
            v = bad.result("audit.verify")
            self.assertEqual((v["ok"], v["first_bad_seq"], v["entries"]),
                             (False, seq, seq - 1), (name, v))


if __name__ == "__main__":
    unittest.main()
