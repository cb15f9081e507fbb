#!/bin/bash
# check-unit.sh UNIT [MAX]: the unit keeps its hardening. Fails when
# `systemd-analyze security --offline=yes` rates its overall exposure above MAX (default 1.5),
# or when a directive the daemon's design relies on is missing. Skips (exit 77) where
# systemd-analyze is not installed or too old for --offline (systemd < 252).
set -euo pipefail

unit=${1:?usage: check-unit.sh UNIT [MAX]}
max=${2:-1.5}
[ -r "$unit" ] || { echo "check-unit: cannot read $unit" >&2; exit 1; }

fail=0
# Directives that must be there (a line, not a comment), each as a regex on whole lines.
required=(
	'Type=notify'
	'NotifyAccess=main'
	'WatchdogSec=[1-9].*'
	'StateDirectory=integrityd'
	'RuntimeDirectory=integrityd'
	'CapabilityBoundingSet='
	'SystemCallFilter=@system-service'
	'ProtectSystem=strict'
	'NoNewPrivileges=yes'
	'ExecReload=.*kill -HUP \$MAINPID'
)
for re in "${required[@]}"; do
	if ! grep -Eq "^[[:space:]]*${re}[[:space:]]*$" "$unit"; then
		echo "check-unit: $unit: missing directive matching '${re}'" >&2
		fail=1
	fi
done

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "check-unit: systemd-analyze not installed; directives only" >&2
	[ "$fail" = 0 ] && exit 77
	exit 1
fi

# A private copy named *.service: systemd-analyze wants the suffix, and the copy keeps it
# from reading a same-named unit installed on the host.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$unit" "$tmp/integrityd.service"

if ! out=$(systemd-analyze security --offline=yes --no-pager "$tmp/integrityd.service" 2>&1); then
	if grep -q -e "unrecognized option" -e "Unknown option" <<<"$out"; then
		echo "check-unit: this systemd-analyze has no --offline; directives only" >&2
		[ "$fail" = 0 ] && exit 77
		exit 1
	fi
	# security exits non-zero when the threshold (100 by default) is passed; the line is
	# still printed, so go on and parse it.
	:
fi

# "→ Overall exposure level for integrityd.service: 1.4 OK 🙂"
score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9.]*\).*/\1/p' <<<"$out" | tail -n 1)
if [ -z "$score" ]; then
	echo "check-unit: could not read the exposure level from systemd-analyze:" >&2
	echo "$out" >&2
	exit 1
fi
# The items that cost something, for whoever has to fix a regression.
grep '✗' <<<"$out" || true
echo "check-unit: overall exposure $score (at most $max)"
if awk -v s="$score" -v m="$max" 'BEGIN { exit !(s + 0 > m + 0) }'; then
	echo "check-unit: $unit: exposure $score is above $max" >&2
	fail=1
fi
exit "$fail"
