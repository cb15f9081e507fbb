"""integrityctl metrics (issue 11, item 4): the daemon's counters in the Prometheus text
exposition format. The output is parsed strictly here (every sample under a TYPE declared
before it, names and labels as the format allows them, no series twice, counters ending in
_total) and its values checked against what the test did; `promtool check metrics` also
lints it where Debian's prometheus package is installed.

The binary is $INTEGRITYCTL, else cli/integrityctl beside the daemon's build directory."""

import json
import os
import re
import shutil
import subprocess
import time
import unittest

from harness import CLI, SharedDaemonTestCase, declaration

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABELS = r'\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,(?!\}))?)*\}'
SAMPLE_RE = re.compile(r"^(%s)(%s)? (\S+)$" % (NAME, LABELS))
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


def family_of(name, types):
    """The family a sample belongs to: its own name's, or a histogram's (_bucket, _sum,
    _count) or a summary's (_sum, _count); None when no TYPE declared it."""
    if name in types:
        return name
    for suffix, kinds in (("_bucket", ("histogram",)), ("_sum", ("histogram", "summary")),
                          ("_count", ("histogram", "summary"))):
        base = name[:-len(suffix)]
        if name.endswith(suffix) and types.get(base) in kinds:
            return base
    return None


def parse_exposition(text):
    """{(name, labels): float}; raises AssertionError naming the first line that breaks
    the text format (version 0.0.4) or this daemon's rules for it."""
    if not text.endswith("\n"):
        raise AssertionError("the exposition does not end with a newline")
    types, helps, samples = {}, set(), {}
    for n, line in enumerate(text.splitlines(), 1):
        where = "line %d: %r" % (n, line)
        if line.startswith("# HELP "):
            name = line.split(" ")[2]
            if not re.fullmatch(NAME, name) or name in helps:
                raise AssertionError("bad or repeated HELP, " + where)
            helps.add(name)
        elif line.startswith("# TYPE "):
            parts = line.split(" ")
            if len(parts) != 4 or parts[3] not in TYPES or parts[2] in types:
                raise AssertionError("bad or repeated TYPE, " + where)
            types[parts[2]] = parts[3]
        elif line.startswith("#") or not line:
            raise AssertionError("neither a comment this daemon writes nor a sample, " + where)
        else:
            m = SAMPLE_RE.match(line)
            if not m:
                raise AssertionError("not a sample, " + where)
            name, labels, value = m.group(1), m.group(2) or "", m.group(3)
            family = family_of(name, types)
            if family is None:
                raise AssertionError("a sample before its TYPE, " + where)
            if types[family] == "counter" and not name.endswith("_total"):
                raise AssertionError("a counter not named *_total, " + where)
            if name.endswith("_bucket") and family != name and 'le="' not in labels:
                raise AssertionError("a bucket without le, " + where)
            if family not in helps:
                raise AssertionError("a sample without HELP, " + where)
            if (name, labels) in samples:
                raise AssertionError("a series twice, " + where)
            samples[(name, labels)] = float(value)
    return samples


class ExpositionParser(unittest.TestCase):
    """The parser refuses what it must, so that the daemon's output passing it means
    something."""

    def test_refuses_broken_expositions(self):
        good = "# HELP a_total x\n# TYPE a_total counter\na_total{k=\"v\"} 1\n"
        self.assertEqual(parse_exposition(good), {("a_total", '{k="v"}'): 1.0})
        for bad in ("a 1\n",                                         # no TYPE
                    "# HELP a x\n# TYPE a counter\na 1\n",            # counter without _total
                    "# HELP a x\n# TYPE a gauge\na{k=v} 1\n",          # unquoted label
                    "# HELP a x\n# TYPE a gauge\na 1\na 2\n",          # a series twice
                    "# HELP a x\n# TYPE a gauge\na 1",                 # no final newline
                    "# HELP a x\n# TYPE a gauge\n\na 1\n",             # a blank line
                    "# HELP a x\n# TYPE a gauge\na_bucket{le=\"1\"} 1\n",  # a gauge's bucket
                    "# HELP a x\n# TYPE a histogram\na_bucket 1\n",   # a bucket without le
                    "# HELP a x\n# TYPE a gauge\na one\n"):           # not a number
            with self.assertRaises((AssertionError, ValueError), msg=bad):
                parse_exposition(bad)


