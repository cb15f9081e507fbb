"""The reporter's channel (REGISTERS.md "The reporter's channel"; PROTOCOL.md's `token` reply
key, `report.thread` and the topics report.follow_up and report.reply), end to end over real
sockets, from the contract only:

- an anonymous wrongdoing report: its token, the same token on a duplicate, follow-ups by
  token (shown, and lower case without dashes), PSD's replies, the thread by token with
  every time kept to the day, the notifications, one answer for every token that opens
  nothing, and reporter_update met and opened again by each reply;
- the channel closing `[reports] channel_after_close` after the case closes (2 s here),
  polled with a bound, for follow-ups and report.thread alike;
- a named CR reporter following up by case and actor, and what is refused to others;
- the per-client limit on failed token look-ups, and their count in status;
- a sealed store: neither data.mdb, a backup, the daemon's log nor the outbox shows the token
  or the reporter's or PSD's text; an unsealed store beside it is the control that the grep
  finds what is there.

Every daemon is the test's own. Deadlines are the production defaults (days)."""

import os
import random
import re
import subprocess
import time
import unittest

from harness import (CLI, DAY_MS, DaemonTestCase, Subscriber, anonymous_referral,
                     new_id, new_subject_id, now_ms, pack, referral)

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SYM = "[0-9A-HJKMNP-TV-Z]"
TOKEN_RE = re.compile(r"^%s{4}(-%s{4}){5}-%s{2}$" % (SYM, SYM, SYM))
NO_TOKEN = "token: no open report has this token"
LIMITED = "too many unknown tokens; retry later"
REPORTER_UPDATE_MS = 28 * DAY_MS
RUN = os.urandom(5).hex()

# REGISTERS.md: "New topics: integrity.flag, iopc.referral_due, report.follow_up, report.reply"


def marker(what):
    """A string no other text of the store, log or outbox contains by chance."""
    return "Mk%s%s%s" % (what, RUN, os.urandom(3).hex())


def random_token():
    """A well-formed token (26 Crockford symbols, shown) that nothing was given."""
    s = "".join(random.choice(CROCKFORD) for _ in range(26))
    return "-".join([s[i:i + 4] for i in range(0, 24, 4)] + [s[24:]])


def canonical(token):
    return token.replace("-", "").upper()


def token_forms(token):
    """Every way a token could be written down: shown, canonical, both lower case."""
    return [token, canonical(token), token.lower(), canonical(token).lower()]


def read(path):
    with open(path, "rb") as f:
        return f.read()


def day_of(ms):
    return ms - ms % DAY_MS


def ev(type, role, body, case=None, at=None, actor_id=None):
    """One event map; role None: no actor."""
    e = {"v": 1, "id": new_id(type.replace(".", "-")), "type": type,
         "at": now_ms() if at is None else at, "body": body}
    if role:
        e["actor"] = {"id": actor_id or {"psd": "PSD-0101"}.get(role, "R1"), "role": role}
    if case is not None:
        e["case"] = case
    return e


def anonymous_wrongdoing(circumstances, at=None):
    return ev("wrongdoing.reported", None,
              {"standards": ["honesty_integrity"], "circumstances": circumstances,
               "anonymous": True}, at=at)


def follow_up_by_token(token, text, at=None):
    return ev("report.followed_up", None, {"token": token, "text": text}, at=at)


def reply(case, text, at=None):
    return ev("psd.replied", "psd", {"text": text}, case=case, at=at)


def close(case, at=None):
    return ev("case.closed", "psd", {"reason": "no_further_action"}, case=case, at=at)


