#include "server/cli/cli.hpp"

#include <sys/resource.h>

#include <fmt/format.h>
#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "gis/layers/layer_set.hpp"
#include "server/config/config.hpp"
#include "server/net/server.hpp"
#include "server/sim/simulator.hpp"

namespace quanyu::server {
namespace {

namespace po = boost::program_options;

constexpr const char* kVersion = "0.1.0";

constexpr const char* kUsage = R"(quanyu — real-time emergency command backend (全域)

Usage:
  quanyu serve --config FILE [--listen HOST:PORT] [--data-dir DIR] [--districts PATH]
  quanyu layers check --config FILE [--districts PATH]
  quanyu simulate --url URL --token TOKEN [--rate N] [--duration S] [--seed K] [--time-scale X]
                  [--config FILE]
  quanyu token hash [SECRET]
  quanyu --version

Run any command with --help for its options.
)";

/// Measures one start-up step and logs it with its duration when it ends.
class StepTimer {
 public:
  StepTimer() : start_(std::chrono::steady_clock::now()) {}
  double elapsed_ms() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_)
        .count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

struct CommonOptions {
  std::string config;
  std::string districts;
};

void add_common(po::options_description& options, CommonOptions& common) {
  options.add_options()("help,h", "show this help")(
      "config,c", po::value(&common.config)->value_name("FILE"),
      "the YAML configuration (see config/quanyu.yaml)")(
      "districts", po::value(&common.districts)->value_name("PATH"),
      "replace the source of the jurisdiction layer (any OGR source: file or PG:...)");
}

/// Parses `args` into `vm`; prints help and returns false when asked for it.
bool parse(const std::vector<std::string>& args, const po::options_description& options,
           po::variables_map& vm, const char* usage_line) {
  po::store(po::command_line_parser(args).options(options).run(), vm);
  po::notify(vm);
  if (vm.count("help") != 0) {
    std::cout << "Usage: " << usage_line << "\n\n" << options << '\n';
    return false;
  }
  return true;
}

Config load_with_overrides(const CommonOptions& common) {
  if (common.config.empty()) throw po::error("--config FILE is required");
  const StepTimer timer;
  Config config = load_config(common.config);
  if (!common.districts.empty()) {
    for (auto& layer : config.layers) {
      if (layer.role == gis::LayerRole::jurisdiction) {
        const bool connection = common.districts.rfind("PG:", 0) == 0;
        layer.source =
            connection ? common.districts
                       : std::filesystem::absolute(common.districts).lexically_normal().string();
        layer.layer.clear();  // the replacement's own first layer
      }
    }
  }
  spdlog::info("config {} read: {} layers, {} tokens ({:.1f} ms)", config.file.string(),
               config.layers.size(), config.tokens.size(), timer.elapsed_ms());
  return config;
}

std::unique_ptr<const gis::LayerSet> load_layers(const Config& config) {
  gis::LayerSetOptions options;
  options.jurisdiction_tolerance_m = config.gis.jurisdiction_tolerance_m;
  return gis::LayerSet::load(config.layers, options);
}

/// A server of 2,000 screens needs more descriptors than the usual soft limit of 1,024: raises
/// the soft limit to what the configured connection limits need (up to the hard limit, as Redis
/// and nginx do), and warns when the hard limit is lower.
void raise_open_file_limit(const Config& config) {
  std::size_t needed = config.live.max_connections + 256;  // + HTTP clients, journal, listeners
  if (config.feeds.sl651.enabled) needed += config.feeds.sl651.max_connections;
  if (config.feeds.gb28181.enabled) needed += config.feeds.gb28181.max_connections;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= needed) return;
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur =
      limit.rlim_max == RLIM_INFINITY ? needed : std::min<rlim_t>(needed, limit.rlim_max);
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) limit.rlim_cur = before;
  if (limit.rlim_cur < needed) {
    spdlog::warn(
        "open files limited to {} (hard limit {}), the configured connection limits need {}: "
        "raise it (ulimit -n, or LimitNOFILE= for systemd)",
        limit.rlim_cur, limit.rlim_max, needed);
  } else {
    spdlog::info("open files limit raised from {} to {}", before, limit.rlim_cur);
  }
}

