#!/usr/bin/env bash
# Real consumers read concord's reports: Python's junitparser (PyPI) reads
# the JUnit report of a run over the examples and a corpus file, and its
# counts must be the ones concord meant. The SARIF log is validated against
# the official schema in the Rust tests (tests/it/report_formats.rs).
#
# Installs what it needs into a virtual environment under target/ (python3
# and its venv module from apt when missing). When that is impossible the
# check says so and is skipped, except under CI=true, where a missing
# consumer fails: it must not pass silently.
set -euo pipefail
cd "$(dirname "$0")/.."

skip() {
    echo "report consumers: $1" >&2
    if [ "${CI:-}" = true ]; then
        echo "report consumers: required in CI" >&2
        exit 1
    fi
    echo "report consumers: skipped"
    exit 0
}

if ! python3 -c 'import venv, ensurepip' 2>/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv; } >/dev/null 2>&1 || true
fi
python3 -c 'import venv, ensurepip' 2>/dev/null || skip "python3 with venv is not available"
venv=${CARGO_TARGET_DIR:-target}/report-consumers
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import junitparser' 2>/dev/null; then
    python3 -m venv "$venv" >/dev/null || skip "cannot create a virtual environment"
    "$venv/bin/pip" install -q 'junitparser==5.*' >/dev/null 2>&1 || skip "cannot install junitparser from PyPI"
fi

# CONCORD names a binary to use instead of building the release one.
if [ -n "${CONCORD:-}" ]; then
    concord=("$CONCORD")
else
    concord=(cargo run --release --locked --quiet --)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp examples/*.hist "$work/"
printf 'p1 frobnicate x\n' > "$work/unreadable.hist"
corpus=../shared/corpus/porcupine-etcd/etcd_000.log
[ -f "$corpus" ] || corpus=/work/shared/corpus/porcupine-etcd/etcd_000.log
cp "$corpus" "$work/etcd_000.log"

# Linearizability and monotonic reads of every file: the counts concord's
# own JSON report gives are what junitparser must read.
mkdir "$work/histories"
mv "$work"/*.hist "$work"/*.log "$work/histories/"
"${concord[@]}" check "$work/histories" -c lin,mr --report junit -o "$work/report.xml" 2>/dev/null || true
"${concord[@]}" check "$work/histories" -c lin,mr --report json -o "$work/report.jsonl" || true
read -r failures skipped errors < <(python3 -c '
import json, sys
s = [json.loads(l) for l in open(sys.argv[1])][-1]
v = s["verdicts"]
print(v["violated"], v["unknown"] + v["not-checked"], s["errors"])
' "$work/report.jsonl")
"$venv/bin/python" scripts/junit_consumer.py "$work/report.xml" "$failures" "$errors" "$skipped"
