#include "server/ingest/gb28181/sip_message.hpp"
#include "server/ingest/common/text.hpp"

#include <array>
#include <cctype>
#include <utility>

#include "server/ingest/gb28181/digest.hpp"

namespace quanyu::ingest::gb28181 {
namespace {

struct Compact {
  char letter;
  std::string_view name;
};
// RFC 3261 §7.3.3 and the IANA registry's compact forms that GB/T 28181 devices are seen to use.
constexpr std::array<Compact, 13> kCompact = {{{'v', "Via"},
                                               {'f', "From"},
                                               {'t', "To"},
                                               {'i', "Call-ID"},
                                               {'m', "Contact"},
                                               {'l', "Content-Length"},
                                               {'c', "Content-Type"},
                                               {'k', "Supported"},
                                               {'s', "Subject"},
                                               {'e', "Content-Encoding"},
                                               {'o', "Event"},
                                               {'u', "Allow-Events"},
                                               {'x', "Session-Expires"}}};

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view expand(std::string_view name) {
  if (name.size() == 1) {
    for (const auto& c : kCompact) {
      if (ascii_lower(name[0]) == c.letter) return c.name;
    }
  }
  return name;
}

bool same_header(std::string_view a, std::string_view b) { return iequals(expand(a), expand(b)); }

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) { return ingest::trim(s, " \t"); }

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) continue;
    if (std::string_view("-.!%*_+`'~").find(c) == std::string_view::npos) return false;
  }
  return true;
}

bool has_control(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return true;
  }
  return false;
}

// Shown in error messages: printable, bounded.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (const char c : s.substr(0, 64)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  if (s.size() > 64) out += "...";
  return out + "\"";
}

Error invalid(std::string message) { return Error{"invalid_sip", std::move(message)}; }

struct HeadEnd {
  std::size_t head_size;   ///< bytes of start line and headers, without the blank line
  std::size_t body_start;  ///< first byte after the blank line
};

// Finds the blank line ending the headers in the first `limit` bytes. Bare LF line ends are
// accepted as well as CRLF, since some embedded stacks write them.
std::optional<HeadEnd> find_head_end(std::string_view s, std::size_t limit, std::size_t from = 0) {
  const std::size_t end = std::min(s.size(), limit);
  for (std::size_t i = from; i < end; ++i) {
    if (s[i] != '\n') continue;
    if (i + 1 < s.size() && s[i + 1] == '\n') return HeadEnd{i, i + 2};
    if (i + 2 < s.size() && s[i + 1] == '\r' && s[i + 2] == '\n') return HeadEnd{i, i + 3};
  }
  return std::nullopt;
}

