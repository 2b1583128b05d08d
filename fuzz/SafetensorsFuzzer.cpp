//===- SafetensorsFuzzer.cpp - libFuzzer target: the safetensors parser ---===//
//
// Any byte string is handed to SafetensorsFile::parse as a whole file (the
// fuzzer's buffer is exactly the input, so AddressSanitizer sees a read one
// byte past it). It must either throw retnet::Error or return tensors whose
// byte ranges lie inside the data section: the first and last byte of every
// tensor are read to prove it. The error's message holds no raw bytes of the
// input (nothing retnet::printable would escape) and is bounded. Anything
// else (a crash, another exception, a sanitizer report, a hang) is a bug.
// Run with utils/fuzz.sh.
//
//===----------------------------------------------------------------------===//

#include "retnet/Error.h"
#include "retnet/Safetensors.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  try {
    retnet::SafetensorsFile file =
        retnet::SafetensorsFile::parse(data, size, "fuzz.safetensors");
    volatile uint8_t sink = 0;
    for (const auto &[name, info] : file.tensors()) {
      size_t bytes = info.end - info.begin;
      if (bytes != info.elements() * retnet::dtypeSize(info.dtype))
        __builtin_trap(); // accepted, yet its size disagrees with its shape
      if (bytes) {
        const uint8_t *p = file.data(name);
        sink = sink ^ p[0] ^ p[bytes - 1];
      }
    }
    (void)sink;
  } catch (const retnet::Error &e) {
    std::string message = e.what();
    if (message.size() > retnet::kMaxErrorLine ||
        retnet::printable(message) != message)
      __builtin_trap(); // raw input bytes (or an unbounded value) in it
  }
  return 0;
}
