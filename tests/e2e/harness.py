"""End-to-end harness: the real integrityd on temporary ipc endpoints, real ZeroMQ sockets.

The tests talk to the daemon from outside, as another team's client would, so everything
here follows ../shared/PROTOCOL.md and nothing else. Every receive is bounded (zmq.Poller);
a test never hangs on a daemon that stopped answering, it fails with the daemon's log.

For the workflow (../shared/WORKFLOW.md): Daemon(sections=...) adds config sections, and
fast_sections() makes one whose [deadlines] are seconds; event() and Flow build and send the
events of a case; Daemon.subscribe() is a checked SUB on the notify socket whose waits are
bounded; Daemon.notifications(), notes_for(), wait_note() and wait_state() read the durable
outbox and the case through the control socket.

For clients and roles (PROTOCOL.md "Security settings", issue 4): Daemon.set_clients() writes
a clients file and names it in [security]; ipc_client() is the section for this process's
own uid; Daemon.reads() is audit.reads; journal_entries() and flip_journal_byte() read and
damage a stopped store's journal with python3-lmdb, for audit.verify.

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
import struct
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


def _find_cli():
    """integrityctl: $INTEGRITYCTL (ctest sets it), else beside the daemon's build."""
    if os.environ.get("INTEGRITYCTL"):
        return os.environ["INTEGRITYCTL"]
    candidates = [os.path.join(os.path.dirname(os.path.dirname(BINARY)), "cli", "integrityctl")]
    candidates += [os.path.join(TOP, b, "cli", "integrityctl") for b in ("build", "build-asan")]
    for path in candidates:
        if os.access(path, os.X_OK):
            return path
    return candidates[0]


CLI = os.path.abspath(_find_cli())
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


def new_socket(kind, endpoint, curve=None):
    """curve: (server public key, (client public, client secret)), Z85 str, for tcp://."""
    s = CTX.socket(kind)
    s.setsockopt(zmq.LINGER, 0)
    if curve is not None:
        server, (pub, sec) = curve
        s.curve_serverkey = server.encode()
        s.curve_publickey = pub.encode()
        s.curve_secretkey = sec.encode()
    s.setsockopt(zmq.SNDHWM, 100000)
    s.setsockopt(zmq.RCVHWM, 100000)
    s.connect(endpoint)
    return s


class IntakeClient:
    """An intake client. kind "req" (one request at a time) or "dealer" (pipelined); a
    DEALER sends an empty delimiter frame before the payload unless delimiter=False."""

    def __init__(self, endpoint, kind="dealer", delimiter=True, curve=None):
        self.kind = kind
        self.delimiter = delimiter and kind == "dealer"
        self.sock = new_socket(zmq.REQ if kind == "req" else zmq.DEALER, endpoint, curve)

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
# Security (proto/SPEC.md "Security: transport and clients")

def curve_keypair():
    """A new CURVE key pair as Z85 text: (public, secret)."""
    pub, sec = zmq.curve_keypair()
    return pub.decode(), sec.decode()


def write_file(path, text, mode):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def write_clients(path, clients, mode=0o644):
    """A clients file from {name: {key: value}}, e.g. {"forms": {"curve_key": pub,
    "role": "intake", "types": "declaration.submitted"}}."""
    return write_file(path, render_sections(clients), mode)


def free_tcp_port():
    """A loopback port nobody listens on now (the daemon binds it next)."""
    s = CTX.socket(zmq.ROUTER)
    try:
        return s.bind_to_random_port("tcp://127.0.0.1")
    finally:
        s.close(0)


def secure_sections(directory, clients, server=None):
    """[security] with a fresh server key pair written to directory (secret 0600) and the
    clients file; returns (sections, server public key)."""
    pub, sec = server or curve_keypair()
    write_file(os.path.join(directory, "curve.pub"), pub + "\n", 0o644)
    write_file(os.path.join(directory, "curve.key"), sec + "\n", 0o600)
    write_clients(os.path.join(directory, "clients.conf"), clients)
    return {"security": {"curve_public_key": os.path.join(directory, "curve.pub"),
                         "curve_secret_key": os.path.join(directory, "curve.key"),
                         "clients": os.path.join(directory, "clients.conf")}}, pub


def recv_nothing(sock, timeout):
    """True when nothing arrives on sock within timeout seconds."""
    return not sock.poll(int(timeout * 1000))


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


