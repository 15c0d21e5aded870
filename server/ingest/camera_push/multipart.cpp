#include "server/ingest/camera_push/multipart.hpp"

#include <utility>

#include "server/ingest/camera_push/push_support.hpp"

namespace quanyu::ingest::camera_push {
namespace {

using detail::iequals;
using detail::lower;
using detail::quoted;
using detail::trim;

Error bad(const std::string& message) { return Error{"invalid_multipart", message}; }

/// A header value split into its leading token and `name=value` parameters.
struct HeaderValue {
  std::string first;
  std::vector<std::pair<std::string, std::string>> params;

  const std::string* param(std::string_view name) const {
    for (const auto& [n, v] : params) {
      if (n == name) return &v;
    }
    return nullptr;
  }
};

Result<HeaderValue> parse_header_value(std::string_view value, std::string_view header) {
  HeaderValue out;
  std::size_t p = value.find(';');
  out.first = lower(trim(value.substr(0, p)));
  while (p != std::string_view::npos && p < value.size()) {
    ++p;  // past ';'
    while (p < value.size() && (value[p] == ' ' || value[p] == '\t' || value[p] == ';')) ++p;
    if (p >= value.size()) break;
    const std::size_t name_end = value.find_first_of("=;", p);
    const std::string name = lower(trim(value.substr(p, name_end - p)));
    if (name_end == std::string_view::npos || value[name_end] == ';') {
      p = name_end;  // a parameter without a value carries nothing we use
      continue;
    }
    p = name_end + 1;
    while (p < value.size() && (value[p] == ' ' || value[p] == '\t')) ++p;
    std::string v;
    if (p < value.size() && value[p] == '"') {
      ++p;
      bool closed = false;
      while (p < value.size()) {
        const char c = value[p++];
        if (c == '\\' && p < value.size()) {
          v += value[p++];
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          v += c;
        }
      }
      if (!closed) {
        return bad(std::string(header) + " parameter \"" + name +
                   "\" has an unterminated quoted value");
      }
      p = value.find(';', p);
    } else {
      const std::size_t end = value.find(';', p);
      v = std::string(trim(value.substr(p, end - p)));
      p = end;
    }
    if (!name.empty() && out.param(name) == nullptr) out.params.emplace_back(name, std::move(v));
  }
  return out;
}

/// Whether `dash` ("--boundary") at `pos` is a delimiter: followed by "--", or by optional
/// blanks and a line end, or by the end of the body.
bool delimiter_at(std::string_view body, std::string_view dash, std::size_t pos) {
  if (body.compare(pos, dash.size(), dash) != 0) return false;
  std::size_t p = pos + dash.size();
  if (body.compare(p, 2, "--") == 0) return true;
  while (p < body.size() && (body[p] == ' ' || body[p] == '\t')) ++p;
  return p >= body.size() || body[p] == '\r' || body[p] == '\n';
}

/// The next delimiter at the start of a line at or after `from`, or npos.
std::size_t find_delimiter(std::string_view body, std::string_view dash, std::size_t from) {
  std::size_t pos = body.find(dash, from);
  while (pos != std::string_view::npos) {
    if ((pos == 0 || body[pos - 1] == '\n') && delimiter_at(body, dash, pos)) return pos;
    pos = body.find(dash, pos + 1);
  }
  return std::string_view::npos;
}

/// The end of the line starting at `p` (the index of its '\n'), or npos.
std::size_t line_end(std::string_view body, std::size_t p) { return body.find('\n', p); }

std::string_view line_at(std::string_view body, std::size_t p, std::size_t nl) {
  std::string_view line = body.substr(p, nl - p);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool looks_like_header(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  for (std::size_t i = 0; i < colon; ++i) {
    const char c = line[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_')) {
      return false;
    }
  }
  return true;
}

/// Reads the header block of `part` starting at `p`; returns the offset of the body.
Result<std::size_t> read_headers(std::string_view body, std::size_t p, Part& part) {
  const std::string where = "multipart part " + std::to_string(part.index);
  // A blank line right after the delimiter, followed by header lines (a captured thermal-camera
  // push does this): skip the blank line instead of reading an empty header block.
  if (const std::size_t nl = line_end(body, p);
      nl != std::string_view::npos && line_at(body, p, nl).empty()) {
    const std::size_t next = nl + 1;
    const std::size_t nl2 = line_end(body, next);
    if (nl2 == std::string_view::npos || !looks_like_header(line_at(body, next, nl2))) {
      return next;  // no headers at all: the body starts after the blank line
    }
    p = next;
  }
  std::vector<std::pair<std::string, std::string>> headers;
  while (true) {
    const std::size_t nl = line_end(body, p);
    if (nl == std::string_view::npos) {
      return bad(where + ": header block is not ended by an empty line (truncated part)");
    }
    const std::string_view line = line_at(body, p, nl);
    p = nl + 1;
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') {
      if (headers.empty()) return bad(where + ": header continuation line before any header");
      headers.back().second += ' ';
      headers.back().second += trim(line);
      continue;
    }
    if (!looks_like_header(line)) {
      return bad(where + ": header line " + quoted(line) + " is not \"Name: value\"");
    }
    if (headers.size() >= kMaxPartHeaders) {
      return bad(where + ": more than " + std::to_string(kMaxPartHeaders) + " header lines");
    }
    const std::size_t colon = line.find(':');
    headers.emplace_back(std::string(trim(line.substr(0, colon))),
                         std::string(trim(line.substr(colon + 1))));
  }
  for (const auto& [name, value] : headers) {
    if (iequals(name, "Content-Type")) {
      part.content_type = value;
      auto type = parse_content_type(value);
      if (!type) return bad(where + ": " + type.error().message);
      part.type = std::move(type).value();
    } else if (iequals(name, "Content-Disposition")) {
      auto disposition = parse_header_value(value, "Content-Disposition");
      if (!disposition) return bad(where + ": " + disposition.error().message);
      if (const std::string* n = disposition->param("name")) part.name = *n;
      if (const std::string* f = disposition->param("filename")) part.filename = *f;
    } else if (iequals(name, "Content-Length")) {
      const auto length = detail::parse_digits(value);
      if (!length) {
        return bad(where + ": Content-Length " + quoted(value) + " is not a byte count");
      }
      part.content_length = static_cast<std::size_t>(*length);
    }
  }
  return p;
}

/// The end of a body that a delimiter at `delimiter` follows: the line end before the
/// delimiter belongs to the delimiter (RFC 2046 section 5.1.1).
std::size_t body_end_before(std::string_view body, std::size_t start, std::size_t delimiter) {
  std::size_t end = delimiter;
  if (end > start && body[end - 1] == '\n') --end;
  if (end > start && body[end - 1] == '\r') --end;
  return end;
}

}  // namespace

Result<ContentType> parse_content_type(std::string_view value) {
  ContentType out;
  if (trim(value).empty()) return out;
  auto parsed = parse_header_value(value, "Content-Type");
  if (!parsed) return parsed.error();
  const std::string& media = parsed->first;
  const std::size_t slash = media.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == media.size()) {
    return bad("Content-Type " + quoted(media) + " is not type/subtype");
  }
  out.media_type = media;
  if (const std::string* b = parsed->param("boundary")) out.boundary = *b;
  if (const std::string* c = parsed->param("charset")) out.charset = *c;
  return out;
}

