#!/usr/bin/env bash
# Whole-process measurements of amlfw on this machine, in one run (see docs/performance.md):
#   1. `amlfw tags` against `jq ... | python3 ipaddress` (the prefixes collapsed with
#      `ipaddress.collapse_addresses`, as issue 21 compares) for the same tags (hyperfine), after
#      checking that both print the same SET of prefixes; prints the ratio.
#   2. Time to the wizard's first frame: the release binary with AMLFW_EXIT_AFTER_FIRST_FRAME=1
#      in a pseudo-terminal, several runs, median of the "first frame after X ms" it prints.
#   3. Peak memory (/usr/bin/time -v) of `amlfw tags` and of `amlfw export --target nftables`
#      for the largest profile, both with the public Service Tags file loaded.
# Ends with a summary table: budget, measured, met?
#
# Usage: bash scripts/bench-compare.sh
# Environment (all optional):
#   AMLFW_BIN      use this amlfw binary instead of building the release one
#   BENCH_RUNS     hyperfine runs of jq + python per tag set (default 5; it takes seconds)
#   AMLFW_RUNS     hyperfine runs of amlfw tags per tag set (default 40: it takes milliseconds,
#                  and a median of 5 such short runs swings by half on a shared machine)
#   FRAME_RUNS     wizard starts for the first-frame median (default 15)
#   BENCH_PYTHON   the python3 for the comparison (default /usr/bin/python3: a pyenv shim adds
#                  its own start-up to every run)
#   BENCH_STRICT   1: exit 1 when a budget is missed (a prefix mismatch always exits 1)
# Every run count is fixed, so the script stops by itself (a few minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${BENCH_RUNS:-5}"
AMLFW_RUNS="${AMLFW_RUNS:-40}"
FRAME_RUNS="${FRAME_RUNS:-15}"
PYTHON="${BENCH_PYTHON:-/usr/bin/python3}"
TAGS_FILE="tests/fixtures/servicetags/ServiceTags_Public.376.json"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

say() { printf '\n== %s\n' "$*"; }
die() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

# ---- tools ---------------------------------------------------------------------------------
say "tools"
missing=()
for pair in jq:jq hyperfine:hyperfine script:bsdutils; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair##*:}")
done
[ -x /usr/bin/time ] || missing+=(time)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing from Debian: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ -x "$PYTHON" ] || PYTHON="$(command -v python3)"
# Prefixes on stdin, one a line; the aggregated ones out, IPv4 first, as `amlfw tags` prints
# them (host bits cleared first, like amlfw; `/32` and `/128` written out by both).
cat >"$WORK/collapse.py" <<'PY'
import ipaddress
import sys

nets = [ipaddress.ip_network(line.strip(), strict=False) for line in sys.stdin if line.strip()]
for version in (4, 6):
    for net in ipaddress.collapse_addresses(n for n in nets if n.version == version):
        print(net)
PY
echo "jq $(jq --version), $(hyperfine --version), $("$PYTHON" -V) ($PYTHON)"

# ---- the binary ----------------------------------------------------------------------------
if [ -n "${AMLFW_BIN:-}" ]; then
  BIN="$AMLFW_BIN"
else
  say "cargo build --release (this takes a while the first time)"
  BIN="$(cargo build --release --bin amlfw --message-format=json 2>/dev/null \
    | jq -r 'select(.reason == "compiler-artifact" and .executable != null) | .executable' | tail -1)"
fi
[ -x "$BIN" ] || die "no amlfw binary (set AMLFW_BIN or check cargo build --release)"
echo "binary: $BIN"
# The floor under `amlfw tags` (section 1b), built as amlfw is.
FLOOR_BIN="$(cargo build --release --example io_floor --message-format=json 2>/dev/null \
  | jq -r 'select(.reason == "compiler-artifact" and .executable != null) | .executable' | tail -1)"
[ -x "$FLOOR_BIN" ] || die "no io_floor example (check cargo build --release --example io_floor)"

# ---- the machine ---------------------------------------------------------------------------
CPU="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
MACHINE="$(nproc) cores, ${CPU:-unknown CPU}, $(date -u '+%Y-%m-%d %H:%M UTC')"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: $MACHINE; load average $LOAD_BEFORE"

