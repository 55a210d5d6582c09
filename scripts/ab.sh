#!/usr/bin/env bash
# A/B check for refactors: two concord binaries must give byte-identical
# reports (JSON and human, elapsed times removed) and byte-identical
# simulator and generator output on the same inputs.
#
#   scripts/ab.sh BASE_BIN NEW_BIN [WORK_DIR]
#
# Inputs: examples/*.hist, every history of ../shared/corpus, 300 random
# histories of the reference generator (tests/it/reference/gen.rs, dumped by
# the ignored test `dump_random_histories`), `concord generate` outputs, and
# the history of every simulator protocol and fault knob on two seeds.
# Budgets are deterministic (no wall-clock timeout; a state budget).
# Prints one line per difference and a closing count; exit 1 on any.
set -uo pipefail
cd "$(dirname "$0")/.."
base=$(realpath "$1")
new=$(realpath "$2")
work=${3:-$(mktemp -d)}
mkdir -p "$work/in" "$work/base" "$work/new"
random=${CONCORD_AB_RANDOM:-300}

# Inputs that do not depend on either binary.
cp examples/*.hist "$work/in/"
find ../shared/corpus -type f ! -name README.md ! -name expected.tsv | sort | while read -r f; do
    cp "$f" "$work/in/corpus_$(echo "${f#../shared/corpus/}" | tr / _)"
done
CONCORD_DUMP_DIR="$work/in" CONCORD_DUMP_CASES=$random \
    cargo test --quiet --test it -- --ignored dump_random_histories >/dev/null 2>&1 \
    || { echo "could not dump the random histories" >&2; exit 2; }

differences=0
differ() { echo "DIFFERS: $*"; differences=$((differences + 1)); }

# Generated inputs: both binaries must write the same bytes.
gen_args=("--ops 200 --seed 1" "--ops 500 --keys 3 --seed 2 --stale-reads 0.05" "--ops 300 --processes 8 --seed 3 --stale-reads 0.02")
i=0
for a in "${gen_args[@]}"; do
    i=$((i + 1))
    # shellcheck disable=SC2086
    "$base" generate $a >"$work/base/gen$i.hist" 2>&1
    # shellcheck disable=SC2086
    "$new" generate $a >"$work/new/gen$i.hist" 2>&1
    cmp -s "$work/base/gen$i.hist" "$work/new/gen$i.hist" || differ "generate $a"
    cp "$work/base/gen$i.hist" "$work/in/gen$i.hist"
done
"$base" sim --list >"$work/base/sim-list.txt" 2>&1
"$new" sim --list >"$work/new/sim-list.txt" 2>&1
cmp -s "$work/base/sim-list.txt" "$work/new/sim-list.txt" || differ "sim --list"
protocols=$("$base" sim --list 2>/dev/null | awk '/^[a-z][a-z0-9-]*( |$)/ {print $1}' | sort -u)
for p in $protocols; do
    knobs=$("$base" sim --list 2>/dev/null | awk -v p="$p" '$1 == p {on = 1; next} /^[a-z]/ {on = 0} on && /^ +--fault/ {k = $2; sub(/:$/, "", k); print k}')
    for k in "" $knobs; do
        for seed in 1 2; do
            name="sim_${p}_${k:-none}_$seed.hist"
            args=(sim --protocol "$p" --seed "$seed")
            [ -n "$k" ] && args+=(--fault "$k")
            "$base" "${args[@]}" >"$work/base/$name" 2>&1
            "$new" "${args[@]}" >"$work/new/$name" 2>&1
            cmp -s "$work/base/$name" "$work/new/$name" || differ "${args[*]}"
            cp "$work/base/$name" "$work/in/$name"
        done
    done
done

# Reports. The report format flag is --report (it was --output);
# the summary line ends with the elapsed time.
strip() { sed -E 's/"elapsed_ms":[0-9]+/"elapsed_ms":_/g; s/in [0-9.]+ ?(ms|s|µs)/in _/g; s/; [0-9.]+ (ms|s|min [0-9]+ s)$/; _/'; }
report_flag() { if "$1" check --help | grep -q -- '--report'; then echo --report; else echo --output; fi; }
count=0
for f in "$work/in"/*; do
    n=$(basename "$f")
    for mode in json human; do
        for b in base new; do
            bin=$base
            [ "$b" = new ] && bin=$new
            "$bin" check "$f" "$(report_flag "$bin")" "$mode" --timeout none --max-memory none --max-states 300000 --color never \
                >"$work/$b/$n.$mode" 2>&1
            echo "exit $?" >>"$work/$b/$n.$mode"
            strip <"$work/$b/$n.$mode" >"$work/$b/$n.$mode.s"
        done
        cmp -s "$work/base/$n.$mode.s" "$work/new/$n.$mode.s" || differ "check $n --report $mode"
        count=$((count + 1))
    done
done
echo "compared $count reports over $(ls "$work/in" | wc -l) inputs; $differences difference(s); files in $work"
[ "$differences" -eq 0 ]