class ChannelCase(DaemonTestCase):
    """Helpers: a daemon (sealed or not, [reports] as given), a SUB on it, a REQ client."""

    def daemon(self, name, reports=None, sealed=False, sub=True):
        sections = {"reports": dict(reports)} if reports else {}
        d = self.new_daemon(name, start=False, sections=sections)
        if sealed:
            d.sections["security"] = {"seal_key": self.seal_key(d)}
        d.start()
        s = None
        if sub:
            s = Subscriber(d)
            self.addCleanup(s.close)
        self.client = d.intake_req()
        self.addCleanup(self.client.close)
        return d, s

    def seal_key(self, d):
        """A new seal key from `integrityctl keygen --seal` (as test_seal.py makes one)."""
        p = subprocess.run([CLI, "keygen", "--seal"], capture_output=True, text=True,
                           timeout=10)
        self.assertEqual(p.returncode, 0, p.stderr)
        hexkey = p.stdout.strip()
        self.assertRegex(hexkey, r"^[0-9a-f]{64}$")
        path = os.path.join(d.dir, "seal.key")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, (hexkey + "\n").encode())
        os.close(fd)
        return path

    def send(self, e):
        return self.client.request(e)

    def accept(self, e, case=None):
        return self.assert_accepted(self.client, e, case)

    def reject(self, e, code, field=None):
        return self.assertRejected(self.send(e), code, field, msg="request %r" % (e,))

    def assertToken(self, r):
        self.assertIn("token", r, "an accepted anonymous report carries no token: %r" % (r,))
        t = r["token"]
        self.assertIsInstance(t, str, r)
        self.assertEqual(len(t), 32, r)
        self.assertRegex(t, TOKEN_RE, r)
        return t

    def thread(self, d, **args):
        return d.control("report.thread", **args)

    def thread_ok(self, d, **args):
        r = self.thread(d, **args)
        self.assertIs(r.get("ok"), True, "report.thread %r: %r" % (args, r))
        return r["result"]

    def assertUnknownToken(self, r, what):
        """unknown_case with the one message for every token that opens nothing."""
        self.assertRejected(r, "unknown_case", msg=what)
        self.assertEqual(r["error"]["message"], NO_TOKEN, "%s: %r" % (what, r))
        self.assertNotIn("case", r, r)
        self.assertNotIn("token", r, r)

    def assertThreadUnknown(self, r, what):
        self.assertIsNot(r.get("ok"), True, "%s: %r" % (what, r))
        self.assertEqual((r.get("error") or {}).get("code"), "unknown_case", "%s: %r" % (what, r))
        return r["error"]["message"]

    def reporter_updates(self, d, case):
        return [(x["due_at"], x["status"]) for x in d.case_deadlines(case, "reporter_update")]

    def token_failures(self, d):
        st = d.status()
        self.assertIsInstance(st.get("reports"), dict, "status has no reports: %r" % (st,))
        n = st["reports"].get("token_failures")
        self.assertIsInstance(n, int, st["reports"])
        return n


# --------------------------------------------------------------------------------------------