# The control commands whose answers are journaled (proto/SPEC.md "Read auditing").
JOURNALED_READS = {"case.get", "case.list", "deadlines.list", "report.summary", "audit.reads",
                   "subject.export"}


class DaemonError(AssertionError):
    pass


def render_sections(sections):
    """Config text for {section: {key: value}} (a value None leaves the key out)."""
    out = []
    for name, keys in sections.items():
        out.append("[%s]" % name)
        out.extend("%s = %s" % (k, v) for k, v in keys.items() if v is not None)
    return "\n".join(out) + "\n" if out else ""


class Daemon:
    """integrityd in a fresh temporary directory. Started by the constructor; ready when
    `status` answers on the control socket. `sections` ({section: {key: value}}) adds
    sections after the template's, e.g. [deadlines] for the workflow tests."""

    def __init__(self, name="d", start=True, sections=None, **settings):
        self.settings = dict(DEFAULTS)
        self.settings.update(settings)
        self.sections = {k: dict(v) for k, v in (sections or {}).items()}
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
        # more endpoints per socket in the config ({"intake": ["tcp://..."]}), and how the
        # harness's own control calls connect: (endpoint, curve) with curve as new_socket's
        self.extra_endpoints = {"intake": [], "notify": [], "control": []}
        self.control_via = None
        # control reads this object made that the daemon journaled (proto/SPEC.md "Read
        # auditing"): the journal holds them beside the events
        self.journaled_reads = 0
        self.write_config()
        if start:
            self.start()

    # ---- configuration

    def config_text(self, **settings):
        s = dict(self.settings)
        s.update(settings)
        def ep(name, first):
            return ", ".join([first] + self.extra_endpoints[name])
        return CONFIG_TEMPLATE.format(state_dir=self.state_dir,
                                      intake=ep("intake", self.intake_endpoint),
                                      notify=ep("notify", self.notify_endpoint),
                                      control=ep("control", self.control_endpoint),
                                      **s) + render_sections(self.sections)

    def write_config(self):
        # whole or not at all: a SIGHUP still being handled may read the file meanwhile
        tmp = self.config_path + ".tmp"
        with open(tmp, "w") as f:
            f.write(self.config_text())
        os.replace(tmp, self.config_path)

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
                # a client without the read right is answered too: the daemon is up
                if (r.get("error") or {}).get("code") == "forbidden":
                    return None
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

    def reload(self, **sections):
        """Merges {section: {key: value}} into the config file, then SIGHUP (PROTOCOL.md:
        reloads the deadline settings). The reload is asynchronous: a test checks its
        effect with a bounded poll."""
        for name, keys in sections.items():
            self.sections.setdefault(name, {}).update(keys)
        self.write_config()
        self.proc.send_signal(signal.SIGHUP)

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
            ep, curve = self.control_via or (self.control_endpoint, None)
            self._ctl = new_socket(zmq.DEALER, ep, curve)
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
        reply = self.control_raw(pack(req), timeout)
        if cmd in JOURNALED_READS and reply.get("ok") is True:
            self.journaled_reads += 1
        return reply

    def result(self, cmd, **args):
        """The result of a control command that must succeed."""
        r = self.control(cmd, **args)
        if r.get("ok") is not True:
            raise AssertionError("%s %r failed: %r" % (cmd, args, r))
        return r["result"]

    def status(self):
        return self.result("status")

    def reads(self, ref):
        """audit.reads: [{at, client, cmd}] of case ref, oldest first."""
        return self.result("audit.reads", case=ref)["reads"]

    def set_clients(self, clients):
        """Writes a clients file for {name: {key: value}} beside the config (mode 0600) and
        names it in [security] clients; None goes back to no clients file. The daemon reads
        it when it starts: restart() it."""
        path = os.path.join(self.dir, "clients.conf")
        if clients is None:
            self.sections.get("security", {}).pop("clients", None)
        else:
            write_clients(path, clients, 0o600)
            self.sections.setdefault("security", {})["clients"] = path
        self.write_config()

    def case(self, ref):
        return self.result("case.get", case=ref)

    def deadlines(self, **args):
        """deadlines.list -> the list of {case, kind, due_at, status, level}."""
        return self.result("deadlines.list", **args)["deadlines"]

    def case_deadlines(self, ref, kind=None):
        """case.get's deadlines of case ref (of one kind when given), in the daemon's order."""
        return [x for x in self.case(ref)["deadlines"] if kind is None or x["kind"] == kind]

    def notifications(self, since=0, limit=None):
        """Every notification with seq > since, following pages of notifications.since
        (`limit` per page; the daemon's default when None)."""
        out = []
        for _ in range(100000):
            args = {"seq": since}
            if limit is not None:
                args["limit"] = limit
            page = self.result("notifications.since", **args)["notifications"]
            if not page:
                return out
            out.extend(page)
            since = page[-1]["seq"]
        raise AssertionError("notifications.since never ran dry")

    def notes_for(self, ref, topic=None):
        """The durable notifications of case ref (of one topic when given), in seq order."""
        return [n for n in self.notifications()
                if n.get("case") == ref and (topic is None or n.get("topic") == topic)]

    def wait_log(self, text, timeout=None):
        """Polls the daemon's log until it holds text (bounded, as wait_until)."""
        return self.wait_until("log: %s" % text, lambda: text in self.log(), timeout)

    def wait_until(self, what, fn, timeout=None, interval=0.05):
        """Polls fn() until it returns something true, and returns that. Bounded: after
        `timeout` seconds it fails naming `what`, with the daemon's log."""
        timeout = TIMEOUT if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            got = fn()
            if got:
                return got
            if not self.running:
                raise DaemonError("integrityd died waiting for %s\n%s" % (what, self.log_tail()))
            if time.monotonic() > deadline:
                raise AssertionError("%s: not within %.1f s\n%s" % (what, timeout, self.log_tail()))
            time.sleep(interval)

    def wait_state(self, ref, state, timeout=None):
        """Polls case.get until case ref is in `state`; returns the case."""
        last = {}

        def check():
            last["case"] = self.case(ref)
            return last["case"] if last["case"]["state"] == state else None
        try:
            return self.wait_until("%s in state %s" % (ref, state), check, timeout)
        except AssertionError as e:
            raise AssertionError("%s (last: %s)" % (e, last.get("case", {}).get("state"))) from None

    def wait_note(self, topic, ref, timeout=None, where=None):
        """Polls notifications.since until one with `topic` for case ref (and where(n) true)
        is in the outbox; returns it."""
        def find():
            for n in self.notes_for(ref, topic):
                if where is None or where(n):
                    return n
            return None
        return self.wait_until("notification %s for %s" % (topic, ref), find, timeout)

    def subscribe(self, topics=("",), rcvhwm=100000, wait=True):
        """A SUB socket on the notify endpoint (see Subscriber)."""
        return Subscriber(self, topics, rcvhwm, wait)


