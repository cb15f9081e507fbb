"""Sealed fields (issue 4, item 5): with [security] seal_key set, names, associate details and
free text are encrypted at rest, so neither data.mdb nor a `backup` copy shows them, while
case.get returns them in the clear; a key rotation (new key + previous, restart,
`integrityctl reseal`, then the new key alone) keeps every case readable; a store created
without sealing is sealed by the same pass; a flipped byte in the journal of a copied store is
found by audit.verify; a daemon never starts on a store it could not read."""

import hashlib
import os
import shutil
import subprocess
import unittest

from harness import (CLI, BINARY, DaemonError, DaemonTestCase, anonymous_referral, associate,
                     declaration, new_id, pack, referral)

CLI_TIMEOUT_MS = 10000
HASH_LEN = 32  # daemon/journal.h JOURNAL_HASH
SEAL_MAGIC = 0xC1  # daemon/seal.h




def read(path):
    with open(path, "rb") as f:
        return f.read()


class Markers:
    """Events whose every personal field holds a marker no other text contains."""

    def __init__(self, tag):
        self.tag = tag
        self.all = []
        self.by_case = {}  # case reference -> [(where in case.get, marker)]

    def mark(self, what):
        m = "Mk%s%s%d" % (self.tag, what, len(self.all))
        self.all.append(m)
        return m

    def events(self):
        n, c, d = self.mark("AssocName"), self.mark("Circ"), self.mark("Details")
        sn = self.mark("SubjName")
        decl = declaration(circumstances="met at %s gym" % c,
                           associate=associate(name=n, details=d))
        decl["body"]["subject"]["name"] = sn
        rn, rc = self.mark("RefAssoc"), self.mark("RefCirc")
        ref = referral(circumstances=rc, associate=associate(name=rn, details=self.mark("RefDet")))
        an = anonymous_referral(circumstances=self.mark("AnonCirc"),
                                associate=associate(name=self.mark("AnonAssoc")))
        return [decl, ref, an]


