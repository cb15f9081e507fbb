"""End-to-end harness: the real integrityd on temporary ipc endpoints, real ZeroMQ sockets.

The tests talk to the daemon from outside, as another team's client would, so everything
here follows ../shared/PROTOCOL.md and nothing else. Every receive is bounded (zmq.Poller);
a test never hangs on a daemon that stopped answering, it fails with the daemon's log.

Environment:
  INTEGRITYD   the daemon binary (CMake sets it to the built target)
  E2E_TMP      where the per-daemon temporary directories go (default: the system temp dir)
  E2E_SCALE    multiplies the load counts (the sanitizer build runs with less)
  E2E_TIMEOUT  seconds to wait for one reply (default 10)
  E2E_KEEP     when set, temporary directories are kept
"""

import itertools
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid

import msgpack
import zmq

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))


def _default_binary():
    for build in ("build", "build-asan"):
        path = os.path.join(TOP, build, "daemon", "integrityd")
        if os.access(path, os.X_OK):
            return path
    return os.path.join(TOP, "build", "daemon", "integrityd")


BINARY = os.environ.get("INTEGRITYD") or _default_binary()
TMP_ROOT = os.environ.get("E2E_TMP") or tempfile.gettempdir()
SCALE = float(os.environ.get("E2E_SCALE", "1"))
TIMEOUT = float(os.environ.get("E2E_TIMEOUT", "10"))
KEEP = bool(os.environ.get("E2E_KEEP"))
START_TIMEOUT = 10.0
STOP_TIMEOUT = 30.0

CTX = zmq.Context.instance()

CASE_RE = re.compile(r"^NA-(\d{4})-(\d{6})$")
# What a sanitizer prints when it finds something; the daemon's log must never contain it.
SANITIZER_RE = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|"
                          r"SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer)")


def note(fmt, *args):
    """A line for the test log (stderr), e.g. how much load a crash test put through."""
    sys.stderr.write("    " + (fmt % args if args else fmt) + "\n")
    sys.stderr.flush()


def scaled(n, minimum=1):
    return max(minimum, int(n * SCALE))


def now_ms():
    return int(time.time() * 1000)


def year():
    return time.gmtime().tm_year


def case_ref(n, yr=None):
    return "NA-%04d-%06d" % (yr or year(), n)


# --------------------------------------------------------------------------------------------
# MessagePack

def pack(obj):
    return msgpack.packb(obj, use_bin_type=True)


def unpack(data):
    return msgpack.unpackb(data, raw=False, strict_map_key=False)


# --------------------------------------------------------------------------------------------
# Events (WORKFLOW.md "Shared body parts" and the events table)

_ids = itertools.count(1)
_run = uuid.uuid4().hex[:8]


def new_id(prefix="e"):
    """A unique idempotency key, within [A-Za-z0-9._:-] and well under 128 bytes."""
    return "%s-%s-%d" % (prefix, _run, next(_ids))


def new_subject_id(prefix="S"):
    return "%s%s%d" % (prefix, _run, next(_ids))


def subject(sid, **over):
    s = {"id": sid, "name": "Pat Example", "rank": "PC", "department": "Response",
         "vetting": "MV", "line_manager": "LM-4711"}
    s.update(over)
    return s


def associate(**over):
    a = {"name": "Sam Other", "kind": "person", "details": "old school friend"}
    a.update(over)
    return a


def declaration(id=None, subject_id=None, at=None, **body_over):
    """A valid declaration.submitted; body_over replaces body keys (None deletes one)."""
    sid = subject_id or new_subject_id()
    body = {
        "subject": subject(sid),
        "associate": associate(),
        "relationship": "friend",
        "categories": ["criminal_conviction"],
        "circumstances": "We play football together on Sundays; he was convicted in 2019.",
        "started_on": "2024-05-01",
        "social_media": False,
    }
    _apply(body, body_over)
    return {"v": 1, "id": id or new_id("decl"), "type": "declaration.submitted",
            "at": now_ms() - 60000 if at is None else at,
            "actor": {"id": sid, "role": "subject"}, "body": body}


def referral(id=None, subject_id=None, at=None, role="reporter", **body_over):
    """A valid, named referral.submitted (actor a reporter by default)."""
    sid = subject_id or new_subject_id()
    body = {
        "subject": {"id": sid, "name": "Chris Example"},
        "associate": associate(name="Lee Dealer", details="seen together at the club"),
        "categories": ["criminal_intelligence"],
        "circumstances": "I saw them together several times at the club in March.",
    }
    _apply(body, body_over)
    return {"v": 1, "id": id or new_id("ref"), "type": "referral.submitted",
            "at": now_ms() - 60000 if at is None else at,
            "actor": {"id": "R-100", "role": role}, "body": body}