# --------------------------------------------------------------------------------------------
# Policy: durations and the deadline settings of the test configs (WORKFLOW.md "Deadlines")

SECOND_MS = 1000
DAY_MS = 86400 * SECOND_MS
_UNIT_MS = {"s": SECOND_MS, "m": 60 * SECOND_MS, "h": 3600 * SECOND_MS, "d": DAY_MS}

DEADLINE_KINDS = ("manager_review", "psd_assessment", "interview", "mitigation_proposal",
                  "mitigation_response", "aa_approval", "representations", "aa_determination",
                  "service", "appeal_window", "strategy_meeting", "appeal_decision",
                  "annual_review", "review", "vetting_review")
AA_ROSTER = ("AA1", "AA2")


# --------------------------------------------------------------------------------------------
# Clients and the journal (issue 4)

# What the ZAP handler calls this process on ipc with no clients file.
IPC_CLIENT_NAME = "uid:%d" % os.getuid()


def ipc_client(role, types=None):
    """A clients file section for this process's own uid on ipc:// with role (intake,
    operator, admin), and for an intake client the event types it may send."""
    sec = {"uid": os.getuid(), "role": role}
    if types:
        sec["types"] = ", ".join(types)
    return sec


JOURNAL_HDR = 8 + 32 + 32  # received_at, bytes hash, link (daemon/journal.c)


def _journal_db(state_dir, write):
    import lmdb  # python3-lmdb, only for the tests that damage a store
    env = lmdb.open(state_dir, max_dbs=32, subdir=True, readonly=not write, lock=write)
    return env, env.open_db(b"journal", create=False)