int serve(const std::vector<std::string>& args) {
  CommonOptions common;
  std::string listen;
  std::string data_dir;
  po::options_description options("serve options");
  add_common(options, common);
  options.add_options()("listen,l", po::value(&listen)->value_name("HOST:PORT"),
                        "address to listen on (overrides server.listen; port 0 picks a free one)")(
      "data-dir,d", po::value(&data_dir)->value_name("DIR"),
      "where journal and snapshots live (overrides server.data_dir)");
  po::variables_map vm;
  if (!parse(args, options, vm, "quanyu serve --config FILE [options]")) return 0;

  const StepTimer total;
  Config config = load_with_overrides(common);
  if (!listen.empty()) {
    parse_listen(listen, "--listen", config.listen_host, config.listen_port);
  }
  if (!data_dir.empty()) config.data_dir = std::filesystem::absolute(data_dir).lexically_normal();

  {
    const StepTimer timer;
    std::error_code ec;
    std::filesystem::create_directories(config.data_dir, ec);
    if (ec) {
      throw ConfigError(config.data_dir.string() + ": cannot create the data dir: " + ec.message());
    }
    spdlog::info("data dir {} ready ({:.1f} ms)", config.data_dir.string(), timer.elapsed_ms());
  }
  raise_open_file_limit(config);
  const auto layers = load_layers(config);

  Server server(config, *layers);
  const auto endpoint = server.listen();
  spdlog::info("quanyu {} ready in {:.1f} ms: http://{}:{}/ ({} I/O threads)", kVersion,
               total.elapsed_ms(), endpoint.first, endpoint.second, config.threads);
  // The URL on stdout, alone on its line, for people and for scripts that start quanyu.
  std::printf("Quanyu is listening on http://%s:%u/\n", endpoint.first.c_str(),
              static_cast<unsigned>(endpoint.second));
  for (const auto& [feed, where] : server.feed_listeners()) {
    std::printf("Quanyu feed %s: %s\n", feed.c_str(), where.c_str());
  }
  std::fflush(stdout);
  server.run();
  spdlog::info("quanyu stopped");
  return 0;
}

int layers_check(const std::vector<std::string>& args) {
  CommonOptions common;
  po::options_description options("layers check options");
  add_common(options, common);
  po::variables_map vm;
  if (!parse(args, options, vm, "quanyu layers check --config FILE [--districts PATH]")) return 0;
  const Config config = load_with_overrides(common);
  const auto layers = load_layers(config);
  std::printf("%-16s %-12s %8s %-12s %-44s %8s %8s\n", "layer", "role", "features", "crs",
              "extent (lon/lat)", "repaired", "skipped");
  for (const auto& layer : layers->layers()) {
    const auto& e = layer.extent;
    const std::string extent = e.empty() ? "(empty)"
                                         : fmt::format("{:.4f},{:.4f} .. {:.4f},{:.4f}", e.min_lon,
                                                       e.min_lat, e.max_lon, e.max_lat);
    std::printf("%-16s %-12s %8zu %-12s %-44s %8zu %8zu\n", layer.name.c_str(),
                gis::to_string(layer.role), layer.features.size(), layer.source_crs.c_str(),
                extent.c_str(), layer.stats.repaired, layer.stats.skipped);
  }
  return 0;
}