# ---- 1. amlfw tags vs jq | python ipaddress ------------------------------------------------
say "amlfw tags vs jq | python3 ipaddress ($AMLFW_RUNS and $RUNS runs)"
# The big set: AzureCloud and every tag of East US 2, spelled as in the file.
mapfile -t BIG < <(jq -r '.values[].name | select(. == "AzureCloud" or (ascii_downcase | endswith(".eastus2")))' "$TAGS_FILE")
[ "${#BIG[@]}" -gt 10 ] || die "the big tag set is unexpectedly small (${#BIG[@]} tags)"
# The 11 tags of a secured workspace's outbound rules in East US 2 (issue 21's "11 tags").
AML11=(AzureActiveDirectory AzureMachineLearning AzureResourceManager Storage.EastUS2
  AzureKeyVault.EastUS2 AzureContainerRegistry.EastUS2 MicrosoftContainerRegistry.EastUS2
  AzureFrontDoor.Frontend AzureFrontDoor.FirstParty AzureMonitor BatchNodeManagement.EastUS2)
SET_NAMES=("AzureMachineLearning" "Storage.EastUS2" "AzureCloud.eastus2" "aml11" "big")

ratios=()
budgets=()
rows=()
ms_rows=()
for set in "${SET_NAMES[@]}"; do
  budget=40
  if [ "$set" = big ]; then
    tags=("${BIG[@]}")
    label="AzureCloud + all *.EastUS2 (${#BIG[@]} tags)"
    budget=10
  elif [ "$set" = aml11 ]; then
    tags=("${AML11[@]}")
    label="the 11 tags of a workspace in East US 2"
    budget=50
  else
    tags=("$set")
    label="$set"
  fi
  names_json="$(printf '%s\n' "${tags[@]}" | jq -R . | jq -sc .)"
  amlfw_cmd="$(printf '%q ' "$BIN" tags --service-tags "$TAGS_FILE")"
  for t in "${tags[@]}"; do amlfw_cmd+="--tag $(printf '%q' "$t") "; done
  jq_cmd="jq -r --argjson names $(printf '%q' "$names_json") \
'.values[] | select(.name as \$n | \$names | index(\$n)) | .properties.addressPrefixes[]' \
$(printf '%q' "$TAGS_FILE") | $(printf '%q' "$PYTHON") -I $(printf '%q' "$WORK/collapse.py")"

  # Same set of prefixes? Both print one prefix per line, IPv4 first, /32 and /128 written
  # out; the order is not compared.
  sh -c "$amlfw_cmd" | sort >"$WORK/amlfw.txt"
  sh -c "$jq_cmd" | sort >"$WORK/jq.txt"
  if ! cmp -s "$WORK/amlfw.txt" "$WORK/jq.txt"; then
    echo "prefix sets differ for $label:" >&2
    diff "$WORK/amlfw.txt" "$WORK/jq.txt" | head -20 >&2 || true
    die "amlfw tags and jq | python disagree for $label"
  fi
  n="$(wc -l <"$WORK/amlfw.txt")"
  echo "$label: same $n prefixes"

  # Apart, so each gets a run count that suits it; one after the other, on the same machine.
  hyperfine --style basic --warmup 3 --runs "$AMLFW_RUNS" --export-json "$WORK/a.json" \
    -n amlfw "$amlfw_cmd" >"$WORK/hyperfine.txt" 2>&1 \
    || { cat "$WORK/hyperfine.txt"; die "hyperfine failed for amlfw, $label"; }
  hyperfine --style basic --warmup 1 --runs "$RUNS" --export-json "$WORK/j.json" \
    -n "jq+python" "$jq_cmd" >"$WORK/hyperfine.txt" 2>&1 \
    || { cat "$WORK/hyperfine.txt"; die "hyperfine failed for jq + python, $label"; }
  a="$(jq -r '.results[0].median * 1000' "$WORK/a.json")"
  j="$(jq -r '.results[0].median * 1000' "$WORK/j.json")"
  ratio="$(awk -v a="$a" -v j="$j" 'BEGIN { printf "%.1f", j / a }')"
  printf '  amlfw %.1f ms, jq + python %.1f ms (medians): %sx\n' "$a" "$j" "$ratio"
  ratios+=("$ratio")
  budgets+=("$budget")
  rows+=("$(printf 'tags: %s (%s prefixes)|amlfw %.1f ms, jq+python %.1f ms|%sx|>= %sx' "$label" "$n" "$a" "$j" "$ratio" "$budget")")
  # One tag: the whole process under 4 ms as well (issue 21).
  if [ "${#tags[@]}" = 1 ]; then
    ms_rows+=("$(printf 'amlfw tags --tag %s, whole process|%.2f ms|%s' "$label" "$a" "$a")")
  fi
