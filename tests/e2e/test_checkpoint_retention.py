"""Checkpoints across retention (issue 12: "after retention disposes of a case, verification
still passes"): checkpoints are taken, retention then destroys a closed case's personal data
(its journal entries keep their hashes, the chain stays whole), and
`integrityd --verify --checkpoint FILE --sign-public KEY` still passes on the store and on an
`integrityctl backup` of it, while the disposed case's data is gone from both, raw files
included; the kept case's data is still there (the grep could fail)."""

import os
import re
import subprocess
import uuid

from harness import (BINARY, CLI, DaemonTestCase, Flow, associate, declaration, fast_sections,
                     journal_entries, now_ms)
from test_checkpoint import LINE_RE
from test_deadlines import wait_s


class CheckpointRetentionTest(DaemonTestCase):

    def sign_pair(self, d, name="sign.key"):
        p = subprocess.run([CLI, "keygen", "--sign"], capture_output=True, text=True,
                           timeout=10)
        self.assertEqual(p.returncode, 0, p.stderr)
        kv = dict(line.split(" = ") for line in p.stdout.strip().splitlines())
        path = os.path.join(d.dir, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, (kv["sign_secret"] + "\n").encode())
        os.close(fd)
        return path, kv["sign_public"]

    def verify(self, config, kept, pub):
        return subprocess.run([BINARY, "--config", config, "--verify", "--checkpoint", kept,
                               "--sign-public", pub], capture_output=True, text=True,
                              timeout=60)

    def test_verification_passes_after_retention_disposed_a_case_on_store_and_backup(self):
        d = self.new_daemon("ckret", start=False, sections=fast_sections(retention="2s"))
        key, pub = self.sign_pair(d)
        _, other_pub = self.sign_pair(d, "other.key")
        d.sections["audit"] = {"sign_key": key}
        d.start()
        sub = d.subscribe(topics=("retention.disposed",))  # no audit.checkpoint notes
        self.addCleanup(sub.close)
        gone = "disposed-" + uuid.uuid4().hex  # distinctive: in this case's data only
        kept = "kept-" + uuid.uuid4().hex
        ev = declaration(at=now_ms(), circumstances="About %s, met at the club." % gone,
                         associate=associate(details="%s, an old friend" % gone))
        sid = ev["body"]["subject"]["id"]
        other = Flow(self, d, declaration(circumstances="About %s, a neighbour." % kept,
                                          associate=associate(details="%s, next door" % kept)))
        f = Flow(self, d, ev)
        lines = [d.result("audit.checkpoint")["line"]]  # before the disposal
        f.step("case.closed", "closed", reason="association_ceased")
        sub.wait_for("retention.disposed", f.ref, timeout=wait_s(2000))
        lines.append(d.result("audit.checkpoint")["line"])  # after it
        for line in lines:
            self.assertRegex(line, LINE_RE)
        # the disposed case is a tombstone; the other is whole
        got = d.case(f.ref)
        self.assertEqual(got["state"], "closed", got)
        self.assertFalse(got.get("subject"), got)
        self.assertNotIn(gone, repr(got))
        # (no case.list by the subject here: that read's journaled record would name them)
        self.assertIn(kept, repr(d.case(other.ref)))
        backup = os.path.join(d.dir, "backup")
        p = subprocess.run([CLI, "-c", d.config_path, "backup", backup], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        d.stop()

        kept_file = os.path.join(d.dir, "kept.txt")
        with open(kept_file, "w") as fh:
            fh.write("\n".join(lines) + "\n")
        with open(d.config_path) as fh:
            text = fh.read()
        bconfig = os.path.join(d.dir, "backup.conf")
        with open(bconfig, "w") as fh:
            fh.write(re.sub(r"(?m)^state_dir = .*$", "state_dir = " + backup, text))
        for where, config, state in (("store", d.config_path, d.state_dir),
                                     ("backup", bconfig, backup)):
            with self.subTest(where=where):
                p = self.verify(config, kept_file, pub)
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
                self.assertEqual(p.stdout.count(" ok=true\n"), 2, p.stdout)
                self.assertIn("checkpoints ok=true failed=0", p.stdout)
                # the same lines under a key that is not the signer's fail: the check bites
                p = self.verify(config, kept_file, other_pub)
                self.assertNotEqual(p.returncode, 0, p.stdout + p.stderr)
                self.assertIn("checkpoints ok=false failed=2", p.stdout)
                # the disposed case's journal entries keep their hashes, not their bytes
                entries = journal_entries(state)
                self.assertTrue(any(b is None for _, _, b in entries), entries)
                self.assertFalse(any(gone.encode() in b for _, _, b in entries if b))
                self.assertTrue(any(kept.encode() in b for _, _, b in entries if b))
        # the compacted backup copies no freed page: its raw file holds nothing of the
        # disposed case, and still holds the kept one's (the grep could fail)
        with open(os.path.join(backup, "data.mdb"), "rb") as fh:
            raw = fh.read()
        self.assertFalse(gone.encode() in raw, "the disposed case's details in the backup")
        self.assertFalse(sid.encode() in raw, "the disposed case's subject in the backup")
        self.assertTrue(kept.encode() in raw, "the kept case's details not in the backup")


if __name__ == "__main__":
    import unittest
    unittest.main()