def journal_entries(state_dir):
    """[(seq, received_at, bytes or None)] of the store at state_dir (no daemon on it);
    bytes are None where retention took them."""
    env, db = _journal_db(state_dir, False)
    try:
        with env.begin(db=db) as txn:
            return [(struct.unpack(">Q", k)[0], struct.unpack(">Q", v[:8])[0],
                     bytes(v[JOURNAL_HDR:]) or None) for k, v in txn.cursor()]
    finally:
        env.close()


def flip_journal_byte(state_dir, seq, offset=0):
    """Flips one bit of byte `offset` of journal entry seq's bytes (past the entry's header),
    in the store at state_dir, with no daemon on it."""
    env, db = _journal_db(state_dir, True)
    try:
        with env.begin(db=db, write=True) as txn:
            key = struct.pack(">Q", seq)
            v = bytearray(txn.get(key))
            v[JOURNAL_HDR + offset] ^= 0x01
            txn.put(key, bytes(v))
    finally:
        env.close()


def duration_ms(text):
    """"14d" -> ms, for the fixed units (s, m, h, d); calendar units have no fixed length."""
    m = re.match(r"^\s*(\d+)\s*(s|m|h|d)\s*$", text)
    if not m:
        raise ValueError("not a fixed duration: %r" % text)
    return int(m.group(1)) * _UNIT_MS[m.group(2)]


def production_setting(section, key):
    """A value of config/integrityd.conf, whose values are the daemon's defaults."""
    import configparser
    cp = configparser.ConfigParser(interpolation=None)
    cp.read(os.path.join(TOP, "config", "integrityd.conf"))
    return cp[section][key].strip()


def production_duration_ms(section, key):
    """A fixed duration of config/integrityd.conf (the production defaults), in ms."""
    return duration_ms(production_setting(section, key))


def add_months(ms, months):
    """ms + a number of calendar months (UTC; the day clamped to the month's last)."""
    import calendar
    import datetime
    secs, rem = divmod(ms, 1000)
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    t = epoch + datetime.timedelta(seconds=secs)
    y, m = divmod(t.month - 1 + months, 12)
    year, month = t.year + y, m + 1
    t = t.replace(year=year, month=month, day=min(t.day, calendar.monthrange(year, month)[1]))
    return int((t - epoch).total_seconds()) * 1000 + rem


def production_due_ms(kind, start):
    """When a deadline of `kind` opened at `start` is due under the production defaults."""
    text = production_setting("deadlines", kind)
    m = re.match(r"^(\d+)mo$", text)
    return add_months(start, int(m.group(1))) if m else start + duration_ms(text)


def deadline_config(default="1h", reminders="2s,1s", escalation_interval="2s", **kinds):
    """A [deadlines] section for tests whose deadlines fire in seconds: every kind `default`
    (long, so that only the kinds a test names fire during it) unless given in kinds."""
    sec = {"reminders": reminders, "escalation_interval": escalation_interval}
    for k in DEADLINE_KINDS:
        sec[k] = kinds.pop(k, default)
    if kinds:
        raise ValueError("not deadline kinds: %s" % sorted(kinds))
    return sec


def fast_sections(retention="1h", roster=AA_ROSTER, **deadlines):
    """Config sections for a deadline test daemon (see deadline_config)."""
    return {"deadlines": deadline_config(**deadlines),
            "escalation": {"aa_roster": ", ".join(roster)},
            "retention": {"closed_case": retention}}


# --------------------------------------------------------------------------------------------
# Notify: notifications on a SUB socket (PROTOCOL.md "Notify: notifications")

TOPICS = ("case.opened", "case.state_changed", "case.closed", "case.escalated",
          "deadline.reminder", "deadline.breached", "deadline.escalated", "conditions.imposed",
          "appeal.window_closed", "appeal.lodged", "appeal.decided", "misconduct.referral",
          "vetting.review_required", "prevent.referral", "retention.disposed",
          # REGISTERS.md's
          "integrity.flag", "iopc.referral_due", "report.follow_up", "report.reply",
          # SPEC.md's, about the store rather than a case: case and state are ""
          "audit.checkpoint")
STORE_TOPICS = ("audit.checkpoint",)
DEADLINE_TOPICS = ("deadline.reminder", "deadline.breached", "deadline.escalated")
NOTE_KEYS = {"v", "seq", "topic", "at", "case", "state", "recipients", "deadline", "detail"}
NOTE_REQUIRED = {"v", "seq", "topic", "at", "case", "state", "recipients"}
ROLES = ("subject", "line_manager", "psd", "aa", "head_of_psd", "vetting", "hr", "reporter")