class AnonymousThread(ChannelCase):

    def test_anonymous_report_token_follow_ups_replies_thread_and_reporter_update(self):
        d, sub = self.daemon("anonthread")
        t0 = now_ms()
        report = anonymous_wrongdoing("Claims for shifts nobody worked %s" % marker("Circ"),
                                      at=t0 - 60000)
        data = pack(report)
        r = self.accept(report)
        wr = r["case"]
        self.assertRegex(wr, r"^WR-\d{4}-\d{6}$", r)
        token = self.assertToken(r)
        seq = r["seq"]

        # a resend of the same bytes: duplicate, same case, seq and token
        r2 = self.send(data)
        self.assertEqual((r2.get("status"), r2.get("case"), r2.get("seq"), r2.get("token")),
                         ("duplicate", wr, seq, token), r2)

        # every anonymous report has its own token (an NA referral too); a named one none
        other = self.accept(anonymous_referral())
        self.assertNotEqual(self.assertToken(other), token, "two reports, one token")
        named = self.accept(referral())
        self.assertNotIn("token", named, "a named referral got a token: %r" % (named,))

        got = d.case(wr)
        self.assertEqual((got["kind"], got["origin"], got["state"]),
                         ("WR", "anonymous", "awaiting_assessment"), got)
        # reporter_update opens with the report (28 d, open)
        ru = self.reporter_updates(d, wr)
        self.assertEqual([s for _, s in ru], ["open"], got["deadlines"])
        due0 = ru[0][0]
        self.assertIn(due0, (report["at"] + REPORTER_UPDATE_MS,
                             day_of(report["at"]) + REPORTER_UPDATE_MS), ru)

        texts = [("reporter", "First follow-up: the rota is in the blue file %s" % marker("Fu1")),
                 ("psd", "Thank you, we are looking into it %s" % marker("Re1")),
                 ("reporter", "Second follow-up: also in March %s" % marker("Fu2")),
                 ("psd", "We have what we need for now %s" % marker("Re2"))]
        dues = [due0]
        ats = []
        for i, (who, text) in enumerate(texts):
            at = now_ms()
            ats.append(at)
            if who == "reporter":
                # the second by the token in lower case without its dashes
                shown = token if i == 0 else canonical(token).lower()
                r = self.accept(follow_up_by_token(shown, text, at=at), case=wr)
                self.assertNotIn("token", r, "a follow-up's reply repeats the token: %r" % (r,))
            else:
                self.accept(reply(wr, text, at=at), case=wr)
                ru = self.reporter_updates(d, wr)
                # met and opened again from the reply: one open, due 28 d after the reply
                self.assertEqual(sorted(s for _, s in ru), ["met"] * len(dues) + ["open"],
                                 "after psd.replied: %r" % (ru,))
                due = [x for x, s in ru if s == "open"][0]
                self.assertEqual(due, at + REPORTER_UPDATE_MS,
                                 "reporter_update not opened again from the reply: %r" % (ru,))
                self.assertNotEqual(due, dues[-1], "reporter_update's due time did not move")
                dues.append(due)

        # the thread by token: the four messages in order, every time kept to the day
        th = self.thread_ok(d, token=token)
        self.assertEqual((th["case"], th["state"]), (wr, "awaiting_assessment"), th)
        msgs = th["messages"]
        self.assertEqual([(m["from"], m["text"]) for m in msgs], texts, msgs)
        for m, at in zip(msgs, ats):
            self.assertEqual(set(m), {"at", "from", "text"}, m)
            self.assertEqual(m["at"] % DAY_MS, 0, "a time finer than the day: %r" % (m,))
            self.assertEqual(m["at"], day_of(at), m)
        # by the canonical form, lower case, too; and by case for an operator (no clients file)
        self.assertEqual(self.thread_ok(d, token=canonical(token).lower()), th)
        self.assertEqual(self.thread_ok(d, case=wr)["messages"], msgs)
        # journaled as a read of the case
        self.assertIn("report.thread", [x["cmd"] for x in d.reads(wr)])

        # the case's history keeps the reporter's follow-ups to the day too
        hist = [h for h in d.case(wr)["history"] if h["type"] == "report.followed_up"]
        self.assertEqual(len(hist), 2, hist)
        for h in hist:
            self.assertEqual((h["at"] % DAY_MS, h["received_at"] % DAY_MS), (0, 0),
                             "an anonymous follow-up's time finer than the day: %r" % (h,))
            self.assertFalse(h.get("actor"), h)

        # notifications: report.follow_up to psd (twice), report.reply to a reporter with no id
        fus = sub.wait_for("report.follow_up", wr, count=2)
        for n in fus:
            self.assertTrue(n["recipients"], n)
            self.assertEqual({x["role"] for x in n["recipients"]}, {"psd"}, n)
        reps = sub.wait_for("report.reply", wr, count=2)
        for n in reps:
            self.assertEqual(n["recipients"], [{"role": "reporter", "id": None}], n)
        self.assertEqual(len(d.notes_for(wr, "report.follow_up")), 2)
        self.assertEqual(len(d.notes_for(wr, "report.reply")), 2)

        # a follow-up on the anonymous case by case and an actor is refused
        self.reject(ev("report.followed_up", "reporter", {"text": "x"}, case=wr), "forbidden")
        # a token with an actor beside it is invalid_field naming actor
        # (and with a case, the envelope needs an actor: PROTOCOL.md checks it before the body)
        self.reject(dict(follow_up_by_token(token, "x"), case=wr), "missing_field", "actor")
        self.reject(dict(follow_up_by_token(token, "x"),
                         actor={"id": "R1", "role": "reporter"}), "invalid_field", "actor")

        # tokens that open nothing: one answer, whatever is wrong with them
        before = self.token_failures(d)
        wrong = [random_token(),                                # well-formed, given to nobody
                 token[:-1] + ("0" if token[-1] != "0" else "1"),  # one symbol off
                 "not-a-token",                                 # not the form at all
                 token.replace(token[0], "I", 1),               # a letter Crockford leaves out
                 token + "0"]                                   # one symbol too many
        ctl_messages = {}
        for w in wrong:
            # intake: unknown_case, the message NO_TOKEN for each (assertUnknownToken)
            self.assertUnknownToken(self.send(follow_up_by_token(w, "Is anyone there?")),
                                    "follow-up by token %r" % w)
            ctl_messages[w] = self.assertThreadUnknown(self.thread(d, token=w),
                                                       "report.thread by token %r" % w)
        self.assertEqual(len(set(ctl_messages.values())), 1, "report.thread: one message for "
                         "every token that opens nothing: %r" % (ctl_messages,))
        self.assertGreaterEqual(self.token_failures(d) - before, len(wrong),
                                "failed look-ups not counted")
        # nothing of that reached the thread
        self.assertEqual(self.thread_ok(d, token=token)["messages"], msgs)


