//===- SafetensorsTest.cpp - safetensors parsing and validation -----------===//
//
// Valid files read back exactly; each malformed header is refused with a
// message naming the file and the problem.
//
//===----------------------------------------------------------------------===//

#include "retnet/Safetensors.h"
#include "retnet/Error.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

using namespace retnet;

namespace {

/// A file image: 8-byte little-endian length, the header, then `data`.
std::vector<uint8_t> image(const std::string &header,
                           const std::vector<uint8_t> &data = {}) {
  std::vector<uint8_t> out(8);
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    out[i] = uint8_t(n >> (8 * i));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

std::vector<uint8_t> floats(std::initializer_list<float> xs) {
  std::vector<uint8_t> out(xs.size() * 4);
  std::memcpy(out.data(), xs.begin(), out.size());
  return out;
}

/// The message of the Error that parsing `img` raises ("" when none).
std::string errorOf(const std::vector<uint8_t> &img) {
  try {
    SafetensorsFile::parse(img.data(), img.size(), "w.safetensors");
  } catch (const Error &e) {
    return e.what();
  }
  return "";
}

TEST(Safetensors, ReadsTensorsAndMetadata) {
  auto img = image(R"({"__metadata__": {"format": "pt"},
      "a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
      "b": {"dtype": "BF16", "shape": [2], "data_offsets": [16, 20]},
      "empty": {"dtype": "F16", "shape": [0, 3], "data_offsets": [20, 20]}})",
                   floats({1.5f, -2.0f, 3.25f, 4.0f, 0.0f}));
  SafetensorsFile f = SafetensorsFile::parse(img.data(), img.size(), "w");
  ASSERT_EQ(f.tensors().size(), 3u);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  const TensorInfo &a = f.info("a");
  EXPECT_EQ(a.dtype, DType::F32);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(a.elements(), 4u);
  float got[4];
  std::memcpy(got, f.data("a"), 16);
  EXPECT_EQ(got[2], 3.25f);
  EXPECT_EQ(f.info("b").dtype, DType::BF16);
  EXPECT_EQ(f.info("empty").elements(), 0u);
  EXPECT_THROW(f.info("missing"), Error);
}

TEST(Safetensors, OpensAndMapsAFile) {
  std::string path = testing::TempDir() + "/retnet-st-test.safetensors";
  auto img =
      image(R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 12]}})",
            floats({0.25f, 0.5f, 0.75f}));
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char *>(img.data()), img.size());
  SafetensorsFile f = SafetensorsFile::open(path);
  float x[3];
  std::memcpy(x, f.data("w"), 12);
  EXPECT_EQ(x[1], 0.5f);
  std::remove(path.c_str());
  try {
    SafetensorsFile::open(path);
    FAIL() << "opened a missing file";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("cannot open"), std::string::npos);
  }
}

struct Bad {
  const char *what;
  std::vector<uint8_t> img;
  const char *message; // a part of the expected message
};

std::vector<Bad> badFiles() {
  const std::string ok =
      R"("dtype": "F32", "shape": [2], "data_offsets": [0, 8])";
  auto eight = floats({1, 2});
  std::vector<uint8_t> tooLong = image("{}");
  tooLong[0] = 0xff; // length 255 > remaining bytes
  std::vector<uint8_t> absurd(8, 0);
  absurd[7] = 0x7f;
  return {
      {"short", {1, 2, 3}, "shorter than the 8-byte header length"},
      {"length past end", tooLong, "runs past the end of the file"},
      {"absurd length", absurd, "exceeds the limit"},
      {"not json", image("{not json"), "header is not valid JSON"},
      {"not object", image("[1, 2]"),
       "header must be a JSON object, found array"},
      {"tensor not object", image(R"({"a": 3})"),
       "tensor 'a' must be an object"},
      {"missing field", image(R"({"a": {"dtype": "F32", "shape": [1]}})"),
       "tensor 'a' lacks the field 'data_offsets'"},
      {"unknown dtype",
       image(R"({"a": {"dtype": "F8", "shape": [2], "data_offsets": [0, 2]}})",
             eight),
       "unknown dtype 'F8'"},
      {"negative dim",
       image(
           R"({"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}})",
           eight),
       "negative dimension -2"},
      {"non-integer dim",
       image(
           R"({"a": {"dtype": "F32", "shape": [2.5], "data_offsets": [0, 8]}})",
           eight),
       "not an integer"},
      {"overflowing shape",
       image(
           R"({"a": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 8]}})",
           eight),
       "overflows the addressable size"},
      {"reversed offsets",
       image(R"({"a": {"dtype": "F32", "shape": [0], "data_offsets": [8, 0]}})",
             eight),
       "are reversed"},
      {"negative offset",
       image(
           R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [-8, 0]}})",
           eight),
       "non-negative integers"},
      {"outside data",
       image(
           R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})",
           eight),
       "run past the data section (8 bytes)"},
      {"size mismatch",
       image(R"({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})",
             eight),
       "span 8 bytes, but shape [3] of F32 needs 12"},
      {"overlap",
       image(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                 "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})",
             eight),
       "tensors 'a' and 'b' overlap"},
      {"duplicate", image("{\"a\": {" + ok + "}, \"a\": {" + ok + "}}", eight),
       "tensor 'a' appears twice"},
      {"bad metadata", image(R"({"__metadata__": {"k": 1}})"),
       "'__metadata__.k' must be a string"},
  };
}

TEST(Safetensors, RefusesMalformedHeaders) {
  for (const Bad &b : badFiles()) {
    std::string msg = errorOf(b.img);
    EXPECT_NE(msg.find("w.safetensors: "), std::string::npos) << b.what;
    EXPECT_NE(msg.find(b.message), std::string::npos)
        << b.what << ": got '" << msg << "'";
  }
}

} // namespace

namespace {

TEST(SafetensorsWriter, RoundTripsThroughTheReader) {
  std::string path = testing::TempDir() + "/retnet-writer.safetensors";
  std::vector<float> logits = {0.5f, -1.25f, 3.0f, 7.5f, -0.125f, 2.0f};
  writeSafetensors(path, {{"logits", {2, 3}, logits.data()}});
  SafetensorsFile f = SafetensorsFile::open(path);
  const TensorInfo &t = f.info("logits");
  EXPECT_EQ(t.dtype, DType::F32);
  EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 3}));
  std::vector<float> back(6);
  std::memcpy(back.data(), f.data("logits"), 24);
  EXPECT_EQ(back, logits);
  std::remove(path.c_str());
}

TEST(SafetensorsWriter, UnwritablePathLeavesNothingBehind) {
  std::vector<float> x = {1.5f};
  std::string path = "/nonexistent-dir/out.safetensors";
  try {
    writeSafetensors(path, {{"x", {1}, x.data()}});
    FAIL() << "wrote to an unwritable path";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find(path + ": cannot write"),
              std::string::npos)
        << e.what();
  }
}

TEST(SafetensorsWriter, ReplacesAnExistingFileOnlyWhenComplete) {
  std::string path = testing::TempDir() + "/retnet-writer2.safetensors";
  std::vector<float> a = {1.0f, 2.0f}, b = {3.5f};
  writeSafetensors(path, {{"a", {2}, a.data()}});
  writeSafetensors(path, {{"b", {1}, b.data()}});
  SafetensorsFile f = SafetensorsFile::open(path);
  EXPECT_EQ(f.tensors().count("a"), 0u);
  EXPECT_EQ(f.tensors().count("b"), 1u);
  std::remove(path.c_str());
}

} // namespace
