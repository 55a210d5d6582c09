#!/usr/bin/env bash
# The run's budgets on hard histories (issue: "--timeout 1s ends within
# 1.2 s with exit 3; the memory budget holds"). Builds the release binary,
# generates the histories with `concord generate`, and prints for each:
# wall time, peak RSS, exit code, unknown verdicts. Fails when a run with
# --timeout 1s takes more than 1.2 s wall, or a memory-bounded run's
# searches do not end unknown. Times are wall clock on a shared machine:
# run it on a quiet one.
#
#   scripts/budgets.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/concord
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
status=0

run() { # name, limit_s, check flags..., -- generate flags...
    local name=$1 limit=$2; shift 2
    local check=()
    while [ "$1" != "--" ]; do check+=("$1"); shift; done
    shift
    "$bin" generate "$@" > "$dir/$name.hist"
    local start end code=0
    start=$(date +%s.%N)
    /usr/bin/time -f "%M" -o "$dir/$name.rss" "$bin" check "$dir/$name.hist" "${check[@]}" > "$dir/$name.out" 2>&1 || code=$?
    end=$(date +%s.%N)
    local wall unknown
    wall=$(echo "$end - $start" | bc)
    unknown=$(grep -cE '^  unknown' "$dir/$name.out" || true)
    printf '%-34s wall %5.2f s  rss %6d KB  exit %d  unknown %d\n' "$name" "$wall" "$(tail -1 "$dir/$name.rss")" "$code" "$unknown"
    if [ "$(echo "$wall > $limit" | bc)" = 1 ]; then
        echo "  over the limit of $limit s" >&2
        status=1
    fi
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# Values written again and again on one key: the searches are NP-hard.
run repeated-1key-20k 1.2 --timeout 1s -- --ops 20000 --processes 64 --keys 1 --repeat-values --seed 2
run repeated-cas-pending-20k 1.2 --timeout 1s -- --ops 20000 --processes 64 --keys 1 --repeat-values --cas-fraction 0.3 --pending-fraction 0.1 --seed 2
# Many operations: every weak check, the view saturations included.
run stale-200k-100keys 1.2 --timeout 1s -- --ops 200000 --processes 64 --keys 100 --stale-reads 0.01 --seed 2
run stale-300k-1key 1.2 --timeout 1s -- --ops 300000 --processes 64 --keys 1 --stale-reads 0.01 --seed 4
# The memory budget: the linearizability search must end unknown, naming it.
run memory-64M 30 --timeout 30s --max-memory 64M -c lin -- --ops 20000 --processes 64 --keys 1 --repeat-values --cas-fraction 0.3 --pending-fraction 0.1 --seed 2
if ! grep -q "memory budget ran out" "$dir/memory-64M.out"; then
    echo "  the memory-bounded search did not end on its budget" >&2
    grep -E '^  (holds|violated|unknown)' "$dir/memory-64M.out" >&2 || true
    status=1
fi
exit $status
