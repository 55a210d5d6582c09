#!/usr/bin/env bash
# A history of N operations (default 1,000,000) whose causal order so ∪ rf is
# one cycle through every operation: S sessions in a ring, each first reading
# the value its successor writes last, then writing fresh values. Runs the
# release binary on it for each causal guarantee and the default set and
# requires exit 1 (a violation), never a crash. tests/it/deep_cycle.rs runs
# the same at 200,000 operations.
#
#   scripts/deep_cycle.sh [N] [SESSIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
sessions=${2:-4}

cargo build --release --locked --quiet
bin=target/release/concord
hist=$(mktemp --suffix=.hist)
trap 'rm -f "$hist"' EXIT

awk -v n="$n" -v k="$sessions" 'BEGIN {
    per = int(n / k)
    print "%model register"
    for (i = 0; i < k; i++) {
        next_s = (i + 1) % k
        printf "p%d read x %d\n", i, next_s * per + per - 1
        for (j = 1; j < per; j++) printf "p%d write x %d\n", i, i * per + j
    }
}' > "$hist"
echo "$(grep -c '^p' "$hist") operations, $sessions sessions, one cycle"

fail=0
for c in cc ccv cm wfr sc cc,ccv,cm,wfr,sc default; do
    args=(check "$hist" --color never)
    [ "$c" = default ] || args+=(-c "$c")
    start=$EPOCHREALTIME
    status=0
    "$bin" "${args[@]}" > /dev/null 2>&1 || status=$?
    secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
    printf '%-22s exit %d  %ss\n' "$c" "$status" "$secs"
    if [ "$status" -ne 1 ]; then
        echo "  expected exit 1 (violation), got $status" >&2
        fail=1
    fi
done
exit "$fail"
