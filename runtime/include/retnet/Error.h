//===- Error.h - the runtime's error type -----------------------*- C++ -*-===//
//
// Errors about user input (model files, weights, flags) carry one message
// that names the file, the field, what was expected and what was found.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_ERROR_H
#define RETNET_ERROR_H

#include <stdexcept>
#include <string>

namespace retnet {

class Error : public std::runtime_error {
public:
  explicit Error(const std::string &message) : std::runtime_error(message) {}
};

} // namespace retnet

#endif // RETNET_ERROR_H