def anonymous_referral(id=None, subject_id=None, at=None, **body_over):
    """A valid anonymous referral.submitted: `anonymous: true` and no actor."""
    ev = referral(id=id, subject_id=subject_id, at=at, **body_over)
    del ev["actor"]
    ev["id"] = id or new_id("anon")
    ev["body"]["anonymous"] = True
    return ev


def _apply(body, over):
    for k, v in over.items():
        if v is None:
            body.pop(k, None)
        else:
            body[k] = v


# --------------------------------------------------------------------------------------------
# Sockets: every receive is bounded

class ReplyTimeout(AssertionError):
    pass


def recv_frames(sock, timeout=None):
    """One multipart message, or ReplyTimeout after `timeout` seconds."""
    timeout = TIMEOUT if timeout is None else timeout
    poller = zmq.Poller()
    poller.register(sock, zmq.POLLIN)
    if not poller.poll(int(timeout * 1000)):
        raise ReplyTimeout("no reply within %.1f s" % timeout)
    return sock.recv_multipart(zmq.NOBLOCK)


def new_socket(kind, endpoint):
    s = CTX.socket(kind)
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.SNDHWM, 100000)
    s.setsockopt(zmq.RCVHWM, 100000)
    s.connect(endpoint)
    return s


class IntakeClient:
    """An intake client. kind "req" (one request at a time) or "dealer" (pipelined); a
    DEALER sends an empty delimiter frame before the payload unless delimiter=False."""

    def __init__(self, endpoint, kind="dealer", delimiter=True):
        self.kind = kind
        self.delimiter = delimiter and kind == "dealer"
        self.sock = new_socket(zmq.REQ if kind == "req" else zmq.DEALER, endpoint)

    def close(self):
        if self.sock is not None:
            self.sock.close(0)
            self.sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @staticmethod
    def payload(ev):
        return ev if isinstance(ev, (bytes, bytearray)) else pack(ev)

    def send(self, ev, flags=0):
        """ev: an event map, its packed bytes, or a list of raw payload frames."""
        frames = list(ev) if isinstance(ev, list) else [self.payload(ev)]
        if self.delimiter:
            frames = [b""] + frames
        self.sock.send_multipart(frames, flags)

    def recv_raw(self, timeout=None):
        return recv_frames(self.sock, timeout)

    def recv(self, timeout=None):
        """The next reply map (the last frame; the route frames before it are checked)."""
        frames = self.recv_raw(timeout)
        expect = 2 if self.delimiter else 1
        if len(frames) != expect or (expect == 2 and frames[0] != b""):
            raise AssertionError("reply frames %r: expected %d frame(s)%s" % (
                [f[:40] for f in frames], expect, " after an empty delimiter" if expect == 2 else ""))
        return unpack(frames[-1])

    def request(self, ev, timeout=None):
        self.send(ev)
        return self.recv(timeout)

    def pipeline(self, payloads, window=100, timeout=None):
        """Sends every (id, bytes) of payloads with up to `window` in flight; returns
        {id: reply}. Replies are matched by id; a reply with an unknown id fails."""
        pending = list(payloads)
        pending.reverse()
        inflight = set()
        replies = {}
        while pending or inflight:
            while pending and len(inflight) < window:
                eid, data = pending.pop()
                inflight.add(eid)
                self.send(data)
            r = self.recv(timeout)
            rid = r.get("id")
            if rid not in inflight:
                raise AssertionError("reply for an id not in flight: %r" % (r,))
            inflight.discard(rid)
            replies[rid] = r
        return replies


# --------------------------------------------------------------------------------------------
# The daemon

CONFIG_TEMPLATE = """\
# written by tests/e2e/harness.py
[daemon]
state_dir = {state_dir}
[intake]
endpoint = {intake}
max_message_bytes = {max_message_bytes}
clock_skew = {clock_skew}
[notify]
endpoint = {notify}
[control]
endpoint = {control}
[store]
map_size = {map_size}
map_max = {map_max}
sync = {sync}
"""

DEFAULTS = {
    "max_message_bytes": 65536,
    "clock_skew": "300s",
    "map_size": "1MiB",
    "map_max": "1GiB",
    "sync": "full",
}


class DaemonError(AssertionError):
    pass


