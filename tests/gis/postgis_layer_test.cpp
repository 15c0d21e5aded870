// A jurisdiction layer read from PostGIS through a PG: connection string, against a real
// PostgreSQL + PostGIS started on loopback by this test (scripts/install-deps.sh --test installs
// Debian's postgresql and postgis).
#include <unistd.h>

#include <filesystem>

#include "gis/layers/layer_loader.hpp"
#include "gtest_include.hpp"
#include "test_support.hpp"

namespace quanyu::gis {
namespace {

std::string postgres_bin_dir() {
  const std::filesystem::path root("/usr/lib/postgresql");
  std::error_code ec;
  std::string best;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    const auto bin = entry.path() / "bin";
    if (std::filesystem::exists(bin / "pg_ctl") && bin.string() > best) best = bin.string();
  }
  return best;
}

/// A throwaway PostgreSQL cluster on 127.0.0.1, stopped and removed at the end of the test.
class PostgresCluster {
 public:
  PostgresCluster() : dir_("quanyu-pg"), port_(test::free_port()) {
    bin_ = postgres_bin_dir();
    if (bin_.empty()) return;
    // PostgreSQL refuses to run as root: as root, run it as the postgres user.
    as_user_ = ::geteuid() == 0 ? "runuser -u postgres -- " : "";
    if (::geteuid() == 0) test::run("chown -R postgres " + dir_.path().string());
    const std::string data = (dir_ / "data").string();
    std::string out;
    if (test::run(as_user_ + bin_ + "/initdb -A trust -U postgres -E UTF8 -D " + data, &out) != 0) {
      error_ = "initdb failed: " + out;
      return;
    }
    if (test::run(as_user_ + bin_ + "/pg_ctl -w -t 60 -D " + data + " -l " + data +
                      "/log -o \"-c listen_addresses=127.0.0.1 -p " + std::to_string(port_) +
                      " -k " + dir_.path().string() + "\" start",
                  &out) != 0) {
      error_ = "pg_ctl start failed: " + out;
      return;
    }
    started_ = true;
  }
  ~PostgresCluster() {
    if (started_) {
      test::run(as_user_ + bin_ + "/pg_ctl -w -D " + (dir_ / "data").string() +
                " -m immediate stop");
    }
  }

  bool ready() const { return started_; }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  std::string psql(const std::string& sql) const {
    std::string out;
    test::run(bin_ + "/psql -h 127.0.0.1 -p " + std::to_string(port_) +
                  " -U postgres -d postgres " + "-v ON_ERROR_STOP=1 -c \"" + sql + "\"",
              &out);
    return out;
  }

 private:
  test::TempDir dir_;
  int port_;
  std::string bin_;
  std::string as_user_;
  std::string error_;
  bool started_ = false;
};

TEST(PostgisLayer, JurisdictionFromPgConnectionString) {
  PostgresCluster cluster;
  ASSERT_FALSE(postgres_bin_dir().empty())
      << "PostgreSQL is not installed: run scripts/install-deps.sh --test";
  ASSERT_TRUE(cluster.ready()) << cluster.error();
  cluster.psql("CREATE EXTENSION postgis");
  const std::string pg =
      "PG:host=127.0.0.1 port=" + std::to_string(cluster.port()) + " user=postgres dbname=postgres";
  std::string out;
  ASSERT_EQ(test::run("ogr2ogr -f PostgreSQL '" + pg + "' '" + test::districts_path() +
                          "' -nln cq_districts -lco GEOMETRY_NAME=geom",
                      &out),
            0)
      << out;

  LayerSpec spec;
  spec.name = "districts";
  spec.role = LayerRole::jurisdiction;
  spec.source = pg;
  spec.layer = "cq_districts";
  const Layer layer = load_layer(spec);
  EXPECT_EQ(layer.features.size(), 38U);
  EXPECT_EQ(layer.stats.repaired, 7U);
  EXPECT_EQ(layer.source_crs, "EPSG:4326");

  // A wrong table name is one clear line that names it, without the connection's password.
  spec.layer = "no_such_table";
  spec.source = pg + " password=secret";
  try {
    (void)load_layer(spec);
    ADD_FAILURE() << "expected a LayerError";
  } catch (const LayerError& e) {
    EXPECT_THAT(e.what(), testing::HasSubstr("no_such_table"));
    EXPECT_THAT(e.what(), testing::Not(testing::HasSubstr("secret")));
  }
}

}  // namespace
}  // namespace quanyu::gis
