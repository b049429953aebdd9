#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ for a bounded time, one after the other.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Defaults: 60 seconds, every target (profile_toml service_tags cli_args). Prints the number of
# executions per target (libFuzzer's `stat::number_of_executed_units`) and exits non-zero if a
# target crashed; the crashing input is in fuzz/artifacts/TARGET/. Copy it to
# tests/fuzz-regressions/TARGET/ so that `cargo test --test fuzz_regressions` replays it.
#
# Environment:
#   FUZZ_SANITIZER  none (default), address, leak, ... (passed to `cargo fuzz run -s`)
#   FUZZ_ARGS       extra libFuzzer flags, e.g. "-max_len=8192 -seed=1"
#
# Why RUSTC_BOOTSTRAP=1: cargo-fuzz is written for nightly Rust; this machine only has the
# stable toolchain. With `-s none` cargo-fuzz 0.13.2 passes only stable flags
# (-Cpasses=sancov-module, -Cllvm-args=-sanitizer-coverage-*, --cfg fuzzing), so the
# coverage-guided build works on stable as is; every sanitizer, cargo-fuzz's default
# `-s address` included, adds `-Zsanitizer=...`, which stable rustc refuses ("the option `Z`
# is only accepted on the nightly compiler") unless RUSTC_BOOTSTRAP=1. We export it always:
# cargo fingerprints RUSTC_BOOTSTRAP, so a constant value keeps the build cache valid whichever
# sanitizer is chosen. The default is no sanitizer: the code under test is safe Rust, and
# AddressSanitizer made the targets 4-8x slower here and found nothing more
# (`FUZZ_SANITIZER=address scripts/fuzz.sh 60`).
#
# Corpora: fuzz/seeds/TARGET/ holds the checked-in seeds (read only); libFuzzer writes what it
# learns to fuzz/corpus/TARGET/ (git-ignored, kept between runs). fuzz/dicts/TARGET.dict is
# passed as -dict when present. The fuzz crate is its own workspace and is not part of the
# top-level build.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

all_targets=(profile_toml service_tags cli_args)
secs="${1:-60}"
if [[ $# -gt 0 ]]; then shift; fi
if ! [[ "$secs" =~ ^[0-9]+$ ]] || [[ "$secs" -lt 1 ]]; then
    echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (targets: ${all_targets[*]})" >&2
    exit 2
fi
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then targets=("${all_targets[@]}"); fi
for t in "${targets[@]}"; do
    if [[ ! -f "fuzz/fuzz_targets/$t.rs" ]]; then
        echo "fuzz.sh: unknown target '$t' (targets: ${all_targets[*]})" >&2
        exit 2
    fi
done

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: cargo-fuzz is not installed: cargo install cargo-fuzz" >&2
    exit 2
fi

export RUSTC_BOOTSTRAP=1
sanitizer="${FUZZ_SANITIZER:-none}"
build_args=(-s "$sanitizer")
if [[ "$sanitizer" != none ]]; then
    # A separate target dir per sanitizer, so switching does not rebuild the other.
    build_args+=(--target-dir "$root/fuzz/target/$sanitizer")
fi
read -r -a extra <<<"${FUZZ_ARGS:-}"

logdir="$root/fuzz/target/logs"
mkdir -p "$logdir"

echo "== building ${targets[*]} (sanitizer: $sanitizer)"
for t in "${targets[@]}"; do
    cargo fuzz build "${build_args[@]}" "$t"
done

declare -A execs result
status=0
for t in "${targets[@]}"; do
    corpus="$root/fuzz/corpus/$t"
    artifacts="$root/fuzz/artifacts/$t"
    mkdir -p "$corpus" "$artifacts"
    seeds=()
    if [[ -d "$root/fuzz/seeds/$t" ]]; then seeds=("$root/fuzz/seeds/$t"); fi
    # cargo-fuzz itself passes -artifact_prefix=fuzz/artifacts/TARGET/.
    flags=(-max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048)
    if [[ -f "$root/fuzz/dicts/$t.dict" ]]; then flags+=(-dict="$root/fuzz/dicts/$t.dict"); fi
    flags+=("${extra[@]}")
    log="$logdir/$t.log"
    echo "== fuzzing $t for ${secs}s (log: ${log#"$root"/})"
    # The first corpus directory is where libFuzzer writes new inputs; seeds stay untouched.
    if cargo fuzz run "${build_args[@]}" "$t" "$corpus" "${seeds[@]}" -- "${flags[@]}" >"$log" 2>&1; then
        result[$t]=ok
    else
        result[$t]="FAILED (exit $?; see $log and ${artifacts#"$root"/}/)"
        status=1
        grep -E "panicked at|^ERROR|^SUMMARY|Test unit written to" "$log" | head -n 8 >&2 || true
    fi
    execs[$t]="$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -n 1 || true)"
done

echo
printf '%-14s %14s  %s\n' target executions result
for t in "${targets[@]}"; do
    printf '%-14s %14s  %s\n' "$t" "${execs[$t]:-?}" "${result[$t]}"
done
exit "$status"
