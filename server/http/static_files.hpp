#pragma once
/// Serves the built web client (frontend/dist) from a directory: GET only, no directory listings,
/// no path that escapes the root, index.html for "/".

#include <filesystem>
#include <optional>
#include <string_view>

#include "server/http/message.hpp"

namespace quanyu::server::http {

/// The response for `path` under `root`, or nullopt when there is no such file.
std::optional<Response> serve_static(const std::filesystem::path& root, std::string_view path);

/// The Content-Type for a file name's extension.
std::string_view content_type_for(const std::filesystem::path& file);

}  // namespace quanyu::server::http
