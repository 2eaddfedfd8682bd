#include "bench/cpu_budget.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace sitrep::bench {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// One write(2) of `value`: cgroup files take one value per write.
absl::Status WriteFile(const std::string& path, const std::string& value) {
  std::ofstream out(path);
  out << value << std::flush;
  if (!out) {
    return absl::InternalError(
        absl::StrCat("cannot write \"", value, "\" to ", path, ": ",
                     std::strerror(errno)));
  }
  return absl::OkStatus();
}

// The cgroup v2 root holding the cpu controller, or "".
std::string UnifiedCpuRoot() {
  for (const char* root : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
    const std::string controllers = ReadAll(absl::StrCat(root, "/cgroup.controllers"));
    for (absl::string_view c : absl::StrSplit(controllers, absl::ByAnyChar(" \n"))) {
      if (c == "cpu") return root;
    }
  }
  return "";
}

}  // namespace

absl::StatusOr<std::unique_ptr<CpuBudgets>> CpuBudgets::Create() {
  if (geteuid() != 0) {
    return absl::FailedPreconditionError(
        "CPU budgets need root (cgroups); run sitrep-bench as root or pass "
        "--replica_cpu=0 to run the replicas without budgets");
  }
  std::string root;
  bool v2 = false;
  if (Exists("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")) {
    root = "/sys/fs/cgroup/cpu";
  } else {
    root = UnifiedCpuRoot();
    v2 = true;
  }
  if (root.empty()) {
    return absl::FailedPreconditionError(
        "no cgroup cpu controller: neither /sys/fs/cgroup/cpu/cpu.cfs_quota_us "
        "(v1) nor \"cpu\" in a cgroup2 cgroup.controllers (`mount | grep "
        "cgroup`); pass --replica_cpu=0 to run without budgets");
  }
  std::unique_ptr<CpuBudgets> budgets(new CpuBudgets(root, v2));
  if (mkdir(budgets->parent_.c_str(), 0755) != 0 && errno != EEXIST) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create ", budgets->parent_, ": ", std::strerror(errno)));
  }
  if (v2) {
    // Children get the cpu controller only when every ancestor hands it on.
    if (absl::Status s = WriteFile(root + "/cgroup.subtree_control", "+cpu"); !s.ok()) {
      return absl::FailedPreconditionError(s.message());
    }
    if (absl::Status s = WriteFile(budgets->parent_ + "/cgroup.subtree_control", "+cpu");
        !s.ok()) {
      return absl::FailedPreconditionError(s.message());
    }
  }
  return budgets;
}

CpuBudgets::CpuBudgets(std::string root, bool v2)
    : root_(std::move(root)),
      v2_(v2),
      parent_(absl::StrCat(root_, "/sitrep-bench-", getpid())) {}

CpuBudgets::~CpuBudgets() {
  // A group can only be removed once empty: processes still in it (a
  // replica that did not stop) go back to the root group.
  for (const std::string& group : groups_) {
    for (absl::string_view pid :
         absl::StrSplit(ReadAll(group + "/cgroup.procs"), '\n', absl::SkipEmpty())) {
      WriteFile(root_ + "/cgroup.procs", std::string(pid)).IgnoreError();
    }
    rmdir(group.c_str());
  }
  rmdir(parent_.c_str());
}

absl::Status CpuBudgets::Place(const std::string& name, pid_t pid, double cores,
                              absl::Duration period) {
  if (!(cores > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("CPU budget of ", name, ": ", cores, " cores; give more than 0"));
  }
  // The kernel's limits for cpu.cfs_period_us.
  if (period < absl::Milliseconds(1) || period > absl::Seconds(1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "CPU budget of ", name, ": a period of ", absl::FormatDuration(period),
        "; give 1ms..1s"));
  }
  const int64_t period_us = absl::ToInt64Microseconds(period);
  const std::string group = absl::StrCat(parent_, "/", name);
  if (mkdir(group.c_str(), 0755) != 0 && errno != EEXIST) {
    return absl::InternalError(absl::StrCat("cannot create ", group, ": ", std::strerror(errno)));
  }
  groups_.push_back(group);
  const int64_t quota =
      static_cast<int64_t>(std::llround(cores * static_cast<double>(period_us)));
  // The kernel refuses a quota under 1 ms (EINVAL): say why.
  if (quota < 1000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "CPU budget of ", name, ": ", cores, " cores of a ", absl::FormatDuration(period),
        " period is a quota of ", quota, " us; the kernel's least is 1000 us: give a longer "
        "period or more cores"));
  }
  if (v2_) {
    if (absl::Status s = WriteFile(group + "/cpu.max", absl::StrCat(quota, " ", period_us));
        !s.ok()) {
      return s;
    }
  } else {
    if (absl::Status s = WriteFile(group + "/cpu.cfs_period_us", absl::StrCat(period_us));
        !s.ok()) {
      return s;
    }
    if (absl::Status s = WriteFile(group + "/cpu.cfs_quota_us", absl::StrCat(quota)); !s.ok()) {
      return s;
    }
  }
  // cgroup.procs moves the whole process, every thread it has.
  return WriteFile(group + "/cgroup.procs", absl::StrCat(pid));
}

CpuBudgets::Periods CpuBudgets::ReadPeriods(const std::string& name) const {
  Periods periods;
  const std::string stat = ReadAll(absl::StrCat(parent_, "/", name, "/cpu.stat"));
  for (absl::string_view line : absl::StrSplit(stat, '\n')) {
    std::vector<absl::string_view> kv = absl::StrSplit(line, ' ');
    double value = 0;
    if (kv.size() != 2 || !absl::SimpleAtod(kv[1], &value)) continue;
    // The same names in v1 and v2.
    if (kv[0] == "nr_periods") periods.periods = value;
    if (kv[0] == "nr_throttled") periods.throttled = value;
    if (kv[0] == "throttled_time") periods.throttled_seconds = value / 1e9;   // v1, ns
    if (kv[0] == "throttled_usec") periods.throttled_seconds = value / 1e6;   // v2
  }
  return periods;
}

std::string CpuBudgets::Describe() const {
  return absl::StrCat(v2_ ? "cgroup v2 " : "cgroup v1 ", parent_);
}

}  // namespace sitrep::bench
