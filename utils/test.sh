#!/usr/bin/env bash
# Sets everything up and runs every test: lit (FileCheck), GoogleTest and the
# fuzzers (60 s each) through one ctest, then the unit tests and the
# bad-input corpus again under AddressSanitizer + UBSan. Extra arguments go
# to the first ctest (e.g. -R lit).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${RETNET_BUILD_DIR:-$root/build}"

"$root/utils/build.sh"
cd "$build"
# Without a GPU the CUDA tests run on the PTX simulator; say so where it shows.
if ! "$build/bin/retnet-cuda-info" > /dev/null 2>&1; then
  echo "note: no GPU here ($("$build/bin/retnet-cuda-info" 2>&1 | sed 's/^CUDA: //'));" \
       "the CUDA tests (test/Integration/CUDA) run on the PTX simulator" \
       "(build/sim/libcuda.so.1); the 4 largest kernel cases need a GPU"
fi
ctest --output-on-failure -j "$(nproc)" "$@"

# The parts that read untrusted input again, under AddressSanitizer and
# UndefinedBehaviorSanitizer (build-sanitize/: the runtime, retnet-run,
# retnet-golden, the PTX simulator and the unit tests; models are compiled by
# the retnet-compile above): every unit test, then the bad-input corpus
# through retnet-run.
# Serial artifacts (RETNET_THREADS=0): gcc 12's LeakSanitizer crashes on the
# dynamic TLS of OpenMP worker threads in dlopen-ed libraries.
san="${RETNET_SANITIZE_BUILD_DIR:-$root/build-sanitize}"
echo "== sanitizers: AddressSanitizer + UndefinedBehaviorSanitizer build in $san"
cmake -G Ninja -S "$root" -B "$san" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DRETNET_SANITIZE=address,undefined \
  -DRETNET_TEST_COMPILER="$build/bin/retnet-compile" > "$san.configure.log" \
  || { cat "$san.configure.log"; exit 1; }
ninja -C "$san" RetnetModelTest RetnetReferenceTest RetnetCudaRuntimeTest \
  RetnetCudaUnavailableTest FakeCuda RetnetApiTest RetnetApiCudaTest retnet-run retnet-golden \
  RetnetPtxSim RetnetPtxSimTest RetnetTokenizerTest retnet-tokenize retnet-serve \
  RetnetChatTemplateTest
export RETNET_THREADS=0 RETNET_COMPILE="$build/bin/retnet-compile"
(cd "$san" && ctest --output-on-failure -j "$(nproc)" -R '^unit\.')
python3 "$root/test/bad-inputs/run.py" --retnet-run "$san/bin/retnet-run" | grep -v '^ok '
# retnet-serve's end-to-end test (HTTP threads, the scheduler, cancellation,
# overload, bad requests) against the sanitized server; LeakSanitizer
# checks its exit.
"$build/bin/retnet-compile" -q "$root/examples/retnet-kjv" -o "$san/kjv.so"
if ! "$root/.pyenv/bin/python" "$root/test/serve/serve_test.py" e2e --serve "$san/bin/retnet-serve" \
    --run "$san/bin/retnet-run" --model "$root/examples/retnet-kjv" --artifact "$san/kjv.so" \
    --log "$san/serve-e2e.log" > "$san/serve-e2e.out" 2>&1; then
  cat "$san/serve-e2e.out"; tail -50 "$san/serve-e2e.log"; exit 1
fi
echo "retnet-serve under sanitizers: $(grep -c '^ok: ' "$san/serve-e2e.out") checks passed"
echo "== all tests passed (ctest, sanitizer unit tests, bad inputs and retnet-serve under sanitizers)"
