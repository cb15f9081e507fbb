"""The HTML report in a browser (issue 13: "The HTML report opened in headless Chromium
(Debian's `chromium` package)"): `integrityctl report --by sex --html FILE` on a daemon holding
cases of several kinds (NA, CR, WR, GH) is opened by headless Chromium, which loads it with no
console message, renders one inline SVG chart per table (counted in the DOM it dumps, against
the tables report.summary gives) and takes a screenshot that shows the bars. A page with a
console error is caught by the same check (it could fail).

Chromium is installed by `make test` (the Makefile's TEST_DEBS); where it is not, the test
says so and ctest reports it skipped (tests/e2e/CMakeLists.txt), never a silent pass.
KEEP_REPORT_SCREENSHOT=PATH copies the screenshot there (README's is
tests/e2e/report-screenshot.png)."""

import os
import re
import shutil
import struct
import subprocess
import sys
import unittest
import zlib

from harness import CLI, DaemonTestCase, new_subject_id
from test_registers import corruption_report, wrongdoing_report
from test_report_by import with_sex
from test_subject_export import gift

CHROMIUM = shutil.which("chromium")
NO_CHROMIUM = ("chromium is not installed: Debian's chromium package opens the HTML report "
               "(`make test` installs it, Makefile TEST_DEBS)")
WINDOW = (1000, 2600)            # the screenshot's size: the whole report at this width
BAR_RGB = (0x2A, 0x6E, 0xBB)     # cli/report.c: svg.chart rect.bar{fill:#2a6ebb}
CONSOLE_RE = re.compile(r":CONSOLE[:(]")  # --enable-logging=stderr: a page's console line
BROWSER_S = 30


def png_pixels(path):
    """(width, height, rows of RGB tuples) of an 8-bit, non-interlaced RGB or RGBA PNG (what
    Chromium writes), from the format alone (no imaging library in the test's packages)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, color, _, _, interlace = hdr
    assert depth == 8 and color in (2, 6) and interlace == 0, hdr
    bpp = 3 if color == 2 else 4
    raw, stride, prev, rows = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
    for y in range(h):
        ft, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 0xFF
            elif ft == 2:
                line[i] = (line[i] + b) & 0xFF
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(w)])
        prev = line
    return w, h, rows


class ReportHtmlInChromium(DaemonTestCase):

    @classmethod
    def setUpClass(cls):
        if CHROMIUM is None:
            sys.stderr.write("SKIP: %s\n" % NO_CHROMIUM)
            raise unittest.SkipTest(NO_CHROMIUM)

    def setUp(self):
        super().setUp()
        self.d = self.new_daemon("rhtml")
        with self.d.intake_req() as c:
            for sex, n in (("female", 6), ("male", 5), ("not_stated", 2)):
                for _ in range(n):
                    self.assert_accepted(c, with_sex(sex))
            for _ in range(5):
                self.assert_accepted(c, corruption_report())
                self.assert_accepted(c, wrongdoing_report())
            for _ in range(5):
                self.assert_accepted(c, gift(new_subject_id("GHS")))

    def browse(self, page, *args):
        """Runs headless Chromium on page with args; returns (stdout, the console lines)."""
        profile = os.path.join(self.d.dir, "chromium-profile")
        p = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                            "--no-first-run", "--user-data-dir=" + profile,
                            "--enable-logging=stderr", "--v=0", "--hide-scrollbars",
                            "--window-size=%d,%d" % WINDOW] + list(args) +
                           ["file://" + os.path.abspath(page)],
                           capture_output=True, text=True, timeout=BROWSER_S)
        self.assertEqual(p.returncode, 0, p.stderr[-4000:])
        return p.stdout, [ln for ln in p.stderr.splitlines() if CONSOLE_RE.search(ln)]

    def test_report_loads_without_console_errors_and_draws_one_chart_per_table(self):
        # the check can fail: a page that logs an error is caught
        bad = os.path.join(self.d.dir, "bad.html")
        with open(bad, "w") as f:
            f.write("<!DOCTYPE html><html><body><script>console.error('broken page')"
                    "</script></body></html>")
        _, console = self.browse(bad, "--dump-dom")
        self.assertTrue(any("broken page" in ln for ln in console), console)

        path = os.path.join(self.d.dir, "report.html")
        p = subprocess.run([CLI, "-c", self.d.config_path, "--timeout", "10000", "report",
                            "--by", "sex", "--html", path], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual((p.returncode, p.stdout), (0, ""), p.stderr)
        dom, console = self.browse(path, "--dump-dom")
        self.assertEqual(console, [])
        self.assertIn("<h1>Integrity management data</h1>", dom)
        # the kinds of the store reached the page
        for kind in ("NA", "CR", "WR", "GH"):
            self.assertIn("<th>%s</th>" % kind, dom)
        # one chart per table: deadlines, state by kind, outcomes, state by sex, and one per
        # outcome by sex (report.summary's own count, not the page's)
        outcomes = self.d.result("report.summary", by="sex")["by"]["outcome"]
        tables = 4 + len(outcomes)
        self.assertEqual(len(re.findall(r"<table[ >]", dom)), tables)
        charts = re.findall(r'<svg class="chart"[^>]*>(.*?)</svg>', dom, re.S)
        self.assertEqual(len(charts), tables, dom)
        self.assertTrue(all("<text" in c for c in charts), charts)
        self.assertGreater(sum(c.count('<rect class="bar"') for c in charts), tables)
        # self-contained: nothing the browser would fetch
        self.assertEqual(re.findall(r'\s(?:src|href)=|url\(|@import', dom), [])

        shot = os.path.join(self.d.dir, "report.png")
        _, console = self.browse(path, "--screenshot=" + shot)
        self.assertEqual(console, [])
        w, h, rows = png_pixels(shot)
        self.assertEqual((w, h), WINDOW)
        bar = sum(1 for row in rows for px in row
                  if all(abs(px[i] - BAR_RGB[i]) <= 8 for i in range(3)))
        # the bars are drawn: many hundreds of pixels of their colour
        self.assertGreater(bar, 2000, "bar-coloured pixels in the screenshot")
        keep = os.environ.get("KEEP_REPORT_SCREENSHOT")
        if keep:
            shutil.copyfile(shot, keep)


if __name__ == "__main__":
    unittest.main()
