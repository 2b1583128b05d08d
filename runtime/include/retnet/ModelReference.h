//===- ModelReference.h - float64 reference of a whole RetNet ---*- C++ -*-===//
//
// The RetNet forward pass of DESIGN.md §2 (torchscale layout) in double
// precision, token by token with the recurrent form: the ground truth that
// compiled models are checked against, itself checked against torchscale's
// logits by the golden tests.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_MODELREFERENCE_H
#define RETNET_MODELREFERENCE_H

#include "retnet/ModelConfig.h"
#include "retnet/Safetensors.h"
#include "retnet/WeightLayout.h"

#include <cstdint>
#include <vector>

namespace retnet {

/// Checks that a tensor of the checkpoint exists, has a float dtype (F32,
/// F16, BF16) and the shape the config implies; throws retnet::Error naming
/// the file, the tensor, what was expected and what was found.
const TensorInfo &checkWeight(const SafetensorsFile &file,
                              const std::string &name,
                              const std::vector<int64_t> &shape);

/// A tensor of the checkpoint as doubles, after checkWeight.
std::vector<double> loadWeight(const SafetensorsFile &file,
                               const std::string &name,
                               const std::vector<int64_t> &shape);

/// Logits [T, vocab] (row-major) for `tokens`, each checked to be in
/// [0, vocab), with every weight first rounded to `weightType` (the weights
/// a `retnet-compile --dtype` artifact computes with; the arithmetic stays
/// float64). Throws retnet::Error on a bad token or weight.
std::vector<double> referenceLogits(const ModelConfig &config,
                                    const SafetensorsFile &weights,
                                    const std::vector<int64_t> &tokens,
                                    WeightDType weightType = WeightDType::F32);

} // namespace retnet

#endif // RETNET_MODELREFERENCE_H