def check_note(n, topic_frame=None):
    """Fails unless n is a notification map as PROTOCOL.md defines it (and its topic the
    first frame's, when given)."""
    def need(cond, what):
        if not cond:
            raise AssertionError("notification %s: %r" % (what, n))
    need(isinstance(n, dict), "is not a map")
    need(NOTE_REQUIRED <= set(n), "lacks %s" % sorted(NOTE_REQUIRED - set(n)))
    need(set(n) <= NOTE_KEYS, "has unknown keys %s" % sorted(set(n) - NOTE_KEYS))
    need(n["v"] == 1, "v is not 1")
    need(isinstance(n["seq"], int) and n["seq"] >= 1, "seq is not a positive integer")
    need(n["topic"] in TOPICS, "topic is not one of PROTOCOL.md's")
    if topic_frame is not None:
        need(topic_frame == n["topic"].encode(), "topic frame %r differs" % topic_frame)
    need(isinstance(n["at"], int), "at is not an integer")
    if n["topic"] in STORE_TOPICS:
        need(n["case"] == "" and n["state"] == "" and n["recipients"] == [],
             "a store notification names a case, a state or a recipient")
    need(isinstance(n["case"], str) and (n["case"] or n["topic"] in STORE_TOPICS),
         "case is not a reference")
    need(isinstance(n["state"], str) and (n["state"] or n["topic"] in STORE_TOPICS),
         "state is not a string")
    need(isinstance(n["recipients"], list), "recipients is not an array")
    for r in n["recipients"]:
        need(isinstance(r, dict) and set(r) == {"role", "id"} and r["role"] in ROLES
             and (r["id"] is None or isinstance(r["id"], str)),
             "recipient %r is not {role, id}" % (r,))
    if n["topic"] in DEADLINE_TOPICS:
        dl = n.get("deadline")
        need(isinstance(dl, dict) and set(dl) == {"kind", "due_at", "level"},
             "deadline is not {kind, due_at, level}")
        need(isinstance(dl["kind"], str) and isinstance(dl["due_at"], int)
             and isinstance(dl["level"], int), "deadline fields have the wrong types")
    if "detail" in n:
        need(isinstance(n["detail"], dict), "detail is not a map")
    return n


def roles_of(n):
    return {r["role"] for r in n["recipients"]}


def note_line(n):
    dl = n.get("deadline")
    return "#%s %s %s %s%s" % (n.get("seq"), n.get("topic"), n.get("case"), n.get("state"),
                              " %s due %s level %s" % (dl["kind"], dl["due_at"], dl["level"])
                              if dl else "")