# --------------------------------------------------------------------------------------------

class ChannelCloses(ChannelCase):

    def test_the_token_opens_nothing_channel_after_close_after_the_case_closes(self):
        d, sub = self.daemon("chclose", reports={"channel_after_close": "2s"})
        r = self.accept(anonymous_wrongdoing("Expenses %s" % marker("Circ")))
        wr, token = r["case"], self.assertToken(r)
        self.accept(follow_up_by_token(token, "Before the close %s" % marker("Pre")), case=wr)
        self.assertEqual([s for _, s in self.reporter_updates(d, wr)], ["open"])

        closed_at = now_ms()
        self.accept(close(wr, at=closed_at), case=wr)
        self.assertEqual(d.case(wr)["state"], "closed")
        # reporter_update is cancelled when the case closes
        self.assertEqual([s for _, s in self.reporter_updates(d, wr)], ["cancelled"],
                         d.case(wr)["deadlines"])
        # still open right after the close: a follow-up is taken, the thread reads
        self.accept(follow_up_by_token(token, "After the close %s" % marker("Post")), case=wr)
        self.assertEqual(self.thread_ok(d, token=token)["state"], "closed")
        self.assertLess(now_ms(), closed_at + 2000, "too slow to see the channel open")

        # polled, bounded: the follow-up by token becomes unknown_case, not before the time
        # and not more than a second after it (subtests: each rule is reported on its own)
        close_by = closed_at + 2000 + 1000
        with self.subTest("report.followed_up by token after channel_after_close"):
            while True:
                at = now_ms()
                e = follow_up_by_token(token, "Polling", at=at)
                r = self.send(e)
                if r.get("status") != "accepted":
                    break
                self.assertLess(at, close_by, "follow-ups by token still taken %d ms after the "
                                "channel closed (closed_at %d + 2 s): last request %r, reply %r"
                                % (at - closed_at - 2000, closed_at, e, r))
                time.sleep(0.2)
            self.assertUnknownToken(r, "follow-up after the channel closed")
            self.assertGreaterEqual(at, closed_at + 2000, "closed early")
        # report.thread by token too, and with the shown and canonical forms alike
        with self.subTest("report.thread by token after channel_after_close"):
            while True:
                at = now_ms()
                r = self.thread(d, token=token)
                if r.get("ok") is not True:
                    break
                self.assertLess(at, close_by, "report.thread by token still open: %r" % (r,))
                time.sleep(0.2)
            self.assertThreadUnknown(r, "report.thread after the close")
            self.assertGreaterEqual(at, closed_at + 2000, "closed early")
            self.assertThreadUnknown(self.thread(d, token=canonical(token).lower()),
                                     "report.thread by the canonical token after the close")
        # PSD cannot reply on a closed channel either ("while the case's channel is open")
        with self.subTest("psd.replied after channel_after_close"):
            d.wait_until("the channel's end", lambda: now_ms() >= close_by, timeout=10)
            r = self.send(reply(wr, "Too late"))
            self.assertEqual(r.get("status"), "rejected",
                             "psd.replied after the channel closed: %r" % (r,))
            self.assertEqual(d.notes_for(wr, "report.reply"), [])
        # the operator still reads the thread by case: both follow-ups, no late reply
        texts = [m["text"] for m in self.thread_ok(d, case=wr)["messages"]]
        self.assertEqual([t.split()[0] for t in texts[:2]], ["Before", "After"], texts)
        self.assertNotIn("Too late", texts)

    def test_a_backdated_follow_up_after_the_channel_closed_opens_nothing(self):
        """The channel closes channel_after_close after the case does; then the token opens
        nothing. An event's `at` may lie in the past: a follow-up sent after the channel
        closed, dated inside it, must not reopen it."""
        d, _ = self.daemon("chbackdate", reports={"channel_after_close": "2s"}, sub=False)
        r = self.accept(anonymous_wrongdoing("Expenses %s" % marker("Circ")))
        wr, token = r["case"], self.assertToken(r)
        closed_at = now_ms()
        self.accept(close(wr, at=closed_at), case=wr)
        # wait (bounded) until the daemon itself says the channel is closed
        d.wait_until("the channel closed", lambda: self.thread(d, token=token).get("ok") is False,
                     timeout=10)
        self.assertGreaterEqual(now_ms(), closed_at + 2000)
        e = follow_up_by_token(token, "Dated inside the channel %s" % marker("Late"),
                               at=closed_at + 500)
        self.assertUnknownToken(self.send(e), "a follow-up sent after the channel closed, "
                                "dated before it did")
        self.assertEqual(len(self.thread_ok(d, case=wr)["messages"]), 0)


