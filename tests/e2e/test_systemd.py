"""The daemon's side of systemd's Type=notify protocol, checked with a NOTIFY_SOCKET of our
own: READY=1 once the store is open and the sockets are bound, STATUS= with live counts,
WATCHDOG=1 from the reactor loop when WATCHDOG_USEC is set, STOPPING=1 on SIGTERM."""

import os
import socket
import time
import unittest

from harness import DaemonTestCase, declaration

WATCHDOG_USEC = 200000  # 200 ms: the daemon must ping at least every 100 ms
BOUND_S = 10            # every wait below gives up after this


class NotifySocket:
    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.messages = []

    def wait_for(self, pred, what):
        """Reads datagrams until one satisfies pred; fails after BOUND_S."""
        deadline = time.monotonic() + BOUND_S
        for m in self.messages:
            if pred(m):
                return m
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                m = self.sock.recv(4096).decode()
            except socket.timeout:
                break
            self.messages.append(m)
            if pred(m):
                return m
        raise AssertionError("no %s within %d s; got %r" % (what, BOUND_S, self.messages[-10:]))

    def close(self):
        self.sock.close()


class Systemd(DaemonTestCase):
    def test_ready_status_watchdog_and_stopping(self):
        d = self.new_daemon("notify", start=False)
        ns = NotifySocket(os.path.join(d.dir, "notify"))
        self.addCleanup(ns.close)
        d.env = dict(os.environ, NOTIFY_SOCKET=ns.path, WATCHDOG_USEC=str(WATCHDOG_USEC))
        d.start()  # returns once `status` answers
        ns.wait_for(lambda m: "READY=1" in m.split("\n"), "READY=1")

        with d.intake_req() as c:
            ev = declaration()
            self.assertEqual(c.request(ev)["status"], "accepted")
        ns.wait_for(lambda m: "STATUS=" in m and "accepted 1" in m, "STATUS= counting the event")

        # the watchdog keeps coming while the daemon is idle: several pings
        for _ in range(3):
            before = ns.messages.count("WATCHDOG=1")
            ns.wait_for(lambda m, b=before: m == "WATCHDOG=1" and
                        ns.messages.count("WATCHDOG=1") > b, "another WATCHDOG=1")

        self.assertEqual(d.sigterm(), 0)
        ns.wait_for(lambda m: "STOPPING=1" in m.split("\n"), "STOPPING=1")


if __name__ == "__main__":
    unittest.main()
