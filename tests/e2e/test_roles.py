"""Clients and roles over ipc (issue 4, PROTOCOL.md "Security settings"): a clients file
names this process's own uid with one role per daemon run, and the daemon holds it to that
role: an intake client sends only its listed types and uses no control command; an operator
reads but may not back up or reload; an admin may. Each refusal is `forbidden` naming the
client and its role, and is logged with the client's name. The CURVE/tcp variants are in the
transport tests; the helpers (Daemon.set_clients, ipc_client, assertForbidden) are the
harness's."""

import os
import unittest

from harness import DaemonTestCase, anonymous_referral, declaration, ipc_client, referral

ME = "me-by-uid"  # this process's section in the clients file

# Every control command with arguments it would accept, and the right it needs.
READS = [("status", {}), ("case.get", {"case": "NA-1999-000001"}), ("case.list", {}),
         ("deadlines.list", {}), ("notifications.since", {"seq": 0}),
         ("report.summary", {}), ("audit.verify", {}),
         ("audit.reads", {"case": "NA-1999-000001"})]
ADMIN = [("backup", {"path": "/nonexistent-dir-for-the-roles-test/b"}), ("reload", {}), ("reseal", {})]


class Roles(DaemonTestCase):

    def setUp(self):
        super().setUp()
        # cases to read, sent before there is a clients file (everyone may do everything)
        self.d = self.new_daemon("roles")
        with self.d.intake_req() as c:
            self.decl = declaration()
            self.ref = self.assertAccepted(c.request(self.decl))["case"]

    def as_role(self, role, types=None):
        self.d.set_clients({ME: ipc_client(role, types)})
        self.assertEqual(self.d.restart(), 0, self.d.log_tail())

    def assertLogged(self, *needles):
        log = self.d.log()
        for n in needles:
            self.assertIn(n, log, self.d.log_tail())

    def anonymous_report(self):
        """An anonymous referral's reference and token, sent before the clients file."""
        with self.d.intake_req() as c:
            r = self.assertAccepted(c.request(anonymous_referral()))
        self.assertIn("token", r)
        return r["case"], r["token"]

    def test_report_thread_by_token_for_the_form_service_by_case_for_operators(self):
        """REGISTERS.md: report.thread is the form service's by token (an intake client
        whose types include report.followed_up) and operators' by case."""
        ref, token = self.anonymous_report()
        self.as_role("intake", ["referral.submitted", "report.followed_up"])
        got = self.d.result("report.thread", token=token)
        self.assertEqual((got["case"], got["messages"]), (ref, []), got)
        self.assertForbidden(self.d.control("report.thread", case=ref), "args.case")
        self.assertNotIn(token, self.d.log())
        # an intake client that may not send report.followed_up may not read a thread
        self.as_role("intake", ["referral.submitted"])
        self.assertForbidden(self.d.control("report.thread", token=token),
                             "client %s (intake) may not use report.thread" % ME)
        # an operator reads it by case, not by token
        self.as_role("operator")
        self.assertEqual(self.d.result("report.thread", case=ref)["case"], ref)
        self.assertForbidden(self.d.control("report.thread", token=token), "args.token")
        rows = self.d.reads(ref)
        self.assertIn((ME, "report.thread"), [(r["client"], r["cmd"]) for r in rows], rows)
        self.assertNotIn(token, repr(rows))

    def test_intake_client_may_use_no_control_command(self):
        self.as_role("intake", ["declaration.submitted"])
        for cmd, args in READS + ADMIN:
            self.assertForbidden(self.d.control(cmd, **args),
                                 "client %s (intake) may not use %s" % (ME, cmd))
        self.assertLogged("forbidden", ME)

    def test_intake_client_sends_only_its_types_and_forbidden_comes_before_duplicate(self):
        self.as_role("intake", ["declaration.submitted"])
        with self.d.intake_req() as c:
            ok = self.assertAccepted(c.request(declaration()))
            self.assertForbidden(c.request(referral()),
                                 "client %s (intake) may not send referral.submitted" % ME)
            # a resend of an accepted id, as a type this client may not send: forbidden,
            # not conflict (PROTOCOL.md's order: forbidden for the client, then duplicate)
            again = referral(id=self.decl["id"])
            self.assertForbidden(c.request(again), "referral.submitted")
            # the same bytes again are still a duplicate
            dup = c.request(self.decl)
            self.assertEqual((dup["status"], dup["case"]), ("duplicate", self.ref), dup)
        self.assertNotEqual(ok["case"], self.ref)
        self.assertLogged("from client %s" % ME)

    def test_operator_reads_but_may_not_backup_reload_or_send(self):
        self.as_role("operator")
        self.assertEqual(self.d.case(self.ref)["case"], self.ref)
        self.d.result("case.list")
        rows = self.d.reads(self.ref)
        self.assertEqual([(r["client"], r["cmd"]) for r in rows][-2:],
                         [(ME, "case.get"), (ME, "case.list")], rows)
        for cmd, args in ADMIN:
            self.assertForbidden(self.d.control(cmd, **args),
                                 "client %s (operator) may not use %s" % (ME, cmd))
        with self.d.intake_req() as c:
            self.assertForbidden(c.request(declaration()),
                                 "client %s (operator) may not send declaration.submitted" % ME)
        self.assertLogged("forbidden", ME)

    def test_admin_backs_up_and_reloads(self):
        self.as_role("admin")
        path = os.path.join(self.d.dir, "backup")
        res = self.d.result("backup", path=path)
        self.assertEqual(res["path"], path)
        self.assertTrue(os.path.isfile(os.path.join(path, "data.mdb")))
        self.assertEqual(self.d.result("reload"), {"reloaded": True})
        self.assertLogged("reload by client %s" % ME)
        self.assertEqual(self.d.case(self.ref)["case"], self.ref)
        # reseal is an admin's too: not forbidden, but with no seal_key unavailable (SPEC)
        r = self.d.control("reseal")
        self.assertEqual((r.get("error") or {}).get("code"), "unavailable", r)
        self.assertIn("seal_key", r["error"]["message"], r)
        # a reload of a broken config changes nothing and says why
        with open(self.d.config_path, "a") as f:
            f.write("[deadlines]\nmanager_review = soon\n")
        r = self.d.control("reload")
        self.assertEqual(r["error"]["code"], "unavailable", r)
        self.assertIn("manager_review", r["error"]["message"])
        self.d.write_config()  # the good file again, for the stop


class ReloadWithoutClientsFile(DaemonTestCase):
    """With no clients file everyone has every role: `reload` does what SIGHUP does."""

    def test_reload_answers_reloaded_and_a_broken_config_is_unavailable(self):
        d = self.new_daemon()
        self.assertEqual(d.result("reload"), {"reloaded": True})
        d.wait_until("the reload logged", lambda: "reload by client" in d.log())
        with open(d.config_path, "a") as f:
            f.write("[deadlines]\nmanager_review = soon\n")
        r = d.control("reload")
        self.assertEqual(r["error"]["code"], "unavailable", r)
        self.assertIn("manager_review", r["error"]["message"])
        self.assertIn("unchanged", r["error"]["message"])
        d.write_config()  # the good file again
        self.assertEqual(d.result("reload"), {"reloaded": True})
        # a setting a reload cannot apply is named, not dropped in silence
        d.settings["clock_skew"] = "60s"
        d.write_config()
        self.assertEqual(d.result("reload"), {"reloaded": True})
        d.wait_log("[intake] clock_skew changed; not applied: that needs a restart")


if __name__ == "__main__":
    unittest.main()