# --------------------------------------------------------------------------------------------

class NamedReporter(ChannelCase):

    def test_named_corruption_reporter_follows_up_by_case_and_actor(self):
        d, sub = self.daemon("named")
        e = ev("corruption.reported", "reporter",
               {"subject": {"id": new_subject_id("CRS")}, "allegation": ["drugs"],
                "circumstances": "Seen with a dealer %s" % marker("Circ")}, actor_id="R1")
        r = self.accept(e)
        cr = r["case"]
        self.assertRegex(cr, r"^CR-\d{4}-\d{6}$", r)
        self.assertNotIn("token", r, "a named report got a token: %r" % (r,))
        r = self.send(pack(e))
        self.assertEqual(r.get("status"), "duplicate", r)
        self.assertNotIn("token", r, r)
        self.assertEqual([s for _, s in self.reporter_updates(d, cr)], ["open"],
                         d.case(cr)["deadlines"])

        text = "More: the car was blue %s" % marker("Fu")
        at = now_ms()
        self.accept(ev("report.followed_up", "reporter", {"text": text}, case=cr, at=at,
                       actor_id="R1"), case=cr)
        # another reporter, or the right id under another role: forbidden
        self.reject(ev("report.followed_up", "reporter", {"text": "me too"}, case=cr,
                       actor_id="R2"), "forbidden")
        self.reject(ev("report.followed_up", "line_manager", {"text": "me too"}, case=cr,
                       actor_id="R1"), "forbidden")
        # a token beside the case: invalid_field naming body.token
        self.reject(ev("report.followed_up", "reporter", {"text": "x", "token": random_token()},
                       case=cr, actor_id="R1"), "invalid_field", r"body\.token")
        # a case that does not exist
        self.reject(ev("report.followed_up", "reporter", {"text": "x"},
                       case="CR-%s-999999" % cr[3:7], actor_id="R1"), "unknown_case")

        rat = now_ms()
        rtext = "Thanks %s" % marker("Re")
        self.accept(reply(cr, rtext, at=rat), case=cr)
        n = sub.wait_for("report.reply", cr)
        self.assertEqual(n["recipients"], [{"role": "reporter", "id": "R1"}], n)
        n = sub.wait_for("report.follow_up", cr)
        self.assertEqual({x["role"] for x in n["recipients"]}, {"psd"}, n)
        self.assertEqual(len(sub.notes(cr, "report.follow_up")), 1, "a refused follow-up notified")
        ru = self.reporter_updates(d, cr)
        self.assertEqual(sorted(s for _, s in ru), ["met", "open"], ru)
        self.assertIn((rat + REPORTER_UPDATE_MS, "open"), ru)

        th = self.thread_ok(d, case=cr)
        self.assertEqual([(m["from"], m["text"]) for m in th["messages"]],
                         [("reporter", text), ("psd", rtext)], th)
        # a named case keeps its times as they were
        self.assertEqual(th["messages"][0]["at"], at, th)
        self.assertEqual(th["messages"][1]["at"], rat, th)


