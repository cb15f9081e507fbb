"""The JSON Schemas of the event types (issue 11, item 5) agree with the codec.

The schemas are generated from the codec's tables by the build (proto/genschema.c, into
BUILD/schema/TYPE.json). Checked with Debian's python3-jsonschema (2020-12, formats
asserted): every sample event and every body the tests send (the harness's builders, one
per type) is valid, and the codec accepts it; every mutation of them (a field removed, given
the wrong type or an empty or too long value, an unknown key added, the envelope broken) is
refused by the schema exactly when the codec refuses it; and every row of the bad-input
table that JSON can write is refused by both. The codec's verdict comes from
proto-verdict (the intake decoder on the same document).

usage: test_schema.py SCHEMA_DIR PROTO_VERDICT SOURCE_DIR"""
import copy
import json
import os
import subprocess
import sys
import unittest

SCHEMA_DIR, VERDICT, SRC = sys.argv[1:4]
del sys.argv[1:4]
sys.path.insert(0, os.path.join(SRC, "tests", "e2e"))

import jsonschema  # noqa: E402
from harness import EVENTS, anonymous_referral, declaration, event, referral  # noqa: E402
import test_badinput  # noqa: E402

CASE = "NA-2026-000001"
# what JSON cannot say: the codec's alone (the clock skew, sizes, MessagePack shapes)
SCHEMA_CODES = {"invalid_field", "missing_field", "unknown_type", "unsupported_version"}
# bad-input rows about `at` lying too far in the future: the daemon's clock decides
CLOCK_ROWS = {"at one hour in the future"}


def load_schemas():
    out = {}
    for name in sorted(os.listdir(SCHEMA_DIR)):
        if name.endswith(".json"):
            with open(os.path.join(SCHEMA_DIR, name)) as f:
                s = json.load(f)
            jsonschema.Draft202012Validator.check_schema(s)
            out[name[:-len(".json")]] = jsonschema.Draft202012Validator(
                s, format_checker=jsonschema.FormatChecker())
    return out


SCHEMAS = load_schemas()


def schema_ok(doc):
    t = doc.get("type") if isinstance(doc, dict) else None
    v = SCHEMAS.get(t) if isinstance(t, str) else None
    return v is not None and v.is_valid(doc)


def codec_verdicts(docs):
    p = subprocess.run([VERDICT], input="".join(json.dumps(d) + "\n" for d in docs),
                       capture_output=True, text=True, check=True, timeout=120)
    out = p.stdout.splitlines()
    assert len(out) == len(docs), (len(out), len(docs))
    return out


