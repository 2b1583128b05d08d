#!/usr/bin/env bash
# Installs every Debian package that building and testing the project needs.
# Idempotent: packages already present are left alone and apt is not called.
#   --bench   also the Python packages of the benchmark peers
#             (benchmarks/requirements.txt: PyTorch from PyPI, matplotlib)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

PACKAGES=(
  # LLVM/MLIR 22: headers, libMLIR.so, mlir-tblgen, FileCheck, lit, mlir-runner.
  llvm-22 llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  # OpenMP runtime for the threaded CPU code (benchmarks, retnet-run).
  libomp-22-dev
  # Build.
  cmake ninja-build g++ python3
  # Unit tests; numpy for the lane-level model of the tensor-core kernels.
  libgtest-dev python3-numpy
  # JSON (model config.json, safetensors headers, tokenizer.json).
  nlohmann-json3-dev
  # Tokenizers: SentencePiece models; PCRE2 for tokenizer.json's regular
  # expressions (GPT-2's pre-split needs Unicode properties and lookahead).
  libsentencepiece-dev libpcre2-dev pkg-config
  # retnet-serve: HTTP server (cpp-httplib); its tests use the openai client
  # from PyPI in a virtual environment (python3-venv; see test/serve).
  libcpp-httplib-dev python3-venv
  # Fuzzing the file parsers (libFuzzer) and the sanitizer build.
  clang-22 libclang-rt-22-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

bench_python() {
  if [ "${1:-}" = "--bench" ]; then
    echo "install-deps: pip install -r benchmarks/requirements.txt"
    python3 -m pip install -q -r "$root/benchmarks/requirements.txt"
  fi
}

# The Python packages of the tests that are not in Debian (the OpenAI client
# for retnet-serve's tests), in a virtual environment: .pyenv/ (git-ignored).
test_python() {
  local env="$root/.pyenv"
  if "$env/bin/python" -c 'import openai' 2>/dev/null; then
    return
  fi
  echo "install-deps: python3 -m venv .pyenv; pip install -r test/serve/requirements.txt"
  python3 -m venv "$env"
  "$env/bin/pip" install -q -r "$root/test/serve/requirements.txt"
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  test_python
  bench_python "$@"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
test_python
bench_python "$@"
