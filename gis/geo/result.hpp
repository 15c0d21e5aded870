#pragma once
/// Result<T>: the return type of operations whose failure is an expected outcome (a bad input, a
/// point outside every district) rather than a bug. It carries either a value or an Error with a
/// stable machine-readable code and a human-readable message that names what is wrong.
/// Exceptions are kept for start-up, configuration and I/O boundaries.

#include <string>
#include <utility>
#include <variant>

namespace quanyu {

struct Error {
  std::string code;     ///< stable, snake_case, e.g. "invalid_coordinate"
  std::string message;  ///< names the offending field or value
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& { return std::get<0>(state_); }
  T& value() & { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

}  // namespace quanyu
