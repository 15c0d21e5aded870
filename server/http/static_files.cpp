#include "server/http/static_files.hpp"

#include <array>
#include <fstream>
#include <sstream>
#include <utility>

namespace quanyu::server::http {

std::string_view content_type_for(const std::filesystem::path& file) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".geojson", "application/geo+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".woff2", "font/woff2"},
      {".pbf", "application/x-protobuf"},
      {".wasm", "application/wasm"},
  }};
  const std::string extension = file.extension().string();
  for (const auto& [ext, type] : kTypes) {
    if (extension == ext) return type;
  }
  return "application/octet-stream";
}

std::optional<Response> serve_static(const std::filesystem::path& root, std::string_view path) {
  const std::string decoded = url_decode(path, false);
  if (decoded.empty() || decoded.front() != '/' || decoded.find('\0') != std::string::npos) {
    return std::nullopt;
  }
  // Refuse any ".." segment outright instead of normalising: nothing legitimate needs one.
  std::filesystem::path relative;
  std::istringstream segments(decoded.substr(1));
  std::string segment;
  while (std::getline(segments, segment, '/')) {
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") return std::nullopt;
    relative /= segment;
  }
  std::filesystem::path file = root / relative;
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) file /= "index.html";
  if (!std::filesystem::is_regular_file(file, ec)) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream body;
  body << in.rdbuf();
  Response response;
  response.content_type = std::string(content_type_for(file));
  response.body = body.str();
  return response;
}

}  // namespace quanyu::server::http