class SealTest(DaemonTestCase):

    def key(self, d, name):
        """A new seal key from `integrityctl keygen --seal`, in a file only we may read."""
        p = subprocess.run([CLI, "keygen", "--seal"], capture_output=True, text=True,
                           timeout=10)
        self.assertEqual(p.returncode, 0, p.stderr)
        hexkey = p.stdout.strip()
        self.assertRegex(hexkey, r"^[0-9a-f]{64}$")
        path = os.path.join(d.dir, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, (hexkey + "\n").encode())
        os.close(fd)
        return path

    def ctl(self, d, *args):
        return subprocess.run([CLI, "-c", d.config_path, "-t", str(CLI_TIMEOUT_MS)] + list(args),
                              capture_output=True, text=True, timeout=120)

    def submit(self, d, m):
        refs = []
        with d.intake() as c:
            for ev in m.events():
                r = c.request(ev)
                self.assertEqual(r["status"], "accepted", r)
                refs.append(r["case"])
        return refs

    def assert_readable(self, d, refs, markers):
        """case.get shows names and associates (circumstances are kept only in the
        journal: no command returns them)."""
        text = b"".join(pack(d.result("case.get", case=r)) for r in refs)
        for mk in (mk for mk in markers if "Circ" not in mk):
            self.assertIn(mk.encode(), text, "case.get does not show %s" % mk)

    def assert_clean(self, path, markers):
        data = read(path)
        found = [mk for mk in markers if mk.encode() in data]
        self.assertEqual(found, [], "%s shows %s" % (path, found))

    def backup(self, d, name):
        path = os.path.join(d.dir, name)
        d.result("backup", path=path)
        return os.path.join(path, "data.mdb")

    def data(self, d):
        return os.path.join(d.state_dir, "data.mdb")

    def set_keys(self, d, cur, prev=None):
        d.sections["security"] = {"seal_key": cur, "seal_key_previous": prev}

    def offline_verify(self, d):
        d.write_config()
        return subprocess.run([BINARY, "--config", d.config_path, "--verify"],
                              capture_output=True, text=True, timeout=60)

    def verify_ok(self, d):
        v = d.result("audit.verify")
        self.assertTrue(v["ok"], v)
        self.assertIsNone(v["first_bad_seq"], v)
        return v

    def test_sealed_fields_rotation_and_a_daemon_without_the_key(self):
        d = self.new_daemon(start=False)
        k1 = self.key(d, "seal1.key")
        self.set_keys(d, k1)
        d.start()
        m = Markers("A")
        refs = self.submit(d, m) + self.submit(d, m)
        self.assert_readable(d, refs, m.all)
        self.assert_clean(self.data(d), m.all)
        self.assert_clean(self.backup(d, "bk1"), m.all)
        v = self.verify_ok(d)
        # the journal: the events, and the reads the test made (proto/SPEC.md "Read auditing")
        self.assertEqual(v["entries"], len(refs) + d.journaled_reads)
        under_k1 = v["entries"]
        s = d.status()["seal"]
        self.assertRegex(s["key_id"], r"^[0-9a-f]{16}$")
        self.assertIsNone(s["pending"])
        id1 = s["key_id"]
        with open(k1) as f:
            self.assertNotIn(id1, f.read(), "the key id gives away the key")

        # rotate: the new key, the old one as previous; restart; reseal
        k2 = self.key(d, "seal2.key")
        self.set_keys(d, k2, k1)
        d.restart()
        s = d.status()["seal"]
        self.assertNotEqual(s["key_id"], id1)
        self.assertEqual(s["pending"], id1)
        self.assert_readable(d, refs, m.all)
        m2 = Markers("B")
        refs += self.submit(d, m2)  # sealed under the new key during the rotation
        p = self.ctl(d, "reseal")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("every value is under the current key", p.stdout)
        s = d.status()["seal"]
        self.assertIsNone(s["pending"])
        self.assertFalse(s["reseal"]["running"])
        self.assertEqual(s["reseal"]["cases"], 6)
        self.assertEqual(s["reseal"]["entries"], under_k1)
        # running it again is harmless
        p = self.ctl(d, "reseal")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(d.status()["seal"]["reseal"]["cases"], 0)

        # the new key alone: everything reads, nothing shows, the chain holds
        self.set_keys(d, k2)
        d.restart()
        self.assert_readable(d, refs, m.all + m2.all)
        self.assert_clean(self.data(d), m.all + m2.all)
        self.assert_clean(self.backup(d, "bk2"), m.all + m2.all)
        self.verify_ok(d)

        # a daemon without the store's key does not start, and says which key it needs
        id2 = d.status()["seal"]["key_id"]
        for keys in ({"seal_key": k1}, {}):
            d.sigterm()
            d.sections["security"] = keys
            with self.assertRaises(DaemonError):
                d.start()
            self.assertNotEqual(d.proc.returncode, 0)
            self.assertIn(id2, d.log_tail(5))
        self.set_keys(d, k2)
        d.start()
        self.assert_readable(d, refs[:1], m.all[:1])

    def test_a_seal_key_others_may_read_refuses_the_start_before_the_store_is_made(self):
        d = self.new_daemon(start=False)
        path = self.key(d, "seal.key")
        os.chmod(path, 0o644)
        self.set_keys(d, path)
        with self.assertRaises(DaemonError):
            d.start()
        self.assertNotEqual(d.proc.returncode, 0)
        self.assertIn("seal.key", d.log_tail(5))
        self.assertEqual(os.listdir(d.state_dir), [], "a refused start made the store")

    def test_turning_sealing_on_then_reseal_leaves_no_marker_in_a_compacted_backup(self):
        d = self.new_daemon()
        m = Markers("C")
        refs = self.submit(d, m)
        d.sigterm()
        self.assertIn(m.all[0].encode(), read(self.data(d)), "the grep looks in the wrong place")
        self.set_keys(d, self.key(d, "seal.key"))
        d.start()
        self.assertEqual(d.status()["seal"]["pending"], "plain")
        self.assert_readable(d, refs, m.all)  # records written before sealing still load
        p = self.ctl(d, "reseal")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIsNone(d.status()["seal"]["pending"])
        self.assert_readable(d, refs, m.all)
        # data.mdb may keep old plain pages until LMDB reuses them (README); a compacted
        # backup holds only live pages
        self.assert_clean(self.backup(d, "bk"), m.all)
        self.verify_ok(d)

    def test_a_flipped_byte_in_the_journal_of_a_copied_store_is_found(self):
        d = self.new_daemon(start=False)
        key = self.key(d, "seal.key")
        self.set_keys(d, key)
        d.start()
        evs = [declaration(id=new_id("flip")) for _ in range(5)]
        with d.intake() as c:
            for ev in evs:
                self.assertEqual(c.request(ev)["status"], "accepted")
        copy = self.backup(d, "copy")
        # the journal entry of event 3: received_at | bytes_hash | link | sealed blob, found
        # by its bytes hash (BLAKE2b-256 of the event as sent), which is followed by a link
        # and the blob's magic byte (the events index holds the same hash, not followed so)
        h = hashlib.blake2b(pack(evs[2]), digest_size=HASH_LEN).digest()
        data = bytearray(read(copy))
        at = [i for i in range(len(data)) if data.startswith(h, i)
              and data[i + 2 * HASH_LEN] == SEAL_MAGIC]
        self.assertEqual(len(at), 1, "entry 3 not found in the copy")
        data[at[0] + 2 * HASH_LEN + 60] ^= 0x01  # one bit of the ciphertext
        c = self.new_daemon("copy", start=False)
        # without the key, and without a daemon: integrityd --verify on the copy
        shutil.copy(copy, os.path.join(c.state_dir, "data.mdb"))
        p = self.offline_verify(c)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("ok=true entries=5 ", p.stdout)
        with open(os.path.join(c.state_dir, "data.mdb"), "wb") as f:
            f.write(data)
        p = self.offline_verify(c)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("ok=false entries=2 ", p.stdout)
        self.assertIn("first_bad_seq=3 keys=none", p.stdout)
        # and audit.verify of a daemon started on the copy, which has the key
        self.set_keys(c, key)
        c.start()
        v = c.result("audit.verify")
        self.assertFalse(v["ok"], v)
        self.assertEqual(v["first_bad_seq"], 3, v)
        # the original is whole
        self.verify_ok(d)
        shutil.rmtree(os.path.dirname(copy), ignore_errors=True)

    @staticmethod
    def listing(top):
        """Every file and directory under top: size, sha256 and mtime of each."""
        out = {}
        for root, dirs, files in os.walk(top):
            for name in dirs + files:
                path = os.path.join(root, name)
                st = os.lstat(path)
                digest = ""
                if os.path.isfile(path):
                    with open(path, "rb") as f:
                        digest = hashlib.sha256(f.read()).hexdigest()
                out[os.path.relpath(path, top)] = (st.st_size, digest, st.st_mtime_ns)
        out["."] = (0, "", os.lstat(top).st_mtime_ns)
        return out

    def test_verify_writes_nothing_in_the_store_it_audits(self):
        """integrityd --verify on an evidence copy or read-only media: no byte, mtime or
        file of the copy changes, and none is created (lock files included); it still
        reads the chain, and says which entries it could open."""
        d = self.new_daemon(start=False)
        self.set_keys(d, self.key(d, "seal1.key"))
        d.start()
        self.submit(d, Markers("V"))
        entries = d.result("audit.verify")["entries"]
        d.stop()
        for whole in (True, False):
            c = self.new_daemon("ev%d" % whole, start=False)
            if whole:  # the state directory as it was, lock files and all
                shutil.rmtree(c.state_dir)
                shutil.copytree(d.state_dir, c.state_dir)
            else:  # the data file alone
                shutil.copy(self.data(d), c.state_dir)
            for read_only in (False, True):
                if read_only:
                    subprocess.run(["chmod", "-R", "a-w", c.state_dir], check=True)
                for keys in (d.sections["security"], {}):
                    c.sections["security"] = keys
                    c.write_config()
                    before = self.listing(c.state_dir)
                    p = subprocess.run([BINARY, "--config", c.config_path, "--verify"],
                                       capture_output=True, text=True, timeout=60)
                    self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
                    self.assertIn("ok=true entries=%d " % entries, p.stdout)
                    if keys:
                        self.assertIn("keys=opened plain=0 opened=%d keyless=0 " % entries,
                                      p.stdout)
                    else:
                        self.assertIn("keys=none plain=0 opened=0 keyless=%d " % entries,
                                      p.stdout)
                    self.assertEqual(self.listing(c.state_dir), before,
                                     (whole, read_only, bool(keys)))
            subprocess.run(["chmod", "-R", "u+w", c.state_dir], check=True)



if __name__ == "__main__":
    unittest.main()