Result<Multipart> split_multipart(std::string_view body, std::string_view boundary) {
  if (boundary.empty()) return bad("multipart boundary is empty");
  if (boundary.size() > kMaxBoundaryLength) {
    return bad("multipart boundary is longer than " + std::to_string(kMaxBoundaryLength) +
               " bytes");
  }
  for (const char c : boundary) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return bad("multipart boundary contains a control character");
  }
  const std::string dash = "--" + std::string(boundary);
  std::size_t pos = find_delimiter(body, dash, 0);
  if (pos == std::string_view::npos) {
    return bad("no " + quoted(dash) + " delimiter line in the multipart body");
  }
  Multipart out;
  while (pos != std::string_view::npos) {
    std::size_t p = pos + dash.size();
    if (body.compare(p, 2, "--") == 0) {
      out.closed = true;  // the epilogue after the closing delimiter is ignored
      break;
    }
    while (p < body.size() && (body[p] == ' ' || body[p] == '\t')) ++p;
    if (p < body.size() && body[p] == '\r') ++p;
    if (p < body.size() && body[p] == '\n') ++p;
    if (p >= body.size()) break;  // a delimiter with nothing after it ends the body
    if (out.parts.size() >= kMaxParts) {
      return bad("more than " + std::to_string(kMaxParts) + " multipart parts");
    }
    Part part;
    part.index = out.parts.size() + 1;
    const std::string where = "multipart part " + std::to_string(part.index);
    auto start_or = read_headers(body, p, part);
    if (!start_or) return start_or.error();
    const std::size_t start = *start_or;

    std::size_t end = std::string_view::npos;
    std::size_t next = std::string_view::npos;
    bool decided = false;
    if (part.content_length && *part.content_length <= body.size() - start) {
      // Trust the declared length when only line ends or blanks separate it from the next
      // delimiter or the end of the body: the body may contain anything, "--" included.
      const std::size_t declared_end = start + *part.content_length;
      std::size_t q = declared_end;
      while (q < body.size() &&
             (body[q] == '\r' || body[q] == '\n' || body[q] == ' ' || body[q] == '\t')) {
        ++q;
      }
      if (q >= body.size()) {
        end = declared_end;
        decided = true;
      } else if (delimiter_at(body, dash, q)) {
        end = declared_end;
        next = q;
        decided = true;
      }
    }
    if (!decided) {
      next = find_delimiter(body, dash, start);
      if (next != std::string_view::npos) {
        end = body_end_before(body, start, next);
      } else if (part.content_length && *part.content_length > body.size() - start) {
        return bad(where + ": Content-Length " + std::to_string(*part.content_length) +
                   " but only " + std::to_string(body.size() - start) +
                   " bytes follow and no delimiter (truncated part)");
      } else if (part.content_length) {
        end = start + *part.content_length;  // the bytes after it are the epilogue
      } else {
        // The last part, without a closing delimiter: it runs to the end of the body, less the
        // line end that would have preceded the delimiter.
        end = body.size();
        if (end > start && body[end - 1] == '\n') --end;
        if (end > start && body[end - 1] == '\r') --end;
      }
    }
    part.offset = start;
    part.body = body.substr(start, end - start);
    out.parts.push_back(std::move(part));
    pos = next;
  }
  return out;
}

}  // namespace quanyu::ingest::camera_push