class Subscriber:
    """A SUB socket on the daemon's notify endpoint that keeps what it receives, checked
    against PROTOCOL.md, in arrival order: `received` [(frames, note)]. With wait=True the
    constructor returns once the connection's handshake is done and a control round trip
    has followed it, so the subscription is at the daemon before the test's next event.
    Every wait is bounded."""

    def __init__(self, daemon, topics=("",), rcvhwm=100000, wait=True):
        self.d = daemon
        self.sock = CTX.socket(zmq.SUB)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.setsockopt(zmq.RCVHWM, rcvhwm)
        for t in topics:
            self.sock.setsockopt(zmq.SUBSCRIBE, t.encode() if isinstance(t, str) else t)
        self.received = []
        mon = self.sock.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED) if wait else None
        self.sock.connect(daemon.notify_endpoint)
        if mon is not None:
            try:
                from zmq.utils.monitor import recv_monitor_message
                if not mon.poll(int(TIMEOUT * 1000)):
                    raise AssertionError("SUB: no handshake with %s within %.0f s\n%s" % (
                        daemon.notify_endpoint, TIMEOUT, daemon.log_tail()))
                recv_monitor_message(mon)
            finally:
                self.sock.disable_monitor()
                mon.close(0)
            daemon.status()

    def close(self):
        if self.sock is not None:
            self.sock.close(0)
            self.sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _take(self, timeout):
        """Receives one notification within timeout seconds; None when none came."""
        if not self.sock.poll(int(max(0.0, timeout) * 1000), zmq.POLLIN):
            return None
        frames = self.sock.recv_multipart(zmq.NOBLOCK)
        if len(frames) != 2:
            raise AssertionError("notification of %d frames (topic, map expected): %r" % (
                len(frames), [f[:60] for f in frames]))
        n = check_note(unpack(frames[1]), frames[0])
        self.received.append((frames, n))
        return n

    def drain(self):
        """Takes what has already arrived; returns those notes."""
        out = []
        while True:
            n = self._take(0)
            if n is None:
                return out
            out.append(n)

    def quiet(self, seconds):
        """Receives for exactly `seconds` (a deliberate quiet period, for "nothing more
        arrives" checks); returns what came."""
        out = []
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return out + self.drain()
            n = self._take(left)
            if n is not None:
                out.append(n)

    def notes(self, case=None, topic=None, where=None):
        return [n for _, n in self.received
                if (case is None or n["case"] == case) and (topic is None or n["topic"] == topic)
                and (where is None or where(n))]

    def seqs(self):
        return [n["seq"] for _, n in self.received]

    def wait_for(self, topic, case=None, timeout=None, where=None, count=1):
        """The first `count` notes with `topic` (for `case`; where(n) true), once they have
        all arrived; fails after `timeout` seconds with what did arrive and the log."""
        timeout = TIMEOUT if timeout is None else timeout
        end = time.monotonic() + timeout
        while True:
            got = self.notes(case, topic, where)
            if len(got) >= count:
                return got[:count] if count > 1 else got[0]
            left = end - time.monotonic()
            if left <= 0:
                seen = self.notes(case)
                raise AssertionError(
                    "SUB: %d of %d %s%s within %.1f s; received for that case:\n  %s\n%s" % (
                        len(got), count, topic, " for %s" % case if case else "", timeout,
                        "\n  ".join(note_line(n) for n in seen) or "(nothing)",
                        self.d.log_tail()))
            if not self.d.running:
                raise DaemonError("integrityd died waiting for %s\n%s" % (topic, self.d.log_tail()))
            self._take(min(left, 0.25))


# --------------------------------------------------------------------------------------------
# Events on a case (WORKFLOW.md "Events on an NA case")

LINE_MANAGER = "LM-4711"  # subject()'s line_manager
ACTOR_IDS = {"line_manager": LINE_MANAGER, "psd": "PSD-0101", "aa": AA_ROSTER[0],
             "head_of_psd": "HPSD-01", "vetting": "VET-0101", "hr": "HR-0101",
             "reporter": "R-100"}

CONDITIONS = [
    {"code": "report_contact",
     "text": "Report any contact with the associate to your line manager within 24 hours."},
    {"code": "posting_restriction", "text": "No posting to the associate's home district."},
]
VARIED_CONDITIONS = [
    {"code": "report_contact", "text": "Report any contact with the associate within 7 days."},
]

# type -> (the role the table gives first, a fresh default body)
EVENTS = {
    "manager.reviewed": ("line_manager", lambda: {"comments": "Discussed with the officer."}),
    "assessment.recorded": ("psd", lambda: {"outcome": "mitigation", "risk": "medium"}),
    "interview.recorded": ("psd", lambda: {"outcome": "mitigation", "police_friend": False}),
    "mitigation.proposed": ("psd", lambda: {"conditions": [dict(c) for c in CONDITIONS]}),
    "mitigation.agreed": ("subject", dict),
    "mitigation.disputed": ("subject", lambda: {"reason": "The conditions stop me seeing family."}),
    "representations.submitted": ("subject", lambda: {"text": "He is my cousin; we meet at "
                                                      "family events only.",
                                                      "police_friend": True}),
    "aa.approved": ("aa", dict),
    "aa.determined": ("aa", lambda: {"decision": "conditions",
                                     "conditions": [dict(c) for c in CONDITIONS],
                                     "reasons": "The association carries a medium risk."}),
    "determination.served": ("psd", dict),
    "appeal.lodged": ("subject", lambda: {"grounds": "The posting restriction is disproportionate."}),
    "strategy_meeting.held": ("head_of_psd", lambda: {"attendees": ["HPSD-01", "PSD-0101"]}),
    "appeal.decided": ("head_of_psd", lambda: {"outcome": "varied",
                                               "conditions": [dict(c) for c in VARIED_CONDITIONS]}),
    "breach.reported": ("psd", lambda: {"details": "Seen with the associate on 3 March."}),
    "review.requested": ("aa", lambda: {"reason": "The associate has been charged again."}),
    "review.completed": ("aa", lambda: {"outcome": "no_change", "representations_made": False}),
    "vetting.reviewed": ("vetting", lambda: {"outcome": "clearance_maintained"}),
    "subject.updated": ("psd", lambda: {"subject": {"department": "Custody"}}),
    "deadline.extended": ("psd", lambda: {"reason": "Awaiting a court date."}),
    "case.closed": ("psd", lambda: {"reason": "withdrawn"}),
}


