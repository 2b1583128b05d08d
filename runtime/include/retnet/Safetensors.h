//===- Safetensors.h - memory-mapped safetensors files ----------*- C++ -*-===//
//
// Reads a .safetensors file: an 8-byte little-endian header length, a JSON
// header naming each tensor's dtype, shape and byte range, then the data.
// Every header field is checked before use; the data is memory-mapped, never
// copied. Malformed files raise retnet::Error naming the file and the field.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_SAFETENSORS_H
#define RETNET_SAFETENSORS_H

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace retnet {

/// The dtypes of the safetensors format; the model loader accepts F32, F16
/// and BF16, the others may appear (derived buffers) and are listed only.
enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

const char *dtypeName(DType t);
size_t dtypeSize(DType t);

struct TensorInfo {
  DType dtype;
  std::vector<int64_t> shape;
  size_t begin = 0, end = 0; ///< byte range within the data section
  size_t elements() const;
};

class SafetensorsFile {
public:
  /// Opens and validates `path`; throws retnet::Error.
  static SafetensorsFile open(const std::string &path);
  /// Parses a file image already in memory (tests, fuzzing); `name` is used
  /// in messages. The image must outlive the returned object.
  static SafetensorsFile parse(const uint8_t *data, size_t size,
                               const std::string &name);

  const std::map<std::string, TensorInfo> &tensors() const { return index; }
  const std::map<std::string, std::string> &metadata() const { return meta; }
  /// The tensor's bytes; throws retnet::Error when `name` is absent.
  const uint8_t *data(const std::string &name) const;
  const TensorInfo &info(const std::string &name) const;
  const std::string &path() const { return name; }

private:
  std::string name;
  std::shared_ptr<void> mapping; ///< munmap on last copy
  const uint8_t *dataSection = nullptr;
  std::map<std::string, TensorInfo> index;
  std::map<std::string, std::string> meta;
};

/// One tensor to write: F32 data in row-major order.
struct F32Tensor {
  std::string name;
  std::vector<int64_t> shape;
  const float *data;
};

/// Writes `tensors` as a safetensors file at `path`: to a temporary file in
/// the same directory, renamed over `path` only when complete, so a failure
/// leaves no partial file. Throws retnet::Error naming the path.
void writeSafetensors(const std::string &path,
                      const std::vector<F32Tensor> &tensors);

} // namespace retnet

#endif // RETNET_SAFETENSORS_H
