#include "tests/security/sitrepd_child.h"

#include <fstream>

#include "absl/strings/numbers.h"

namespace sitrep::testing {

SitrepdChild StartSitrepdChild(const std::string& sitrepd_path,
                               const std::string& dir,
                               const std::vector<std::string>& extra) {
  const std::string port_file = dir + "/port";
  std::vector<std::string> argv = {
      sitrepd_path,          "--listen=127.0.0.1:0",
      "--port_file=" + port_file, "--data_dir=" + dir + "/data",
      "--fsync=off",         "--metrics_address=",
      "--http_address=",     "--shutdown_drain=0s"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  SitrepdChild child;
  child.process = std::make_unique<Subprocess>(argv);
  if (!child.process->WaitForStderr("serving")) return child;
  std::ifstream in(port_file);
  std::string text;
  std::getline(in, text);
  if (!absl::SimpleAtoi(text, &child.port)) child.port = 0;
  return child;
}

}  // namespace sitrep::testing
