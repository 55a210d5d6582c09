#!/usr/bin/env bash
# The simulator's expected matrix over many seeds, through the CLI:
#
# * every correct protocol (a row without a knob) on CORRECT_SEEDS seeds
#   (default 1000): each guarantee it promises must come out `holds` in
#   every seed (a violation, `unknown` or `not-checked` is a failure);
# * every fault knob on KNOB_SEEDS seeds (default 100): the catch rate of
#   each guarantee the knob must break (goal >= 90%), and the guarantees
#   the knob must keep, which must hold in every seed.
#
# The expectations are the library's own (`concord matrix --report json`,
# read once with one seed); each seed is `concord sim ... | concord check
# - -c <asserted guarantees>`, so only the asserted guarantees are
# checked, on JOBS processes at a time (default: nproc).
#
#   scripts/sim_seeds.sh [CORRECT_SEEDS] [KNOB_SEEDS]
#   JOBS=2 TIMEOUT=10s PROTOCOL=causal nice -n 10 scripts/sim_seeds.sh 1000 100
#
# Exit 0 when every expectation is met, 1 otherwise. Needs jq.
set -euo pipefail
cd "$(dirname "$0")/.."
correct_seeds=${1:-1000}
knob_seeds=${2:-100}
jobs=${JOBS:-$(nproc)}
timeout=${TIMEOUT:-10s}
only=${PROTOCOL:-}

command -v jq > /dev/null || { echo "sim_seeds.sh needs jq" >&2; exit 2; }
cargo build --release --locked --quiet
bin=$PWD/target/release/concord
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$EPOCHREALTIME

# Expectations per row: "row guarantee hold|break" for asserted guarantees.
# The sequential search is not needed to learn them: a short budget.
matrix_args=(matrix --seeds 1 --timeout 100ms --report json)
[ -n "$only" ] && matrix_args+=(--protocol "$only")
"$bin" "${matrix_args[@]}" > "$work/matrix.json" || true
jq -r 'select(.type == "row") | .row as $r | .tallies[]
       | select(.expected != "free") | "\($r) \(.guarantee) \(.expected)"' \
    "$work/matrix.json" > "$work/expected"
[ -s "$work/expected" ] || { echo "no expectations read from concord matrix" >&2; exit 2; }

# One job per (row, seed): "row seed guarantee,guarantee,...".
awk -v cs="$correct_seeds" -v ks="$knob_seeds" '
    { list[$1] = ($1 in list) ? list[$1] "," $2 : $2; if (!($1 in order)) { order[$1] = ++n; rows[n] = $1 } }
    END {
        for (i = 1; i <= n; i++) {
            r = rows[i]; seeds = index(r, "+") ? ks : cs
            for (s = 1; s <= seeds; s++) print r, s, list[r]
        }
    }' "$work/expected" > "$work/jobs"

one() {
    local row=$1 seed=$2 list=$3 protocol=${1%%+*} args hist
    args=(sim --protocol "$protocol" --seed "$seed")
    [[ $row == *+* ]] && args+=(--fault "${row#*+}")
    if ! hist=$("$CONCORD" "${args[@]}" 2> /dev/null); then
        echo "$row $seed - sim-error"
        return
    fi
    printf '%s\n' "$hist" \
        | RAYON_NUM_THREADS=1 "$CONCORD" check - -c "$list" --report json --timeout "$TIMEOUT" 2> /dev/null \
        | jq -r --arg row "$row" --arg seed "$seed" \
            'select(.type == "result") | "\($row) \($seed) \(.guarantee) \(.verdict)"' \
        || true
}
export -f one
export CONCORD=$bin TIMEOUT=$timeout
xargs -P "$jobs" -n 3 bash -c 'one "$@"' _ < "$work/jobs" > "$work/verdicts"
secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')

# Tally and judge.
awk -v cs="$correct_seeds" -v ks="$knob_seeds" -v secs="$secs" -v jobs="$jobs" '
    FNR == NR { want[$1 " " $2] = $3; if (!($1 in seen)) { seen[$1] = 1; rows[++n] = $1 }; gs[$1] = gs[$1] " " $2; next }
    $4 == "sim-error" { simerr[$1]++; next }
    { count[$1 " " $3 " " $4]++ }
    END {
        printf "%-40s %-20s %-6s %6s %8s %7s %5s  %s\n", "row", "guarantee", "expect", "holds", "violated", "unknown", "n/c", "result"
        bad = 0
        for (i = 1; i <= n; i++) {
            r = rows[i]; runs = index(r, "+") ? ks : cs
            split(substr(gs[r], 2), g, " ")
            for (j = 1; j in g; j++) {
                k = r " " g[j]
                h = count[k " holds"] + 0; v = count[k " violated"] + 0
                u = count[k " unknown"] + 0; c = count[k " not-checked"] + 0
                if (want[k] == "hold") {
                    ok = (h == runs); res = ok ? "clean" : "FAIL"
                } else {
                    rate = 100 * v / runs; ok = (v >= 0.9 * runs)
                    res = sprintf("caught %.0f%%%s", rate, ok ? "" : " FAIL (< 90%)")
                }
                if (!ok) bad++
                printf "%-40s %-20s %-6s %6d %8d %7d %5d  %s\n", r, g[j], want[k], h, v, u, c, res
            }
            if (simerr[r]) { printf "%-40s %d seeds failed to simulate  FAIL\n", r, simerr[r]; bad++ }
        }
        printf "\n%d rows; correct protocols x %d seeds, knobs x %d seeds; %d jobs; %ss; %d failure%s\n", n, cs, ks, jobs, secs, bad, bad == 1 ? "" : "s"
        exit (bad > 0)
    }' "$work/expected" "$work/verdicts"