@unittest.skipUnless(os.access(CLI, os.X_OK), "integrityctl not built at %s" % CLI)
class Metrics(SharedDaemonTestCase):

    def ctl(self, *args, stdin=None):
        return subprocess.run([CLI, "-c", self.d.config_path, "--timeout", "10000"] +
                              list(args), input=stdin, capture_output=True, text=True,
                              timeout=40)

    def metrics(self):
        p = self.ctl("metrics")
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout, parse_exposition(p.stdout)

    def test_counters_follow_what_intake_answered(self):
        _, before = self.metrics()
        ev = declaration()
        path = os.path.join(self.d.dir, "metrics-event.json")
        bad = os.path.join(self.d.dir, "metrics-bad.json")
        with open(path, "w") as f:
            json.dump(ev, f)
        with open(bad, "w") as f:
            json.dump(dict(ev, id=ev["id"][:-1] + "0", v=2), f)
        self.assertEqual(self.ctl("submit", path).returncode, 0)
        self.assertEqual(self.ctl("submit", path).returncode, 0)  # the same id: duplicate
        self.assertEqual(self.ctl("submit", bad).returncode, 1)   # unsupported_version
        text, after = self.metrics()

        def delta(name, labels=""):
            return after[(name, labels)] - before.get((name, labels), 0)

        self.assertEqual(delta("integrityd_intake_events_total", '{outcome="accepted"}'), 1)
        self.assertEqual(delta("integrityd_intake_events_total", '{outcome="duplicate"}'), 1)
        self.assertEqual(delta("integrityd_intake_events_total", '{outcome="rejected"}'), 1)
        self.assertEqual(delta("integrityd_intake_rejected_total",
                               '{code="unsupported_version"}'), 1)
        self.assertEqual(delta("integrityd_intake_rejected_total", '{code="malformed"}'), 0)
        # the accepted event and the duplicate are each answered after a commit
        self.assertGreaterEqual(delta("integrityd_commits_total"), 2)
        self.assertEqual(delta("integrityd_ack_latency_seconds_count"), 2)
        self.assertEqual(delta("integrityd_batch_events_sum"), 2)
        for h in ("integrityd_ack_latency_seconds", "integrityd_batch_events"):
            self.assertHistogram(after, h)
        self.assertEqual(delta("integrityd_cases"), 1)
        self.assertEqual(delta("integrityd_connections_refused_total"), 0)
        # the notifier publishes after the commit, on its own thread: bounded wait for it
        # (the accepted declaration's notifications)
        deadline = time.monotonic() + 10
        while True:
            _, now = self.metrics()
            if now[("integrityd_notifications_published_total", "")] >= after[
                    ("integrityd_notifications", "")]:
                break
            self.assertLess(time.monotonic(), deadline,
                            "notifications published never reached the outbox's last seq")
            time.sleep(0.05)
        self.assertEqual(now[("integrityd_notifications_dropped_total", "")], 0)
        self.assertEqual(delta("integrityd_cases_open"), 1)
        self.assertGreaterEqual(delta("integrityd_journal_entries"), 1)
        self.assertGreater(after[("integrityd_store_used_bytes", "")], 0)
        self.assertGreaterEqual(after[("integrityd_store_map_bytes", "")],
                                after[("integrityd_store_used_bytes", "")])
        self.assertEqual(after[("integrityd_seal_enabled", "")], 0)
        self.assertIn(("integrityd_build_info", '{version="%s"}' % self.version()), after)
        # the deadline a declaration opens (manager_review), and by kind: every kind listed,
        # the counts adding up to the total
        self.assertGreaterEqual(after[("integrityd_deadlines_open", "")], 1)
        by = {labels: v for (n, labels), v in after.items()
              if n == "integrityd_deadlines_open_by_kind"}
        self.assertEqual(len(by), 34, by)  # 24 deadline kinds (retention aside) + GH's 4 + BI's 6
        self.assertEqual(sum(by.values()), after[("integrityd_deadlines_open", "")])
        self.assertGreaterEqual(by['{kind="manager_review",case_kind="NA"}'], 1)
        self.assertIn('{kind="reporter_update",case_kind="any"}', by)
        over = sum(v for (n, _), v in after.items()
                   if n == "integrityd_deadlines_overdue_by_kind")
        self.assertEqual(over, after[("integrityd_deadlines_overdue", "")])

    def assertHistogram(self, samples, name):
        """Cumulative buckets, ascending, the last +Inf and equal to _count."""
        buckets = sorted(((float(re.search(r'le="([^"]+)"', labels).group(1)), v)
                          for (n, labels), v in samples.items() if n == name + "_bucket"))
        self.assertGreater(len(buckets), 2, name)
        self.assertEqual(buckets[-1][0], float("inf"), name)
        counts = [v for _, v in buckets]
        self.assertEqual(counts, sorted(counts), name + ": buckets not cumulative")
        self.assertEqual(buckets[-1][1], samples[(name + "_count", "")], name)
        self.assertIn((name + "_sum", ""), samples)

    def version(self):
        p = self.ctl("--version")
        return p.stdout.split()[-1]

    def test_json_gives_the_same_exposition(self):
        p = self.ctl("--json", "metrics")
        self.assertEqual(p.returncode, 0, p.stderr)
        parse_exposition(json.loads(p.stdout)["exposition"])

    def unit_command(self):
        """The shell command of systemd/integrityd-metrics.service's ExecStart, as systemd
        hands it to /bin/sh ($$ is one $), with the built integrityctl."""
        unit = os.path.join(os.path.dirname(__file__), "..", "..", "systemd",
                            "integrityd-metrics.service")
        with open(unit) as f:
            line = next(l for l in f if l.startswith("ExecStart="))
        m = re.fullmatch(r"ExecStart=/bin/sh -c '(.*)'\n", line)
        self.assertIsNotNone(m, line)
        return m.group(1).replace("$$", "$").replace("/usr/bin/integrityctl", CLI)

    def test_the_timer_s_service_writes_the_file_whole_or_removes_it(self):
        out_dir = os.path.join(self.d.dir, "node-exporter")
        os.makedirs(out_dir, exist_ok=True)
        out = os.path.join(out_dir, "integrityd.prom")
        env = dict(os.environ, OUT=out, INTEGRITYD_CONFIG=self.d.config_path)
        p = subprocess.run(["/bin/sh", "-c", self.unit_command()], env=env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(os.listdir(out_dir), ["integrityd.prom"])  # no temporary left
        with open(out) as f:
            self.assertIn(("integrityd_cases", ""), parse_exposition(f.read()))
        # a daemon that does not answer: no stale file for node-exporter to serve
        dead = os.path.join(self.d.dir, "metrics-dead.conf")
        with open(dead, "w") as f:
            f.write("[control]\nendpoint = ipc://%s/nobody.sock\n" % self.d.dir)
        env["INTEGRITYD_CONFIG"] = dead
        p = subprocess.run(["/bin/sh", "-c",
                            self.unit_command().replace("--timeout 10000", "--timeout 300")],
                           env=env, capture_output=True, text=True, timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(os.listdir(out_dir), [])

    @unittest.skipUnless(shutil.which("promtool"), "promtool (Debian's prometheus) not installed")
    def test_promtool_finds_nothing_to_say(self):
        text, _ = self.metrics()
        p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual((p.stdout + p.stderr).strip(), "")


if __name__ == "__main__":
    unittest.main()