# --------------------------------------------------------------------------------------------

class TokenLimit(ChannelCase):

    def wait_minute_start(self, need_s):
        """The limit counts per wall-clock minute: start the burst with need_s seconds of
        this minute left (bounded: at most need_s)."""
        left = 60 - time.time() % 60
        if left < need_s:
            time.sleep(left + 0.05)

    def test_past_token_failures_per_minute_a_token_request_is_unavailable(self):
        d, _ = self.daemon("limit", reports={"token_failures_per_minute": "3"}, sub=False)
        r = self.accept(anonymous_wrongdoing("Expenses %s" % marker("Circ")))
        wr, token = r["case"], self.assertToken(r)
        self.assertEqual(self.token_failures(d), 0)
        self.wait_minute_start(8)
        replies = [self.send(follow_up_by_token(random_token(), "guess %d" % i))
                   for i in range(4)]
        for i, r in enumerate(replies[:3]):
            self.assertUnknownToken(r, "unknown token %d of 3" % (i + 1))
        r = replies[3]
        self.assertRejected(r, "unavailable", msg="the fourth unknown token")
        self.assertEqual(r["error"]["message"], LIMITED, r)
        self.assertEqual(self.token_failures(d), 3, "three look-ups failed")
        # past the limit every token request of the client waits, the good token's too ...
        r = self.send(follow_up_by_token(token, "real"))
        self.assertRejected(r, "unavailable", msg="the real token past the limit")
        self.assertEqual(r["error"]["message"], LIMITED, r)
        # ... but not an event that names no token
        self.accept(reply(wr, "A reply"), case=wr)
        self.assertEqual(len(self.thread_ok(d, case=wr)["messages"]), 1)

    def test_report_thread_by_unknown_tokens_is_counted_and_limited(self):
        """REGISTERS.md: failed token look-ups are counted and limited per client; past the
        limit "a token request" is unavailable. report.thread by token is one."""
        d, _ = self.daemon("limitthr", reports={"token_failures_per_minute": "3"}, sub=False)
        self.wait_minute_start(8)
        replies = [self.thread(d, token=random_token()) for _ in range(4)]
        for r in replies[:3]:
            self.assertThreadUnknown(r, "report.thread by an unknown token")
        self.assertEqual(self.token_failures(d), 3,
                         "report.thread's failed token look-ups are not counted in status")
        err = replies[3].get("error") or {}
        self.assertEqual((err.get("code"), err.get("message")), ("unavailable", LIMITED),
                         "the fourth report.thread by an unknown token: %r" % (replies[3],))


# --------------------------------------------------------------------------------------------

