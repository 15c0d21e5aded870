#include "server/http/message.hpp"

#include "gis/geojson/geojson_writer.hpp"

namespace quanyu::server::http {

std::string_view Request::path() const {
  const std::string_view t(target);
  return t.substr(0, t.find('?'));
}

std::string_view Request::query() const {
  const std::string_view t(target);
  const auto mark = t.find('?');
  return mark == std::string_view::npos ? std::string_view() : t.substr(mark + 1);
}

const std::string& Request::header(const std::string& name) const {
  static const std::string kEmpty;
  const auto it = headers.find(name);
  return it == headers.end() ? kEmpty : it->second;
}

Response error_response(int status, std::string_view code, std::string_view message, long index) {
  Response response;
  response.status = status;
  response.error_code = std::string(code);
  response.body = R"({"error":{"code":)";
  gis::append_json_string(response.body, code);
  response.body += R"(,"message":)";
  gis::append_json_string(response.body, message);
  if (index >= 0) response.body += R"(,"index":)" + std::to_string(index);
  response.body += "}}";
  return response;
}

std::string url_decode(std::string_view text, bool plus_is_space) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    if (!part.empty()) {
      const auto eq = part.find('=');
      pairs.emplace_back(
          url_decode(part.substr(0, eq), true),
          eq == std::string_view::npos ? std::string() : url_decode(part.substr(eq + 1), true));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return pairs;
}

}  // namespace quanyu::server::http
