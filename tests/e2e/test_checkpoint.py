"""Signed checkpoints (issue 12, part 1): with [audit] sign_key set, `audit.checkpoint`
(admin) signs the journal's head, journals that it did and publishes `audit.checkpoint`; an
outside body that kept the lines checks a store against them with the public key alone
(`integrityd --verify --checkpoint FILE --sign-public KEY`); without a sign_key the command is
refused, naming the key."""

import hashlib
import os
import shutil
import struct
import subprocess
import time

import lmdb  # Debian's python3-lmdb: the rewriter an insider could use

from harness import BINARY, CLI, DaemonTestCase, declaration

HASH_LEN = 32  # daemon/store/journal.h JOURNAL_HASH
HDR = 8 + 2 * HASH_LEN  # JOURNAL_ENTRY_HDR: received_at, bytes_hash, link


def blake(*parts):
    h = hashlib.blake2b(digest_size=HASH_LEN)
    for p in parts:
        h.update(p)
    return h.digest()


def rewrite_journal(state_dir, seq, old, new):
    """What an insider holding the store could do: change entry seq's bytes (old -> new, the
    same length) and recompute every later link and the chain head (proto/SPEC.md
    "Checkpoints"), so that the chain alone still verifies."""
    env = lmdb.open(state_dir, max_dbs=32, subdir=True, lock=False)
    journal, meta = env.open_db(b"journal"), env.open_db(b"meta")
    with env.begin(write=True) as txn:
        cur = txn.cursor(journal)
        rows = [(struct.unpack(">Q", k)[0], bytes(v)) for k, v in cur]
        prev = bytes(HASH_LEN)
        for n, v in rows:
            at, bh, body = v[:8], v[8:8 + HASH_LEN], v[HDR:]
            if n == seq:
                assert old in body, "the entry to rewrite does not hold %r" % old
                body = body.replace(old, new, 1)
                bh = blake(body)
            if n >= seq:
                link = blake(prev, struct.pack(">Q", n), at, bh)
                txn.put(struct.pack(">Q", n), at + bh + link + body, db=journal)
            prev = bytes(v[8 + HASH_LEN:HDR]) if n < seq else link
        txn.put(b"chain_head", struct.pack(">Q", rows[-1][0]) + prev, db=meta)
    env.close()

LINE_RE = r"^integrityd-checkpoint v1 [0-9a-f]{32} \d+ [0-9a-f]{64} \d+ [0-9a-f]{128}$"


