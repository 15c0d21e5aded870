// The machine's floor, for reading every other figure against it (issue 6): the cost of one
// write(2) of a live-channel-sized frame into a connected loopback TCP socket whose peer drains
// it on another thread, and of one write(2) to /dev/null (the bare system call).
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

/// A connected loopback TCP pair; the reader thread drains everything the writer sends.
class LoopbackPair {
 public:
  LoopbackPair() {
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t n = sizeof a;
    if (::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listener, 1) != 0 ||
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &n) != 0) {
      throw std::runtime_error("loopback listener");
    }
    writer_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (::connect(writer_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      throw std::runtime_error("loopback connect");
    }
    reader_ = ::accept(listener, nullptr, nullptr);
    ::close(listener);
    const int one = 1;
    ::setsockopt(writer_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // as Quanyu's sockets
    drain_ = std::thread([this] {
      char buffer[1 << 16];
      while (::read(reader_, buffer, sizeof buffer) > 0) {
      }
    });
  }
  ~LoopbackPair() {
    ::shutdown(writer_, SHUT_WR);
    drain_.join();
    ::close(writer_);
    ::close(reader_);
  }
  int writer() const { return writer_; }

 private:
  int writer_ = -1;
  int reader_ = -1;
  std::thread drain_;
};

void BM_LoopbackTcpWrite(benchmark::State& state) {
  LoopbackPair pair;
  const std::string frame(static_cast<std::size_t>(state.range(0)), 'x');
  for (auto _ : state) {
    std::size_t sent = 0;
    while (sent < frame.size()) {
      const auto n = ::write(pair.writer(), frame.data() + sent, frame.size() - sent);
      if (n <= 0) {
        state.SkipWithError("write failed");
        return;
      }
      sent += static_cast<std::size_t>(n);
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * frame.size()));
  state.SetItemsProcessed(state.iterations());
}
// 300 B: one update as issue 6 sizes it; 10 KB: a busy live-channel delta.
BENCHMARK(BM_LoopbackTcpWrite)->Arg(300)->Arg(10'000)->UseRealTime();

void BM_DevNullWrite(benchmark::State& state) {
  const int fd = ::open("/dev/null", O_WRONLY);
  const std::string frame(300, 'x');
  for (auto _ : state) benchmark::DoNotOptimize(::write(fd, frame.data(), frame.size()));
  ::close(fd);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DevNullWrite);

}  // namespace