class Sealed(ChannelCase):

    def flow(self, d):
        """An anonymous report, follow-ups by token (one refused), PSD's replies, and a named
        CR report beside it. Returns (token, markers of the anonymous case's text, the named
        report's marker, wrong tokens sent)."""
        marks = [marker("AnonCirc"), marker("Fu1"), marker("Re1"), marker("Fu2"), marker("Re2")]
        r = self.accept(anonymous_wrongdoing("Shifts nobody worked %s" % marks[0]))
        wr, token = r["case"], self.assertToken(r)
        self.accept(follow_up_by_token(token, "The rota %s" % marks[1]), case=wr)
        self.accept(reply(wr, "Noted %s" % marks[2]), case=wr)
        self.accept(follow_up_by_token(canonical(token).lower(), "March %s" % marks[3]),
                    case=wr)
        self.accept(reply(wr, "Thanks %s" % marks[4]), case=wr)
        # refused follow-ups carrying the token are logged: the log must not show it
        bad = follow_up_by_token(token, "refused")
        bad["body"]["extra"] = 1
        self.reject(bad, "invalid_field", r"body\.extra")
        wrong = random_token()
        self.assertUnknownToken(self.send(follow_up_by_token(wrong, "guess")), "a guess")
        self.thread_ok(d, token=token)
        self.assertThreadUnknown(self.thread(d, token=wrong), "report.thread by a guess")
        named = marker("Named")
        cr = self.accept(ev("corruption.reported", "reporter",
                            {"subject": {"id": new_subject_id("CRS")}, "allegation": ["drugs"],
                             "circumstances": "Seen %s" % named}, actor_id="R1"))["case"]
        # a named refusal, whose id the log shows (the log grep's control)
        self.logged_id = "named-%s" % marker("Id")
        e = ev("report.followed_up", "reporter", {"text": "x"}, case=cr, actor_id="R2")
        e["id"] = self.logged_id
        self.reject(e, "forbidden")
        return wr, token, marks, named, wrong

    def grep(self, blobs, needles):
        """[(where, needle)] for every needle found in a blob."""
        return [(where, n) for where, blob in blobs.items() for n in needles
                if n.encode() in blob]

    def test_a_sealed_store_shows_no_token_and_no_text_anywhere(self):
        d, sub = self.daemon("sealed", sealed=True)
        wr, token, marks, named, wrong = self.flow(d)
        # the thread holds the text (so a clean grep below is not an empty store)
        th = self.thread_ok(d, token=token)
        got = " ".join(m["text"] for m in th["messages"])
        for m in marks[1:]:
            self.assertIn(m, got, "report.thread does not show %s" % m)

        bk = os.path.join(d.dir, "bk")
        d.result("backup", path=bk)
        blobs = {
            "data.mdb": read(os.path.join(d.state_dir, "data.mdb")),
            "backup data.mdb": read(os.path.join(bk, "data.mdb")),
            "outbox": pack(d.notifications()),
            "SUB": b"".join(f[1] for f, _ in sub.received),
        }
        self.assertIn(wr.encode(), blobs["outbox"], "the outbox grep looks in the wrong place")
        self.assertGreater(len(blobs["backup data.mdb"]), 0)
        # the log last (stderr as the harness captures it), after a clean stop flushed it
        d.stop()
        blobs["log"] = read(d.log_path)
        self.assertIn(self.logged_id.encode(), blobs["log"],
                      "the log grep looks in the wrong place")

        needles = token_forms(token) + marks + [named]
        found = self.grep(blobs, needles)
        self.assertEqual(found, [], "on a sealed store these show: %r" % (found,))
        # the token is never logged, not even one that matched nothing
        found = self.grep({"log": blobs["log"]}, token_forms(wrong))
        self.assertEqual(found, [], "a guessed token is logged: %r" % (found,))

    def test_control_an_unsealed_store_shows_what_the_grep_looks_for(self):
        """proto/SPEC.md: on a store without seal_key the record shows the token, the thread
        and the anonymous reporter's text to whoever holds data.mdb. The same grep as the
        sealed test finds them there, so a clean grep on a sealed store means something."""
        d, _ = self.daemon("unsealed", sub=False)
        wr, token, marks, named, _ = self.flow(d)
        raw = read(os.path.join(d.state_dir, "data.mdb"))
        for m in [named] + marks[1:]:
            self.assertIn(m.encode(), raw, "%s not in an unsealed data.mdb" % m)
        self.assertIn(canonical(token).encode(), raw, "the record keeps the canonical token")
        # the outbox never holds text, sealed or not
        outbox = pack(d.notifications())
        self.assertEqual([m for m in marks + [named] if m.encode() in outbox], [])


if __name__ == "__main__":
    unittest.main()
