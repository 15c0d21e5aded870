#pragma once
/// ASCII text helpers the protocol parsers share: header names, element names and keywords of
/// SIP, MANSCDP, HTTP multipart and vendor lines are ASCII and case-insensitive.

#include <string_view>

namespace quanyu::ingest {

inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

/// Case-insensitive comparison of ASCII text.
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

/// `s` without leading and trailing characters of `chars` (by default space, tab, CR and LF).
inline std::string_view trim(std::string_view s, std::string_view chars = " \t\r\n") {
  const auto first = s.find_first_not_of(chars);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(chars) - first + 1);
}

}  // namespace quanyu::ingest