done

# ---- 1b. the floor ---------------------------------------------------------------------------
# What starting a process costs here, and what issue 21 calls the floor of `amlfw tags`:
# reading the 4 MB file from the page cache with one memchr pass over it, in a Rust process
# built as amlfw is (examples/io_floor.rs), measured the same way (hyperfine subtracts its
# shell). No amlfw run can beat the last; the ratios above are bounded by jq + python's time
# divided by it.
say "the floor: starting a process, and reading the file ($AMLFW_RUNS runs)"
hyperfine --style basic --warmup 3 --runs "$AMLFW_RUNS" --export-json "$WORK/f.json" \
  -n true /bin/true -n version "$(printf '%q' "$BIN") --version" \
  -n start "$(printf '%q' "$FLOOR_BIN")" \
  -n read "$(printf '%q ' "$FLOOR_BIN" "$TAGS_FILE")" >"$WORK/hyperfine.txt" 2>&1 \
  || { cat "$WORK/hyperfine.txt"; die "hyperfine failed for the floor"; }
FLOOR_TRUE="$(jq -r '.results[0].median * 1000' "$WORK/f.json")"
FLOOR_VERSION="$(jq -r '.results[1].median * 1000' "$WORK/f.json")"
FLOOR_START="$(jq -r '.results[2].median * 1000' "$WORK/f.json")"
FLOOR_READ="$(jq -r '.results[3].median * 1000' "$WORK/f.json")"
printf '  /bin/true %.2f ms, amlfw --version %.2f ms, a Rust process that starts %.2f ms, and reads the file with one memchr pass %.2f ms (medians)\n' \
  "$FLOOR_TRUE" "$FLOOR_VERSION" "$FLOOR_START" "$FLOOR_READ"

# ---- 2. time to first frame ----------------------------------------------------------------
say "time to the wizard's first frame ($FRAME_RUNS runs in a pseudo-terminal, 200x60)"
frame_runs() { # extra amlfw arguments...
  local i out ms t0 t1 args=""
  [ "$#" -gt 0 ] && args="$(printf '%q ' "$@")"
  : >"$WORK/frames.txt"
  : >"$WORK/walls.txt"
  for ((i = 0; i < FRAME_RUNS; i++)); do
    t0="$(date +%s%N)"
    # A fresh HOME: no saved profiles or config of the person running this.
    out="$(script -qfec "stty cols 200 rows 60; env HOME=$(printf '%q' "$WORK/home") XDG_CONFIG_HOME= XDG_DATA_HOME= TERM=xterm-256color AMLFW_EXIT_AFTER_FIRST_FRAME=1 $(printf '%q' "$BIN") $args" /dev/null </dev/null 2>&1 | tr -d '\r')"
    t1="$(date +%s%N)"
    ms="$(grep -ao 'first frame after [0-9.]* ms' <<<"$out" | awk '{print $4}' | tail -1)"
    [ -n "$ms" ] || { printf '%s\n' "$out" | tail -5 >&2; die "the wizard printed no 'first frame after' line"; }
    echo "$ms" >>"$WORK/frames.txt"
    echo $(((t1 - t0) / 1000)) | awk '{printf "%.3f\n", $1 / 1000}' >>"$WORK/walls.txt"
  done
}
median() { sort -n "$1" | awk '{v[NR] = $1} END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mkdir -p "$WORK/home"
frame_runs
FRAME="$(median "$WORK/frames.txt")"
FRAME_WALL="$(median "$WORK/walls.txt")"
echo "in-binary first frame: median $FRAME ms (runs: $(sort -n "$WORK/frames.txt" | paste -sd' '))"
echo "whole process in the pty (start to exit, script(1) included): median $FRAME_WALL ms"
frame_runs --service-tags "$TAGS_FILE"
FRAME_TAGS="$(median "$WORK/frames.txt")"
FRAME_TAGS_WALL="$(median "$WORK/walls.txt")"
echo "with --service-tags (its loading counted): in-binary median $FRAME_TAGS ms, whole process $FRAME_TAGS_WALL ms"

# ---- 3. peak memory ------------------------------------------------------------------------
say "peak memory (/usr/bin/time -v)"
mapfile -t FEATURES < <("$BIN" features | awk '/^  [a-z0-9][a-z0-9-]*  / {print $1}' | grep -vx aks-private)
[ "${#FEATURES[@]}" -gt 5 ] || die "could not read the feature ids from 'amlfw features'"
LARGEST=(--cloud public --region eastus2 --storage-account amlstore01 --acr-name amlacr01
  --source 10.0.1.0/24 --source 10.0.2.0/24 --aks-dns-server 10.0.0.4)
for f in "${FEATURES[@]}"; do LARGEST+=(--feature "$f"); done
peak_mb() { # command...
  /usr/bin/time -v "$@" >"$WORK/out.txt" 2>"$WORK/time.txt" || { cat "$WORK/time.txt" >&2; die "$* failed"; }
  awk -F: '/Maximum resident set size/ {printf "%.1f\n", $2 / 1024}' "$WORK/time.txt"
}
MEM_TAGS="$(peak_mb "$BIN" tags --service-tags "$TAGS_FILE" --tag AzureCloud)"
echo "amlfw tags --tag AzureCloud: $MEM_TAGS MB"
MEM_NFT="$(peak_mb "$BIN" export --target nftables --service-tags "$TAGS_FILE" "${LARGEST[@]}")"
echo "amlfw export --target nftables (largest profile, ${#FEATURES[@]} features): $MEM_NFT MB ($(wc -c <"$WORK/out.txt") bytes out)"

# ---- summary -------------------------------------------------------------------------------
met() { awk -v v="$1" -v op="$2" -v b="$3" 'BEGIN { ok = (op == "<") ? (v < b) : (v >= b); print ok ? "yes" : "NO" }'; }
missed=0
row() { # what|measured|value op budget
  local what="$1" measured="$2" value="$3" op="$4" budget="$5" unit="$6" m
  m="$(met "$value" "$op" "$budget")"
  [ "$m" = yes ] || missed=1
  printf '| %-58s | %-40s | %-9s | %-4s |\n' "$what" "$measured" "$op $budget$unit" "$m"
}
say "summary"
echo "machine: $MACHINE"
echo "load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg) (other jobs share these cores)"
echo
printf '| %-58s | %-40s | %-9s | %-4s |\n' "measurement (median)" "measured" "budget" "met?"
printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..60})" "$(printf -- '-%.0s' {1..42})" "$(printf -- '-%.0s' {1..11})" "------"
for i in "${!rows[@]}"; do
  IFS='|' read -r what measured ratio _ <<<"${rows[$i]}"
  row "$what" "$measured" "${ratios[$i]}" ">=" "${budgets[$i]}" x