Result<bool> parse_start_line(std::string_view line, Message& m) {
  if (line.empty()) return invalid("empty start line");
  if (has_control(line)) return invalid("start line has a control character");
  if (istarts_with(line, "SIP/")) {
    const auto sp = line.find(' ');
    if (sp == std::string_view::npos || !iequals(line.substr(0, sp), "SIP/2.0")) {
      return invalid("status line " + quoted(line) + " is not SIP/2.0");
    }
    std::string_view rest = trim(line.substr(sp + 1));
    if (rest.size() < 3 || !std::isdigit(static_cast<unsigned char>(rest[0])) ||
        !std::isdigit(static_cast<unsigned char>(rest[1])) ||
        !std::isdigit(static_cast<unsigned char>(rest[2])) ||
        (rest.size() > 3 && !is_space(rest[3]))) {
      return invalid("status line " + quoted(line) + " has no 3-digit status code");
    }
    const int code = (rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0');
    if (code < 100 || code > 699) {
      return invalid("status code " + std::to_string(code) + " is not 100..699");
    }
    m.status_code = code;
    m.reason = std::string(trim(rest.substr(3)));
    return true;
  }
  const auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return invalid("request line " + quoted(line) + " has no URI");
  const std::string_view method = line.substr(0, sp1);
  if (!is_token(method)) return invalid("request method " + quoted(method) + " is not a token");
  std::string_view rest = trim(line.substr(sp1 + 1));
  const auto sp2 = rest.find(' ');
  if (sp2 == std::string_view::npos) {
    return invalid("request line " + quoted(line) + " has no SIP version");
  }
  const std::string_view uri = rest.substr(0, sp2);
  const std::string_view version = trim(rest.substr(sp2 + 1));
  if (!iequals(version, "SIP/2.0")) {
    return invalid("request line version " + quoted(version) + " is not SIP/2.0");
  }
  m.method = std::string(method);
  m.request_uri = std::string(uri);
  return true;
}

// Start line and headers (the text before the blank line).
Result<Message> parse_head(std::string_view head, const Limits& limits) {
  Message m;
  bool first = true;
  std::size_t pos = 0;
  int line_number = 0;
  while (pos <= head.size()) {
    auto nl = head.find('\n', pos);
    if (nl == std::string_view::npos) nl = head.size();
    std::string_view line = head.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (first) {
      auto ok = parse_start_line(line, m);
      if (!ok) return ok.error();
      first = false;
      continue;
    }
    if (line.empty()) continue;  // only possible as the very last line
    if (has_control(line)) {
      return invalid("header line " + std::to_string(line_number) + " has a control character");
    }
    if (is_space(line.front())) {
      // Folded continuation of the previous header (RFC 3261 §7.3.1): joined with one space.
      if (m.headers.empty()) return invalid("continuation line before any header");
      auto& value = m.headers.back().value;
      const std::string_view more = trim(line);
      if (!more.empty()) {
        if (!value.empty()) value += ' ';
        value += more;
      }
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      return invalid("header line " + std::to_string(line_number) + " " + quoted(line) +
                     " has no colon");
    }
    const std::string_view name = trim(line.substr(0, colon));
    if (!is_token(name)) return invalid("header name " + quoted(name) + " is not a token");
    if (m.headers.size() >= limits.max_headers) {
      return invalid("more than " + std::to_string(limits.max_headers) + " headers");
    }
    m.headers.push_back(
        Header{std::string(expand(name)), std::string(trim(line.substr(colon + 1)))});
  }
  if (first) return invalid("empty message");
  return m;
}

Result<bool> check_mandatory(const Message& m) {
  for (const std::string_view name : {"Via", "From", "To", "Call-ID", "CSeq"}) {
    const std::string* v = m.header(name);
    if (v == nullptr) return invalid("missing " + std::string(name) + " header");
    if (v->empty()) return invalid("empty " + std::string(name) + " header");
  }
  const std::string& cseq = *m.header("CSeq");
  std::size_t i = 0;
  while (i < cseq.size() && std::isdigit(static_cast<unsigned char>(cseq[i]))) ++i;
  if (i == 0 || i > 10 || i >= cseq.size() || !is_space(cseq[i]) || !cseq_number(m)) {
    return invalid("CSeq " + quoted(cseq) + " is not \"<number> <method>\"");
  }
  const std::string_view method = trim(std::string_view(cseq).substr(i));
  if (!is_token(method)) return invalid("CSeq method " + quoted(method) + " is not a token");
  if (m.is_request() && !iequals(method, m.method)) {
    return invalid("CSeq method " + quoted(method) + " differs from request method " +
                   quoted(m.method));
  }
  return true;
}

// nullopt when absent; an error when present twice with different values or not a number.
Result<std::optional<std::size_t>> content_length(const Message& m, const Limits& limits) {
  std::optional<std::size_t> length;
  for (const auto& value : m.all("Content-Length")) {
    if (value.empty() || value.size() > 10) {
      return invalid("Content-Length " + quoted(value) + " is not a number");
    }
    std::size_t n = 0;
    for (const char c : value) {
      if (!std::isdigit(static_cast<unsigned char>(c))) {
        return invalid("Content-Length " + quoted(value) + " is not a number");
      }
      n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    if (length && *length != n) return invalid("two different Content-Length headers");
    length = n;
  }
  if (length && *length > limits.max_body_bytes) {
    return invalid("Content-Length " + std::to_string(*length) + " exceeds the limit of " +
                   std::to_string(limits.max_body_bytes) + " bytes");
  }
  return length;
}

std::size_t skip_crlf(std::string_view s, std::size_t pos) {
  while (pos < s.size() && (s[pos] == '\r' || s[pos] == '\n')) ++pos;
  return pos;
}

// Position just past a quoted string starting at `pos` (which holds '"'), honouring \-escapes.
std::size_t skip_quoted(std::string_view s, std::size_t pos) {
  ++pos;
  while (pos < s.size() && s[pos] != '"') {
    if (s[pos] == '\\') ++pos;
    ++pos;
  }
  return pos < s.size() ? pos + 1 : s.size();
}

// Where the URI of a name-addr/addr-spec lies and where the header parameters start.
struct UriSpan {
  std::string_view uri;
  std::string_view params;  ///< from the first ';' after the URI, up to a ',' or the end
};

UriSpan split_uri(std::string_view value) {
  value = trim(value);
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '"') {
      i = skip_quoted(value, i) - 1;
      continue;
    }
    if (value[i] == '<') {
      const auto close = value.find('>', i + 1);
      if (close == std::string_view::npos) return {value.substr(i + 1), {}};
      return {trim(value.substr(i + 1, close - i - 1)), value.substr(close + 1)};
    }
  }
  // addr-spec (or a Via): parameters start at the first ';'.
  const auto semi = value.find(';');
  if (semi == std::string_view::npos) return {value, {}};
  return {trim(value.substr(0, semi)), value.substr(semi)};
}

}  // namespace

