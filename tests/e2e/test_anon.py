"""Anonymous referrals keep no trace of the reporter (issue 4; PROTOCOL.md "nothing in the
store can tell who sent it"; P01 3.5, P01c 3.13): no actor, no client identity, no id in the
clear, and no time finer than the day, anywhere in the raw LMDB file. A named referral sent
beside it is the control: the same greps find its markers, so a clean grep means something."""

import hashlib
import os
import struct
import unittest

import zmq

from harness import (DaemonTestCase, anonymous_referral, now_ms, pack, recv_frames, referral,
                     unpack)

DAY_MS = 86400000
MARK = "Zq" + os.urandom(6).hex()  # unlikely to occur in a store by chance


def msgpack_uint(v):
    """The bytes msgpack uses for an unsigned int this large (uint64: 0xcf + 8 bytes)."""
    return b"\xcf" + struct.pack(">Q", v)


class AnonymousReferral(DaemonTestCase):

    def submit(self, d, ev, routing_id):
        """Sends ev from a DEALER whose ZeroMQ identity is routing_id; the reply."""
        s = zmq.Context.instance().socket(zmq.DEALER)
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.ROUTING_ID, routing_id.encode())
        s.connect(d.intake_endpoint)
        try:
            s.send_multipart([b"", pack(ev)])
            frames = recv_frames(s)
        finally:
            s.close(0)
        return unpack(frames[-1])

    def assertAbsent(self, needle, raw):
        at = raw.find(needle)
        self.assertEqual(at, -1, "%r found in the raw store at offset %d" % (needle, at))

    def assertPresent(self, needle, raw):
        self.assertNotEqual(raw.find(needle), -1, "%r not in the raw store" % (needle,))

    def raw_store(self, d):
        with open(os.path.join(d.state_dir, "data.mdb"), "rb") as f:
            return f.read()

    def test_raw_store_keeps_no_reporter_identity_id_or_time_of_day(self):
        d = self.new_daemon()
        # an instant well inside its day, so flooring it changes it
        at = now_ms() - 61_234
        if at % DAY_MS < 3600_000:
            at -= 3600_000
        anon = anonymous_referral(id="anon-%s-id" % MARK, at=at)
        named = referral(id="named-%s-id" % MARK, at=at + 1)
        named["actor"]["id"] = "R-%s-actor" % MARK

        r = self.submit(d, anon, "reporter-%s-route" % MARK)
        self.assertEqual(r["status"], "accepted", r)
        anon_ref, anon_seq = r["case"], r["seq"]
        r = self.submit(d, named, "named-%s-route" % MARK)
        self.assertEqual(r["status"], "accepted", r)

        raw = self.raw_store(d)
        # the control: what a named referral leaves is there to be found
        self.assertPresent(("named-%s-id" % MARK).encode(), raw)
        self.assertPresent(("R-%s-actor" % MARK).encode(), raw)
        self.assertPresent(msgpack_uint(at + 1), raw)
        # the anonymous one: neither its id, nor its connection's identity, nor its instant
        self.assertAbsent(("anon-%s-id" % MARK).encode(), raw)
        self.assertAbsent(("reporter-%s-route" % MARK).encode(), raw)
        self.assertAbsent(msgpack_uint(at), raw)
        # (ZeroMQ identities are never stored, named or not)
        self.assertAbsent(("named-%s-route" % MARK).encode(), raw)

        got = d.case(anon_ref)
        self.assertEqual(got["origin"], "anonymous")
        self.assertEqual(got["opened_at"], at - at % DAY_MS)
        self.assertEqual(len(got["history"]), 1, got["history"])
        h = got["history"][0]
        self.assertIsNone(h.get("actor"), h)
        self.assertEqual(h["seq"], anon_seq)
        self.assertEqual(h["at"] % DAY_MS, 0, h)
        self.assertEqual(h["received_at"] % DAY_MS, 0, h)
        for dl in got["deadlines"]:
            # a deadline runs from the day, so its due time says no more than the day does
            self.assertEqual(dl["due_at"] % 1000, 0, dl)

        # what was published about it carries the day too
        notes = d.result("notifications.since", seq=0)["notifications"]
        mine = [n for n in notes if n["case"] == anon_ref]
        self.assertTrue(mine, notes)
        for n in mine:
            self.assertEqual(n["at"] % DAY_MS, 0, n)

        # a resend is still a duplicate, with the same case and seq; other content conflicts
        r = self.submit(d, anon, "reporter-%s-route2" % MARK)
        self.assertEqual((r["status"], r["case"], r["seq"]), ("duplicate", anon_ref, anon_seq))
        changed = dict(anon, body=dict(anon["body"], circumstances="something else entirely"))
        r = self.submit(d, changed, "x")
        self.assertEqual((r["status"], r["error"]["code"]), ("rejected", "conflict"), r)

        # and the chain still verifies with the redacted entry in it
        self.assertTrue(d.result("audit.verify")["ok"])

        # after a restart the same holds (nothing was kept aside in memory only)
        d.stop()
        raw = self.raw_store(d)
        self.assertAbsent(("anon-%s-id" % MARK).encode(), raw)
        self.assertAbsent(msgpack_uint(at), raw)

    def test_on_a_sealed_store_the_id_hash_is_keyed_and_kept_over_a_restart(self):
        # unsealed, the idempotency key is the id's plain BLAKE2b (the control); sealed, it is
        # keyed by the store's secret, so a guessed id cannot be confirmed from a copy
        def tagged_hash(i):
            return b"\x00" + hashlib.blake2b(i.encode(), digest_size=32).digest()

        plain = self.new_daemon("plain")
        a = anonymous_referral(id="anon-%s-plain" % MARK)
        self.assertEqual(self.submit(plain, a, "x")["status"], "accepted")
        self.assertPresent(tagged_hash(a["id"]), self.raw_store(plain))

        d = self.new_daemon("sealed", start=False)
        key = os.path.join(d.dir, "seal.key")
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, os.urandom(32).hex().encode() + b"\n")
        os.close(fd)
        d.sections["security"] = {"seal_key": key}
        d.start()
        b = anonymous_referral(id="anon-%s-sealed" % MARK)
        r = self.submit(d, b, "x")
        self.assertEqual(r["status"], "accepted", r)
        d.restart()
        self.assertAbsent(tagged_hash(b["id"]), self.raw_store(d))
        self.assertAbsent(b["id"].encode(), self.raw_store(d))
        again = self.submit(d, b, "y")
        self.assertEqual((again["status"], again["case"], again["seq"]),
                         ("duplicate", r["case"], r["seq"]), again)

    def test_one_id_sent_named_and_anonymous_opens_one_case(self):
        """PROTOCOL.md: the same id with different content is `conflict`. An anonymous
        referral's id is indexed only as a hash, apart from named ids; the second sending is
        still refused, whichever came first, and the refused one writes nothing."""
        d = self.new_daemon()
        for first_anon in (False, True):
            mark = "Zq" + os.urandom(6).hex()
            eid = "same-%s-id" % mark
            anon = anonymous_referral(id=eid)
            named = referral(id=eid)
            first, second = (anon, named) if first_anon else (named, anon)
            total = d.status()["cases_total"]
            r = self.submit(d, first, "a")
            self.assertEqual(r["status"], "accepted", r)
            ref, seq = r["case"], r["seq"]
            r = self.submit(d, second, "b")
            self.assertEqual((r["status"], r["error"]["code"]), ("rejected", "conflict"), r)
            self.assertEqual(d.status()["cases_total"], total + 1)
            # the first is still what the id names
            r = self.submit(d, first, "c")
            self.assertEqual((r["status"], r["case"], r["seq"]), ("duplicate", ref, seq), r)
            # the refused anonymous one left its id nowhere; an accepted one only as a hash
            self.assertEqual(self.raw_store(d).find(eid.encode()) != -1, not first_anon)
        self.assertTrue(d.result("audit.verify")["ok"])


class AnonymousRejectionLog(DaemonTestCase):
    """A refused anonymous referral is logged without its id: the log names the client, and
    an id beside it would tie the referral to its sender (proto/SPEC.md "Anonymous
    referrals"). A named event's refusal, the control, still names its id."""

    def test_a_refused_anonymous_referral_is_logged_without_its_id(self):
        d = self.new_daemon()
        anon_id, named_id = "anon-" + MARK, "named-" + MARK
        with d.intake_req() as c:
            for ev in (anonymous_referral(id=anon_id), referral(id=named_id)):
                self.assertEqual(c.request(ev)["status"], "accepted")
            # the same ids with other content: conflict, whose message quotes the id
            for ev in (anonymous_referral(id=anon_id, circumstances="other"),
                       referral(id=named_id, circumstances="other")):
                r = c.request(ev)
                self.assertEqual(r["error"]["code"], "conflict", r)
                self.assertIn(ev["id"], r["error"]["message"])  # the sender is told
        d.sigterm()
        log = d.log()
        self.assertIn("rejected (anonymous referral) from client", log)
        self.assertNotIn(anon_id, log)
        self.assertIn("rejected %s from client" % named_id, log)

if __name__ == "__main__":
    unittest.main()
