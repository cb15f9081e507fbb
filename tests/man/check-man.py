#!/usr/bin/env python3
"""The man pages are true to the code (issue 11, item 3): every key of the config's key
table (daemon/policy/*.c: the KEY rows and the deadline kinds) is in integrityd.conf(5)
under its own section, every key of the clients file in integrityd-clients.conf(5), every
command and option of `integrityctl --help` in integrityctl(1) (and every command in the
bash completion), every option of `integrityd --help` in integrityd(8).

usage: check-man.py SOURCE_DIR INTEGRITYCTL INTEGRITYD
Prints what it checked; exits 1 naming each thing missing."""
import glob
import re
import subprocess
import sys

src, ctl, daemon = sys.argv[1:4]
missing = []
counts = {}


def page(name):
    with open("%s/man/%s.scd" % (src, name), encoding="utf-8") as f:
        return f.read()


def sections(text):
    """'## [name]' subsections of a page: name -> text."""
    out, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"^##? (\[\w+\]|\w.*)$", line)
        if m:
            cur = m.group(1).strip("[]") if line.startswith("## [") else None
            if cur is not None:
                out[cur] = ""
            continue
        if cur is not None:
            out[cur] += line + "\n"
    return out


def bold(text, word):
    """word set in bold (*word*, or *word* = ... ) somewhere in text."""
    return re.search(r"\*%s\*" % re.escape(word), text) is not None


def need(ok, what):
    counts[what.split(":")[0]] = counts.get(what.split(":")[0], 0) + 1
    if not ok:
        missing.append(what)


# ---- integrityd.conf(5): the key table -------------------------------------------------
code = ""
for path in sorted(glob.glob(src + "/daemon/policy/*.c")):
    with open(path, encoding="utf-8") as f:
        code += f.read()
keys = re.findall(r'KEY(?:_RANGE)?\(\s*"(\w+)",\s*"(\w+)"', code)
kinds = re.findall(r'\[DL_\w+\]\s*=\s*"(\w+)"', code)
if len(keys) < 20 or len(kinds) < 15:
    sys.exit("check-man: found only %d keys and %d deadline kinds in daemon/policy: has the "
             "key table changed shape?" % (len(keys), len(kinds)))
conf = sections(page("integrityd.conf.5"))
for sec, name in keys:
    need(bold(conf.get(sec, ""), name), "integrityd.conf.5: [%s] %s" % (sec, name))
for kind in kinds:
    if kind != "retention":  # [retention] closed_case, a KEY row
        need(bold(conf.get("deadlines", ""), kind), "integrityd.conf.5: [deadlines] %s" % kind)

# ---- integrityd-clients.conf(5) ---------------------------------------------------------
with open(src + "/daemon/security/clients.c", encoding="utf-8") as f:
    ckeys = re.findall(r'\[CK_\w+\]\s*=\s*"(\w+)"', f.read())
if len(ckeys) < 4:
    sys.exit("check-man: found only %d clients-file keys in clients.c" % len(ckeys))
clients = page("integrityd-clients.conf.5")
for k in ckeys:
    need(bold(clients, k), "integrityd-clients.conf.5: %s" % k)
for role in ("intake", "operator", "admin"):
    need(bold(clients, role), "integrityd-clients.conf.5: role %s" % role)

# ---- integrityctl(1) and the bash completion -------------------------------------------
help_text = subprocess.run([ctl, "--help"], capture_output=True, text=True, check=True).stdout
commands, options, part = [], set(), None
for line in help_text.splitlines():
    if re.match(r"^\w", line):
        part = line.rstrip(":")
        continue
    if part == "commands" and re.match(r"^  [a-z]", line):
        words = []
        for w in re.split(r"\s{2,}", line.strip())[0].split():
            if not re.match(r"^[a-z]+$", w):
                break
            words.append(w)
        commands.append(" ".join(words))
    options.update(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", line))
if len(commands) < 15:
    sys.exit("check-man: integrityctl --help listed only %d commands" % len(commands))
ctl_page = page("integrityctl.1")
with open(src + "/cli/integrityctl.bash-completion", encoding="utf-8") as f:
    completion = f.read()
for c in commands:
    need(bold(ctl_page, c), "integrityctl.1: command %s" % c)
    need(re.search(r"\b%s\b" % re.escape(c.split()[-1]), completion) is not None,
         "completion: command %s" % c)
for o in sorted(options):
    need(o in ctl_page, "integrityctl.1: option %s" % o)

# ---- integrityd(8) ----------------------------------------------------------------------
usage = subprocess.run([daemon, "--help"], capture_output=True, text=True).stdout
dopts = set(re.findall(r"(--[a-z][a-z-]*)", usage)) | {"--help"}
d_page = page("integrityd.8")
for o in sorted(dopts):
    need(bold(d_page, o), "integrityd.8: option %s" % o)

print("check-man: checked %s" % ", ".join("%s %d" % kv for kv in sorted(counts.items())))
if missing:
    print("check-man: missing from the pages:\n  " + "\n  ".join(missing))
    sys.exit(1)
print("check-man: every key, command and option is in its page")
