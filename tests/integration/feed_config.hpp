#pragma once
// Helpers of the feed tests: a copy of the shipped configuration with its own `feeds:` section,
// for tests that switch feed listeners on, and reading one value of /metrics. The copy lives in a
// temp dir, so the relative layer paths are made absolute.

#include <fstream>
#include <sstream>
#include <string>

#include "test_support.hpp"

namespace quanyu::test {

/// Writes `dir`/quanyu.yaml: config/quanyu.yaml with `feeds_yaml` (a complete top-level
/// `feeds:` mapping) instead of its own feeds section. Returns the file's path.
inline std::string write_feed_config(const TempDir& dir, const std::string& feeds_yaml) {
  const std::string config_dir = QUANYU_CONFIG_DIR;
  std::ifstream in(config_dir + "/quanyu.yaml");
  std::stringstream text;
  text << in.rdbuf();
  std::string yaml = text.str();
  // Drop the shipped feeds section: from "\nfeeds:" to the next top-level key.
  const auto start = yaml.find("\nfeeds:");
  if (start != std::string::npos) {
    auto end = start + 1;
    while (true) {
      end = yaml.find('\n', end);
      if (end == std::string::npos || (end + 1 < yaml.size() && yaml[end + 1] != ' ' &&
                                       yaml[end + 1] != '#' && yaml[end + 1] != '\n')) {
        break;
      }
      ++end;
    }
    yaml.erase(start, end == std::string::npos ? std::string::npos : end - start);
  }
  for (const std::string key : {"source: ", "web_root: "}) {
    for (auto at = yaml.find(key); at != std::string::npos; at = yaml.find(key, at + 1)) {
      const auto value = at + key.size();
      if (yaml.compare(value, 3, "PG:") != 0 && yaml[value] != '/') {
        yaml.insert(value, config_dir + "/");
      }
    }
  }
  yaml += "\n" + feeds_yaml + "\n";
  const std::string path = (dir / "quanyu.yaml").string();
  std::ofstream(path) << yaml;
  return path;
}

/// The value of the /metrics line that starts with `prefix` (e.g.
/// `quanyu_feed_messages_total{feed="sl651",result="malformed"} `), or "" when there is none.
inline std::string metric(int port, const std::string& prefix) {
  const auto body = http_request(port, "GET", "/metrics").body;
  const auto at = body.find(prefix);
  if (at == std::string::npos) return "";
  return body.substr(at + prefix.size(), body.find('\n', at) - at - prefix.size());
}

}  // namespace quanyu::test
