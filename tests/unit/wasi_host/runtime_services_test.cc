// tests/unit/wasi_host/runtime_services_test.cc: clocks, randomness, the handle table, stdio
// streams and in-memory pipes, poll, and TCP socket handles.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <thread>

#include "sandbox_fixture.h"
#include "wasi/host/clock.h"
#include "wasi/host/poll.h"
#include "wasi/host/random.h"
#include "wasi/host/socket.h"
#include "wasi/host/stdio.h"

namespace kiln::wasi::host::testing {
namespace {

std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Result<size_t> write_to(Handle& h, std::string_view s) {
  std::span<const uint8_t> iov[1] = {bytes(s)};
  return h.write(iov);
}

Result<std::string> read_from(Handle& h, size_t max) {
  std::string buf(max, '\0');
  std::span<uint8_t> iov[1] = {{reinterpret_cast<uint8_t*>(buf.data()), max}};
  KILN_WASI_ASSIGN_OR_RETURN(size_t n, h.read(iov));
  buf.resize(n);
  return buf;
}

// ---- clocks ----

TEST(Clocks, ResolutionAndTime) {
  for (ClockId id : {ClockId::kRealtime, ClockId::kMonotonic, ClockId::kProcessCputime,
                     ClockId::kThreadCputime}) {
    auto r = clock_resolution(id);
    ASSERT_OK(r);
    EXPECT_GT(*r, 0u);
    ASSERT_OK(clock_time(id));
  }
  EXPECT_ERRNO(clock_id_from_raw(4), Errno::kInval);
  EXPECT_ERRNO(clock_time(static_cast<ClockId>(17)), Errno::kInval);
  EXPECT_EQ(*clock_id_from_raw(1), ClockId::kMonotonic);
}

TEST(Clocks, MonotonicNeverGoesBack) {
  uint64_t prev = *clock_time(ClockId::kMonotonic);
  for (int i = 0; i < 10000; ++i) {
    uint64_t now = *clock_time(ClockId::kMonotonic);
    ASSERT_GE(now, prev);
    prev = now;
  }
}

TEST(Clocks, RealtimeIsUnixTime) {
  uint64_t ns = *clock_time(ClockId::kRealtime);
  uint64_t secs = static_cast<uint64_t>(::time(nullptr));
  EXPECT_NEAR(static_cast<double>(ns / 1'000'000'000ull), static_cast<double>(secs), 2.0);
}

TEST(Clocks, CpuTimeAdvancesWithWork) {
  uint64_t t0 = *clock_time(ClockId::kThreadCputime);
  uint64_t p0 = *clock_time(ClockId::kProcessCputime);
  volatile uint64_t sink = 0;
  for (uint64_t i = 0; i < 20'000'000; ++i) sink = sink + i;
  EXPECT_GT(*clock_time(ClockId::kThreadCputime), t0);
  EXPECT_GT(*clock_time(ClockId::kProcessCputime), p0);
}

// ---- random ----

TEST(Random, CsprngIsNotConstant) {
  std::array<uint8_t, 32> a{}, b{};
  ASSERT_OK(random_fill(a));
  ASSERT_OK(random_fill(b));
  EXPECT_NE(a, b);
  EXPECT_NE(a, (std::array<uint8_t, 32>{}));
  ASSERT_OK(random_fill({}));
  std::vector<uint8_t> big(1 << 20);
  ASSERT_OK(random_fill(big));
  size_t zeros = std::count(big.begin(), big.end(), 0);
  EXPECT_LT(zeros, big.size() / 128);  // about 1/256 expected
  auto s1 = insecure_seed();
  auto s2 = insecure_seed();
  ASSERT_OK(s1);
  EXPECT_NE(*s1, *s2);
}

TEST(Random, InsecureGenerator) {
  InsecureRandom a(42), b(42), c(43);
  for (int i = 0; i < 100; ++i) {
    uint64_t x = a.next_u64();
    EXPECT_EQ(x, b.next_u64());
    EXPECT_NE(x, c.next_u64());
  }
  auto os1 = InsecureRandom::from_os();
  auto os2 = InsecureRandom::from_os();
  ASSERT_OK(os1);
  ASSERT_OK(os2);
  EXPECT_NE(os1->next_u64(), os2->next_u64());
  std::array<uint8_t, 13> buf{};
  a.fill(buf);
  EXPECT_NE(buf, (std::array<uint8_t, 13>{}));
}

// ---- handle table ----

class Dummy final : public Handle {
 public:
  explicit Dummy(int tag) : Handle(right::kFdRead, 0), tag(tag) {}
  Filetype filetype() const override { return Filetype::kUnknown; }
  int tag;
};

int tag_of(HandleTable& t, uint32_t n) {
  auto h = t.get(n);
  return h.ok() ? static_cast<Dummy*>(*h)->tag : -1;
}

TEST(HandleTable, Preview1NumberingAndClose) {
  HandleTable t;
  for (int i = 0; i < 5; ++i) {
    auto n = t.insert(std::make_unique<Dummy>(i));
    ASSERT_OK(n);
    EXPECT_EQ(*n, static_cast<uint32_t>(i));  // 0-2 stdio, then preopens from 3 in order
  }
  EXPECT_EQ(t.count(), 5u);
  EXPECT_ERRNO(t.get(5), Errno::kBadf);
  EXPECT_ERRNO(t.get(~0u), Errno::kBadf);
  ASSERT_OK(t.remove(1));
  EXPECT_ERRNO(t.remove(1), Errno::kBadf);
  EXPECT_EQ(*t.insert(std::make_unique<Dummy>(9)), 1u);  // lowest free first
  EXPECT_EQ(tag_of(t, 1), 9);
  EXPECT_EQ(*t.insert(std::make_unique<Dummy>(10)), 5u);
  EXPECT_ERRNO(t.insert_at(3, std::make_unique<Dummy>(11)), Errno::kExist);
  ASSERT_OK(t.insert_at(100, std::make_unique<Dummy>(100)));
  EXPECT_EQ(*t.insert(std::make_unique<Dummy>(12)), 6u);
  EXPECT_ERRNO(t.get_dir(3), Errno::kNotdir);
  EXPECT_ERRNO(t.get_dir(50), Errno::kBadf);
}

TEST(HandleTable, Renumber) {
  HandleTable t;
  for (int i = 0; i < 4; ++i) ASSERT_OK(t.insert(std::make_unique<Dummy>(i)));
  ASSERT_OK(t.renumber(3, 1));
  EXPECT_EQ(tag_of(t, 1), 3);
  EXPECT_FALSE(t.contains(3));
  EXPECT_EQ(t.count(), 3u);
  EXPECT_ERRNO(t.renumber(3, 0), Errno::kBadf);  // from is closed
  EXPECT_ERRNO(t.renumber(0, 7), Errno::kBadf);  // to must be open
  ASSERT_OK(t.renumber(2, 2));
  EXPECT_EQ(tag_of(t, 2), 2);
  EXPECT_EQ(*t.insert(std::make_unique<Dummy>(5)), 3u);
}

TEST(HandleTable, Limit) {
  HandleTable t(3);
  for (int i = 0; i < 3; ++i) ASSERT_OK(t.insert(std::make_unique<Dummy>(i)));
  EXPECT_ERRNO(t.insert(std::make_unique<Dummy>(3)), Errno::kNfile);
  EXPECT_ERRNO(t.insert_at(3, std::make_unique<Dummy>(3)), Errno::kNfile);
  EXPECT_ERRNO(t.insert_at(0, nullptr), Errno::kInval);
}

// ---- stdio and pipes ----

TEST(Stdio, InheritedStreams) {
  auto in = HostStream::inherit_stdin();
  auto out = HostStream::inherit_stdout();
  EXPECT_NE(in->rights_base() & right::kFdRead, 0u);
  EXPECT_EQ(in->rights_base() & right::kFdWrite, 0u);
  EXPECT_NE(out->rights_base() & right::kFdWrite, 0u);
  EXPECT_ERRNO(write_to(*in, "x"), Errno::kNotcapable);
  EXPECT_ERRNO(out->seek(0, Whence::kSet), Errno::kNotcapable);
  ASSERT_OK(out->filestat());
}

TEST(Stdio, HostStreamOverAPipe) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  OwnedFd r(p[0]), w(p[1]);
  HostStream out(w.get(), true, Filetype::kUnknown);
  HostStream in(r.get(), false, Filetype::kUnknown);
  ASSERT_OK(write_to(out, "hi there"));
  EXPECT_EQ(*read_from(in, 100), "hi there");
  ASSERT_OK(in.set_fd_flags(fdflag::kNonblock));
  EXPECT_ERRNO(read_from(in, 10), Errno::kAgain);  // emulated: the fd itself stays blocking
  EXPECT_ERRNO(in.set_fd_flags(fdflag::kAppend), Errno::kNotsup);
}

TEST(MemoryPipe, InputAndOutput) {
  auto in = MemoryPipe::create();
  ASSERT_OK(in);
  auto reader = (*in)->reader();
  EXPECT_EQ((*in)->push("hello"), 5u);
  (*in)->close_write();
  EXPECT_EQ(*read_from(*reader, 3), "hel");
  EXPECT_EQ(*read_from(*reader, 10), "lo");
  EXPECT_EQ(*read_from(*reader, 10), "");  // end of file
  EXPECT_ERRNO(write_to(*reader, "x"), Errno::kNotcapable);

  auto out = MemoryPipe::create();
  ASSERT_OK(out);
  auto writer = (*out)->writer();
  ASSERT_OK(write_to(*writer, "abc"));
  ASSERT_OK(write_to(*writer, "def"));
  EXPECT_EQ((*out)->take(), "abcdef");
  EXPECT_EQ((*out)->take(), "");
  (*out)->close_read();
  EXPECT_ERRNO(write_to(*writer, "x"), Errno::kPipe);
  EXPECT_EQ(writer->filetype(), Filetype::kUnknown);
}

TEST(MemoryPipe, NonblockingAndCapacity) {
  auto pipe = MemoryPipe::create(4);
  ASSERT_OK(pipe);
  auto reader = (*pipe)->reader();
  auto writer = (*pipe)->writer();
  ASSERT_OK(reader->set_fd_flags(fdflag::kNonblock));
  ASSERT_OK(writer->set_fd_flags(fdflag::kNonblock));
  EXPECT_ERRNO(read_from(*reader, 4), Errno::kAgain);
  EXPECT_EQ(*write_to(*writer, "abcdef"), 4u);  // short write up to capacity
  EXPECT_ERRNO(write_to(*writer, "g"), Errno::kAgain);
  EXPECT_EQ(*read_from(*reader, 2), "ab");
  EXPECT_EQ(*write_to(*writer, "gh"), 2u);
  EXPECT_EQ(*read_from(*reader, 10), "cdgh");
  EXPECT_ERRNO(MemoryPipe::create(0), Errno::kInval);
}

TEST(MemoryPipe, BlockingReadWaitsForAnotherThread) {
  auto pipe = MemoryPipe::create();
  ASSERT_OK(pipe);
  auto reader = (*pipe)->reader();
  std::shared_ptr<MemoryPipe> p = *pipe;
  std::thread feeder([p] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    p->push("late");
  });
  EXPECT_EQ(*read_from(*reader, 10), "late");
  feeder.join();
}

// ---- poll ----

TEST(Poll, ClockTimeoutFires) {
  Subscription s;
  s.userdata = 7;
  s.type = EventType::kClock;
  s.clock = ClockId::kMonotonic;
  s.timeout = 5'000'000;  // 5 ms relative
  uint64_t t0 = *clock_time(ClockId::kMonotonic);
  auto ev = poll({&s, 1});
  ASSERT_OK(ev);
  ASSERT_EQ(ev->size(), 1u);
  EXPECT_EQ((*ev)[0].userdata, 7u);
  EXPECT_EQ((*ev)[0].type, EventType::kClock);
  EXPECT_EQ((*ev)[0].error, Errno::kSuccess);
  EXPECT_GE(*clock_time(ClockId::kMonotonic) - t0, 5'000'000u);
  // Absolute times in the past fire at once, on either clock.
  s.absolute = true;
  s.timeout = 1;
  ASSERT_OK(poll({&s, 1}));
  s.clock = ClockId::kRealtime;
  ASSERT_OK(poll({&s, 1}));
  s.clock = ClockId::kProcessCputime;
  auto cpu = poll({&s, 1});
  ASSERT_OK(cpu);
  EXPECT_EQ((*cpu)[0].error, Errno::kInval);
  EXPECT_ERRNO(poll({}), Errno::kInval);
}

TEST(Poll, PipeReadinessAndErrors) {
  auto pipe = MemoryPipe::create();
  ASSERT_OK(pipe);
  auto reader = (*pipe)->reader();
  auto writer = (*pipe)->writer();
  Subscription subs[4];
  subs[0].userdata = 1;
  subs[0].type = EventType::kFdRead;
  subs[0].handle = reader.get();
  subs[1].userdata = 2;
  subs[1].type = EventType::kClock;
  subs[1].timeout = 1'000'000;
  // Nothing to read yet: only the clock fires.
  auto ev = poll({subs, 2});
  ASSERT_OK(ev);
  ASSERT_EQ(ev->size(), 1u);
  EXPECT_EQ((*ev)[0].userdata, 2u);
  (*pipe)->push("x");
  subs[1].timeout = 10'000'000'000ull;
  ev = poll({subs, 2});
  ASSERT_OK(ev);
  ASSERT_EQ(ev->size(), 1u);
  EXPECT_EQ((*ev)[0].userdata, 1u);
  EXPECT_EQ((*ev)[0].type, EventType::kFdRead);
  // Write readiness; a missing handle and a missing right are reported per event.
  subs[2].userdata = 3;
  subs[2].type = EventType::kFdWrite;
  subs[2].handle = writer.get();
  subs[3].userdata = 4;
  subs[3].type = EventType::kFdWrite;
  subs[3].handle = nullptr;
  ev = poll({subs + 2, 2});
  ASSERT_OK(ev);
  ASSERT_EQ(ev->size(), 2u);
  EXPECT_EQ((*ev)[0].error, Errno::kSuccess);
  EXPECT_EQ((*ev)[1].error, Errno::kBadf);
  subs[3].handle = reader.get();  // a read-only end polled for writing
  ev = poll({subs + 3, 1});
  ASSERT_OK(ev);
  EXPECT_EQ((*ev)[0].error, Errno::kNotcapable);
}

TEST_P(SandboxTest, PollRegularFileIsAlwaysReady) {
  auto h = open("file", 0, 0, right::kFileAll);
  ASSERT_OK(h);
  Subscription s;
  s.type = EventType::kFdRead;
  s.handle = h->get();
  auto ev = poll({&s, 1});
  ASSERT_OK(ev);
  ASSERT_EQ(ev->size(), 1u);
  EXPECT_EQ((*ev)[0].nbytes, 5u);
}

// ---- sockets ----

OwnedFd connect_to(uint16_t port) {
  OwnedFd c(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  struct sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(c.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return OwnedFd();
  return c;
}

TEST(Sockets, AcceptRecvSendShutdown) {
  auto listener = TcpSocket::listen_ipv4("127.0.0.1", 0);
  ASSERT_OK(listener);
  TcpSocket& l = **listener;
  uint16_t port = l.local_port();
  ASSERT_NE(port, 0);
  EXPECT_EQ(l.filetype(), Filetype::kSocketStream);
  // Nonblocking listener with nobody waiting.
  ASSERT_OK(l.set_fd_flags(fdflag::kNonblock));
  EXPECT_ERRNO(l.accept(0), Errno::kAgain);
  ASSERT_OK(l.set_fd_flags(0));
  OwnedFd client = connect_to(port);
  ASSERT_TRUE(client.valid());
  // The listener polls readable once a connection waits.
  Subscription s;
  s.type = EventType::kFdRead;
  s.handle = &l;
  ASSERT_OK(poll({&s, 1}));
  EXPECT_ERRNO(l.accept(fdflag::kAppend), Errno::kInval);
  auto conn = l.accept(0);
  ASSERT_OK(conn);
  TcpSocket& c = **conn;
  EXPECT_EQ(c.rights_base() & right::kSockAccept, 0u);
  EXPECT_ERRNO(c.accept(0), Errno::kNotcapable);
  ASSERT_EQ(::write(client.get(), "ping", 4), 4);
  char buf[8];
  std::span<uint8_t> iov[1] = {{reinterpret_cast<uint8_t*>(buf), 2}};
  auto peek = c.recv(iov, riflag::kRecvPeek);
  ASSERT_OK(peek);
  EXPECT_EQ(peek->first, 2u);
  iov[0] = {reinterpret_cast<uint8_t*>(buf), 4};
  auto got = c.recv(iov, riflag::kRecvWaitall);
  ASSERT_OK(got);
  EXPECT_EQ(std::string(buf, got->first), "ping");
  EXPECT_EQ(got->second, 0);
  std::span<const uint8_t> out[1] = {bytes("pong")};
  EXPECT_EQ(*c.send(out, 0), 4u);
  EXPECT_ERRNO(c.send(out, 1), Errno::kInval);
  ASSERT_EQ(::read(client.get(), buf, 4), 4);
  EXPECT_EQ(std::string(buf, 4), "pong");
  ASSERT_OK(write_to(c, "via write"));
  ASSERT_EQ(::read(client.get(), buf, 8), 8);
  EXPECT_ERRNO(c.shutdown(0), Errno::kInval);
  ASSERT_OK(c.shutdown(sdflag::kWr));
  EXPECT_EQ(::read(client.get(), buf, 8), 1);  // the 9th byte, then EOF
  EXPECT_EQ(::read(client.get(), buf, 8), 0);
  // A closed peer gives kPipe/kConnreset, never SIGPIPE.
  client.reset();
  Errno last = Errno::kSuccess;
  for (int i = 0; i < 100 && last == Errno::kSuccess; ++i) {
    last = c.send(out, 0).error();
  }
  EXPECT_TRUE(last == Errno::kPipe || last == Errno::kConnreset) << errno_name(last);
}

TEST(Sockets, AdoptRejectsNonSockets) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  ::close(p[1]);
  EXPECT_ERRNO(TcpSocket::adopt(OwnedFd(p[0])), Errno::kNotsock);
  OwnedFd udp(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  EXPECT_ERRNO(TcpSocket::adopt(std::move(udp)), Errno::kNotsock);
  EXPECT_ERRNO(TcpSocket::listen_ipv4("not an address", 0), Errno::kInval);
}

}  // namespace
}  // namespace kiln::wasi::host::testing
