// Who listens on a TCP port, as far as this machine tells: for the message
// of a server that finds its port taken ("in use by pid 812 (sitrepd
// --listen=...)"), so the operator knows what to stop.
#ifndef SITREP_SERVER_RUNTIME_PORT_HOLDER_H_
#define SITREP_SERVER_RUNTIME_PORT_HOLDER_H_

#include <string>
#include <vector>

namespace sitrep {

// "pid <pid> (<command line>)" of each process with a socket listening on
// TCP `port` (IPv4 or IPv6), joined by ", "; "" when none is visible. Linux
// lists listening sockets with their inode in /proc/net/tcp{,6}, and
// /proc/<pid>/fd links a process's sockets as "socket:[<inode>]"; the fds
// of another user's processes are visible to root only. Bounded by the
// number of processes and their fds; reads /proc only.
std::string DescribePortHolder(int port);

// The TCP ports process `pid` listens on, ascending; empty when none (yet)
// or when its fds are not visible. For a child that can listen on port 0
// but cannot say which port it got (Prometheus).
std::vector<int> ListeningPortsOf(int pid);

}  // namespace sitrep

#endif  // SITREP_SERVER_RUNTIME_PORT_HOLDER_H_
