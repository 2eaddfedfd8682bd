#include "bench/system_under_test.h"

#include <sys/stat.h>

#include <utility>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "bench/bench_flags.h"

namespace sitrep::bench {

bool System::Start(const std::string& fsync, std::vector<std::string> extra) {
  const std::string port_file = dir.path() + "/port";
  std::vector<std::string> argv;
  if (name == "ceiling") {
    argv = {absl::GetFlag(FLAGS_ceiling), "--listen=127.0.0.1:0",
            "--port_file=" + port_file};
    if (const int t = absl::GetFlag(FLAGS_ceiling_threads); t > 0) {
      argv.push_back(absl::StrCat("--fanout_threads=", t));
    }
  } else {
    argv = {absl::GetFlag(FLAGS_sitrepd), "--listen=127.0.0.1:0",
            "--port_file=" + port_file, "--data_dir=" + dir.path() + "/data",
            "--fsync=" + fsync,
            // Every bench client is the one anonymous principal: measure
            // the server, not the per-principal limits (10,000 idle
            // subscribers, max-rate ingest).
            "--publish_rate=0", "--max_streams_per_principal=0",
            // The bench smoke test runs beside other tests.
            "--metrics_address=127.0.0.1:0", "--http_address="};
  }
  for (std::string& e : extra) argv.push_back(std::move(e));
  return process.Start(argv, port_file);
}

int64_t System::WalBytes() const {
  if (name == "ceiling") return -1;
  // server/log/sqlite_event_log.h's kSqliteFileName, with SQLite's suffix.
  const std::string wal = dir.path() + "/data/sitrep.db-wal";
  struct stat st;
  return ::stat(wal.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

}  // namespace sitrep::bench
