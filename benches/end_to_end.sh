#!/usr/bin/env bash
# End-to-end timings of the release binary on generated histories, as a user
# runs it: `concord generate` / `concord sim` write a history, `concord
# check` parses and checks it. Prints the median of 5 wall-clock runs per
# command. Usage: benches/end_to_end.sh [OPS]   (default 1000000);
# WEAK_ONLY=1 stops after the weak checks (for 10M operations); the rows of
# the performance issue follow the lines (SKIP_ROWS=1 leaves them out,
# ROWS_ONLY=1 runs only them, BIG=1 adds 10⁷ operations).
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

if [ "${ROWS_ONLY:-}" != 1 ]; then

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
fi

# The rows of the performance issue (slow paths a new user meets first),
# one run each: wall time, CPU time (user + system: the machines are
# shared, so compare CPU too) and peak RSS. ROWS_ONLY=1 skips the lines
# above; BIG=1 adds 10⁷ operations to the growth rows (minutes, ~3 GB).
if [ "${SKIP_ROWS:-}" = 1 ]; then exit 0; fi
once() { # label, command... ; one run: wall, CPU, peak RSS
    local label=$1
    shift
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f '%e %U %S %M' -o "$dir/t" "$@" >"$dir/out" 2>&1 || true
        # The last line: a failing command (exit 1 on a violation) adds one.
        read -r wall user sys rss < <(tail -n 1 "$dir/t")
        awk -v l="$label" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" \
            'BEGIN { printf "%-58s %7.2f s wall %7.2f s CPU %6.0f MB\n", l, w, u + s, r / 1024 }'
    else
        printf '%-58s %s\n' "$label" "$(median "$@")"
    fi
}
sizes=(10000 100000 1000000)
[ "${BIG:-}" = 1 ] && sizes+=(10000000)

echo "== row 1: kv history, 10 keys, 100 clients, 2 hard keys, 5% stale reads on the others"
"$bin" generate --ops 100000 --processes 100 --keys 10 --hard-keys 2 --stale-reads 0.05 \
    --seed 1 -o "$dir/kv.hist"
once "check -c lin (first violations)" "$bin" check -c lin "$dir/kv.hist"
once "check -c lin --max-violations 0 (every violated key)" "$bin" check -c lin --max-violations 0 "$dir/kv.hist"
once "check -c lin --max-violations 0 --timeout 2s" "$bin" check -c lin --max-violations 0 --timeout 2s "$dir/kv.hist"
once "check (all guarantees)" "$bin" check "$dir/kv.hist"

echo "== row 2: unique-value register, 1 key, 64 processes, 1% stale reads: check -c lin"
for n in "${sizes[@]}"; do
    "$bin" generate --ops "$n" --processes 64 --keys 0 --stale-reads 0.01 --seed 1 -o "$dir/r.hist"
    once "$n ops" "$bin" check -c lin "$dir/r.hist"
done

echo "== row 3: check with no -c, 64 sessions, 1,000 keys (linearizable / 1% stale reads)"
for n in "${sizes[@]}"; do
    "$bin" generate --ops "$n" --processes 64 --keys 1000 --seed 1 -o "$dir/d.hist"
    once "$n ops, linearizable" "$bin" check "$dir/d.hist"
    "$bin" generate --ops "$n" --processes 64 --keys 1000 --stale-reads 0.01 --seed 1 -o "$dir/d.hist"
    once "$n ops, 1% stale reads" "$bin" check "$dir/d.hist"
    once "$n ops, 1% stale reads, -c pram" "$bin" check -c pram "$dir/d.hist"
    once "$n ops, 1% stale reads, -c causal" "$bin" check -c causal "$dir/d.hist"
done

echo "== row 4: -c cc,ccv on Jepsen EDN, 10⁶ operations, 1,000 keys"
for k in 64 256; do
    "$bin" generate --ops 1000000 --processes "$k" --keys 1000 --seed 1 --to jepsen-edn -o "$dir/h.edn"
    "$bin" convert "$dir/h.edn" --initial 0 --to hist -o "$dir/h.hist"
    once "$k sessions, from EDN ($(du -m "$dir/h.edn" | cut -f1) MB)" "$bin" check -c cc,ccv --initial 0 "$dir/h.edn"
    once "$k sessions, the same from .hist" "$bin" check -c cc,ccv "$dir/h.hist"
done

echo "== row 5: parsing (concord stats: parse, build, validate), 10⁶ operations"
"$bin" generate --ops 1000000 --processes 64 --keys 1000 --seed 1 -o "$dir/p.hist"
"$bin" convert "$dir/p.hist" --to jsonl -o "$dir/p.jsonl"
"$bin" convert "$dir/p.hist" --to jepsen-edn -o "$dir/p.edn"
for f in p.hist p.jsonl p.edn; do
    flags=()
    [ "$f" = p.edn ] && flags=(--initial 0)
    once "$f ($(du -m "$dir/$f" | cut -f1) MB)" "$bin" stats "${flags[@]}" "$dir/$f"
done
