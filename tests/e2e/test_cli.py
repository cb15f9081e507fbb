"""integrityctl against the real daemon: submit, cases, case show, status --json, audit
verify, backup, and the exit codes (0 done, 1 the daemon said no, 2 usage, 3 unreachable);
and the operator commands of issue 3: deadlines, replay, watch and report.

The binary is $INTEGRITYCTL, else cli/integrityctl beside the daemon's build directory, else
build/cli/integrityctl or build-asan/cli/integrityctl."""

import json
import os
import re
import select
import signal
import subprocess
import time
import unittest

from harness import (CLI, CASE_RE, SharedDaemonTestCase, anonymous_referral, declaration,
                     new_subject_id, now_ms)



# Generous: the sanitizer build of the daemon is slow; only the unreachable tests are tight.
CLI_TIMEOUT_MS = 10000
ISO_RE = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z\b")
DAY_MS = 86400 * 1000
# WORKFLOW.md "Deadlines": manager_review, 7d by default (the harness sets no [deadlines]).
MANAGER_REVIEW_MS = 7 * DAY_MS
# How long a test feeds events to a `watch` before giving up on it.
WATCH_BOUND_S = 15.0
# The fields of a notification line, separated by two blanks (cli/notif.h).
LINE_FIELDS = ("seq", "at", "topic", "case", "state", "to")


def iso(ms):
    """ms since the epoch as integrityctl prints it: ISO-8601 UTC, .mmm when not whole."""
    t = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000))
    return t + (".%03dZ" % (ms % 1000) if ms % 1000 else "Z")


