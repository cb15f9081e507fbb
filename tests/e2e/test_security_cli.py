"""integrityctl over tcp:// with CURVE against the real daemon (proto/SPEC.md "Security:
transport and clients", README "Security"). Every key here is made by `integrityctl keygen`
and split into files exactly as the README says, so the test also checks that the daemon
takes keygen's output as its [security] key files and the cli takes it as --client-key.

The binary is $INTEGRITYCTL, else cli/integrityctl beside the daemon's build directory."""

import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import CLI, BINARY, TMP_ROOT, DaemonTestCase, free_tcp_port, write_clients

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))


# Generous for a reply (the sanitizer build is slow); tight where nothing is to come back.
CLI_TIMEOUT_MS = 10000
REFUSED_TIMEOUT_MS = 1000
# How late past --timeout an unreachable integrityctl may exit (process start, ASan).
EXIT_SLACK_S = 5.0
Z85_KEY_RE = re.compile(r"^[0-9a-zA-Z.\-:+=^!/*?&<>()\[\]{}@%$#]{40}$")
KEYGEN_RE = re.compile(r"^public_key = (\S{40})\nsecret_key = (\S{40})\n$")

# README "Security": the key pair as keygen prints it, split into the daemon's two files.
SPLIT_SERVER_KEYS = """set -e
umask 077
"$INTEGRITYCTL" keygen > server.keys
sed -n 's/^public_key = //p' server.keys > curve.pub
sed -n 's/^secret_key = //p' server.keys > curve.key
rm server.keys
"""