const std::string* Message::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (same_header(h.name, name)) return &h.value;
  }
  return nullptr;
}

std::vector<std::string> Message::all(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& h : headers) {
    if (same_header(h.name, name)) out.push_back(h.value);
  }
  return out;
}

void Message::set(std::string_view name, std::string value) {
  for (auto& h : headers) {
    if (same_header(h.name, name)) {
      h.value = std::move(value);
      return;
    }
  }
  headers.push_back(Header{std::string(name), std::move(value)});
}

void Message::add(std::string name, std::string value) {
  headers.push_back(Header{std::move(name), std::move(value)});
}

void Message::remove(std::string_view name) {
  std::erase_if(headers, [&](const Header& h) { return same_header(h.name, name); });
}

Result<Message> parse_message(std::string_view datagram, const Limits& limits) {
  const std::size_t begin = skip_crlf(datagram, 0);
  if (begin == datagram.size()) return invalid("empty datagram");
  const std::string_view text = datagram.substr(begin);
  const auto end = find_head_end(text, limits.max_header_bytes);
  if (!end) {
    if (text.size() > limits.max_header_bytes) {
      return invalid("no end of headers within " + std::to_string(limits.max_header_bytes) +
                     " bytes");
    }
    return invalid("headers are not ended by an empty line");
  }
  auto message = parse_head(text.substr(0, end->head_size), limits);
  if (!message) return message.error();
  if (auto ok = check_mandatory(*message); !ok) return ok.error();
  auto length = content_length(*message, limits);
  if (!length) return length.error();
  const std::string_view rest = text.substr(end->body_start);
  if (*length) {
    if (**length > rest.size()) {
      return invalid("Content-Length " + std::to_string(**length) + " exceeds the " +
                     std::to_string(rest.size()) + " body bytes in the datagram");
    }
    message.value().body = std::string(rest.substr(0, **length));
  } else {
    if (rest.size() > limits.max_body_bytes) {
      return invalid("body of " + std::to_string(rest.size()) + " bytes exceeds the limit");
    }
    message.value().body = std::string(rest);
  }
  return message;
}

std::string serialize(const Message& m) {
  std::string out;
  out.reserve(256 + m.body.size());
  if (m.is_request()) {
    out += m.method;
    out += ' ';
    out += m.request_uri;
    out += " SIP/2.0\r\n";
  } else {
    out += "SIP/2.0 ";
    out += std::to_string(m.status_code);
    out += ' ';
    out += m.reason;
    out += "\r\n";
  }
  for (const auto& h : m.headers) {
    if (same_header(h.name, "Content-Length")) continue;
    out += h.name;
    out += ": ";
    out += h.value;
    out += "\r\n";
  }
  out += "Content-Length: ";
  out += std::to_string(m.body.size());
  out += "\r\n\r\n";
  out += m.body;
  return out;
}

Message make_response(const Message& request, int code, std::string_view reason) {
  Message r;
  r.status_code = code;
  r.reason = std::string(reason);
  for (const auto& h : request.headers) {
    if (same_header(h.name, "Via")) r.add("Via", h.value);
  }
  const std::string* from = request.header("From");
  const std::string* to = request.header("To");
  const std::string* call_id = request.header("Call-ID");
  const std::string* cseq = request.header("CSeq");
  if (from) r.add("From", *from);
  if (to) {
    std::string value = *to;
    if (!header_param(value, "tag")) {
      const std::string basis = (call_id ? *call_id : std::string()) + "\n" +
                                (from ? header_param(*from, "tag").value_or("") : "");
      value += ";tag=" + md5_hex(basis).substr(0, 10);
    }
    r.add("To", std::move(value));
  }
  if (call_id) r.add("Call-ID", *call_id);
  if (cseq) r.add("CSeq", *cseq);
  return r;
}

void StreamFramer::feed(std::string_view chunk) {
  if (broken_) return;
  // Drop what was consumed once it is most of the buffer, so a long-lived connection does not
  // move its whole history on every read.
  if (start_ > 0 && start_ * 2 >= buffer_.size()) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  const std::size_t cap = 2 * (limits_.max_header_bytes + limits_.max_body_bytes) + 65536;
  if (buffered() + chunk.size() > cap) {
    broken_ = invalid("stream buffer would exceed " + std::to_string(cap) +
                      " bytes: next() is not being called or the peer floods");
    return;
  }
  buffer_.append(chunk);
}

bool StreamFramer::idle() const { return !broken_ && skip_crlf(buffer_, start_) == buffer_.size(); }

