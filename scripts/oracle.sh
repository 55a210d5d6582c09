#!/usr/bin/env bash
# Agreement of the library with the brute-force reference deciders
# (tests/it/reference/) on random histories, per guarantee.
#
#   scripts/oracle.sh                 # 100,000 histories per guarantee, release
#   CASES=5000 scripts/oracle.sh      # fewer
#   SEED=42 scripts/oracle.sh         # another first seed
#   PROFILE=debug scripts/oracle.sh   # the test profile, no release build
#
# Prints one line per guarantee (agree / lib-unknown / disagree, and the
# reference's own holds / violated / n/a), then the disagreement classes
# with the smallest two histories of each. Exit status: 0 when every
# guarantee agrees.
set -euo pipefail
cd "$(dirname "$0")/.."

cases=${CASES:-100000}
seed=${SEED:-1}
profile=${PROFILE:-release}
flags=()
[ "$profile" = release ] && flags=(--release)

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
CONCORD_ORACLE_CASES=$cases CONCORD_ORACLE_SEED=$seed \
    nice -n 10 cargo test "${flags[@]}" --test it reference_agreement::agree_ \
    -- --nocapture --test-threads=2 >"$log" 2>&1 || status=$?

if ! grep -q '^oracle ' "$log"; then
    cat "$log"
    exit 2
fi
echo "cases per guarantee: $cases, first seed: $seed, profile: $profile, nproc: $(nproc)"
grep '^oracle ' "$log" | sort | sed 's/^oracle //'
echo
# The disagreement classes and their smallest histories.
awk '/^oracle /{p=1; next} /^(test |thread |note:|stack backtrace|failures:|---- )/{p=0} p' "$log"
exit "$status"