# REGISTERS.md's types (corruption and wrongdoing reports, the reporter's channel): one valid
# request each, as the e2e tests send them (tests/e2e/test_registers.py, test_channel.py)
GRADING = {"source": "untested", "information": "B", "handling": "P"}
REG_EVENTS = {
    "corruption.reported": ({"id": "R1", "role": "reporter"}, None,
                            {"subject": {"id": "S-100"}, "allegation": ["drugs"],
                             "circumstances": "c", "occurred_on": "2026-11-30"}),
    "consultation.recorded": ({"id": "P1", "role": "psd"}, "CR-2026-000001",
                              {"response": "agreed"}),
    "development.reviewed": ({"id": "P1", "role": "psd"}, "CR-2026-000001",
                             {"outcome": "continue", "grading": GRADING}),
    "iopc.referred": ({"id": "AA1", "role": "aa"}, "CR-2026-000001", {"reference": "IOPC/1"}),
    "investigation.concluded": ({"id": "AA1", "role": "aa"}, "CR-2026-000001",
                                {"outcome": "misconduct", "reasons": "r"}),
    "wrongdoing.reported": (None, None, {"standards": ["honesty_integrity"],
                                         "circumstances": "c", "anonymous": True}),
    "action.completed": ({"id": "LM1", "role": "line_manager"}, "WR-2026-000001",
                         {"notes": "n"}),
    "bad_faith.found": ({"id": "P1", "role": "psd"}, "WR-2026-000001", {"reasons": "r"}),
    "report.followed_up": (None, None, {"token": "K7QF-9XJ2-0000-0000-0000-0000-4M",
                                        "text": "t"}),
    "psd.replied": ({"id": "P1", "role": "psd"}, "WR-2026-000001", {"text": "t"}),
    # gifts and hospitality (tests/e2e/test_registers_gh.py)
    "gift.declared": ({"id": "S-100", "role": "subject"}, None,
                      {"subject": {"id": "S-100", "line_manager": "LM1"}, "offer": "hospitality",
                       "donor": {"name": "A Person", "organisation": "Acme Ltd",
                                 "org_id": "01234567"},
                       "value_pence": 4000, "offered_on": "2026-11-30", "decision": "accepted",
                       "description": "dinner"}),
    "gift.approved": ({"id": "LM1", "role": "line_manager"}, "GH-2026-000001", {"notes": "n"}),
    "gift.refused": ({"id": "LM1", "role": "line_manager"}, "GH-2026-000001", {"reasons": "r"}),
    "gift.returned": ({"id": "S-100", "role": "subject"}, "GH-2026-000001", {"how": "donated"}),
    "gift.reviewed": ({"id": "P1", "role": "psd"}, "GH-2026-000001",
                      {"outcome": "no_concern", "notes": "n"}),
    # business interests (tests/e2e/test_bi.py)
    "business_interest.applied": ({"id": "S-100", "role": "subject"}, None,
                                  {"subject": {"id": "S-100", "line_manager": "LM1"},
                                   "interest": {"kind": "second_job",
                                                "organisation": {"name": "Acme Ltd",
                                                                 "org_id": "01234567"},
                                                "role": "driver", "hours_per_week": 8,
                                                "paid": True, "starts_on": "2026-12-01"}}),
    "hr.assessed": ({"id": "HR1", "role": "hr"}, "BI-2026-000001",
                    {"recommendation": "approve_with_conditions", "notes": "n"}),
    "psd.checked": ({"id": "P1", "role": "psd"}, "BI-2026-000001", {"outcome": "no_concern"}),
    "business_interest.decided": ({"id": "AA1", "role": "aa"}, "BI-2026-000001",
                                  {"decision": "approved_with_conditions", "reasons": "r",
                                   "conditions": [{"code": "other", "text": "8h a week"}]}),
    "business_interest.appealed": ({"id": "S-100", "role": "subject"}, "BI-2026-000001",
                                   {"grounds": "g"}),
    "business_interest.appeal_decided": ({"id": "H1", "role": "head_of_psd"}, "BI-2026-000001",
                                         {"outcome": "upheld", "reasons": "r"}),
    "business_interest.reviewed": ({"id": "HR1", "role": "hr"}, "BI-2026-000001",
                                   {"outcome": "continue"}),
    "business_interest.ended": ({"id": "S-100", "role": "subject"}, "BI-2026-000001",
                                {"ended_on": "2027-12-01"}),
}


def register_events():
    evs = []
    for i, (t, (actor, case, body)) in enumerate(sorted(REG_EVENTS.items())):
        ev = {"v": 1, "id": "reg-%d" % i, "type": t, "at": 1767225600000, "body": body}
        if actor:
            ev["actor"] = actor
        if case:
            ev["case"] = case
        evs.append(ev)
    # CR's own assessment, through the union the codec checks
    evs.append({"v": 1, "id": "reg-cr-assessed", "type": "assessment.recorded",
                "at": 1767225600000, "actor": {"id": "P1", "role": "psd"},
                "case": "CR-2026-000001",
                "body": {"grading": GRADING, "outcome": "investigation",
                         "mandatory_referral": True}})
    # a named reporter's follow-up, by case and actor
    evs.append({"v": 1, "id": "reg-named-follow-up", "type": "report.followed_up",
                "at": 1767225600000, "actor": {"id": "R1", "role": "reporter"},
                "case": "CR-2026-000001", "body": {"text": "t"}})
    return evs


def valid_events():
    evs = [declaration(), referral(), anonymous_referral()]
    # the bodies the tests send: the harness's default body for each type, with what its
    # tests add where the default leaves a required field to them
    completes = {"deadline.extended": {"kind": "manager_review", "due_at": 1800000000000}}
    evs += [event(t, CASE, subject_id="S-100", **completes.get(t, {})) for t in sorted(EVENTS)]
    evs += register_events()
    for path in ("tests/e2e/sample-declaration.json", "cli/sample-event.json",
                 "tests/e2e/sample-corruption-report.json",
                 "tests/e2e/sample-wrongdoing-report.json"):
        with open(os.path.join(SRC, path)) as f:
            ev = json.load(f)
        # what integrityctl submit adds when missing
        ev.setdefault("v", 1)
        ev.setdefault("id", "sample-1")
        ev.setdefault("at", 1767225600000)
        evs.append(ev)
    return evs


def paths(o, prefix=()):
    """Every key path into the maps of o (not into arrays but their first item)."""
    if isinstance(o, dict):
        for k, v in o.items():
            yield prefix + (k,)
            yield from paths(v, prefix + (k,))
    elif isinstance(o, list) and o:
        yield from paths(o[0], prefix + (0,))


