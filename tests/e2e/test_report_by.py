"""report.summary `by` (REGISTERS.md "Management data"), over real sockets: counts by a
protected characteristic's value x state and x outcome, every count from 1 to
[reports] suppress_below - 1 shown as "suppressed", and enough further cells of its row and
column suppressed that none can be worked back from the totals (secondary suppression)."""

import csv
import html.parser
import io
import os
import re
import subprocess
import unittest

from harness import CLI, DaemonTestCase, declaration, new_subject_id, subject

MARK = "suppressed"  # proto/SPEC.md "report.summary": what a suppressed count is


def counts(obj):
    """Every integer in obj (nested maps and lists)."""
    if isinstance(obj, bool):
        return
    if isinstance(obj, int):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from counts(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from counts(v)


def with_sex(sex):
    sid = new_subject_id("RB")
    s = subject(sid)
    if sex is not None:
        s["characteristics"] = {"sex": sex, "age_band": "25_34"}
    return declaration(subject_id=sid, subject=s)


class ReportByTest(DaemonTestCase):
    def setUp(self):
        super().setUp()
        self.d = self.new_daemon("rb")
        # female 7, male 2, not_stated 6, not recorded 3: male and not_recorded are 1..4
        with self.d.intake() as c:
            for sex, n in (("female", 7), ("male", 2), ("not_stated", 6), (None, 3)):
                for _ in range(n):
                    self.assert_accepted(c, with_sex(sex))

    def assertProtected(self, table):
        """No line (row or column, the totals' too) has exactly one suppressed entry, and no
        shown count is from 1 to 4."""
        rows = list(table)
        cols = list(table[rows[0]])
        for r in rows:
            self.assertEqual(list(table[r]), cols, r)
            hidden = [c for c in cols if table[r][c] == MARK]
            self.assertNotEqual(len(hidden), 1, (r, table[r]))
        for c in cols:
            hidden = [r for r in rows if table[r][c] == MARK]
            self.assertNotEqual(len(hidden), 1, (c, {r: table[r][c] for r in rows}))
        for r in rows:
            for c in cols:
                v = table[r][c]
                self.assertTrue(v == MARK or (isinstance(v, int) and not 1 <= v <= 4),
                                (r, c, v))

    def test_by_sex_suppresses_small_counts_and_their_complements(self):
        for args in ({}, {"kind": "NA"}):
            s = self.d.result("report.summary", by="sex", **args)
            by = s["by"]
            self.assertEqual(by["field"], "sex")
            st = by["state"]
            self.assertEqual(list(st), ["female", "male", "not_stated", "not_recorded", "total"])
            self.assertProtected(st)
            # which state the declarations are in: the column holding female's 7
            col = [c for c, v in st["female"].items() if v == 7 and c != "total"]
            self.assertEqual(len(col), 1, st["female"])
            self.assertEqual(st["female"]["total"], 7)
            self.assertEqual(st["male"][col[0]], MARK)
            self.assertEqual(st["not_recorded"][col[0]], MARK)
            self.assertEqual(st["total"]["total"], 18)
            for name, table in by["outcome"].items():
                self.assertProtected(table)
            # no count from 1 to 4 anywhere in the by part of the reply
            self.assertEqual([n for n in counts(by) if 1 <= n <= 4], [], by)

    def test_by_age_band_one_value_shows_totals(self):
        by = self.d.result("report.summary", by="age_band")["by"]
        self.assertProtected(by["state"])
        # 15 cases record 25_34, 3 do not: the 3 is suppressed, and so is the 15, else the
        # grand total 18 would give the 3 away
        self.assertEqual(by["state"]["not_recorded"]["total"], MARK)
        self.assertEqual(by["state"]["25_34"]["total"], MARK)
        self.assertEqual(by["state"]["total"]["total"], 18)

    def test_by_must_be_a_characteristic(self):
        for bad in ("gender", "name", ""):
            r = self.d.control("report.summary", by=bad)
            self.assertIsNot(r.get("ok"), True, r)
            self.assertEqual(r["error"]["code"], "invalid_field", r)
            self.assertIn("by", r["error"]["message"], r)
        r = self.d.control("report.summary", by=1)
        self.assertEqual(r["error"]["code"], "invalid_field", r)

    def ctl(self, *args):
        p = subprocess.run([CLI, "-c", self.d.config_path, "--timeout", "5000"] + list(args),
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, (p.stdout, p.stderr))
        return p.stdout

    def test_integrityctl_report_tables(self):
        out = self.ctl("report", "--by", "sex")
        self.assertRegex(out, r"(?m)^cases 18 ")
        self.assertIn("Deadlines by kind\n", out)
        self.assertRegex(out, r"(?m)^  \s+open\s+due\s+met on time\s+late\s+share$")
        self.assertIn("Cases by state and kind\n", out)
        self.assertRegex(out, r"(?m)^  \s+NA\s+CR\s+WR\s+GH\s+BI\s+total$")
        self.assertIn("Cases by state and sex (small counts suppressed)", out)
        self.assertRegex(out, r"(?m)^  \s+female\s+male\s+not_stated\s+not_recorded\s+total$")
        by = out[out.index("Cases by state and sex"):]
        self.assertIn("suppressed", by.split("\n", 1)[1])
        for tok in by.split():
            self.assertFalse(tok.isdigit() and 1 <= int(tok) <= 4, by)
        # --csv: the same tables as CSV blocks, the title as each header's first field
        blocks = self.ctl("report", "--by", "sex", "--csv").strip().split("\n\n")
        tables = {}
        for b in blocks[1:]:
            rows = list(csv.reader(io.StringIO(b)))
            tables[rows[0][0]] = rows
        self.assertEqual(tables["Deadlines by kind"][0][1:],
                         ["open", "due", "met on time", "late", "share"])
        st = tables["Cases by state and sex (small counts suppressed)"]
        self.assertEqual(st[0][1:], ["female", "male", "not_stated", "not_recorded", "total"])
        self.assertEqual(st[-1][0], "total")
        self.assertEqual(st[-1][-1], "18")
        for row in st[1:]:
            for v in row[1:]:
                self.assertTrue(v == MARK or not 1 <= int(v) <= 4, st)

    def test_cases_kind_filter(self):
        # case.list `kind` and integrityctl cases --kind: every case is NA here
        self.assertEqual(len(self.d.result("case.list", kind="NA", limit=100)["cases"]), 18)
        self.assertEqual(self.d.result("case.list", kind="CR", limit=100)["cases"], [])
        r = self.d.control("case.list", kind="XX")
        self.assertEqual(r["error"]["code"], "invalid_field", r)
        self.assertEqual(len(self.ctl("cases", "--kind", "NA", "--all").strip().splitlines()),
                         len(self.ctl("cases", "--all").strip().splitlines()))
        self.assertNotIn("NA-", self.ctl("cases", "--kind", "GH", "--all"))

    def test_integrityctl_report_html(self):
        path = os.path.join(self.d.dir, "report.html")
        self.assertEqual(self.ctl("report", "--by", "sex", "--html", path), "")
        with open(path, encoding="utf-8") as f:
            page = f.read()
        p = Page()
        p.feed(page)
        p.close()
        self.assertEqual(p.stack, [], "unclosed elements")
        self.assertEqual(p.errors, [])
        # one table and one chart per table, nothing fetched from outside
        # deadlines, state by kind, outcomes, state by sex, and one per outcome by sex
        outcomes = self.d.result("report.summary", by="sex")["by"]["outcome"]
        self.assertEqual(p.count["table"], 4 + len(outcomes))
        self.assertEqual(p.charts, p.count["table"])
        self.assertEqual(p.count["section"], p.count["table"])
        self.assertGreater(p.bars, 0)
        self.assertEqual(p.outside, [])
        self.assertIn("<style>", page)
        # the same tables as --csv: the by-sex table marks its suppressed cells
        self.assertIn('<td class="supp">suppressed</td>', page)
        text = re.sub(r"<[^>]*>", " ", page[page.index("Cases by state and sex"):])
        for tok in text.split():
            self.assertFalse(tok.isdigit() and 1 <= int(tok) <= 4, tok)


VOID = {"meta", "link", "br", "img", "input", "hr", "rect"}


class Page(html.parser.HTMLParser):
    """Checks that every element closes in order, counts elements, finds outside URLs."""

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.outside = [], [], []
        self.count = {}
        self.charts = self.bars = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.count[tag] = self.count.get(tag, 0) + 1
        if tag == "svg" and a.get("class") == "chart":
            self.charts += 1
        if tag == "rect" and a.get("class") == "bar":
            self.bars += 1
        for k in ("src", "href"):
            if k in a:
                self.outside.append(a[k])
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("</%s> closes %r" % (tag, self.stack[-1:]))
        else:
            self.stack.pop()


if __name__ == "__main__":
    unittest.main()