Result<std::optional<Message>> StreamFramer::next() {
  if (broken_) return *broken_;
  if (!pending_) {
    start_ = skip_crlf(buffer_, start_);
    const std::string_view view = std::string_view(buffer_).substr(start_);
    if (view.empty()) return std::optional<Message>{};
    // Resume the search for the blank line where the last call stopped (less the 3 bytes a
    // CRLFCRLF may straddle), so a peer trickling bytes cannot make each call rescan the headers.
    const std::size_t from = scanned_ > 3 ? scanned_ - 3 : 0;
    const auto end = find_head_end(view, limits_.max_header_bytes, from);
    if (!end) {
      scanned_ = std::min(view.size(), limits_.max_header_bytes);
      if (view.size() > limits_.max_header_bytes) {
        broken_ = invalid("no end of headers within " + std::to_string(limits_.max_header_bytes) +
                          " bytes");
        return *broken_;
      }
      return std::optional<Message>{};
    }
    auto message = parse_head(view.substr(0, end->head_size), limits_);
    if (!message) {
      broken_ = message.error();
      return *broken_;
    }
    if (auto ok = check_mandatory(*message); !ok) {
      broken_ = ok.error();
      return *broken_;
    }
    auto length = content_length(*message, limits_);
    if (!length) {
      broken_ = length.error();
      return *broken_;
    }
    if (!*length) {
      broken_ = invalid("Content-Length is required on a stream transport (RFC 3261 §18.3)");
      return *broken_;
    }
    // The head is kept parsed while the body arrives.
    pending_ = std::move(message).value();
    pending_body_start_ = end->body_start;
    pending_length_ = **length;
  }
  if (buffered() - pending_body_start_ < pending_length_) return std::optional<Message>{};
  Message message = std::move(*pending_);
  pending_.reset();
  message.body = buffer_.substr(start_ + pending_body_start_, pending_length_);
  start_ += pending_body_start_ + pending_length_;
  scanned_ = 0;
  return std::optional<Message>(std::move(message));
}

std::string header_uri(std::string_view value) { return std::string(split_uri(value).uri); }

std::string uri_user(std::string_view value) {
  std::string_view uri = trim(value);
  if (uri.find('<') != std::string_view::npos || uri.find('"') != std::string_view::npos) {
    uri = split_uri(uri).uri;
  }
  if (istarts_with(uri, "sip:")) {
    uri.remove_prefix(4);
  } else if (istarts_with(uri, "sips:")) {
    uri.remove_prefix(5);
  } else {
    return {};
  }
  const auto at = uri.find('@');
  if (at == std::string_view::npos) return {};
  std::string_view user = uri.substr(0, at);
  if (const auto colon = user.find(':'); colon != std::string_view::npos) {
    user = user.substr(0, colon);
  }
  return std::string(user);
}

std::optional<std::string> header_param(std::string_view value, std::string_view name) {
  std::string_view params = split_uri(value).params;
  std::size_t i = 0;
  while (i < params.size()) {
    if (params[i] == ',') break;  // the next value of a multi-valued header
    if (params[i] != ';') {
      ++i;
      continue;
    }
    ++i;
    // One parameter: name [= value], value possibly quoted.
    std::size_t j = i;
    while (j < params.size() && params[j] != ';' && params[j] != ',' && params[j] != '=') {
      if (params[j] == '"') {
        j = skip_quoted(params, j);
        continue;
      }
      ++j;
    }
    const std::string_view key = trim(params.substr(i, j - i));
    std::string_view val;
    bool has_value = false;
    if (j < params.size() && params[j] == '=') {
      has_value = true;
      std::size_t k = j + 1;
      while (k < params.size() && params[k] != ';' && params[k] != ',') {
        if (params[k] == '"') {
          k = skip_quoted(params, k);
          continue;
        }
        ++k;
      }
      val = trim(params.substr(j + 1, k - j - 1));
      j = k;
    }
    if (iequals(key, name)) {
      if (!has_value) return std::string();
      if (val.size() >= 2 && val.front() == '"' && val.back() == '"') {
        val = val.substr(1, val.size() - 2);
      }
      return std::string(val);
    }
    i = j;
  }
  return std::nullopt;
}

std::optional<std::uint32_t> cseq_number(const Message& message) {
  const std::string* cseq = message.header("CSeq");
  if (!cseq) return std::nullopt;
  std::uint64_t n = 0;
  std::size_t i = 0;
  while (i < cseq->size() && std::isdigit(static_cast<unsigned char>((*cseq)[i]))) {
    n = n * 10 + static_cast<std::uint64_t>((*cseq)[i] - '0');
    if (n > 0xFFFFFFFFull) return std::nullopt;  // RFC 3261 §8.1.1.5: below 2**31, be lenient
    ++i;
  }
  if (i == 0 || i >= cseq->size() || !is_space((*cseq)[i])) return std::nullopt;
  return static_cast<std::uint32_t>(n);
}

}  // namespace quanyu::ingest::gb28181