class CheckpointTest(DaemonTestCase):

    def setUp(self):
        super().setUp()
        self.subjects = []  # the subject's name of each event sent, in order

    def sign_pair(self, d):
        """A new pair from `integrityctl keygen --sign`: (secret key file, public hex)."""
        p = subprocess.run([CLI, "keygen", "--sign"], capture_output=True, text=True,
                           timeout=10)
        self.assertEqual(p.returncode, 0, p.stderr)
        kv = dict(line.split(" = ") for line in p.stdout.strip().splitlines())
        path = os.path.join(d.dir, "sign.key")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, (kv["sign_secret"] + "\n").encode())
        os.close(fd)
        return path, kv["sign_public"]

    def ctl(self, d, *args, timeout_ms=10000):
        return subprocess.run([CLI, "-c", d.config_path, "-t", str(timeout_ms)] + list(args),
                              capture_output=True, text=True, timeout=60)

    def submit(self, d, n):
        with d.intake() as c:
            for _ in range(n):
                ev = declaration()
                self.subjects.append(ev["body"]["subject"]["name"])
                r = c.request(ev)
                self.assertEqual(r["status"], "accepted", r)

    def test_refused_without_sign_key(self):
        d = self.new_daemon("nokey")
        r = d.control("audit.checkpoint")
        self.assertFalse(r["ok"], r)
        self.assertEqual(r["error"]["code"], "unavailable", r)
        self.assertIn("[audit] sign_key", r["error"]["message"])
        p = self.ctl(d, "checkpoint")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("[audit] sign_key", p.stderr)
        p = self.ctl(d, "checkpoints", "--since", "0")
        self.assertEqual((p.returncode, p.stdout), (0, ""), p.stderr)

    def test_checkpoints_verify_from_outside(self):
        d = self.new_daemon("ck", start=False)
        key, pub = self.sign_pair(d)
        d.sections["audit"] = {"sign_key": key}
        d.start()
        sub = d.subscribe(topics=("audit.checkpoint",))
        lines = []
        for i in range(3):
            self.submit(d, 4)
            r = d.result("audit.checkpoint")
            self.assertRegex(r["line"], LINE_RE)
            self.assertEqual(r["n"], i + 1)
            lines.append(r["line"])
        seqs = [int(x.split()[3]) for x in lines]
        # each checkpoint's own journal entry follows the head it signs
        self.assertEqual(seqs, sorted(set(seqs)))
        self.assertGreaterEqual(seqs[1], seqs[0] + 5)
        # the CLI takes one too, and lists them all exactly as signed, one a line
        p = self.ctl(d, "checkpoint")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout.strip(), LINE_RE)
        lines.append(p.stdout.strip())
        p = self.ctl(d, "checkpoints", "--since", "0")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "\n".join(lines) + "\n")
        p = self.ctl(d, "checkpoints", "--since", "2")
        self.assertEqual(p.stdout, "\n".join(lines[2:]) + "\n")
        notes = d.result("notifications.since", seq=0)["notifications"]
        ck = [x for x in notes if x["topic"] == "audit.checkpoint"]
        self.assertEqual([x["detail"]["line"] for x in ck], lines)
        # and a subscriber on the notify socket receives each one, as published
        live = sub.wait_for("audit.checkpoint", count=len(lines))
        self.assertEqual([x["detail"]["line"] for x in live], lines)
        sub.close()
        r = d.result("audit.checkpoints", since=1, limit=1)
        self.assertEqual([c["line"] for c in r["checkpoints"]], lines[1:2])
        self.assertEqual(r["next"], 2)
        d.stop()
        kept = os.path.join(d.dir, "kept.txt")
        p = self.ctl(d, "checkpoints", timeout_ms=300)  # stopped: unreachable, nothing printed
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        self.assertEqual(p.stdout, "")
        with open(kept, "w") as f:
            f.write("\n".join(lines) + "\n")
        p = subprocess.run([BINARY, "--config", d.config_path, "--verify", "--checkpoint",
                            kept, "--sign-public", pub], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_periodic(self):
        # [audit] checkpoint_every on the daemon's clock (the due times themselves are
        # tested on a stepped clock in tests/daemon/test_ckpttimer.c): here, only that the
        # running daemon takes them, a period apart, journaled and logged as its own
        d = self.new_daemon("per", start=False)
        key, pub = self.sign_pair(d)
        d.sections["audit"] = {"sign_key": key, "checkpoint_every": "1s"}
        d.start()
        self.submit(d, 2)
        rows = d.wait_until(
            "two periodic checkpoints",
            lambda: (lambda r: r if len(r) >= 2 else None)(
                d.result("audit.checkpoints", since=0)["checkpoints"]), timeout=20)
        ats = [int(r["line"].split()[5]) for r in rows]
        self.assertGreaterEqual(ats[1] - ats[0], 1000, rows)
        d.wait_log("checkpoint 1 of journal seq")
        self.assertIn("taken by the daemon ([audit] checkpoint_every)", d.log())
        # the on-demand one is due a period after it: the next periodic one comes no sooner
        r = d.result("audit.checkpoint")
        rows = d.wait_until(
            "a periodic checkpoint after the one on demand",
            lambda: d.result("audit.checkpoints", since=r["n"])["checkpoints"], timeout=20)
        after = int(rows[0]["line"].split()[5])
        self.assertGreaterEqual(after - int(r["line"].split()[5]), 1000, (r, rows))

if __name__ == "__main__":
    import unittest
    unittest.main()
