//===- ConfigFuzzer.cpp - libFuzzer target: the config.json parser --------===//
//
// Any byte string is parsed as a config.json. It must either throw
// retnet::Error or give a config whose derived sizes are consistent: heads
// divide both widths, the key head dim is even, and the weight layout (every
// tensor's offset and size) is computed without overflow. The error's
// message holds no raw bytes of the input (nothing retnet::printable would
// escape) and is bounded. Anything else (a crash, another exception, a
// sanitizer report, a hang) is a bug. Run with utils/fuzz.sh.
//
//===----------------------------------------------------------------------===//

#include "retnet/Error.h"
#include "retnet/ModelConfig.h"
#include "retnet/WeightLayout.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  try {
    retnet::ModelConfig c = retnet::ModelConfig::parse(text, "config.json");
    if (c.keyEmbedDim % c.heads || c.valueEmbedDim % c.heads ||
        c.keyHeadDim() % 2 || c.layers < 1 || c.vocabSize < 1)
      __builtin_trap(); // accepted a config the model cannot have
    retnet::WeightLayout layout = retnet::WeightLayout::forConfig(c);
    int64_t end = 0;
    for (const retnet::PackedTensor &t : layout.tensors) {
      if (t.offset < end)
        __builtin_trap(); // overlapping or overflowed offsets
      int64_t n = 1;
      for (int64_t d : t.shape)
        n *= d;
      end = t.offset + n;
    }
    if (end > layout.totalFloats)
      __builtin_trap();
  } catch (const retnet::Error &e) {
    std::string message = e.what();
    if (message.size() > retnet::kMaxErrorLine ||
        retnet::printable(message) != message)
      __builtin_trap(); // raw input bytes (or an unbounded value) in it
  }
  return 0;
}