int simulate(const std::vector<std::string>& args) {
  sim::SimulateOptions simulate;
  std::string config_file = "config/quanyu.yaml";
  po::options_description options("simulate options");
  options.add_options()("help,h", "show this help")(
      "url,u", po::value(&simulate.url)->value_name("URL"),
      "the Quanyu server, e.g. http://127.0.0.1:8080")(
      "token,t", po::value(&simulate.token)->value_name("TOKEN"),
      "bearer secret of a feed or admin token (default: $QUANYU_TOKEN, which stays out of ps)")(
      "rate,r", po::value(&simulate.rate)->value_name("N")->default_value(20.0, "20"),
      "mean observations per second")(
      "duration", po::value(&simulate.duration_s)->value_name("S")->default_value(0.0, "0"),
      "seconds to run; 0 = until Ctrl-C")(
      "seed", po::value(&simulate.seed)->value_name("K")->default_value(1),
      "the scenario: the same seed tells the same story")(
      "time-scale", po::value(&simulate.time_scale)->value_name("X")->default_value(1.0, "1"),
      "simulated seconds per real second (60: a flood wave in minutes)")(
      "config,c", po::value(&config_file)->value_name("FILE")->default_value(config_file),
      "the YAML configuration whose sensor layers to simulate");
  po::variables_map vm;
  if (!parse(args, options, vm,
             "quanyu simulate --url URL --token TOKEN [--rate N] [--duration S] [--seed K] "
             "[--time-scale X] [--config FILE]\n\n"
             "Posts realistic Chongqing observations to a Quanyu server: smoke detections around\n"
             "fires (and false ones: dust, cloud), camera alarms, gauges running flood waves.\n"
             "Prints a status line every 5 s and a summary at the end; exits 0 when the server\n"
             "accepted everything sent (or already had it), 1 otherwise.")) {
    return 0;
  }
  if (simulate.url.empty()) throw po::error("--url URL is required");
  if (simulate.token.empty()) {
    // Read once, before any thread starts.
    const char* token = std::getenv("QUANYU_TOKEN");  // NOLINT(concurrency-mt-unsafe)
    if (token != nullptr) simulate.token = token;
  }
  if (simulate.token.empty()) throw po::error("--token TOKEN (or QUANYU_TOKEN) is required");

  CommonOptions common;
  common.config = config_file;
  const Config config = load_with_overrides(common);
  const auto layers = load_layers(config);
  std::unique_ptr<sim::Simulator> simulator;
  try {
    simulator = std::make_unique<sim::Simulator>(*layers, simulate);
  } catch (const std::invalid_argument& e) {
    throw po::error(e.what());  // a bad --url, --rate, ... is a usage error
  }
  spdlog::info("simulating for {} at {} observations/s (seed {}, time scale {})", simulate.url,
               simulate.rate, simulate.seed, simulate.time_scale);
  return simulator->run().ok() ? 0 : 1;
}

int token_hash(const std::vector<std::string>& args) {
  std::vector<std::string> secrets;
  po::options_description options("token hash options");
  options.add_options()("help,h", "show this help");
  po::options_description hidden;
  hidden.add_options()("secret", po::value(&secrets));
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("secret", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
  po::notify(vm);
  if (vm.count("help") != 0) {
    std::cout << "Usage: quanyu token hash [SECRET]\n\nPrints the SHA-256 to put in a token's "
                 "`sha256` key. Reads the secret from standard input when not given, so it stays "
                 "out of shell history.\n\n"
              << options << '\n';
    return 0;
  }
  std::string secret;
  if (secrets.empty()) {
    std::getline(std::cin, secret);
  } else {
    secret = secrets.front();
  }
  if (secret.empty()) throw po::error("the secret is empty");
  std::printf("%s\n", sha256_hex(secret).c_str());
  return 0;
}

}  // namespace

int run_cli(int argc, char** argv) {
  // Logs go to stderr; stdout carries only what a command is asked for (the URL, a table, a hash).
  spdlog::set_default_logger(spdlog::stderr_color_mt("quanyu"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  // SPDLOG_LEVEL=debug (or warn, ...) in the environment sets the log level, e.g. to see every
  // feed message accepted.
  spdlog::cfg::load_env_levels();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::printf("quanyu %s\n", kVersion);
    return 0;
  }
  try {
    const std::string command = args[0];
    if (command == "serve") return serve({args.begin() + 1, args.end()});
    if (command == "layers" && args.size() >= 2 && args[1] == "check") {
      return layers_check({args.begin() + 2, args.end()});
    }
    if (command == "simulate") return simulate({args.begin() + 1, args.end()});
    if (command == "token" && args.size() >= 2 && args[1] == "hash") {
      return token_hash({args.begin() + 2, args.end()});
    }
    if (command == "layers" || command == "token") {
      std::fprintf(stderr, "quanyu %s: missing subcommand (see quanyu --help)\n", command.c_str());
      return 2;
    }
    std::fprintf(stderr, "quanyu: unknown command '%s' (see quanyu --help)\n", command.c_str());
    return 2;
  } catch (const po::error& e) {
    std::fprintf(stderr, "quanyu: %s (see --help)\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    // Config and layer errors are one self-explaining line; say it once, plainly.
    spdlog::critical("{}", e.what());
    return 1;
  }
}

}  // namespace quanyu::server
