"""subject.export and `integrityctl subject export` (issue 12 part 3, proto/SPEC.md "subject.export"):
a subject with an NA declaration, a CR reported anonymously about them and a GH gift. The
export holds the subject's own data from all three (history, deadlines, conditions); neither
its text nor its JSON holds the anonymous reporter's token or anything saying who reported or
how (origin, reporter, anonymous), nor the associate's or the donor's name, which are withheld
and say so; audit.reads shows the export with its reason. An operator is forbidden; no reason
is missing_field naming reason."""

import json
import subprocess
import unittest

from harness import (CLI, DaemonTestCase, declaration, ipc_client, new_id, new_subject_id,
                     now_ms, IPC_CLIENT_NAME)

REASON = "DPA 2018 Part 3 request ref SAR-77"
DONOR = "Jo Donorname"
ASSOCIATE = "Sam Associatename"


def cr_anonymous(sid):
    return {"v": 1, "id": new_id("cr-anon"), "type": "corruption.reported", "at": now_ms(),
            "body": {"subject": {"id": sid}, "allegation": ["inappropriate_association"],
                     "circumstances": "Seen passing custody records to a dealer.",
                     "anonymous": True}}


def gift(sid):
    return {"v": 1, "id": new_id("gift"), "type": "gift.declared", "at": now_ms(),
            "actor": {"id": sid, "role": "subject"},
            "body": {"subject": {"id": sid, "line_manager": "LM1"}, "offer": "hospitality",
                     "donor": {"name": DONOR, "organisation": "Acme Supplies Ltd",
                               "org_id": "01234567"},
                     "value_pence": 4000,
                     "offered_on": __import__("time").strftime("%Y-%m-%d",
                                                               __import__("time").gmtime()),
                     "decision": "accepted", "description": "dinner at a conference"}}


class SubjectExport(DaemonTestCase):

    def setUp(self):
        super().setUp()
        self.d = self.new_daemon("subjexp")
        self.sid = new_subject_id("SX")
        decl = declaration(subject_id=self.sid)
        decl["body"]["associate"]["name"] = ASSOCIATE
        with self.d.intake_req() as c:
            self.na = self.assert_accepted(c, decl)["case"]
            r = self.assert_accepted(c, cr_anonymous(self.sid))
            self.cr, self.token = r["case"], r.get("token")
            self.assertTrue(self.token, r)  # an anonymous CR's follow-up token
            # the reporter's channel: a follow-up by token (it must not show in the export)
            self.assert_accepted(c, {"v": 1, "id": new_id("fu"), "type": "report.followed_up",
                                     "at": now_ms(), "body": {"token": self.token,
                                                              "text": "More detail here."}})
            self.gh = self.assert_accepted(c, gift(self.sid))["case"]
            # another subject's case must not appear
            self.other = self.assert_accepted(c, declaration())["case"]

    def ctl(self, *args):
        return subprocess.run([CLI, "-c", self.d.config_path, "--timeout", "10000"] + list(args),
                              capture_output=True, text=True, timeout=60)

    def assertClean(self, text):
        for bad in [ASSOCIATE, DONOR, "anonymous", "reporter", "origin", "More detail"] + (
                [self.token, self.token.replace("-", "")] if self.token else []):
            self.assertNotIn(bad, text)

    def test_export_holds_own_data_withholds_the_rest_and_is_journaled(self):
        res = self.d.result("subject.export", subject=self.sid, reason=REASON)
        refs = [c["case"] for c in res["cases"]]
        self.assertEqual(sorted(refs), sorted([self.na, self.cr, self.gh]), res)
        for c in res["cases"]:
            self.assertEqual(c["subject"]["id"], self.sid, c)
            self.assertTrue(c["history"], c)
            self.assertIn("deadlines", c)
            self.assertIn("conditions", c)
            self.assertNotIn("origin", c)
            self.assertFalse([h for h in c["history"] if h["type"].startswith("report.")], c)
        by = {c["case"]: c for c in res["cases"]}
        self.assertEqual(by[self.na]["associate"], {"withheld": "third party"})
        self.assertEqual(by[self.gh]["donor"], {"withheld": "third party"})
        self.assertClean(json.dumps(res))

        p = self.ctl("--json", "subject", "export", self.sid, "--reason", REASON)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(sorted(c["case"] for c in json.loads(p.stdout)["cases"]),
                         sorted(refs))
        self.assertClean(p.stdout)
        p = self.ctl("subject", "export", self.sid, "--reason", REASON)
        self.assertEqual(p.returncode, 0, p.stderr)
        for ref in refs:
            self.assertIn("== case %s" % ref, p.stdout)
        self.assertIn("third party", p.stdout)
        self.assertClean(p.stdout)

        for ref in refs:
            reads = [r for r in self.d.reads(ref) if r["cmd"] == "subject.export"]
            self.assertEqual(len(reads), 3, reads)  # the result, the CLI's --json, its text
            self.assertEqual(reads[0]["client"], IPC_CLIENT_NAME, reads)  # no clients file
            self.assertEqual(reads[0].get("reason"), REASON, reads)
        self.assertFalse([r for r in self.d.reads(self.other) if r["cmd"] == "subject.export"])

    def test_missing_reason_and_non_admin(self):
        r = self.d.control("subject.export", subject=self.sid)
        self.assertEqual(r["error"]["code"], "missing_field", r)
        self.assertIn("reason", r["error"]["message"], r)
        r = self.d.control("subject.export", reason=REASON)
        self.assertEqual(r["error"]["code"], "missing_field", r)
        self.assertIn("subject", r["error"]["message"], r)
        p = self.ctl("subject", "export", self.sid)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("reason", p.stderr)
        self.d.set_clients({"me-by-uid": ipc_client("operator")})
        self.assertEqual(self.d.restart(), 0, self.d.log_tail())
        r = self.d.control("subject.export", subject=self.sid, reason=REASON)
        self.assertEqual(r["error"]["code"], "forbidden", r)


if __name__ == "__main__":
    unittest.main()