def at_path(doc, path):
    for k in path[:-1]:
        doc = doc[k]
    return doc


def mutations(ev):
    """(what, document) for each way of breaking ev that JSON can write."""
    for path in paths(ev):
        name = ".".join(str(k) for k in path)
        for what, value in (("removed", None), ("a number", 12345), ("true", True),
                            ("empty", ""), ("a list", []), ("a map", {}),
                            ("too long", "x" * 20000), ("negative", -1),
                            ("a control character", "a\u0001b"), ("an odd date", "2026-02-30"),
                            ("zero duration", "0d"), ("a string", "abc")):
            doc = copy.deepcopy(ev)
            parent = at_path(doc, path)
            if value is None:
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
            yield "%s %s" % (name, what), doc
    # an unknown key in each map
    maps = [()] + [p for p in paths(ev) if isinstance(get(ev, p), dict)]
    for path in maps:
        doc = copy.deepcopy(ev)
        get(doc, path)["unexpected"] = 1
        yield "%s unknown key" % (".".join(map(str, path)) or "top"), doc
    for key, value in (("v", 2), ("id", "has space"), ("type", "no.such_type"),
                       ("case", CASE), ("at", 1.5)):
        doc = copy.deepcopy(ev)
        doc[key] = value
        yield "%s=%r" % (key, value), doc


def whole_float(o):
    """A float with no fractional part anywhere in o."""
    if isinstance(o, float):
        return o.is_integer()
    if isinstance(o, dict):
        return any(whole_float(v) for v in o.values())
    if isinstance(o, list):
        return any(whole_float(v) for v in o)
    return False


def get(doc, path):
    for k in path:
        doc = doc[k]
    return doc


class Schemas(unittest.TestCase):

    def test_a_schema_for_every_type(self):
        names = set(EVENTS) | {"declaration.submitted", "referral.submitted"} | set(REG_EVENTS)
        self.assertEqual(set(SCHEMAS), names)

    def test_every_sample_and_test_body_is_valid_for_both(self):
        evs = valid_events()
        for ev, verdict in zip(evs, codec_verdicts(evs)):
            self.assertEqual(verdict, "ok", ev)
            err = next(SCHEMAS[ev["type"]].iter_errors(ev), None)
            self.assertIsNone(err, "%s: %s" % (ev["type"], err and err.message))

    def test_schema_and_codec_agree_on_every_mutation(self):
        cases = [(ev["type"], what, doc) for ev in valid_events() for what, doc in mutations(ev)]
        verdicts = codec_verdicts([doc for _, _, doc in cases])
        wrong = []
        for (t, what, doc), verdict in zip(cases, verdicts):
            if verdict not in SCHEMA_CODES and verdict != "ok":
                continue  # the codec's alone
            if (verdict == "ok") != schema_ok(doc):
                wrong.append("%s, %s: codec %s, schema %s" % (
                    t, what, verdict, "valid" if schema_ok(doc) else "invalid"))
        print("schema agreement: %d mutations, %d disagree" % (len(cases), len(wrong)),
              file=sys.stderr)
        self.assertEqual(wrong, [], "\n".join(wrong[:40]))
        self.assertGreater(len(cases), 1000)

    def test_bad_input_rows_json_can_write_are_refused_by_both(self):
        docs, skipped = [], []
        for name, build, code, _ in test_badinput.TABLE:
            try:
                doc = build("bad-%d" % len(docs))
                text = json.dumps(doc)
            except (TypeError, ValueError):
                continue
            if (not isinstance(doc, dict) or code not in SCHEMA_CODES or
                    isinstance(doc, (test_badinput.Pairs,)) or "Raw" in repr(type(doc))):
                continue
            # JSON has one number type: 1.0 is an integer to JSON Schema, while MessagePack
            # packs it as a float, which the codec refuses (the schemas' description says so)
            if whole_float(doc) or name in CLOCK_ROWS:
                skipped.append(name)
                continue
            docs.append((name, code, json.loads(text)))
        self.assertTrue(CLOCK_ROWS <= {row[0] for row in test_badinput.TABLE})
        print("bad-input rows: %d checked, %d skipped: floats JSON calls integers, the clock "
              "(%s)" % (
            len(docs), len(skipped), ", ".join(skipped)), file=sys.stderr)
        self.assertGreater(len(docs), 20)
        for (name, code, doc), verdict in zip(docs, codec_verdicts([d for _, _, d in docs])):
            self.assertEqual(verdict, code, name)
            self.assertFalse(schema_ok(doc), "the schema accepts bad-input row %s" % name)


if __name__ == "__main__":
    unittest.main(verbosity=2)
