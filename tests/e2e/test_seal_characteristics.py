"""Raw-file greps find no characteristic value on a sealed store (issue 13, "Suppression":
"Raw-file greps find no characteristic value ... on a sealed store"). The values are fixed
lists (proto/characteristics.c), so the test picks the ones that are words no other text of a
store holds (`jewish`, `bisexual`, ...), declares cases carrying them (at intake and by
subject.updated), and greps every file under the state directory (LMDB's data file, whose
journal database holds the events, and any other file the daemon keeps there), a compacted
backup and the daemon's log. The same events on an unsealed store are found by the same
grep, so the check could fail; and report.summary still counts the sealed values by name."""

import os
import subprocess

from harness import CLI, DaemonTestCase, declaration, event, new_id, new_subject_id, subject

# values of the fixed lists that no key, state, topic or other value contains
WORDS = ("jewish", "bisexual", "buddhist", "gay_lesbian", "heterosexual", "muslim")
PEOPLE = (  # (religion, sexual_orientation) at intake; then religion by subject.updated
    ("jewish", "bisexual", "buddhist"),
    ("jewish", "heterosexual", "jewish"),
    ("muslim", "gay_lesbian", "muslim"),
)
COPIES = 5  # of each: report.summary suppresses smaller counts


def files_under(path):
    for root, _, names in os.walk(path):
        for n in names:
            yield os.path.join(root, n)


class SealedCharacteristics(DaemonTestCase):

    def seal_key(self, d):
        p = subprocess.run([CLI, "keygen", "--seal"], capture_output=True, text=True,
                           timeout=10)
        self.assertEqual(p.returncode, 0, p.stderr)
        path = os.path.join(d.dir, "seal.key")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, (p.stdout.strip() + "\n").encode())
        os.close(fd)
        return path

    def fill(self, d):
        """The cases; returns the report.summary by religion the daemon then gives."""
        with d.intake_req() as c:
            for rel, orient, later in PEOPLE:
                for _ in range(COPIES):
                    sid = new_subject_id("SC")
                    s = subject(sid)
                    s["characteristics"] = {"religion": rel, "sexual_orientation": orient,
                                            "age_band": "35_44"}
                    ref = self.assert_accepted(c, declaration(subject_id=sid, subject=s))["case"]
                    upd = event("subject.updated", ref, subject_id=sid, role="psd",
                                actor_id="PSD-0101", id=new_id("upd"),
                                body={"subject": {"characteristics": {
                                    "religion": later, "sexual_orientation": orient}}})
                    self.assert_accepted(c, upd, ref)
        return d.result("report.summary", by="religion")["by"]["state"]

    def grep(self, d):
        """{file: [words found]} over the state directory, a backup and the log."""
        backup = os.path.join(d.dir, "backup")
        d.result("backup", path=backup)
        d.stop()
        found = {}
        for path in list(files_under(d.state_dir)) + list(files_under(backup)) + [d.log_path]:
            with open(path, "rb") as f:
                data = f.read()
            hits = [w for w in WORDS if w.encode() in data]
            if hits:
                found[os.path.relpath(path, d.dir)] = hits
        return found

    def test_no_characteristic_value_in_the_raw_files_of_a_sealed_store(self):
        d = self.new_daemon("sealch", start=False)
        d.sections["security"] = {"seal_key": self.seal_key(d)}
        d.start()
        by = self.fill(d)
        # the daemon reads them: counted by name (after subject.updated replaced them)
        self.assertEqual(by["buddhist"]["total"], COPIES, by)
        self.assertEqual(by["jewish"]["total"], COPIES, by)
        self.assertEqual(by["muslim"]["total"], COPIES, by)
        self.assertEqual(self.grep(d), {})

    def test_the_same_grep_finds_them_on_an_unsealed_store(self):
        d = self.new_daemon("plainch")
        self.fill(d)
        found = self.grep(d)
        data = [w for f, ws in found.items() if f.endswith("data.mdb") for w in ws]
        self.assertEqual(sorted(set(data)), sorted(WORDS), found)


if __name__ == "__main__":
    import unittest
    unittest.main()
