#pragma once
// A child process with its stdout and stderr captured, for starting the real quanyu binary.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

namespace quanyu::test {

class Process {
 public:
  explicit Process(const std::vector<std::string>& argv) {
    int out[2];
    int err[2];
    if (::pipe(out) != 0 || ::pipe(err) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      ::close(out[0]);
      ::close(err[0]);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    out_ = out[0];
    err_ = err[0];
    ::fcntl(out_, F_SETFL, O_NONBLOCK);
    ::fcntl(err_, F_SETFL, O_NONBLOCK);
  }
  ~Process() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
    if (err_ >= 0) ::close(err_);
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  /// Reads stdout until it holds a full line containing `needle`, or the timeout passes.
  bool wait_for_stdout(const std::string& needle, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      drain(std::chrono::milliseconds(50));
      const auto at = stdout_.find(needle);
      if (at != std::string::npos && stdout_.find('\n', at) != std::string::npos) return true;
      if (exited()) return false;
    }
    return false;
  }

  /// The same for stderr (where quanyu logs), counting only occurrences after the first
  /// `skip` of them, so a test can wait for the next one.
  bool wait_for_stderr(const std::string& needle, std::chrono::milliseconds timeout,
                       std::size_t skip = 0) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      drain(std::chrono::milliseconds(50));
      if (count_in_stderr(needle) > skip) return true;
      if (exited()) return false;
    }
    return false;
  }

  /// Complete lines of stderr containing `needle`.
  std::size_t count_in_stderr(const std::string& needle) const {
    std::size_t n = 0;
    for (auto at = stderr_.find(needle); at != std::string::npos;
         at = stderr_.find(needle, at + 1)) {
      if (stderr_.find('\n', at) != std::string::npos) ++n;
    }
    return n;
  }

  int pid() const { return pid_; }
  void signal(int number) { ::kill(pid_, number); }

  /// Waits for the process to end; returns its exit code, or -1 on timeout or a signal death.
  int wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      drain(std::chrono::milliseconds(20));
      if (exited()) {
        drain(std::chrono::milliseconds(0));
        return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
      }
    }
    return -1;
  }

  const std::string& out() const { return stdout_; }
  const std::string& err() const { return stderr_; }

 private:
  bool exited() {
    if (exited_) return true;
    if (::waitpid(pid_, &status_, WNOHANG) == pid_) exited_ = true;
    return exited_;
  }

  void drain(std::chrono::milliseconds wait) {
    pollfd fds[2] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}};
    ::poll(fds, 2, static_cast<int>(wait.count()));
    char buffer[4096];
    for (auto [fd, text] : {std::pair{out_, &stdout_}, std::pair{err_, &stderr_}}) {
      ssize_t n = 0;
      while ((n = ::read(fd, buffer, sizeof buffer)) > 0)
        text->append(buffer, static_cast<std::size_t>(n));
    }
  }

  pid_t pid_ = -1;
  int out_ = -1;
  int err_ = -1;
  int status_ = 0;
  bool exited_ = false;
  std::string stdout_;
  std::string stderr_;
};

/// The port from the line "Quanyu is listening on http://127.0.0.1:PORT/" of `quanyu serve`'s
/// standard output; 0 when it is not there.
inline int listening_port(const std::string& out) {
  const std::string prefix = "Quanyu is listening on http://127.0.0.1:";
  const auto at = out.find(prefix);
  return at == std::string::npos ? 0 : std::atoi(out.c_str() + at + prefix.size());
}

/// Waits (up to a minute) for `quanyu serve` to say where it listens; its port, or 0.
inline int wait_until_listening(Process& quanyu) {
  if (!quanyu.wait_for_stdout("Quanyu is listening on", std::chrono::seconds(60))) return 0;
  return listening_port(quanyu.out());
}

/// The current time as RFC 3339 UTC, for observations' observedAt.
inline std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buffer;
}

}  // namespace quanyu::test
