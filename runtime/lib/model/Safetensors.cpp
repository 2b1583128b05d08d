//===- Safetensors.cpp - parse and validate safetensors files -------------===//
//
// The header is untrusted input: its length, JSON, dtypes, shapes and byte
// ranges are all checked against the file before anything is read through
// them (DESIGN.md §4; issue 7's list of malformed cases).
//
//===----------------------------------------------------------------------===//

#include "retnet/Safetensors.h"

#include "retnet/Error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace retnet {
namespace {

/// Headers larger than this are refused before any allocation.
constexpr uint64_t kMaxHeader = 100u << 20;

struct DTypeEntry {
  const char *name;
  DType type;
  size_t size;
};
constexpr DTypeEntry kDTypes[] = {
    {"F64", DType::F64, 8},   {"F32", DType::F32, 4}, {"F16", DType::F16, 2},
    {"BF16", DType::BF16, 2}, {"I64", DType::I64, 8}, {"I32", DType::I32, 4},
    {"I16", DType::I16, 2},   {"I8", DType::I8, 1},   {"U8", DType::U8, 1},
    {"BOOL", DType::BOOL, 1}};

[[noreturn]] void fail(const std::string &file, const std::string &what) {
  throw Error(printablePath(file) + ": " + what);
}

/// A JSON value from the header for a message: escaped, cut short.
std::string shown(const nlohmann::json &v) {
  return printable(
      v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), 80);
}

} // namespace

const char *dtypeName(DType t) {
  for (const DTypeEntry &e : kDTypes)
    if (e.type == t)
      return e.name;
  return "?";
}

size_t dtypeSize(DType t) {
  for (const DTypeEntry &e : kDTypes)
    if (e.type == t)
      return e.size;
  return 0;
}

size_t TensorInfo::elements() const {
  size_t n = 1;
  for (int64_t d : shape)
    n *= size_t(d);
  return n;
}

SafetensorsFile SafetensorsFile::parse(const uint8_t *data, size_t size,
                                       const std::string &file) {
  if (size < 8)
    fail(file, "not a safetensors file: " + std::to_string(size) +
                   " bytes, shorter than the 8-byte header length");
  uint64_t headerLen = 0;
  for (int i = 7; i >= 0; --i)
    headerLen = (headerLen << 8) | data[i];
  if (headerLen > kMaxHeader)
    fail(file, "header length " + std::to_string(headerLen) +
                   " exceeds the limit of " + std::to_string(kMaxHeader) +
                   " bytes");
  if (headerLen > size - 8)
    fail(file, "header length " + std::to_string(headerLen) +
                   " runs past the end of the file (" +
                   std::to_string(size - 8) + " bytes after the length)");

  // Parse, rejecting duplicate tensor names (a JSON object may repeat keys).
  std::set<std::string> seen;
  std::string duplicate;
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(
        data + 8, data + 8 + headerLen,
        [&](int depth, nlohmann::json::parse_event_t event,
            nlohmann::json &key) {
          if (depth == 1 && event == nlohmann::json::parse_event_t::key &&
              key.is_string() && !seen.insert(key.get<std::string>()).second &&
              duplicate.empty())
            duplicate = key.get<std::string>();
          return true;
        });
  } catch (const nlohmann::json::exception &e) {
    fail(file, "header is not valid JSON: " + printable(e.what(), 300));
  }
  if (!header.is_object())
    fail(file, std::string("header must be a JSON object, found ") +
                   header.type_name());
  if (!duplicate.empty())
    fail(file, "tensor " + quote(duplicate) + " appears twice in the header");

  SafetensorsFile f;
  f.name = file;
  f.dataSection = data + 8 + headerLen;
  size_t dataSize = size - 8 - headerLen;
  std::vector<std::pair<size_t, std::string>> ranges; // begin, name

  for (auto &[key, value] : header.items()) {
    if (key == "__metadata__") {
      if (!value.is_object())
        fail(file, "'__metadata__' must be an object of strings");
      for (auto &[mk, mv] : value.items()) {
        if (!mv.is_string())
          fail(file, quote("__metadata__." + mk) + " must be a string, found " +
                         mv.type_name());
        f.meta[mk] = mv.get<std::string>();
      }
      continue;
    }
    std::string where = "tensor " + quote(key);
    if (!value.is_object())
      fail(file, where + " must be an object, found " + value.type_name());
    for (const char *field : {"dtype", "shape", "data_offsets"})
      if (!value.contains(field))
        fail(file, where + " lacks the field '" + field + "'");
    const auto &dt = value["dtype"];
    if (!dt.is_string())
      fail(file, where + ": 'dtype' must be a string");
    TensorInfo info;
    const DTypeEntry *entry = nullptr;
    for (const DTypeEntry &e : kDTypes)
      if (dt.get<std::string>() == e.name)
        entry = &e;
    if (!entry)
      fail(file, where + ": unknown dtype " + quote(dt.get<std::string>()) +
                     " (expected one of F64, F32, F16, BF16, I64, I32, I16, "
                     "I8, U8, BOOL)");
    info.dtype = entry->type;

    const auto &shape = value["shape"];
    if (!shape.is_array())
      fail(file, where + ": 'shape' must be an array of integers");
    size_t bytes = entry->size;
    for (const auto &d : shape) {
      if (!d.is_number_integer())
        fail(file, where + ": 'shape' holds " + shown(d) + ", not an integer");
      int64_t n = d.get<int64_t>();
      if (n < 0)
        fail(file, where + ": negative dimension " + std::to_string(n) +
                       " in 'shape'");
      if (n > 0 && bytes > SIZE_MAX / size_t(n))
        fail(file, where + ": 'shape' " + shown(shape) +
                       " overflows the addressable size");
      bytes *= size_t(n);
      info.shape.push_back(n);
    }

    const auto &offsets = value["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 ||
        !offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned())
      fail(file, where +
                     ": 'data_offsets' must be [begin, end] with "
                     "non-negative integers, found " +
                     shown(offsets));
    info.begin = offsets[0].get<uint64_t>();
    info.end = offsets[1].get<uint64_t>();
    if (info.begin > info.end)
      fail(file, where + ": 'data_offsets' " + shown(offsets) +
                     " are reversed (begin > end)");
    if (info.end > dataSize)
      fail(file, where + ": 'data_offsets' " + shown(offsets) +
                     " run past the data section (" + std::to_string(dataSize) +
                     " bytes); the file is truncated or the header wrong");
    if (info.end - info.begin != bytes)
      fail(file, where + ": 'data_offsets' span " +
                     std::to_string(info.end - info.begin) +
                     " bytes, but shape " + shown(shape) + " of " +
                     entry->name + " needs " + std::to_string(bytes));
    if (info.end > info.begin) // empty tensors occupy no bytes
      ranges.push_back({info.begin, key});
    f.index[key] = std::move(info);
  }

  // Byte ranges may not overlap.
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i) {
    const TensorInfo &prev = f.index[ranges[i - 1].second];
    if (ranges[i].first < prev.end)
      fail(file, "tensors " + quote(ranges[i - 1].second) + " and " +
                     quote(ranges[i].second) + " overlap in the data section");
  }
  return f;
}

