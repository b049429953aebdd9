#!/usr/bin/env bash
# Whole-process time of `amlfw audit` on a generated Firewall Policy of 10,000 rules (budget:
# under 200 ms). A benchmark, not a test: run it by hand (bash scripts/bench-audit.sh).
#   RUNS  number of timed runs (default 20); hyperfine is used when installed.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-20}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cargo build --release --quiet --bin amlfw --example audit_policy
TARGET="${CARGO_TARGET_DIR:-target}/release"
"$TARGET/examples/audit_policy" "$WORK/policy.json" "$WORK/profile.toml"
cmd=("$TARGET/amlfw" audit --profile-file "$WORK/profile.toml" "$WORK/policy.json")
"${cmd[@]}" >"$WORK/report.txt" || { echo "audit did not pass:"; tail -5 "$WORK/report.txt"; exit 1; }
tail -1 "$WORK/report.txt"
if command -v hyperfine >/dev/null; then
  hyperfine --style basic --warmup 3 --runs "$RUNS" "${cmd[*]} >/dev/null"
  exit 0
fi
times=()
for _ in $(seq "$RUNS"); do
  start=$(date +%s%N)
  "${cmd[@]}" >/dev/null
  times+=($(( ($(date +%s%N) - start) / 1000 )))
done
mapfile -t sorted < <(printf '%s\n' "${times[@]}" | sort -n)
echo "amlfw audit, 10,000 rules: median $(( sorted[RUNS / 2] / 1000 )) ms, min $(( sorted[0] / 1000 )) ms, max $(( sorted[RUNS - 1] / 1000 )) ms ($RUNS runs)"