def event(type, case, subject_id=None, role=None, actor_id=None, at=None, id=None, body=None,
          **body_over):
    """An event of `type` on `case`, sent by the table's role for it unless `role` is given
    (role=False: no actor), with its default body (or `body`) and body_over applied (a value
    None deletes a key). A subject's actor id is the subject's id."""
    default_role, default_body = EVENTS[type]
    role = default_role if role is None else role
    b = default_body() if body is None else dict(body)
    _apply(b, body_over)
    ev = {"v": 1, "id": id or new_id(type.replace(".", "-")), "type": type,
          "at": now_ms() if at is None else at, "case": case, "body": b}
    if role:
        ev["actor"] = {"id": actor_id or (subject_id if role == "subject" else ACTOR_IDS[role]),
                       "role": role}
    return ev


class Flow:
    """One case, driven through the workflow by a test: step() sends an event of the
    WORKFLOW.md table for the case, asserts it is accepted and, given `state`, that case.get
    then shows that state. `events` keeps what was accepted, `replies` their replies."""

    def __init__(self, test, daemon, opening):
        self.t = test
        self.d = daemon
        self.subject_id = opening["body"]["subject"]["id"]
        self.client = daemon.intake_req()
        test.addCleanup(self.client.close)
        self.events, self.replies = [], []
        r = self.send(opening)
        test.assertAccepted(r, opening)
        self.ref = r["case"]
        self.events.append(opening)
        self.replies.append(r)

    def event(self, type, **kw):
        return event(type, self.ref, subject_id=self.subject_id, **kw)

    def send(self, ev):
        return self.client.request(ev)

    def case(self):
        return self.d.case(self.ref)

    def step(self, type, state=None, **kw):
        """Sends `type` (keywords as event()); returns the accepted reply."""
        ev = self.event(type, **kw)
        r = self.send(ev)
        if r.get("status") != "accepted":
            self.t.fail("%s on %s (state %s) not accepted: %r" % (
                type, self.ref, self.case()["state"], r))
        self.t.assertAccepted(r, ev)
        self.t.assertEqual(r["case"], self.ref, r)
        self.events.append(ev)
        self.replies.append(r)
        if state is not None:
            got = self.case()["state"]
            self.t.assertEqual(got, state, "after %s on %s" % (type, self.ref))
        return r

    def reject(self, type, code, field=None, **kw):
        """Sends `type` and asserts it is rejected with `code` (message naming `field`)."""
        ev = self.event(type, **kw)
        return self.t.assertRejected(self.send(ev), code, field, msg="%s on %s" % (type, self.ref))


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

    def assert_accepted(self, client, e, case=None):
        """Sends e on client and asserts PROTOCOL.md's accepted reply (on `case` when given)."""
        r = client.request(e)
        if r.get("status") != "accepted":
            self.fail("%s not accepted: request %r, reply %r" % (e["type"], e, r))
        self.assertEqual((r.get("v"), r.get("id")), (1, e["id"]), r)
        self.assertIsInstance(r.get("seq"), int, r)
        self.assertNotIn("error", r)
        if case is not None:
            self.assertEqual(r.get("case"), case, r)
        return r

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
        # every event we ever sent is stored exactly once: the journal is they and the reads
        # the test made, each seq once
        self.assertEqual(st["journal_seq"], len(stored) + d.journaled_reads, st)
        self.assertEqual(len(set(seqs)), len(seqs))
        self.assertTrue(not seqs or (seqs[0] >= 1 and seqs[-1] <= st["journal_seq"]), seqs[-1:])
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

    def assertForbidden(self, reply, *needles):
        """A control or intake reply that is `forbidden`, its message containing needles."""
        err = reply.get("error") or {}
        self.assertEqual(err.get("code"), "forbidden", reply)
        self.assertNotEqual(reply.get("ok"), True, reply)
        if "status" in reply:  # intake
            self.assertEqual(reply["status"], "rejected", reply)
        for n in needles:
            self.assertIn(n, err.get("message", ""), reply)
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
