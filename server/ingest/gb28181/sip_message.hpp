#pragma once
/// The subset of SIP (RFC 3261) that GB/T 28181 devices speak to a platform: requests and
/// responses with their headers and a body, read from one UDP datagram (parse_message) or cut out
/// of a TCP byte stream (StreamFramer), and written back (serialize). Header names are matched
/// case-insensitively and compact forms (v f t i m l c k s) are expanded on input, so code asks
/// for "Via" or "Call-ID" whatever the device wrote. Nothing here touches a socket or a clock:
/// the transport hands bytes in and sends the bytes it gets back.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gis/geo/result.hpp"

namespace quanyu::ingest::gb28181 {

struct Header {
  std::string name;   ///< as received, except that compact forms are expanded ("v" -> "Via")
  std::string value;  ///< with surrounding white space removed
};

/// A SIP request (status_code == 0) or response.
struct Message {
  // Request line.
  std::string method;       ///< e.g. "REGISTER", "MESSAGE"
  std::string request_uri;  ///< e.g. "sip:34020000002000000001@3402000000"
  // Status line.
  int status_code = 0;  ///< 100..699 for a response, 0 for a request
  std::string reason;   ///< e.g. "OK"

  std::vector<Header> headers;  ///< in wire order; Content-Length is regenerated on serialize
  std::string body;             ///< raw bytes, exactly Content-Length of them

  bool is_request() const { return status_code == 0; }

  /// The value of the first header with this name (any case, compact form allowed), or null.
  const std::string* header(std::string_view name) const;
  /// The values of every header with this name, in order. A Via header carrying several
  /// comma-separated values stays one entry.
  std::vector<std::string> all(std::string_view name) const;
  /// Replaces the value of the first header with this name, or appends the header.
  void set(std::string_view name, std::string value);
  /// Appends a header (kept after existing ones of the same name).
  void add(std::string name, std::string value);
  /// Removes every header with this name.
  void remove(std::string_view name);
};

/// Bounds on what a peer may make the parser hold. A message over these limits is an error, so a
/// broken or hostile device cannot make the server buffer without end.
struct Limits {
  std::size_t max_header_bytes = 16 * 1024;  ///< start line + headers + the blank line
  std::size_t max_headers = 100;
  std::size_t max_body_bytes = 256 * 1024;  ///< a TCP Content-Length above this is refused
};

/// Parses one UDP datagram. CRLFs before the start line are skipped (RFC 3261 §7.5). The body is
/// Content-Length bytes when the header is present (more bytes than that are ignored, fewer are an
/// error), else the rest of the datagram. Requests must carry Via, From, To, Call-ID and a CSeq
/// whose method matches the request line. Errors have code "invalid_sip" and name the line or
/// header at fault.
Result<Message> parse_message(std::string_view datagram, const Limits& limits = {});

/// The wire form: start line, headers in order, a Content-Length equal to body.size() (any
/// Content-Length in `headers` is replaced), a blank line, the body. Lines end in CRLF.
std::string serialize(const Message& message);

/// A response to `request` as RFC 3261 §8.2.6 says: Via (all, in order), From, To, Call-ID and
/// CSeq are copied; a To tag is added when the request had none. The tag is derived from Call-ID
/// and the From tag, so a retransmitted request gets the same tag without any state.
Message make_response(const Message& request, int code, std::string_view reason);

/// Cuts complete messages out of a TCP (or TLS) byte stream fed in arbitrary chunks. On a stream
/// Content-Length is mandatory (RFC 3261 §18.3); CRLF keep-alives between messages (RFC 5626
/// §4.4.1) are skipped. Once next() has returned an error the stream is out of sync: the
/// transport must log it and close the connection.
class StreamFramer {
 public:
  explicit StreamFramer(Limits limits = {}) : limits_(limits) {}

  /// Appends bytes read from the connection.
  void feed(std::string_view chunk);
  /// The next complete message, std::nullopt when more bytes are needed, or an error (then and
  /// ever after) when the stream is broken. Call it until it returns nullopt after every feed().
  Result<std::optional<Message>> next();
  /// Bytes received and not yet returned as a message.
  std::size_t buffered() const { return buffer_.size() - start_; }
  /// True when the stream ended cleanly (nothing but keep-alives is pending).
  bool idle() const;

 private:
  Limits limits_;
  std::string buffer_;
  std::size_t start_ = 0;           ///< offset of the first unconsumed byte
  std::size_t scanned_ = 0;         ///< bytes after start_ already searched for the end of headers
  std::optional<Message> pending_;  ///< a parsed head whose body has not fully arrived
  std::size_t pending_body_start_ = 0;
  std::size_t pending_length_ = 0;
  std::optional<Error> broken_;
};

// Helpers for the header values GB/T 28181 needs. They never fail: a value they cannot read
// yields an empty string or nullopt.

/// The URI inside a name-addr or addr-spec: `"Cam" <sip:1@d>;tag=x` -> "sip:1@d".
std::string header_uri(std::string_view value);
/// The user part of a sip:/sips: URI or of a header holding one: "sip:3402...@3402000000" ->
/// "3402...".
std::string uri_user(std::string_view uri_or_header);
/// A header parameter outside the angle brackets, e.g. tag of From/To, expires of Contact,
/// branch or rport of Via. nullopt when absent; an empty string for a flag like ";rport".
std::optional<std::string> header_param(std::string_view value, std::string_view name);
/// The CSeq number, or nullopt when the header is not "<digits> <method>".
std::optional<std::uint32_t> cseq_number(const Message& message);

}  // namespace quanyu::ingest::gb28181