done
for r in "${ms_rows[@]}"; do
  IFS='|' read -r what measured value <<<"$r"
  row "$what" "$measured" "$value" "<" 4 " ms"
done
row "time to first frame (in-binary)" "$FRAME ms (process in pty: $FRAME_WALL ms)" "$FRAME" "<" 30 " ms"
row "time to first frame with --service-tags (in-binary)" "$FRAME_TAGS ms (process: $FRAME_TAGS_WALL ms)" "$FRAME_TAGS" "<" 8 " ms"
row "peak memory: amlfw tags, public file loaded" "$MEM_TAGS MB" "$MEM_TAGS" "<" 60 " MB"
row "peak memory: amlfw export nftables, largest profile + file" "$MEM_NFT MB" "$MEM_NFT" "<" 60 " MB"
echo
# What the ratio budgets ask for here, next to the floor: the time jq + python took divided
# by the ratio, and how many times the floor that is.
asked() { # row ratio
  awk -v r="$1" -v x="$2" -v f="$FLOOR_READ" 'BEGIN { split(r, p, "jq\\+python "); a = p[2] / x; printf "%.2f ms (%.2fx the floor)", a, a / f }'
}
printf 'the floor (no budget): /bin/true %.2f ms, amlfw --version %.2f ms, a Rust process %.2f ms; reading the file with one memchr pass %.2f ms\n' \
  "$FLOOR_TRUE" "$FLOOR_VERSION" "$FLOOR_START" "$FLOOR_READ"
printf 'what the ratios ask for here: 40x for one tag (Storage.EastUS2) is %s; 50x for the 11 tags is %s\n' \
  "$(asked "${rows[1]}" 40)" "$(asked "${rows[3]}" 50)"
echo "In-process budgets (resolve, frame, exports, loading the file): cargo bench --bench perf"
if [ "$missed" = 1 ] && [ "${BENCH_STRICT:-0}" = 1 ]; then
  die "a budget was missed (BENCH_STRICT=1)"
fi