@unittest.skipUnless(os.access(CLI, os.X_OK), "integrityctl not built at %s" % CLI)
class CliOverCurve(DaemonTestCase):

    def keygen(self, path):
        """`integrityctl keygen > path` under umask 077; returns (public, secret)."""
        p = subprocess.run([CLI, "keygen"], capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        m = KEYGEN_RE.match(p.stdout)
        self.assertIsNotNone(m, "keygen printed %r" % p.stdout)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(p.stdout)
        return m.group(1), m.group(2)

    def setUp(self):
        super().setUp()
        try:
            self.start_secure()
        except BaseException:
            # tearDown does not run after a failed setUp: no daemon may outlive the test
            for d in self._daemons:
                if d.running:
                    d.proc.kill()
                    d.proc.wait(5)
            raise

    def start_secure(self):
        """A daemon with keygen's key pair, a clients file naming the operator's keygen key,
        and control on ipc and on a loopback tcp port (CURVE)."""
        d = self.new_daemon(start=False)
        self.d = d
        # the daemon's key pair: keygen's output split as the README says
        p = subprocess.run(["sh", "-c", SPLIT_SERVER_KEYS], cwd=d.dir, capture_output=True,
                           text=True, timeout=30, env=dict(os.environ, INTEGRITYCTL=CLI))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.server_pub_file = os.path.join(d.dir, "curve.pub")
        with open(self.server_pub_file) as f:
            self.server_pub = f.read().rstrip("\n")
        with open(os.path.join(d.dir, "curve.key")) as f:
            server_sec = f.read().rstrip("\n")
        self.assertRegex(self.server_pub, Z85_KEY_RE)
        self.assertRegex(server_sec, Z85_KEY_RE)
        # an operator's key pair: keygen's output as it is, the --client-key file
        self.ops_file = os.path.join(d.dir, "ops.keys")
        self.ops = self.keygen(self.ops_file)
        clients = os.path.join(d.dir, "clients.conf")
        write_clients(clients, {"ops-desk": {"curve_key": self.ops[0], "role": "operator"},
                                "local-admin": {"uid": os.getuid(), "role": "admin"}})
        d.sections["security"] = {"curve_public_key": self.server_pub_file,
                                  "curve_secret_key": os.path.join(d.dir, "curve.key"),
                                  "clients": clients}
        self.tcp_control = "tcp://127.0.0.1:%d" % free_tcp_port()
        d.extra_endpoints["control"].append(self.tcp_control)
        # the harness's own readiness check goes over tcp too, as the operator
        d.control_via = (self.tcp_control, (self.server_pub, self.ops))
        d.start()
        # an empty cli config: nothing comes from /etc/integrityd or the daemon's file
        self.empty_conf = os.path.join(d.dir, "cli-empty.conf")
        open(self.empty_conf, "w").close()

    def ctl(self, *args, config=None, timeout_ms=CLI_TIMEOUT_MS, env=None):
        argv = [CLI, "-c", config or self.empty_conf, "--timeout", str(timeout_ms)]
        argv += list(args)
        if env is None:  # nothing inherited decides the client key
            env = {k: v for k, v in os.environ.items() if k != "INTEGRITYCTL_CLIENT_KEY"}
        return subprocess.run(argv, capture_output=True, text=True,
                              timeout=timeout_ms / 1000 + 30, env=env)

    # ---- a known key

    def test_known_operator_key_gets_status(self):
        p = self.ctl("--control", self.tcp_control, "--server-key", self.server_pub_file,
                     "--client-key", self.ops_file, "--json", "status")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("uptime_ms", p.stdout)
        self.assertIn("(CURVE)", self.d.log())  # the endpoint really was a CURVE server

    def test_server_key_given_as_z85_text(self):
        p = self.ctl("--control", self.tcp_control, "--server-key", self.server_pub,
                     "--client-key", self.ops_file, "status")
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_keys_from_the_daemons_config_and_the_environment(self):
        # the cli takes the first control endpoint of the daemon's file (ipc://), so the
        # tcp one is named; the server key is the file's [security] curve_public_key
        env = dict(os.environ, INTEGRITYCTL_CLIENT_KEY=self.ops_file)
        p = self.ctl("--control", self.tcp_control, "status", config=self.d.config_path,
                     env=env)
        self.assertEqual(p.returncode, 0, p.stderr)

    # ---- an unknown key, or none

    def test_unknown_client_key_is_unreachable_within_timeout(self):
        stranger_file = os.path.join(self.d.dir, "stranger.keys")
        stranger = self.keygen(stranger_file)
        t0 = time.monotonic()
        p = self.ctl("--control", self.tcp_control, "--server-key", self.server_pub_file,
                     "--client-key", stranger_file, "status", timeout_ms=REFUSED_TIMEOUT_MS)
        elapsed = time.monotonic() - t0
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("no reply from %s within %d ms" % (self.tcp_control, REFUSED_TIMEOUT_MS),
                      p.stderr)
        self.assertGreaterEqual(elapsed, REFUSED_TIMEOUT_MS / 1000 * 0.9)
        self.assertLess(elapsed, REFUSED_TIMEOUT_MS / 1000 + EXIT_SLACK_S)
        self.d.wait_log("control/tcp: refused a connection from 127.0.0.1: CURVE key %s is not "
                      "in the clients file" % stranger[0])
        # the refusal costs the daemon nothing: the operator still gets in
        p = self.ctl("--control", self.tcp_control, "--server-key", self.server_pub_file,
                     "--client-key", self.ops_file, "status")
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_wrong_server_key_is_unreachable(self):
        # a client that trusts another server key never completes the handshake
        wrong = os.path.join(self.d.dir, "wrong.keys")
        wrong_pub = self.keygen(wrong)[0]
        p = self.ctl("--control", self.tcp_control, "--server-key", wrong_pub,
                     "--client-key", self.ops_file, "status", timeout_ms=REFUSED_TIMEOUT_MS)
        self.assertEqual(p.returncode, 3, p.stderr)

    def test_server_key_without_client_key_is_a_usage_error(self):
        p = self.ctl("--control", self.tcp_control, "--server-key", self.server_pub_file,
                     "status")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("INTEGRITYCTL_CLIENT_KEY", p.stderr)

    def test_client_key_file_that_is_not_a_key_pair_is_a_usage_error(self):
        # the daemon's public key file holds one bare key, not keygen's two lines
        p = self.ctl("--control", self.tcp_control, "--server-key", self.server_pub_file,
                     "--client-key", self.server_pub_file, "status")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("public_key = Z85 and secret_key = Z85", p.stderr)


class ExampleClientsFile(unittest.TestCase):
    """config/clients.example.conf is a clients file the daemon loads (--check-config), and
    a copy others may write is refused."""

    def check(self, mode):
        tmp = tempfile.mkdtemp(prefix="clients-ex-", dir=TMP_ROOT)
        self.addCleanup(shutil.rmtree, tmp, True)
        clients = os.path.join(tmp, "clients.conf")
        shutil.copyfile(os.path.join(TOP, "config", "clients.example.conf"), clients)
        os.chmod(clients, mode)
        conf = os.path.join(tmp, "integrityd.conf")
        with open(conf, "w") as f:
            f.write("[daemon]\nstate_dir = %s\n[intake]\nendpoint = ipc://%s/i.sock\n"
                    "[notify]\nendpoint = ipc://%s/n.sock\n[control]\n"
                    "endpoint = ipc://%s/c.sock\n[security]\nclients = %s\n"
                    % (tmp, tmp, tmp, tmp, clients))
        return subprocess.run([BINARY, "--config", conf, "--check-config"],
                              capture_output=True, text=True, timeout=30), clients

    def test_example_loads(self):
        p, _ = self.check(0o644)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(p.stdout.endswith(": ok\n"), p.stdout)

    def test_example_writable_by_group_is_refused(self):
        p, clients = self.check(0o664)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("[security] clients: %s: mode 0664" % clients, p.stderr)


if __name__ == "__main__":
    unittest.main()