class Daemon:
    """integrityd in a fresh temporary directory. Started by the constructor; ready when
    `status` answers on the control socket."""

    def __init__(self, name="d", start=True, **settings):
        self.settings = dict(DEFAULTS)
        self.settings.update(settings)
        # ipc paths must fit sun_path (108 bytes): fall back to the system temp dir
        root = TMP_ROOT if len(TMP_ROOT) < 60 else tempfile.gettempdir()
        self.dir = tempfile.mkdtemp(prefix=name[:12] + "-", dir=root)
        self.state_dir = os.path.join(self.dir, "state")
        os.makedirs(self.state_dir)
        self.intake_endpoint = "ipc://%s/in.sock" % self.dir
        self.notify_endpoint = "ipc://%s/no.sock" % self.dir
        self.control_endpoint = "ipc://%s/ct.sock" % self.dir
        if len(self.control_endpoint) >= 100:
            raise DaemonError("ipc path too long for sun_path: %s" % self.control_endpoint)
        self.config_path = os.path.join(self.dir, "integrityd.conf")
        self.log_path = os.path.join(self.dir, "daemon.log")
        self.proc = None
        self.env = None  # the daemon's environment; None: this process's
        self.keep_on_failure = True  # DaemonTestCase keeps the directory of a failed test
        self.exit_codes = []
        self._ctl = None
        self.write_config()
        if start:
            self.start()

    # ---- configuration

    def config_text(self, **settings):
        s = dict(self.settings)
        s.update(settings)
        return CONFIG_TEMPLATE.format(state_dir=self.state_dir, intake=self.intake_endpoint,
                                      notify=self.notify_endpoint,
                                      control=self.control_endpoint, **s)

    def write_config(self):
        with open(self.config_path, "w") as f:
            f.write(self.config_text())

    # ---- lifecycle

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self):
        if self.running:
            raise DaemonError("already running")
        self.write_config()
        log = open(self.log_path, "ab")
        log.write(b"\n==== start %s --config %s\n" % (BINARY.encode(), self.config_path.encode()))
        log.flush()
        self.proc = subprocess.Popen([BINARY, "--config", self.config_path],
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                     cwd=self.dir, env=self.env)
        log.close()
        self.wait_ready()

    def wait_ready(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise DaemonError("integrityd exited with %s before answering status\n%s" % (
                    self.proc.returncode, self.log_tail()))
            try:
                r = self.control("status", timeout=0.25)
                if r.get("ok"):
                    return r["result"]
            except ReplyTimeout:
                pass
            if time.monotonic() > deadline:
                raise DaemonError("integrityd did not answer status within %.0f s\n%s" % (
                    timeout, self.log_tail()))

    def _reap(self, timeout):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise DaemonError("integrityd did not exit within %.0f s; killed\n%s" % (
                timeout, self.log_tail()))
        self.exit_codes.append(rc)
        self._close_ctl()
        return rc

    def sigterm(self, timeout=STOP_TIMEOUT):
        """SIGTERM and wait; returns the exit code."""
        self.proc.send_signal(signal.SIGTERM)
        return self._reap(timeout)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        return self._reap(10)

    def restart(self, **settings):
        """Stops (SIGTERM) if running, applies new settings, starts again. Returns the
        exit code of the stop, or None when it was not running."""
        rc = self.sigterm() if self.running else None
        self.settings.update(settings)
        self.start()
        return rc

    def stop(self):
        """For tearDown: SIGTERM if running. Returns the exit code (None if not running)."""
        if self.proc is None or not self.running:
            self._close_ctl()
            return None
        return self.sigterm()

    def cleanup(self):
        if self.running:
            self.proc.kill()
            self.proc.wait(5)
        self._close_ctl()
        if not KEEP:
            shutil.rmtree(self.dir, ignore_errors=True)

    # ---- log

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines=40):
        text = self.log().splitlines()[-lines:]
        return "---- %s (last %d lines)\n%s" % (self.log_path, len(text), "\n".join(text))

    def sanitizer_reports(self):
        return [l for l in self.log().splitlines() if SANITIZER_RE.search(l)]

    # ---- sockets

    def intake(self, kind="dealer", delimiter=True):
        return IntakeClient(self.intake_endpoint, kind, delimiter)

    def intake_req(self):
        return self.intake("req")

    def intake_dealer(self, delimiter=True):
        return self.intake("dealer", delimiter)

    def _close_ctl(self):
        if self._ctl is not None:
            self._ctl.close(0)
            self._ctl = None

    def control_raw(self, payload, timeout=None):
        """Sends one control payload (bytes) and returns the reply map."""
        return self.control_frames([payload], timeout)

    def control_frames(self, frames, timeout=None):
        """Sends payload frames (normally one) on the control socket; returns the reply map."""
        if self._ctl is None:
            self._ctl = new_socket(zmq.DEALER, self.control_endpoint)
        try:
            self._ctl.send_multipart([b""] + list(frames))
            frames = recv_frames(self._ctl, timeout)
        except ReplyTimeout:
            # a late reply must not be taken for the next request's
            self._close_ctl()
            raise
        if len(frames) != 2 or frames[0] != b"":
            raise AssertionError("control reply frames: %r" % (frames,))
        reply = unpack(frames[1])
        if not isinstance(reply, dict) or reply.get("v") != 1 or "ok" not in reply:
            raise AssertionError("control reply is not {v: 1, ok: ...}: %r" % (reply,))
        return reply

    def control(self, cmd, timeout=None, **args):
        """{"v":1,"cmd":cmd,"args":args} -> the whole reply map."""
        req = {"v": 1, "cmd": cmd}
        if args:
            req["args"] = args
        return self.control_raw(pack(req), timeout)

    def result(self, cmd, **args):
        """The result of a control command that must succeed."""
        r = self.control(cmd, **args)
        if r.get("ok") is not True:
            raise AssertionError("%s %r failed: %r" % (cmd, args, r))
        return r["result"]

    def status(self):
        return self.result("status")

    def case(self, ref):
        return self.result("case.get", case=ref)