SafetensorsFile SafetensorsFile::open(const std::string &path) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is then
  // refused as not a regular file); it changes nothing for regular files.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    fail(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(path, "not a regular file");
  }
  size_t size = size_t(st.st_size);
  void *map =
      size ? mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0) : nullptr;
  ::close(fd);
  if (size && map == MAP_FAILED)
    fail(path, std::string("cannot map: ") + std::strerror(errno));
  std::shared_ptr<void> mapping(map, [size](void *p) {
    if (p)
      munmap(p, size);
  });
  static const uint8_t empty = 0;
  SafetensorsFile f =
      parse(map ? static_cast<const uint8_t *>(map) : &empty, size, path);
  f.mapping = std::move(mapping);
  return f;
}

const TensorInfo &SafetensorsFile::info(const std::string &tensor) const {
  auto it = index.find(tensor);
  if (it == index.end())
    fail(name, "has no tensor " + quote(tensor));
  return it->second;
}

const uint8_t *SafetensorsFile::data(const std::string &tensor) const {
  return dataSection + info(tensor).begin;
}

void writeSafetensors(const std::string &path,
                      const std::vector<F32Tensor> &tensors) {
  nlohmann::json header = nlohmann::json::object();
  size_t offset = 0;
  for (const F32Tensor &t : tensors) {
    size_t n = 1;
    for (int64_t d : t.shape) {
      if (d < 0)
        throw Error(printablePath(path) + ": tensor " + quote(t.name) +
                    " has a negative dimension");
      n *= size_t(d);
    }
    header[t.name] = {{"dtype", "F32"},
                      {"shape", t.shape},
                      {"data_offsets", {offset, offset + 4 * n}}};
    offset += 4 * n;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' '); // data starts 8-byte aligned

  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    fail(path, std::string("cannot write: ") + std::strerror(errno));
  auto writeAll = [&](const void *p, size_t n) {
    const char *c = static_cast<const char *>(p);
    while (n) {
      ssize_t w = ::write(fd, c, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return false;
      c += w;
      n -= size_t(w);
    }
    return true;
  };
  uint8_t len[8];
  for (int i = 0; i < 8; ++i)
    len[i] = uint8_t(uint64_t(text.size()) >> (8 * i));
  bool ok = writeAll(len, 8) && writeAll(text.data(), text.size());
  for (const F32Tensor &t : tensors) {
    size_t n = 1;
    for (int64_t d : t.shape)
      n *= size_t(d);
    ok = ok && writeAll(t.data, 4 * n);
  }
  int savedErrno = errno;
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok)
      savedErrno = errno;
    ::unlink(tmp.c_str());
    fail(path, std::string("cannot write: ") + std::strerror(savedErrno));
  }
}

} // namespace retnet
