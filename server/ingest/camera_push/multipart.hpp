#pragma once
/// HTTP Content-Type parsing and MIME multipart splitting (RFC 2045/2046, RFC 7578) for camera
/// event pushes. Hikvision posts multipart/form-data (or multipart/mixed on its alert stream) with
/// an XML or JSON alert part and JPEG parts whose bytes are arbitrary, so a part's own
/// Content-Length is trusted when it agrees with the delimiter that follows it; Dahua's event
/// stream is multipart/x-mixed-replace with text/plain parts. Everything here is pure: views into
/// the caller's bytes, bounded loops, and a named Error for malformed input.
///
/// Decisions beyond the RFC, each seen on real devices:
///  - a part's Content-Length is used when the bytes after it are only CR/LF/blanks up to the
///    next delimiter (or the end); when it disagrees (Dahua counts the trailing CRLF in some
///    parts but not in others), the RFC delimiter search decides;
///  - a missing closing delimiter ("--boundary--") is tolerated: Hikvision never sends it on its
///    alert stream. The last part is then accepted when its header block ended with an empty
///    line and, if it declared a Content-Length, all of those bytes are present; otherwise the
///    part is truncated and the whole body is an Error (no partial result);
///  - bare LF line ends are accepted as well as CRLF;
///  - an empty line between the delimiter and the part headers is skipped when a header line
///    follows it (seen in a captured Hikvision thermal-camera push).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gis/geo/result.hpp"

namespace quanyu::ingest::camera_push {

constexpr std::size_t kMaxParts = 256;
constexpr std::size_t kMaxPartHeaders = 32;
constexpr std::size_t kMaxBoundaryLength = 100;  // RFC 2046 allows 70; some devices use more

/// A parsed Content-Type (or Content-Disposition) value: `type/subtype; name=value; ...`.
struct ContentType {
  std::string media_type;  ///< lower-cased, e.g. "multipart/form-data"; empty for an empty value
  std::string boundary;    ///< the boundary parameter, unquoted; empty when absent
  std::string charset;     ///< the charset parameter, unquoted; empty when absent

  bool is_multipart() const { return media_type.rfind("multipart/", 0) == 0; }
};

/// Parses a Content-Type header value. Parameter names are case-insensitive, values may be quoted
/// (with backslash escapes) or tokens. An error names the parameter that is malformed.
Result<ContentType> parse_content_type(std::string_view value);

/// One body part of a multipart message. `body` views the caller's bytes.
struct Part {
  std::size_t index = 0;     ///< 1-based position in the message, for messages
  std::string content_type;  ///< the part's Content-Type value, as sent (may be empty)
  ContentType type;          ///< `content_type` parsed
  std::string name;          ///< Content-Disposition name, when given
  std::string filename;      ///< Content-Disposition filename, when given
  std::optional<std::size_t> content_length;  ///< the part's own Content-Length, when given
  std::string_view body;
  std::size_t offset = 0;  ///< byte offset of `body` in the message
};

struct Multipart {
  std::vector<Part> parts;
  bool closed = false;  ///< the closing delimiter "--boundary--" was present
};

/// Splits `body` at `boundary` (without the leading "--"). The preamble before the first
/// delimiter and the epilogue after the closing one are ignored. Errors: no delimiter at all,
/// a part whose headers never end, a part whose Content-Length runs past the end of the body,
/// malformed part headers, more than kMaxParts parts.
Result<Multipart> split_multipart(std::string_view body, std::string_view boundary);

}  // namespace quanyu::ingest::camera_push
