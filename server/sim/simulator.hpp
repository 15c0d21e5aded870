#pragma once
/// Simulator: `quanyu simulate`. Drives a Scenario in real time and posts what it produces to a
/// Quanyu server's ingest endpoint, so a demo shows a living picture and a load test has a
/// realistic stream. Every 200 ms it asks the scenario for the observations due (simulated time
/// runs `time_scale` times faster than real time; observedAt is the real time) and posts them as
/// one JSON v1.ObservationBatch to `<url>/api/v1/observations` over one keep-alive HTTP/1.1
/// connection. Failed deliveries are retried with backoff (the ids make a resend harmless: the
/// server counts it as a duplicate); 429 and 503 are honoured by backing off (Retry-After when
/// given). Beast stays out of this header.

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>

#include "gis/layers/layer_set.hpp"

namespace quanyu::server::sim {

struct SimulateOptions {
  std::string url;          ///< the server, e.g. "http://127.0.0.1:8080" (plain HTTP; no TLS)
  std::string token;        ///< bearer secret of a `feed` or `admin` token
  double rate = 20.0;       ///< mean observations per real second
  double duration_s = 0.0;  ///< real seconds to run; 0 = until stopped
  std::uint64_t seed = 1;   ///< the scenario's story
  double time_scale =
      1.0;  ///< simulated seconds per real second, e.g. 60 to see a flood wave in minutes
  double status_interval_s = 5.0;  ///< between two status lines
  std::ostream* out = nullptr;     ///< status lines and the summary; nullptr = standard output
};

/// What a run did. Every observation the scenario produced is counted in `sent` and ends up in
/// exactly one of accepted, duplicates, refused or failed (unless the server's counts disagree
/// with the batch it was sent).
struct SimulateSummary {
  std::uint64_t sent = 0;        ///< observations produced to be delivered
  std::uint64_t accepted = 0;    ///< from the server's 202 bodies
  std::uint64_t duplicates = 0;  ///< ditto: ids the server had already seen
  std::uint64_t refused = 0;     ///< in batches answered 4xx (other than 429)
  std::uint64_t failed = 0;      ///< given up on: 5xx, retry queue overflow, undelivered at the end
  std::uint64_t requests = 0;    ///< POSTs answered with any status
  std::uint64_t connection_errors = 0;  ///< connects, writes or reads that failed
  std::uint64_t backoffs = 0;           ///< 429/503 answers honoured
  double elapsed_s = 0.0;               ///< real time
  double simulated_s = 0.0;

  /// Everything sent was accepted or recognised as a duplicate: the exit status is 0.
  bool ok() const { return accepted + duplicates == sent; }
};

class Simulator {
 public:
  /// Checks the options (throws std::invalid_argument naming the bad one: URL, rate, duration,
  /// time scale) and builds the scenario over the layers' sensors; `layers` must outlive it.
  Simulator(const gis::LayerSet& layers, SimulateOptions options);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  /// Runs until the duration has passed, SIGINT or SIGTERM arrives, or stop() is called; prints a
  /// status line every status_interval_s and a summary at the end. A first stop lets a request in
  /// flight finish; a second one abandons it.
  SimulateSummary run();

  /// Asks run() to stop; callable from any thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace quanyu::server::sim
