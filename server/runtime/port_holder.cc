#include "server/runtime/port_holder.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace sitrep {
namespace {

// The kernel's state number for a listening TCP socket (TCP_LISTEN).
constexpr char kListenState[] = "0A";
// A command line longer than this is cut in the message.
constexpr size_t kMaxCommandBytes = 160;

// Every listening TCP socket of one /proc/net/tcp* table, as
// "socket:[inode]" (how /proc/<pid>/fd links name it) -> port. Lines are
// "sl local_address rem_address st ... inode", addresses as hex ADDR:PORT.
void ListeningSockets(const char* table, std::map<std::string, int>* sockets) {
  std::ifstream in(table);
  std::string line;
  std::getline(in, line);  // The header.
  while (std::getline(in, line)) {
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (fields.size() < 10 || fields[3] != kListenState || fields[9] == "0") {
      continue;
    }
    const size_t colon = fields[1].rfind(':');
    uint32_t port = 0;
    if (colon == absl::string_view::npos ||
        !absl::SimpleHexAtoi(fields[1].substr(colon + 1), &port)) {
      continue;
    }
    (*sockets)[absl::StrCat("socket:[", fields[9], "]")] = static_cast<int>(port);
  }
}

std::map<std::string, int> AllListeningSockets() {
  std::map<std::string, int> sockets;
  ListeningSockets("/proc/net/tcp", &sockets);
  ListeningSockets("/proc/net/tcp6", &sockets);
  return sockets;
}

// /proc/<pid>/cmdline with its NULs as spaces, cut to kMaxCommandBytes.
std::string CommandLine(const std::string& pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/cmdline"));
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  for (char& c : text) {
    if (c == '\0') c = ' ';
  }
  text = std::string(absl::StripAsciiWhitespace(text));
  if (text.size() > kMaxCommandBytes) {
    text.resize(kMaxCommandBytes);
    text += "...";
  }
  return text;
}

// The targets of `pid`'s fd links that are among `sockets`.
std::vector<std::string> SocketsOf(const std::string& pid,
                                   const std::map<std::string, int>& sockets) {
  std::vector<std::string> found;
  const std::string fd_dir = absl::StrCat("/proc/", pid, "/fd");
  DIR* dir = ::opendir(fd_dir.c_str());
  if (dir == nullptr) return found;  // Gone, or another user's.
  while (dirent* entry = ::readdir(dir)) {
    char target[64];
    const std::string link = absl::StrCat(fd_dir, "/", entry->d_name);
    const ssize_t size = ::readlink(link.c_str(), target, sizeof(target) - 1);
    if (size <= 0) continue;
    std::string name(target, size);
    if (sockets.count(name) > 0) found.push_back(std::move(name));
  }
  ::closedir(dir);
  return found;
}

}  // namespace

std::string DescribePortHolder(int port) {
  std::map<std::string, int> sockets = AllListeningSockets();
  for (auto it = sockets.begin(); it != sockets.end();) {
    it = it->second == port ? std::next(it) : sockets.erase(it);
  }
  if (sockets.empty()) return "";
  std::vector<std::string> holders;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return "";
  while (dirent* entry = ::readdir(proc)) {
    uint32_t number = 0;
    if (!absl::SimpleAtoi(entry->d_name, &number)) continue;
    const std::string pid = entry->d_name;
    if (SocketsOf(pid, sockets).empty()) continue;
    const std::string command = CommandLine(pid);
    holders.push_back(command.empty()
                          ? absl::StrCat("pid ", pid)
                          : absl::StrCat("pid ", pid, " (", command, ")"));
  }
  ::closedir(proc);
  return absl::StrJoin(holders, ", ");
}

std::vector<int> ListeningPortsOf(int pid) {
  const std::map<std::string, int> sockets = AllListeningSockets();
  std::set<int> ports;
  for (const std::string& socket : SocketsOf(absl::StrCat(pid), sockets)) {
    ports.insert(sockets.at(socket));
  }
  return std::vector<int>(ports.begin(), ports.end());
}

}  // namespace sitrep
