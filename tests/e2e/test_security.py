"""Security: transport and clients (proto/SPEC.md). tcp:// with CURVE admits the keys of the
clients file and nobody else; ipc:// is guarded by its file's mode and by the peer's uid."""

import os
import stat
import subprocess
import time
import unittest

import zmq

from harness import (BINARY, DaemonTestCase, IntakeClient, curve_keypair,
                     declaration, free_tcp_port, new_socket, recv_nothing, secure_sections)

REFUSED_WAIT = 1.5  # seconds a refused client waits to be sure nothing comes back


class SecureDaemonTest(DaemonTestCase):

    def secure_daemon(self, uid=None, **perm):
        """A daemon with CURVE keys and a clients file, intake and control on ipc and on a
        loopback tcp port. The harness's control calls go over tcp as the "ops" key; uid
        (default: the test's own) is an admin on ipc."""
        self.forms = curve_keypair()
        self.ops = curve_keypair()
        clients = {
            "forms": {"curve_key": self.forms[0], "role": "intake",
                      "types": "declaration.submitted, referral.submitted"},
            "ops": {"curve_key": self.ops[0], "role": "operator"},
            "local-admin": {"uid": os.getuid() if uid is None else uid, "role": "admin"},
        }
        d = self.new_daemon(start=False)
        sections, self.server_pub = secure_sections(d.dir, clients)
        d.sections.update(sections)
        if perm:
            d.sections["intake"] = perm
        self.tcp_intake = "tcp://127.0.0.1:%d" % free_tcp_port()
        tcp_control = "tcp://127.0.0.1:%d" % free_tcp_port()
        self.ipc_intake = d.intake_endpoint
        d.extra_endpoints["intake"].append(self.tcp_intake)
        d.extra_endpoints["control"].append(tcp_control)
        d.control_via = (tcp_control, (self.server_pub, self.ops))
        return d

    def start(self, d):
        d.start()
        return d

    def intake(self, keys, endpoint=None):
        curve = None if keys is None else (self.server_pub, keys)
        return IntakeClient(endpoint or self.tcp_intake, curve=curve)

    # ---- tcp with CURVE

    def test_known_key_submits_over_tcp(self):
        self.start(self.secure_daemon())
        with self.intake(self.forms) as c:
            r = c.request(declaration())
        self.assertEqual(r["status"], "accepted", r)

    def test_unknown_key_gets_no_connection(self):
        d = self.start(self.secure_daemon())
        stranger = curve_keypair()
        with self.intake(stranger) as c:
            c.send(declaration())
            self.assertTrue(recv_nothing(c.sock, REFUSED_WAIT))
        d.wait_log("refused a connection from 127.0.0.1: CURVE key %s is not in the "
                      "clients file" % stranger[0])
        # counted for metrics (issue 11): a failed key look-up
        expo = d.result("metrics")["exposition"]
        self.assertRegex(expo, r"(?m)^integrityd_connections_refused_total [1-9]")
        # the daemon is still healthy, and a known key still gets in
        self.assertTrue(d.status())
        with self.intake(self.forms) as c:
            self.assertEqual(c.request(declaration())["status"], "accepted")

    def test_client_without_curve_on_tcp_gets_no_reply(self):
        self.start(self.secure_daemon())
        with self.intake(None) as c:
            c.send(declaration())
            self.assertTrue(recv_nothing(c.sock, REFUSED_WAIT))
        # the control case: the same endpoint answers a client with a known key
        with self.intake(self.forms) as c:
            self.assertEqual(c.request(declaration())["status"], "accepted")

    def test_notify_over_tcp_needs_a_known_key(self):
        d = self.secure_daemon()
        port = free_tcp_port()
        d.extra_endpoints["notify"].append("tcp://127.0.0.1:%d" % port)
        self.start(d)
        good = new_socket(zmq.SUB, "tcp://127.0.0.1:%d" % port, (self.server_pub, self.ops))
        bad = new_socket(zmq.SUB, "tcp://127.0.0.1:%d" % port,
                         (self.server_pub, curve_keypair()))
        try:
            for s in (good, bad):
                s.setsockopt(zmq.SUBSCRIBE, b"")
            # a subscription takes effect asynchronously: submit until the good one hears
            deadline = time.monotonic() + 10
            heard = False
            with self.intake(self.forms) as c:
                while not heard and time.monotonic() < deadline:
                    self.assertEqual(c.request(declaration())["status"], "accepted")
                    heard = bool(good.poll(200))
            self.assertTrue(heard, "a known key's SUB heard nothing")
            self.assertTrue(recv_nothing(bad, 0.5))
        finally:
            good.close(0)
            bad.close(0)

    # ---- keys and credentials

    def test_secret_key_readable_by_others_stops_the_daemon(self):
        d = self.secure_daemon()
        key = d.sections["security"]["curve_secret_key"]
        os.chmod(key, 0o644)
        d.write_config()
        p = subprocess.run([BINARY, "--config", d.config_path], capture_output=True,
                           timeout=20, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn(key, p.stderr)
        self.assertIn("curve_secret_key", p.stderr)
        p = subprocess.run([BINARY, "--config", d.config_path, "--check-config"],
                           capture_output=True, timeout=20, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn(key, p.stderr)

    def check_config(self, d):
        d.write_config()
        return subprocess.run([BINARY, "--config", d.config_path, "--check-config"],
                              capture_output=True, timeout=20, text=True)

    def test_public_key_not_the_secret_keys_pair_is_refused(self):
        d = self.secure_daemon()
        with open(d.sections["security"]["curve_public_key"], "w") as f:
            f.write(curve_keypair()[0] + "\n")
        p = self.check_config(d)
        self.assertEqual(p.returncode, 1)
        self.assertIn("curve_public_key", p.stderr)

    def test_secret_key_that_is_not_z85_is_refused(self):
        d = self.secure_daemon()
        key = d.sections["security"]["curve_secret_key"]
        with open(key, "w") as f:
            f.write("~" * 40 + "\n")  # 40 characters, none of them Z85
        os.chmod(key, 0o600)
        p = self.check_config(d)
        self.assertEqual(p.returncode, 1)
        self.assertIn("curve_secret_key", p.stderr)
        self.assertIn("not a Z85 CURVE key", p.stderr)

    def test_bare_credential_names_are_read_from_credentials_directory(self):
        d = self.secure_daemon()
        creds = os.path.join(d.dir, "creds")
        os.mkdir(creds, 0o700)
        for name in ("curve.pub", "curve.key", "clients.conf"):
            os.rename(os.path.join(d.dir, name), os.path.join(creds, name))
        d.sections["security"] = {"curve_public_key": "curve.pub",
                                  "curve_secret_key": "curve.key", "clients": "clients.conf"}
        d.env = dict(os.environ, CREDENTIALS_DIRECTORY=creds)
        self.start(d)
        with self.intake(self.forms) as c:
            self.assertEqual(c.request(declaration())["status"], "accepted")

    # ---- ipc

    def test_ipc_socket_gets_the_configured_mode_and_group(self):
        gid = os.getgid()
        self.start(self.secure_daemon(mode="0660", group=str(gid)))
        st = os.stat(self.ipc_intake[len("ipc://"):])
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o660)
        self.assertEqual(st.st_gid, gid)

    def test_ipc_client_known_by_uid_gets_in(self):
        self.start(self.secure_daemon())
        with self.intake(None, self.ipc_intake) as c:
            self.assertIn("status", c.request(declaration()))

    def test_ipc_client_not_in_the_clients_file_gets_no_connection(self):
        other = os.getuid() + 1
        d = self.start(self.secure_daemon(uid=other))
        with self.intake(None, self.ipc_intake) as c:
            c.send(declaration())
            self.assertTrue(recv_nothing(c.sock, REFUSED_WAIT))
        d.wait_log("uid %d and gid %d are not in the clients file" % (os.getuid(),
                                                                           os.getgid()))


if __name__ == "__main__":
    unittest.main()