# --------------------------------------------------------------------------------------------
# Load: DEALER clients in threads, each pipelining events with unique ids

class LoadClient(threading.Thread):
    """Sends declarations with unique ids, up to `window` in flight, until stopped.
    Afterwards: acked {id: (bytes, case, seq)}, unacked {id: bytes} (sent, no reply),
    unavailable {id: bytes} (rejected as unavailable: nothing written), bad [any other
    reply]."""

    def __init__(self, endpoint, window=50, limit=1000000, name="load", text_bytes=0):
        super().__init__(name=name, daemon=True)
        self.endpoint = endpoint
        self.window = window
        self.limit = limit
        self.text = "t" * text_bytes
        self.stopping = threading.Event()
        self.acked = {}
        self.unacked = {}
        self.unavailable = {}
        self.bad = []
        self.error = None
        self.prefix = "%s-%s" % (name, uuid.uuid4().hex[:6])

    def stop(self):
        self.stopping.set()

    def run(self):
        try:
            self._run()
        except Exception as e:  # reported by the test through .error
            self.error = e

    def _take(self, sock):
        frames = sock.recv_multipart(zmq.NOBLOCK)
        r = unpack(frames[-1])
        rid = r.get("id")
        data = self.unacked.pop(rid, None)
        if data is None:
            self.bad.append(("reply for an id not in flight", r))
        elif r.get("status") in ("accepted", "duplicate"):
            self.acked[rid] = (data, r.get("case"), r.get("seq"))
        elif r.get("status") == "rejected" and (r.get("error") or {}).get("code") == "unavailable":
            self.unavailable[rid] = data
        else:
            self.bad.append((rid, r))

    def _run(self):
        sock = new_socket(zmq.DEALER, self.endpoint)
        poller = zmq.Poller()
        poller.register(sock, zmq.POLLIN)
        n = 0
        try:
            while not self.stopping.is_set():
                while len(self.unacked) < self.window and n < self.limit:
                    eid = "%s-%d" % (self.prefix, n)
                    ev = declaration(id=eid)
                    if self.text:
                        ev["body"]["circumstances"] = self.text
                    data = pack(ev)
                    try:
                        sock.send_multipart([b"", data], zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    self.unacked[eid] = data
                    n += 1
                if poller.poll(100):
                    while sock.poll(0, zmq.POLLIN):
                        self._take(sock)
            # drain what the daemon sent before it went away
            while poller.poll(300):
                while sock.poll(0, zmq.POLLIN):
                    self._take(sock)
        finally:
            sock.close(0)

    @property
    def count(self):
        return len(self.acked)


def run_load_until(daemon, clients, acks, timeout=90.0):
    """Starts the load clients and returns once at least `acks` are acknowledged in total
    (the clients keep sending). Fails after `timeout` seconds or when a client breaks."""
    for c in clients:
        c.start()
    deadline = time.monotonic() + timeout
    while sum(c.count for c in clients) < acks:
        for c in clients:
            if c.error is not None:
                raise AssertionError("load client %s failed: %r" % (c.name, c.error))
        if not daemon.running:
            raise DaemonError("integrityd died under load\n" + daemon.log_tail())
        if time.monotonic() > deadline:
            raise AssertionError("only %d of %d acks within %.0f s" % (
                sum(c.count for c in clients), acks, timeout))
        time.sleep(0.01)


def stop_load(clients, timeout=20.0):
    for c in clients:
        c.stop()
    for c in clients:
        c.join(timeout)
        if c.is_alive():
            raise AssertionError("load client %s did not stop" % c.name)
        if c.error is not None:
            raise AssertionError("load client %s failed: %r" % (c.name, c.error))


# --------------------------------------------------------------------------------------------
# Test base

class DaemonTestCase(unittest.TestCase):
    """Owns daemons started through self.new_daemon(); on tearDown stops them with SIGTERM
    and checks they exit 0 with no sanitizer report. A test that leaves a daemon dead (kill
    -9) is fine: only a running daemon is stopped."""

    def setUp(self):
        self._daemons = []

    def new_daemon(self, name=None, **settings):
        d = Daemon(name or self._testMethodName.replace("test_", "")[:12], **settings)
        self._daemons.append(d)
        return d

    def tearDown(self):
        # a failed test keeps its daemons' directories (state, config, log) for a look
        passed = not self._failed()
        problems = []
        for d in self._daemons:
            try:
                rc = d.stop()
                if rc not in (None, 0):
                    problems.append("integrityd exited %s on SIGTERM\n%s" % (rc, d.log_tail()))
                reports = d.sanitizer_reports()
                if reports:
                    problems.append("sanitizer reports in %s:\n%s" % (d.log_path, "\n".join(reports[:20])))
            except Exception as e:
                problems.append(str(e))
            finally:
                if (passed or not d.keep_on_failure) and not problems:
                    d.cleanup()
                else:
                    note("kept %s", d.dir)
        if problems:
            self.fail("\n".join(problems))

    def _failed(self):
        result = getattr(getattr(self, "_outcome", None), "result", None)
        if result is None:
            return False
        return any(t is self or getattr(t, "test_case", None) is self
                   for t, _ in result.failures + result.errors)

    # ---- durability checks

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

    # ---- assertions

    def assertAccepted(self, reply, ev=None, msg=None):
        if reply.get("status") != "accepted":
            self.fail("expected accepted, got %r%s" % (reply, " (%s)" % msg if msg else ""))
        self.assertEqual(reply.get("v"), 1, reply)
        if ev is not None:
            self.assertEqual(reply.get("id"), ev["id"], reply)
        self.assertRegex(reply.get("case") or "", CASE_RE, reply)
        self.assertIsInstance(reply.get("seq"), int, reply)
        self.assertNotIn("error", reply)
        return reply

    def assertRejected(self, reply, code, field=None, msg=None):
        """rejected with `code`; `field` (a regex, matched on word boundaries) must appear in
        the error message."""
        self.assertEqual(reply.get("v"), 1, reply)
        self.assertEqual(reply.get("status"), "rejected", "%r%s" % (reply, " (%s)" % msg if msg else ""))
        err = reply.get("error")
        self.assertIsInstance(err, dict, reply)
        self.assertEqual(err.get("code"), code, "%r%s" % (reply, " (%s)" % msg if msg else ""))
        message = err.get("message")
        self.assertIsInstance(message, str, reply)
        self.assertTrue(message.strip(), reply)
        if field is not None:
            self.assertRegex(message, r"(?<![A-Za-z0-9_])(%s)(?![A-Za-z0-9_])" % field,
                             "error message does not name %s: %r%s" % (
                                 field, reply, " (%s)" % msg if msg else ""))
        self.assertNotIn("seq", reply)
        return reply


class SharedDaemonTestCase(DaemonTestCase):
    """One daemon for the whole class (cls.d), for tests that only look at what they made
    themselves; per-test daemons from new_daemon() work as well."""

    daemon_settings = {}

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(cls.__name__[:12], **cls.daemon_settings)

    @classmethod
    def tearDownClass(cls):
        d = cls.d
        try:
            rc = d.stop()
            reports = d.sanitizer_reports()
            if rc not in (None, 0) or reports:
                raise AssertionError("integrityd (%s) exited %s on SIGTERM; sanitizer: %s\n%s" % (
                    cls.__name__, rc, reports[:20], d.log_tail()))
            d.cleanup()
        except Exception:
            if d.running:
                d.proc.kill()
            raise
