#include "server/ingest/common/charset.hpp"

#include <iconv.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <memory>

namespace quanyu::ingest {

Utf8Char decode_utf8(const unsigned char* p, const unsigned char* end) {
  const unsigned c = *p;
  if (c < 0x80) return {c, 1};
  int extra = 0;
  char32_t code = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    extra = 1;
    code = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    extra = 2;
    code = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    extra = 3;
    code = c & 0x07;
  } else {
    return {};
  }
  if (end - p <= extra) return {};
  for (int i = 1; i <= extra; ++i) {
    if ((p[i] & 0xC0) != 0x80) return {};
    code = (code << 6) | (p[i] & 0x3F);
  }
  if ((extra == 2 && code < 0x800) || (extra == 3 && (code < 0x10000 || code > 0x10FFFF)) ||
      (code >= 0xD800 && code <= 0xDFFF)) {
    return {};
  }
  return {code, extra + 1};
}

bool is_utf8(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* end = p + bytes.size();
  while (p < end) {
    const int length = decode_utf8(p, end).length;
    if (length == 0) return false;
    p += length;
  }
  return true;
}

bool is_gb_charset(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower == "gb2312" || lower == "gbk" || lower == "gb18030" || lower == "cp936" ||
         lower == "euc-cn" || lower == "gb_2312-80" || lower == "x-gbk";
}

Result<std::string> convert_to_utf8(std::string_view bytes, const std::string& charset) {
  iconv_t cd = iconv_open("UTF-8", charset.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return Error{"unsupported_charset", "charset \"" + charset + "\" is not supported"};
  }
  std::unique_ptr<void, int (*)(iconv_t)> guard(cd, iconv_close);
  std::string out;
  out.resize(bytes.size() * 2 + 16);
  // iconv's interface takes non-const input; it never writes through it.
  char* in = const_cast<char*>(bytes.data());
  std::size_t in_left = bytes.size();
  std::size_t done = 0;
  while (in_left > 0) {
    char* out_ptr = out.data() + done;
    std::size_t out_left = out.size() - done;
    const std::size_t rc = iconv(cd, &in, &in_left, &out_ptr, &out_left);
    done = out.size() - out_left;
    if (rc != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) {
      out.resize(out.size() * 2);
      continue;
    }
    const auto offset = bytes.size() - in_left;
    return Error{"invalid_text", "byte " + std::to_string(offset) + " is not valid " + charset +
                                     (errno == EINVAL ? " (truncated sequence)" : "")};
  }
  out.resize(done);
  return out;
}

Result<std::string> decode_text(std::string_view bytes, std::string_view declared) {
  if (is_utf8(bytes)) return std::string(bytes);
  if (declared.empty() || is_gb_charset(declared)) return convert_to_utf8(bytes, "GB18030");
  return convert_to_utf8(bytes, std::string(declared));
}

}  // namespace quanyu::ingest
