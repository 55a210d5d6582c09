#!/usr/bin/env bash
# End-to-end timings of the release binary on generated histories, as a user
# runs it: `concord generate` / `concord sim` write a history, `concord
# check` parses and checks it. Prints the median of 5 wall-clock runs per
# command. Usage: benches/end_to_end.sh [OPS]   (default 1000000);
# WEAK_ONLY=1 stops after the weak checks (for 10M operations).
set -euo pipefail
cd "$(dirname "$0")/.."
ops=${1:-1000000}
cargo build --release --quiet
bin=target/release/concord
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

median() { # command... ; prints the median wall time of 5 runs in seconds
    local times=()
    for _ in 1 2 3 4 5; do
        local start end
        start=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true
        end=$(date +%s%N)
        times+=("$(( (end - start) / 1000000 ))")
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n 3p | awk '{printf "%.3f s", $1 / 1000}'
}

peak() { # command... ; prints the peak RSS of one run, when /usr/bin/time exists
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f '%M' -o "$dir/rss" "$@" >/dev/null 2>&1 || true
        awk 'END {printf ", peak RSS %.0f MB", $1 / 1024}' "$dir/rss"
    fi
}

echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ops: $ops"

"$bin" generate --ops "$ops" --processes 64 --keys 1000 --seed 1 -o "$dir/reg.hist"
echo "register history: $(du -h "$dir/reg.hist" | cut -f1) .hist"
fast=(check -c ryw,mr,mw,wfr,cc,ccv,convergence "$dir/reg.hist")
echo "check ryw,mr,mw,wfr,cc,ccv,convergence:   $(median "$bin" "${fast[@]}")$(peak "$bin" "${fast[@]}")"
echo "  the same, RAYON_NUM_THREADS=1:          $(RAYON_NUM_THREADS=1 median "$bin" "${fast[@]}")"
if [ "${WEAK_ONLY:-}" = 1 ]; then exit 0; fi
"$bin" convert "$dir/reg.hist" --to jsonl -o "$dir/reg.jsonl"
echo "register history: $(du -h "$dir/reg.jsonl" | cut -f1) .jsonl"
echo "stats (parse + validate, .hist):          $(median "$bin" stats "$dir/reg.hist")"
echo "stats (parse + validate, .jsonl):         $(median "$bin" stats "$dir/reg.jsonl")"
echo "check --consistency lin:                  $(median "$bin" check -c lin "$dir/reg.hist")"

small=$(( ops / 10 ))
"$bin" generate --ops "$small" --processes 16 --keys 100 --seed 2 -o "$dir/small.hist"
echo "check pram,causal ($small ops, 16 sessions): $(median "$bin" check -c pram,causal "$dir/small.hist")"

"$bin" sim --protocol causal --ops "$small" --seed 3 -o "$dir/sim.hist"
echo "sim causal ($small ops):                  $(median "$bin" sim --protocol causal --ops "$small" --seed 3)"
echo "check all guarantees on it:               $(median "$bin" check "$dir/sim.hist" --timeout 10s)"
