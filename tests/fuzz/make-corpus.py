#!/usr/bin/python3
"""Writes the seed corpus of fuzz_proto into tests/fuzz/corpus/ (Debian python3-msgpack).

Run from anywhere: ./tests/fuzz/make-corpus.py. The files are committed; rerun after
changing a seed. Seeds are valid requests of every shape plus a few broken ones, so the
fuzzer starts from deep inside the validator rather than at the first byte check."""
import os
import struct

import msgpack

AT = 1767225000000  # 2026-01-01 minus ten minutes; the fuzzer's "now" is 2026-01-01

DECLARATION = {
    "v": 1, "id": "decl-0001", "type": "declaration.submitted", "at": AT,
    "actor": {"id": "E1234", "role": "subject"},
    "body": {
        "subject": {"id": "E1234", "name": "Sam Example", "rank": "PC",
                    "department": "Response", "vetting": "MV", "line_manager": "S5678"},
        "associate": {"name": "Alex Person", "kind": "person", "details": "school friend"},
        "relationship": "friend",
        "categories": ["criminal_conviction", "victim_witness_live_case"],
        "circumstances": "We met again at a reunion. Caf\u00e9 \u20ac \U0001F600",
        "started_on": "2024-02-29", "social_media": True, "home_working": False,
        "live_case_ref": "OP-77", "vulnerable": True, "bypass_manager": False,
    },
}

REFERRAL = {
    "v": 1, "id": "ref-0001", "type": "referral.submitted", "at": AT,
    "actor": {"id": "R1", "role": "reporter"},
    "body": {"subject": {"id": "E1234", "vetting": "SC"},
             "associate": {"name": "Group X", "kind": "group"},
             "categories": ["extremist"], "circumstances": "Seen at a rally."},
}

ANONYMOUS = {
    "v": 1, "id": "ref-0002", "type": "referral.submitted", "at": AT,
    "body": {"subject": {"id": "E9"}, "associate": {"name": "A", "kind": "person"},
             "categories": ["media", "other"], "circumstances": "Anonymous tip.",
             "anonymous": True},
}

CONDITIONS = [{"code": "no_contact", "text": "No contact with A."},
              {"code": "report_contact", "text": "Report any chance meeting."}]

# One body per event on an open case (WORKFLOW.md "Events on an NA case"), with every field.
ON_CASE = {
    "manager.reviewed": {"comments": "Spoke to PC A.", "advice": "Keep away.",
                         "interim_mitigation": ["no contact", "report any contact"]},
    "assessment.recorded": {"outcome": "mitigation", "risk": "high", "notes": "n"},
    "interview.recorded": {"outcome": "mitigation", "police_friend": True, "notes": "n"},
    "mitigation.proposed": {"conditions": CONDITIONS},
    "mitigation.agreed": {},
    "mitigation.disputed": {"reason": "Too wide."},
    "representations.submitted": {"text": "I ask for less.", "police_friend": False},
    "aa.approved": {"conditions": CONDITIONS, "review_period": "6mo"},
    "aa.determined": {"decision": "cease", "conditions": CONDITIONS, "review_period": "10wd",
                      "reasons": "r"},
    "determination.served": {},
    "appeal.lodged": {"grounds": "g"},
    "strategy_meeting.held": {"attendees": ["H1", "PSD 7", "AA1"]},
    "appeal.decided": {"outcome": "varied", "conditions": CONDITIONS},
    "breach.reported": {"details": "Met A."},
    "review.requested": {"reason": "A was charged."},
    "review.completed": {"outcome": "varied", "conditions": CONDITIONS,
                         "representations_made": True},
    "vetting.reviewed": {"outcome": "clearance_reviewed"},
    "subject.updated": {"subject": {"rank": "Sgt", "vetting": "SC", "line_manager": "S1"}},
    "deadline.extended": {"kind": "psd_assessment", "due_at": AT + 86400000,
                          "reason": "Sickness."},
    "case.closed": {"reason": "association_ceased"},
}


def on_case(type_, body):
    return {"v": 1, "id": "ev-" + type_, "type": type_, "at": AT,
            "actor": {"id": "P1", "role": "psd"}, "case": "NA-2026-000001", "body": body}


def pack(obj):
    return msgpack.packb(obj, use_bin_type=True)


def with_(base, path, value):
    """A deep copy of base with the dotted path set (value None deletes it)."""
    import copy
    doc = copy.deepcopy(base)
    *parents, last = path.split(".")
    node = doc
    for p in parents:
        node = node[p]
    if value is None:
        node.pop(last, None)
    else:
        node[last] = value
    return doc


def seeds():
    yield "valid-declaration", pack(DECLARATION)
    yield "valid-referral", pack(REFERRAL)
    yield "valid-anonymous-referral", pack(ANONYMOUS)
    for type_, body in ON_CASE.items():
        yield "valid-" + type_.replace(".", "-"), pack(on_case(type_, body))
    yield "ctl-status", pack({"v": 1, "cmd": "status"})
    yield "ctl-case-get", pack({"v": 1, "cmd": "case.get", "args": {"case": "NA-2026-000001"}})
    yield "ctl-case-list", pack({"v": 1, "cmd": "case.list",
                                 "args": {"state": "closed", "limit": 100, "after": None,
                                          "nested": [{"a": [1, -1, 1.5, b"bin"]}]}})
    yield "bad-unknown-body-key", pack(with_(DECLARATION, "body.vettng", "MV"))
    yield "bad-anonymous-with-actor", pack(with_(ANONYMOUS, "actor",
                                                 {"id": "R1", "role": "reporter"}))
    yield "bad-version", pack(with_(REFERRAL, "v", 2))
    yield "bad-future-at", pack(with_(REFERRAL, "at", AT * 2))
    yield "bad-empty-categories", pack(with_(DECLARATION, "body.categories", []))
    yield "bad-date", pack(with_(DECLARATION, "body.started_on", "2023-02-29"))
    yield "bad-utf8", pack(DECLARATION).replace(b"Alex Person", b"Alex\xed\xa0\x80Pers")
    yield "bad-conditions-with-no-risk", pack(on_case("aa.determined", {
        "decision": "no_risk", "conditions": CONDITIONS, "reasons": "r"}))
    yield "bad-varied-without-conditions", pack(on_case("appeal.decided", {"outcome": "varied"}))
    yield "bad-review-period", pack(on_case("aa.approved", {"review_period": "12 mo"}))
    yield "bad-subject-id-change", pack(on_case("subject.updated", {"subject": {"id": "E2"}}))
    yield "bad-attendee-twice", pack(on_case("strategy_meeting.held",
                                             {"attendees": ["H1", "H1"]}))
    yield "bad-no-case", pack(with_(on_case("breach.reported", {"details": "d"}), "case", None))
    yield "bad-truncated", pack(REFERRAL)[:-7]
    yield "bad-trailing", pack(REFERRAL) + b"\xc0"
    yield "bad-array32-bomb", b"\x81\xa4body\xdd" + struct.pack(">I", 0x10000000)
    yield "bad-ext", b"\x81\xa1a\xd6\xff\x00\x00\x00\x00"
    yield "bad-int-key", b"\x81\x01\x02"


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
