#pragma once
/// HTTP request and response as plain values, so routes can be written and tested without Beast;
/// server/net converts between these and Beast's messages.

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace quanyu::server::http {

struct Request {
  std::string method;  ///< "GET", "POST", ...
  std::string target;  ///< path and query as sent, e.g. "/api/v1/layers/districts?bbox=..."
  std::map<std::string, std::string> headers;  ///< lowercase names
  std::string body;

  std::string_view path() const;
  std::string_view query() const;
  /// A header's value, or "" when absent. `name` must be lowercase.
  const std::string& header(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string error_code;  ///< set by error_response(), for counting refusals
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// A JSON error body `{"error":{"code":...,"message":...}}` with `status`; with an index when the
/// error concerns one element of a batch.
Response error_response(int status, std::string_view code, std::string_view message,
                        long index = -1);

/// Decodes the query string into (name, value) pairs in order, with %XX and '+' decoded.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);

/// Percent-decoding of one component; invalid escapes are kept literally.
std::string url_decode(std::string_view text, bool plus_is_space);

}  // namespace quanyu::server::http
