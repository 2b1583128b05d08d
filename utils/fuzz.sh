#!/usr/bin/env bash
# Fuzzes the parsers of untrusted model files with libFuzzer, under
# AddressSanitizer and UndefinedBehaviorSanitizer.
#
#   utils/fuzz.sh [--seconds N] [TARGET ...]     targets: safetensors config
#
# Builds fuzz/<Target>Fuzzer.cpp with the parser sources using clang++-22
# (-fsanitize=fuzzer,address,undefined) into $RETNET_BUILD_DIR/fuzz (default
# build/fuzz), then runs each target for N seconds (default 60) on a working
# corpus seeded from fuzz/corpus/<target> (the seeds in the repository are
# never modified). Prints each target's executions; exits non-zero when a
# target crashes, leaving the input that did it as build/fuzz/<target>/crash-*.
# To fuzz longer: utils/fuzz.sh --seconds 3600 safetensors. To reproduce a
# crash: build/fuzz/safetensors-fuzzer build/fuzz/safetensors/crash-<hash>.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${RETNET_BUILD_DIR:-$root/build}"
out="$build/fuzz"
seconds=60
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift ;;
    safetensors|config) targets+=("$1") ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fuzz.sh: unknown argument '$1' (targets: safetensors config)" >&2; exit 2 ;;
  esac
  shift
done
[ ${#targets[@]} -gt 0 ] || targets=(safetensors config)
cxx="${RETNET_FUZZ_CXX:-clang++-22}"
command -v "$cxx" >/dev/null || { echo "fuzz.sh: $cxx not found (utils/install-deps.sh installs clang-22 and libclang-rt-22-dev)" >&2; exit 1; }
mkdir -p "$out"

flags=(-std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined -I"$root/runtime/include")
declare -A sources=(
  [safetensors]="$root/fuzz/SafetensorsFuzzer.cpp $root/runtime/lib/model/Safetensors.cpp"
  [config]="$root/fuzz/ConfigFuzzer.cpp $root/runtime/lib/model/ModelConfig.cpp $root/runtime/lib/model/WeightLayout.cpp"
)
status=0
for t in "${targets[@]}"; do
  bin="$out/$t-fuzzer"
  # shellcheck disable=SC2086
  if [ ! -x "$bin" ] || [ -n "$(find ${sources[$t]} "$root/runtime/include" -newer "$bin" | head -n 1)" ]; then
    echo "fuzz.sh: building $bin"
    # shellcheck disable=SC2086
    "$cxx" "${flags[@]}" ${sources[$t]} -o "$bin"
  fi
  work="$out/$t"
  mkdir -p "$work/corpus"
  cp -n "$root/fuzz/corpus/$t"/* "$work/corpus/" 2>/dev/null || true
  echo "fuzz.sh: fuzzing $t for $seconds s (corpus $work/corpus, $(ls "$work/corpus" | wc -l) inputs)"
  set +e
  (cd "$work" && "$bin" -max_total_time="$seconds" -print_final_stats=1 \
      -dict="$root/fuzz/json.dict" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$work/" corpus > "$work/log" 2>&1)
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
  if [ $rc -ne 0 ]; then
    status=1
    echo "fuzz.sh: $t FAILED (exit $rc) after ${runs:-?} executions:"
    grep -E "ERROR|SUMMARY|runtime error|Test unit written|uncaught" "$work/log" | head -n 20
  else
    echo "fuzz.sh: $t: ${runs:-?} executions in $seconds s, no crash"
  fi
done
exit $status
