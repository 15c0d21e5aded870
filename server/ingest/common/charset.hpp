#pragma once
/// Character sets of field devices. Chinese equipment declares GB2312 and sends GBK, GB18030 or
/// UTF-8 about as often as what it declares; everything inside Quanyu is UTF-8.

#include <string>
#include <string_view>

#include "gis/geo/result.hpp"

namespace quanyu::ingest {

/// One character decoded from UTF-8: its code point and its length in bytes; length 0 when the
/// bytes at that place are not a well-formed sequence.
struct Utf8Char {
  char32_t code = 0;
  int length = 0;
};

/// Decodes the character starting at `p` (before `end`): no overlongs, surrogates or code points
/// past U+10FFFF.
Utf8Char decode_utf8(const unsigned char* p, const unsigned char* end);

/// True when `bytes` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool is_utf8(std::string_view bytes);

/// True for the names of the GB family: GB2312, GBK, GB18030, CP936, EUC-CN (any case).
bool is_gb_charset(std::string_view name);

/// Converts `bytes` from `charset` (an iconv name) to UTF-8; an error names the byte offset of the
/// first sequence that is not valid in that charset.
Result<std::string> convert_to_utf8(std::string_view bytes, const std::string& charset);

/// The text of a body whose sender declared `declared` (may be empty), in UTF-8:
///  - bytes that are valid UTF-8 are taken as UTF-8 whatever was declared (GBK text is almost
///    never valid UTF-8, while UTF-8 Chinese often decodes as garbage GB18030);
///  - otherwise a GB-family or empty declaration is decoded as GB18030, the superset of GB2312
///    and GBK; any other declaration is decoded as declared.
Result<std::string> decode_text(std::string_view bytes, std::string_view declared);

}  // namespace quanyu::ingest