def parse_line(line):
    """A notification line as a dict: the fixed fields, then deadline and detail parts."""
    parts = line.split("  ")
    if len(parts) < len(LINE_FIELDS):
        raise AssertionError("not a notification line: %r" % line)
    row = dict(zip(LINE_FIELDS, parts))
    row["seq"] = int(row["seq"])
    for extra in parts[len(LINE_FIELDS):]:
        name = "deadline" if extra.startswith("deadline=") else extra.split(" ")[0]
        row[name] = extra
    return row


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

    def test_cases_one_page_says_there_is_more(self):
        for _ in range(2):
            self.accepted_case(declaration())
        p = self.ctl("cases", "--limit", "1")
        self.assertExit(p, 0)
        self.assertEqual(p.stdout.splitlines()[-1],
                         "(more: --all lists every page)", p.stdout)

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

    # ---- issue 3: deadlines, replay, watch, report

    def deadline_rows(self, *args):
        p = self.ctl("--json", "deadlines", "--limit", "1000", *args)
        self.assertExit(p, 0)
        return json.loads(p.stdout)["deadlines"]

    def notify_seq(self):
        return self.d.status()["notify_seq"]

    def test_deadlines_lists_manager_review_7d_from_the_declaration(self):
        # WORKFLOW.md "Deadlines", row manager_review: opens on awaiting_manager_review,
        # runs from the event's `at`, 7d by default.
        ev = declaration()
        ref = self.accepted_case(ev)
        due = ev["at"] + MANAGER_REVIEW_MS
        p = self.ctl("deadlines", "--limit", "1000", "--before", iso(due + 1000))
        self.assertExit(p, 0)
        rows = [l.split() for l in p.stdout.splitlines()]
        self.assertEqual(rows[0], ["CASE", "KIND", "DUE", "STATUS", "LEVEL"])
        self.assertIn([ref, "manager_review", iso(due), "open", "0"], rows[1:], p.stdout)
        # --before takes ms as well, and is exclusive of what is due later
        self.assertNotIn(ref, [r["case"] for r in self.deadline_rows("--before", str(due - 1))])

    def test_deadlines_overdue_lists_one_past_when_it_opened_breached_at_once(self):
        # WORKFLOW.md "Deadlines": a deadline already past when it opens is breached at once
        # (level 0); `deadlines --overdue` lists it, and not one still running.
        old = declaration(at=now_ms() - 8 * DAY_MS)
        late = self.accepted_case(old)
        fresh = self.accepted_case(declaration())
        bound = time.monotonic() + WATCH_BOUND_S
        while True:
            rows = {(r["case"], r["kind"]): r for r in self.deadline_rows("--overdue")}
            row = rows.get((late, "manager_review"))
            if (row and row["status"] == "breached") or time.monotonic() > bound:
                break
            time.sleep(0.05)
        self.assertIsNotNone(row, "%s not overdue in %r" % (late, sorted(rows)))
        self.assertEqual((row["due_at"], row["status"], row["level"]),
                         (old["at"] + MANAGER_REVIEW_MS, "breached", 0), row)
        self.assertNotIn(fresh, [case for case, _ in rows])
        p = self.ctl("deadlines", "--overdue", "--limit", "1000")
        self.assertExit(p, 0)
        self.assertRegex(p.stdout, r"(?m)^%s\s+manager_review\s+%s\s+breached\s+0$" % (
            re.escape(late), re.escape(iso(old["at"] + MANAGER_REVIEW_MS))))

    def test_case_show_lists_the_open_deadline(self):
        # PROTOCOL.md "Control", case.get: deadlines [{kind, due_at, status, level}].
        ev = declaration()
        ref = self.accepted_case(ev)
        p = self.ctl("case", "show", ref)
        self.assertExit(p, 0)
        self.assertRegex(p.stdout, r"(?m)^deadlines\n\s+KIND\s+DUE\s+STATUS\s+LEVEL\n"
                         r"\s+manager_review\s+%s\s+open\s+0$" % re.escape(
                             iso(ev["at"] + MANAGER_REVIEW_MS)))

    def test_replay_since_shows_what_a_declaration_notified_without_gaps(self):
        # PROTOCOL.md "Notify": seq +1 for each, no gaps; notifications.since returns the
        # ones after the given seq, as published.
        since = self.notify_seq()
        ref = self.accepted_case(declaration())
        p = self.ctl("replay", "--since", str(since), "--all")
        self.assertExit(p, 0)
        rows = [parse_line(l) for l in p.stdout.splitlines()]
        self.assertEqual([r["seq"] for r in rows], list(range(since + 1, since + 1 + len(rows))))
        opened = [r for r in rows if r["topic"] == "case.opened" and r["case"] == ref]
        self.assertEqual(len(opened), 1, p.stdout)
        self.assertRegex(opened[0]["at"], "^%s$" % ISO_RE.pattern)
        self.assertEqual(opened[0]["state"], "awaiting_manager_review")
        p = self.ctl("--json", "replay", "--since", str(since), "--all")
        self.assertExit(p, 0)
        maps = [json.loads(l) for l in p.stdout.splitlines()]
        self.assertEqual([m["seq"] for m in maps], [r["seq"] for r in rows])
        self.assertTrue(all(m["v"] == 1 and isinstance(m["recipients"], list) for m in maps), maps)

    def test_replay_limit_prints_one_page_and_all_follows_to_last_seq(self):
        since = self.notify_seq()
        refs = [self.accepted_case(declaration()) for _ in range(3)]
        p = self.ctl("replay", "--since", str(since), "--limit", "1")
        self.assertExit(p, 0)
        self.assertEqual([parse_line(l)["seq"] for l in p.stdout.splitlines()], [since + 1])
        self.assertIn("--all", p.stderr)
        p = self.ctl("replay", "--since", str(since), "--limit", "1", "--all")
        self.assertExit(p, 0)
        rows = [parse_line(l) for l in p.stdout.splitlines()]
        self.assertEqual([r["seq"] for r in rows], list(range(since + 1, since + 1 + len(rows))))
        self.assertEqual([r["case"] for r in rows if r["topic"] == "case.opened"], refs)
        self.assertEqual(p.stderr, "")

    def start_watch(self, *args):
        # integrityctl watch ARGS, returned once it says on stderr that it subscribed.
        argv = [CLI, "-c", self.d.config_path, "--timeout", str(CLI_TIMEOUT_MS)] + list(args)
        w = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(self.stop_watch, w)
        ready, _, _ = select.select([w.stderr], [], [], WATCH_BOUND_S)
        self.assertTrue(ready, "watch said nothing within %.0f s" % WATCH_BOUND_S)
        self.assertIn("watching", w.stderr.readline())
        return w

    @staticmethod
    def stop_watch(w):
        if w.poll() is None:
            w.kill()
        w.communicate(timeout=10)

    def feed_until_exit(self, w, make_event):
        # PUB drops what is published before a subscription takes: submit one event at a
        # time until the watch has what it waits for and exits. Returns ({case: event} in the
        # order sent, stdout, stderr).
        sent = {}
        bound = time.monotonic() + WATCH_BOUND_S
        while w.poll() is None and time.monotonic() < bound:
            ev = make_event()
            sent[self.accepted_case(ev)] = ev
            try:
                w.wait(0.2)
            except subprocess.TimeoutExpired:
                pass
        # past the bound, the watch ends itself: --count waits --timeout for each one
        out, err = w.communicate(timeout=CLI_TIMEOUT_MS / 1000 + 10)
        self.assertEqual(w.returncode, 0, "watch exit %s\nstdout: %s\nstderr: %s" % (
            w.returncode, out, err))
        return sent, out, err

    def test_watch_prints_live_notifications_one_line_each(self):
        # PROTOCOL.md "Notify": two frames, the topic (a SUB prefix filter works) and the map.
        w = self.start_watch("watch", "--count", "2", "case.open")
        refs, out, err = self.feed_until_exit(w, declaration)
        rows = [parse_line(l) for l in out.splitlines()]
        self.assertEqual(len(rows), 2, out)
        for r in rows:
            self.assertEqual((r["topic"], r["state"]), ("case.opened", "awaiting_manager_review"))
            self.assertIn(r["case"], refs)
        self.assertLess(rows[0]["seq"], rows[1]["seq"])
        self.assertNotIn("gap", err)

    def test_watch_json_prints_one_map_per_line(self):
        w = self.start_watch("--json", "watch", "--count", "1", "case.opened")
        refs, out, _ = self.feed_until_exit(w, declaration)
        (line,) = out.splitlines()
        m = json.loads(line)
        self.assertEqual((m["v"], m["topic"]), (1, "case.opened"))
        self.assertIn(m["case"], refs)

    def test_watch_fill_fetches_what_a_late_subscriber_missed(self):
        # PROTOCOL.md "Notify": a subscriber that starts late asks notifications.since and
        # receives exactly the ones it missed.
        since = self.notify_seq()
        missed = [self.accepted_case(declaration()) for _ in range(2)]
        w = self.start_watch("watch", "--since", str(since), "--fill", "--count", "3",
                             "case.opened")
        refs, out, err = self.feed_until_exit(w, declaration)
        cases = [parse_line(l)["case"] for l in out.splitlines()]
        self.assertEqual(cases, missed + list(refs)[:1], out)
        self.assertIn("gap", err)

    def test_watch_deadline_breached_goes_to_the_line_manager(self):
        # WORKFLOW.md "Deadlines": at its due time a deadline is breached (deadline.breached,
        # to its owner: line_manager for manager_review), level 0; a past one at once.
        w = self.start_watch("watch", "--count", "1", "deadline.breached")
        sent, out, _ = self.feed_until_exit(w, lambda: declaration(at=now_ms() - 8 * DAY_MS))
        (row,) = [parse_line(l) for l in out.splitlines()]
        self.assertIn(row["case"], sent)
        ev = sent[row["case"]]
        self.assertEqual(row["topic"], "deadline.breached")
        self.assertRegex(row["to"], r"^to=line_manager(:LM-4711)?$")
        self.assertEqual(row["deadline"], "deadline=manager_review due=%s level=0" % iso(
            ev["at"] + MANAGER_REVIEW_MS))

    def test_watch_ends_on_sigterm_or_sigint_exit_0(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            w = self.start_watch("watch")
            w.send_signal(sig)
            w.communicate(timeout=10)
            self.assertEqual(w.returncode, 0, sig)

    def test_watch_count_with_nothing_received_exit_3(self):
        t0 = time.monotonic()
        p = self.ctl("watch", "--count", "1", "no.such.topic", timeout_ms=300)
        self.assertExit(p, 3)
        self.assertLess(time.monotonic() - t0, 5.0)

    def test_report_prints_the_summary_as_tables(self):
        # PROTOCOL.md "Control", report.summary: counts by kind, origin, category, state,
        # outcome, and the share of deadlines met on time by kind.
        self.accepted_case(declaration())
        p = self.ctl("--json", "report")
        self.assertExit(p, 0)
        summary = json.loads(p.stdout)
        self.assertIsInstance(summary, dict)
        self.assertGreaterEqual(summary["cases"], 1, summary)
        p = self.ctl("report", "--from", "2000-01-01", "--to", str(now_ms() + DAY_MS))
        self.assertExit(p, 0)
        # readable tables (REGISTERS.md "Management data"), not a key-value dump
        self.assertRegex(p.stdout, r"(?m)^cases %d " % summary["cases"])
        titles = [l for l in p.stdout.splitlines() if l and not l.startswith(" ")][1:]
        self.assertEqual(titles, ["Deadlines by kind", "Cases by state and kind", "Outcomes"],
                         p.stdout)
        for k in summary["deadlines"]:
            self.assertRegex(p.stdout, r"(?m)^  %s\s+\d+\s+\d+\s+\d+\s+\d+\s+(\d+%%|-)$" % k)
        p = self.ctl("--json", "report", "--from", iso(now_ms() + DAY_MS))
        self.assertExit(p, 0)
        self.assertEqual(json.loads(p.stdout)["cases"], 0)

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
        self.assertExit(self.ctl("deadlines", "--before", "2026-03-01T09:00:00"), 2)
        self.assertExit(self.ctl("report", "--to", "tomorrow"), 2)
        self.assertExit(self.ctl("replay"), 2)
        self.assertExit(self.ctl("replay", "--since", "0", "--limit", "0"), 2)
        self.assertExit(self.ctl("watch", "--count", "0"), 2)
        self.assertExit(self.ctl("-c", "/nonexistent/integrityd.conf", "status", config=False), 2)


if __name__ == "__main__":
    unittest.main()
