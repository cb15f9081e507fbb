"""integrityctl against the real daemon: submit, cases, case show, status --json, audit
verify, backup, and the exit codes (0 done, 1 the daemon said no, 2 usage, 3 unreachable).

The binary is $INTEGRITYCTL, else cli/integrityctl beside the daemon's build directory, else
build/cli/integrityctl or build-asan/cli/integrityctl."""

import json
import os
import re
import subprocess
import time
import unittest

from harness import (BINARY, CASE_RE, SharedDaemonTestCase, anonymous_referral, declaration,
                     new_subject_id)

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))


def _find_cli():
    if os.environ.get("INTEGRITYCTL"):
        return os.environ["INTEGRITYCTL"]
    candidates = [os.path.join(os.path.dirname(os.path.dirname(BINARY)), "cli", "integrityctl")]
    candidates += [os.path.join(TOP, b, "cli", "integrityctl") for b in ("build", "build-asan")]
    for path in candidates:
        if os.access(path, os.X_OK):
            return path
    return candidates[0]


CLI = _find_cli()
# Generous: the sanitizer build of the daemon is slow; only the unreachable tests are tight.
CLI_TIMEOUT_MS = 10000
ISO_RE = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z\b")


@unittest.skipUnless(os.access(CLI, os.X_OK), "integrityctl not built at %s" % CLI)
class Cli(SharedDaemonTestCase):

    def ctl(self, *args, stdin=None, config=True, timeout_ms=CLI_TIMEOUT_MS, env=None):
        argv = [CLI]
        if config:
            argv += ["-c", self.d.config_path]
        argv += ["--timeout", str(timeout_ms)] + list(args)
        return subprocess.run(argv, input=stdin, capture_output=True, text=True,
                              timeout=timeout_ms / 1000 + 30, env=env)

    def write_json(self, name, obj):
        path = os.path.join(self.d.dir, name)
        with open(path, "w") as f:
            json.dump(obj, f)
        return path

    def submit(self, ev, name="event.json"):
        return self.ctl("submit", self.write_json(name, ev))

    def assertExit(self, p, code):
        self.assertEqual(p.returncode, code, "exit %d, expected %d\nstdout: %s\nstderr: %s" % (
            p.returncode, code, p.stdout, p.stderr))

    def accepted_case(self, ev):
        p = self.submit(ev)
        self.assertExit(p, 0)
        self.assertIn("accepted", p.stdout)
        m = re.search(r"case (\S+)", p.stdout)
        self.assertIsNotNone(m, p.stdout)
        self.assertRegex(m.group(1), CASE_RE)
        return m.group(1)

    # ---- submit

    def test_submit_declaration_is_accepted_exit_0(self):
        ev = declaration()
        ref = self.accepted_case(ev)
        self.assertIn(ev["id"], self.ctl("submit", self.write_json("again.json", ev)).stdout)
        self.assertEqual(self.d.case(ref)["subject"]["id"], ev["actor"]["id"])

    def test_submit_fills_in_v_id_and_at(self):
        ev = declaration()
        for key in ("v", "id", "at"):
            del ev[key]
        p = self.ctl("--json", "submit", self.write_json("bare.json", ev))
        self.assertExit(p, 0)
        reply = json.loads(p.stdout)
        self.assertEqual(reply["status"], "accepted", reply)
        self.assertRegex(reply["id"], r"^[0-9a-f]{32}$")
        self.assertRegex(reply["case"], CASE_RE)

    def test_resubmitting_the_same_file_is_duplicate_exit_0(self):
        ev = declaration()
        path = self.write_json("twice.json", ev)
        first = self.ctl("--json", "submit", path)
        second = self.ctl("--json", "submit", path)
        self.assertExit(first, 0)
        self.assertExit(second, 0)
        r1, r2 = json.loads(first.stdout), json.loads(second.stdout)
        self.assertEqual((r1["status"], r2["status"]), ("accepted", "duplicate"))
        self.assertEqual((r1["case"], r1["seq"]), (r2["case"], r2["seq"]))

    def test_submit_array_from_stdin_is_pipelined(self):
        events = [declaration() for _ in range(20)]
        p = self.ctl("--json", "submit", "-", stdin=json.dumps(events))
        self.assertExit(p, 0)
        replies = json.loads(p.stdout)
        self.assertEqual([r["id"] for r in replies], [e["id"] for e in events])
        self.assertTrue(all(r["status"] == "accepted" for r in replies), replies)
        self.assertEqual(len({r["case"] for r in replies}), 20)

    def test_rejected_event_exit_1_with_code_and_message(self):
        ev = declaration(colour="blue")
        p = self.submit(ev, "bad.json")
        self.assertExit(p, 1)
        self.assertIn("invalid_field", p.stderr)
        self.assertIn("colour", p.stderr)
        self.assertNotIn("accepted", p.stdout)

    def test_one_rejected_in_an_array_exit_1_others_accepted(self):
        good, bad = declaration(), dict(declaration(), type="no.such.type")
        p = self.ctl("submit", "-", stdin=json.dumps([good, bad]))
        self.assertExit(p, 1)
        self.assertIn(good["id"], p.stdout)
        self.assertIn("unknown_type", p.stderr)

    def test_invalid_json_input_exit_2(self):
        path = os.path.join(self.d.dir, "broken.json")
        with open(path, "w") as f:
            f.write('{"type": ')
        self.assertExit(self.ctl("submit", path), 2)

    # ---- control views

    def test_cases_lists_a_submitted_case(self):
        sid = new_subject_id()
        ref = self.accepted_case(declaration(subject_id=sid))
        p = self.ctl("cases", "--subject", sid)
        self.assertExit(p, 0)
        rows = [l.split() for l in p.stdout.splitlines()]
        self.assertEqual(rows[0][:5], ["CASE", "KIND", "STATE", "SUBJECT", "OPENED"])
        self.assertIn(ref, [r[0] for r in rows[1:]])
        row = [r for r in rows if r[0] == ref][0]
        self.assertEqual(row[1:4], ["NA", "awaiting_manager_review", sid])
        self.assertRegex(row[4], ISO_RE)

    def test_cases_all_follows_every_page(self):
        refs = {self.accepted_case(declaration()) for _ in range(3)}
        p = self.ctl("--json", "cases", "--all", "--limit", "1")
        self.assertExit(p, 0)
        result = json.loads(p.stdout)
        listed = [c["case"] for c in result["cases"]]
        self.assertTrue(refs <= set(listed), (refs, listed))
        self.assertEqual(len(listed), len(set(listed)))
        self.assertEqual(listed, sorted(listed))
        self.assertIsNone(result["next"])

    def test_case_show_shows_the_case(self):
        sid = new_subject_id()
        ev = declaration(subject_id=sid)
        ref = self.accepted_case(ev)
        p = self.ctl("case", "show", ref)
        self.assertExit(p, 0)
        out = p.stdout
        self.assertRegex(out, r"(?m)^case\s+%s$" % re.escape(ref))
        self.assertRegex(out, r"(?m)^state\s+awaiting_manager_review$")
        self.assertIn(sid, out)
        self.assertIn("criminal_conviction", out)
        self.assertRegex(out, r"(?m)^\s+SEQ\s+TYPE\s+AT")
        self.assertRegex(out, r"declaration\.submitted\s+%s" % ISO_RE.pattern)
        self.assertIn("subject/%s" % sid, out)

    def test_case_show_anonymous_referral_has_no_actor(self):
        ref = self.accepted_case(anonymous_referral())
        p = self.ctl("case", "show", ref)
        self.assertExit(p, 0)
        self.assertRegex(p.stdout, r"referral\.submitted.*\(anonymous\)")

    def test_case_show_escapes_terminal_control_bytes(self):
        ev = declaration()
        ev["body"]["subject"]["name"] = "Eve\x1b]0;pwned\x07\x1b[2J"
        ref = self.accepted_case(ev)
        p = self.ctl("case", "show", ref)
        self.assertExit(p, 0)
        self.assertNotIn("\x1b", p.stdout)
        self.assertNotIn("\x07", p.stdout)
        self.assertIn("Eve\\x1b]0;pwned\\x07\\x1b[2J", p.stdout)

    def test_case_show_unknown_case_exit_1(self):
        p = self.ctl("case", "show", "NA-1999-999999")
        self.assertExit(p, 1)
        self.assertIn("unknown_case", p.stderr)

    def test_json_status_parses_with_journal_seq(self):
        self.accepted_case(declaration())
        p = self.ctl("--json", "status")
        self.assertExit(p, 0)
        status = json.loads(p.stdout)
        self.assertGreaterEqual(status["journal_seq"], 1)
        self.assertIsInstance(status["store"], dict)

    def test_status_table_is_aligned(self):
        p = self.ctl("status")
        self.assertExit(p, 0)
        lines = p.stdout.splitlines()
        self.assertTrue(any(l.startswith("journal_seq ") for l in lines), lines)
        self.assertTrue(any(l.startswith("store.used_bytes ") for l in lines), lines)
        columns = {len(re.match(r"^\S+\s+", l).group(0)) for l in lines}
        self.assertEqual(len(columns), 1, lines)

    def test_audit_verify_exit_0(self):
        self.accepted_case(declaration())
        p = self.ctl("audit", "verify")
        self.assertExit(p, 0)
        self.assertIn("verified", p.stdout)
        p = self.ctl("--json", "audit", "verify")
        self.assertExit(p, 0)
        self.assertIs(json.loads(p.stdout)["ok"], True)

    def test_backup_prints_path_and_bytes(self):
        path = os.path.join(self.d.dir, "backup-cli")
        p = self.ctl("--json", "backup", path)
        self.assertExit(p, 0)
        result = json.loads(p.stdout)
        self.assertGreater(result["bytes"], 0)
        self.assertTrue(os.path.exists(path))

    def test_raw_command_prints_json_and_unknown_command_exit_1(self):
        p = self.ctl("raw", "status")
        self.assertExit(p, 0)
        self.assertIn("journal_seq", json.loads(p.stdout))
        p = self.ctl("raw", "no.such.command", "{}")
        self.assertExit(p, 1)
        self.assertIn("unknown_command", p.stderr)

    def test_config_from_environment(self):
        env = dict(os.environ, INTEGRITYD_CONFIG=self.d.config_path)
        p = self.ctl("--json", "status", config=False, env=env)
        self.assertExit(p, 0)

    # ---- exit codes without a daemon

    def test_unknown_control_endpoint_exit_3_within_timeout(self):
        nowhere = "ipc://%s/nobody.sock" % self.d.dir
        t0 = time.monotonic()
        p = self.ctl("--control", nowhere, "status", timeout_ms=500)
        took = time.monotonic() - t0
        self.assertExit(p, 3)
        self.assertLess(took, 5.0)
        self.assertIn("500 ms", p.stderr)

    def test_unknown_intake_endpoint_exit_3_within_timeout(self):
        nowhere = "ipc://%s/nobody-in.sock" % self.d.dir
        path = self.write_json("lost.json", declaration())
        t0 = time.monotonic()
        p = self.ctl("--intake", nowhere, "submit", path, timeout_ms=500)
        self.assertExit(p, 3)
        self.assertLess(time.monotonic() - t0, 5.0)

    def test_usage_errors_exit_2(self):
        self.assertExit(self.ctl("no-such-command"), 2)
        self.assertExit(self.ctl("cases", "--limit", "0"), 2)
        self.assertExit(self.ctl("case", "show"), 2)
        self.assertExit(self.ctl("raw", "status", "[1]"), 2)
        self.assertExit(self.ctl("-c", "/nonexistent/integrityd.conf", "status", config=False), 2)


if __name__ == "__main__":
    unittest.main()
