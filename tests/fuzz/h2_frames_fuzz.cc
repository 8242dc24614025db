// A libFuzzer target for the frame-level data plane (src/h2): each input is decoded into a
// sequence of HTTP/2 frames that one client connection writes into a ServerConn. The routes'
// backends are a fake nghttp2 server on unix sockets served by the same event loop, so
// forwarding, whole-message plans (shadow copies compared, a canary's fallback, payload samples
// for a monitor) and the backends' own failures (resets, GOAWAY, trailers-only errors, hangs,
// abrupt closes, malformed answers, large and streamed answers) all run. Everything runs on the
// caller's thread, one loop round at a time (EventLoop::RunOnce): no sleeps, and timers fire
// only from the loop. A client connection still open after its socket was closed, a call still
// counted in flight, or a shadow copy that cannot be cancelled is a bug: the target aborts with
// a message.
//
// Input layout (reads past the end yield zeros, so every input decodes):
//   byte 0     flags (kFlag*)
//   bytes 1..8 the backends' behaviour tape: one byte per upstream stream, cycled (Behaviour)
//   then ops:  one byte each (low nibble: the op; bit 7: no loop round after it), then the
//              op's own bytes (stream ids from a small set, so streams interact).
//
// Built two ways (tests/fuzz/CMakeLists.txt): with -fsanitize=fuzzer as h2_frames_fuzz, and with
// standalone_main.cc as h2_frames_fuzz_smoke, which ctest runs on seeded random inputs.
#include <nghttp2/nghttp2.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/random.h"
#include "config/loader.h"
#include "google/protobuf/stubs/logging.h"
#include "h2/event_loop.h"
#include "h2/loop_env.h"
#include "h2/server_conn.h"
#include "h2/shadow_legs.h"
#include "h2/upstream.h"
#include "proxy/shadow_budgets.h"
#include "proxy/snapshot.h"
#include "proxy/upstream_pool.h"
#include "strategies/compile.h"
#include "telemetry/metrics.h"
#include "telemetry/outcome.h"
#include "telemetry/shadow_sink.h"
#include "testing/raw_h2.h"

namespace modelgate::fuzz {
namespace {

using h2::EventLoop;
using testutil::kData;
using testutil::kHeaders;
using testutil::kPriority;
using testutil::kRstStream;
using testutil::kSettings;
using testutil::kPing;
using testutil::kGoaway;
using testutil::kWindowUpdate;
using testutil::kContinuation;
using testutil::kEndStream;
using testutil::kAck;
using testutil::kEndHeaders;
using testutil::kPadded;
using testutil::kPriorityFlag;
using testutil::Put32;
using testutil::Get32;
using testutil::FrameHeader;
using testutil::GrpcMessage;
using testutil::Nv;

// H2_FUZZ_TRACE=1: what the client receives and what the backends do, on stderr (for reading
// what an input does; far too slow for fuzzing).
const bool g_trace = std::getenv("H2_FUZZ_TRACE") != nullptr;

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "h2_frames_fuzz: %s\n", why.c_str());
  std::fflush(stderr);
  std::abort();
}

constexpr size_t kMaxFrame = 16384;  // SETTINGS_MAX_FRAME_SIZE's default; ServerConn keeps it

// Input flags (byte 0).
enum : uint8_t {
  kFlagNoSettings = 0x01,      // the preface is not followed by our SETTINGS
  kFlagAutoAck = 0x02,         // the client acks SETTINGS/PING and returns window credit
  kFlagStopping = 0x04,        // the plane is draining when the connection arrives
  kFlagNotServing = 0x08,      // health says NOT_SERVING
  kFlagSecondSnapshot = 0x10,  // start on the second snapshot (a reloaded config)
  kFlagHalfClose = 0x20,       // shutdown(SHUT_WR) and a few rounds before the close
  kFlagSmallBuffers = 0x40,    // tiny socket buffers: writes fill them (EPOLLOUT, backpressure)
};

// The fuzzer's bytes, consumed front to back.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint16_t U16() { return static_cast<uint16_t>((Byte() << 8) | Byte()); }
  uint32_t U32() { return (uint32_t{U16()} << 16) | U16(); }
  std::string Bytes(size_t n) {
    n = std::min(n, size_ - std::min(pos_, size_));
    std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// Values worth trying in 32-bit protocol fields (window sizes, frame sizes, settings).
uint32_t Interesting(Input& in) {
  static constexpr uint32_t kValues[] = {
      0,        1,           100,         4096,        16383, 16384, 65535, 65536, (1u << 24) - 1,
      1u << 24, 0x7fffffffu, 0x80000000u, 0xffffffffu, 2};
  const uint8_t b = in.Byte();
  constexpr size_t n = sizeof(kValues) / sizeof(kValues[0]);
  if (b % 16 < n) return kValues[b % 16];
  return b % 2 == 0 ? in.U32() : in.Byte();
}

// --- the fake backend -------------------------------------------------------------------------

// What the fake backend does with one request (a byte of the tape, modulo kCount).
enum class Behaviour : uint8_t {
  kEcho,   // at the request's end: 200, one DATA echoing the request, grpc-status 0
  kEcho2,  // (echo is the common case)
  kEcho3,
  kEarly,       // at the request's headers: a whole answer, before the request ends
  kReset,       // at the request's headers: RST_STREAM with a code from the tape byte
  kGoaway,      // at the request's headers: GOAWAY refusing this stream (a retry)
  kFailStatus,  // at the request's headers: trailers-only with a non-OK grpc-status
  kHang,        // never answers (or answers headers only and never ends)
  kDrop,        // closes the connection at the request's headers
  kMalformed,   // at the end: a broken answer (HTTP 500, bad prefix, no grpc-status, ...)
  kLarge,       // at the end: one 200 KB message
  kStreaming,   // at the end: three messages
  kCount,
};

struct World;
World* g_world = nullptr;

class FakeBackendConn final : public EventLoop::Handler {
 public:
  FakeBackendConn(EventLoop* loop, int fd);
  ~FakeBackendConn() override;
  bool Start();
  void OnReadable() override;
  void OnWritable() override { Pump(); }
  void OnError() override { Close(); }

 private:
  struct Stream {
    Behaviour behaviour = Behaviour::kEcho;
    uint8_t detail = 0;  // the tape byte's high bits: which variant
    std::string body;    // the request's bytes (bounded)
    std::string out;     // the answer's body
    size_t sent = 0;
    bool trailers = true;
    std::string grpc_status = "0";
    bool defer = false;  // kHang with headers: the body never comes
  };

  void Close();
  void Pump();
  void Respond(int32_t id, const char* http_status, const char* content_type);
  void OnRequestHeaders(int32_t id, bool end);
  void OnRequestEnd(int32_t id);

  static int OnBeginHeaders(nghttp2_session*, const nghttp2_frame*, void*);
  static int OnHeader(nghttp2_session*, const nghttp2_frame*, const uint8_t*, size_t,
                      const uint8_t*, size_t, uint8_t, void*);
  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame*, void*);
  static int OnDataChunk(nghttp2_session*, uint8_t, int32_t, const uint8_t*, size_t, void*);
  static int OnStreamClose(nghttp2_session*, int32_t, uint32_t, void*);
  static ssize_t ReadBody(nghttp2_session*, int32_t, uint8_t*, size_t, uint32_t*,
                          nghttp2_data_source*, void*);

  EventLoop* const loop_;
  int fd_;
  nghttp2_session* session_ = nullptr;
  bool closed_ = false;
  bool drop_ = false;  // kDrop: close once nghttp2 has returned
  bool want_write_ = false;
  std::string out_;
  std::map<int32_t, Stream> streams_;
};

// A listening unix socket whose connections become FakeBackendConns.
class FakeListener final : public EventLoop::Handler {
 public:
  FakeListener(EventLoop* loop, int fd) : loop_(loop), fd_(fd) {}
  void OnReadable() override {
    for (;;) {
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (c < 0) return;  // EAGAIN, or a transient error: the next round tries again
      auto* conn = new FakeBackendConn(loop_, c);
      if (!conn->Start()) delete conn;
    }
  }
  void OnWritable() override {}

 private:
  EventLoop* const loop_;
  const int fd_;
};

// Everything that lives from the first input to the process's end. Deliberately never
// destroyed: the gRPC channels the snapshot holds have threads, and exit must not race them.
struct World {
  telemetry::Metrics* metrics = nullptr;
  proxy::UpstreamPool* channels = nullptr;
  proxy::ShadowBudgets* shadow_budgets = nullptr;
  std::shared_ptr<const proxy::Snapshot> snapshots[2];
  h2::PlaneHost host;
  h2::LoopEnv* env = nullptr;
  std::string socket_paths[2];
  std::string dead_path;  // a backend address nothing listens on
  // Held here too (the loop only has them as epoll data), so LeakSanitizer sees them reachable.
  std::vector<std::unique_ptr<FakeListener>> listeners;
  absl::flat_hash_set<FakeBackendConn*> backend_conns;

  // Per input.
  int snapshot = 0;  // which of snapshots[] serves
  bool serving = true;
  bool stopping = false;
  std::string tape = std::string(1, '\0');
  size_t tape_next = 0;

  uint8_t NextTape() { return static_cast<uint8_t>(tape[tape_next++ % tape.size()]); }
};

FakeBackendConn::FakeBackendConn(EventLoop* loop, int fd) : loop_(loop), fd_(fd) {
  g_world->backend_conns.insert(this);
}

FakeBackendConn::~FakeBackendConn() {
  if (session_ != nullptr) nghttp2_session_del(session_);
  if (fd_ >= 0) ::close(fd_);
  g_world->backend_conns.erase(this);
}

bool FakeBackendConn::Start() {
  static nghttp2_session_callbacks* const kCallbacks = [] {
    nghttp2_session_callbacks* c;
    nghttp2_session_callbacks_new(&c);
    nghttp2_session_callbacks_set_on_begin_headers_callback(c, &OnBeginHeaders);
    if (g_trace) nghttp2_session_callbacks_set_on_header_callback(c, &OnHeader);
    nghttp2_session_callbacks_set_on_frame_recv_callback(c, &OnFrameRecv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(c, &OnDataChunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(c, &OnStreamClose);
    return c;
  }();
  if (nghttp2_session_server_new(&session_, kCallbacks, this) != 0) return false;
  const nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100}};
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, 1);
  if (!loop_->Add(fd_, this, false)) return false;
  Pump();
  return true;
}

void FakeBackendConn::Close() {
  if (closed_) return;
  closed_ = true;
  loop_->Remove(fd_);
  ::close(fd_);
  fd_ = -1;
  loop_->DeleteLater(this);
}

void FakeBackendConn::OnReadable() {
  if (closed_) return;
  uint8_t buf[16384];
  for (;;) {
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n == 0) {
      Close();
      return;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) Close();
      break;
    }
    if (nghttp2_session_mem_recv(session_, buf, static_cast<size_t>(n)) < 0) {
      Pump();
      Close();
      return;
    }
    if (drop_) {
      Close();
      return;
    }
  }
  Pump();
}

void FakeBackendConn::Pump() {
  if (closed_) return;
  for (;;) {
    const uint8_t* data;
    const ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) {
      Close();
      return;
    }
    if (n == 0) break;
    out_.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
  }
  size_t at = 0;
  while (at < out_.size()) {
    const ssize_t n = ::send(fd_, out_.data() + at, out_.size() - at, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      Close();
      return;
    }
    at += static_cast<size_t>(n);
  }
  out_.erase(0, at);
  const bool pending = !out_.empty();
  if (pending != want_write_) {
    want_write_ = pending;
    loop_->Modify(fd_, this, pending);
  }
  if (!pending && nghttp2_session_want_read(session_) == 0 &&
      nghttp2_session_want_write(session_) == 0) {
    Close();
  }
}

void FakeBackendConn::Respond(int32_t id, const char* http_status, const char* content_type) {
  const nghttp2_nv nva[] = {Nv(":status", http_status), Nv("content-type", content_type)};
  nghttp2_data_provider prd;
  prd.source.ptr = nullptr;
  prd.read_callback = &ReadBody;
  nghttp2_submit_response(session_, id, nva, 2, &prd);
}

void FakeBackendConn::OnRequestHeaders(int32_t id, bool end) {
  Stream& s = streams_[id];
  const uint8_t t = g_world->NextTape();
  s.behaviour = static_cast<Behaviour>(t % static_cast<uint8_t>(Behaviour::kCount));
  s.detail = static_cast<uint8_t>(t >> 4);
  if (g_trace) {
    std::fprintf(stderr, "backend stream %d: behaviour %d detail %d%s\n", id,
                 static_cast<int>(s.behaviour), s.detail, end ? " (request ended)" : "");
  }
  switch (s.behaviour) {
    case Behaviour::kEarly:
      s.out = GrpcMessage("early");
      Respond(id, "200", "application/grpc");
      return;
    case Behaviour::kReset: {
      static constexpr uint32_t kCodes[] = {NGHTTP2_NO_ERROR,
                                            NGHTTP2_PROTOCOL_ERROR,
                                            NGHTTP2_INTERNAL_ERROR,
                                            NGHTTP2_REFUSED_STREAM,
                                            NGHTTP2_CANCEL,
                                            NGHTTP2_ENHANCE_YOUR_CALM,
                                            NGHTTP2_FLOW_CONTROL_ERROR,
                                            0xabcd};
      nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, kCodes[s.detail % 8]);
      return;
    }
    case Behaviour::kGoaway:
      // The last stream id below this one: the proxy sees this stream refused and retries it
      // on a fresh connection. A high detail says "all processed" instead.
      nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE, s.detail >= 12 ? id : std::max(0, id - 2),
                            s.detail % 2 == 0 ? NGHTTP2_NO_ERROR : NGHTTP2_INTERNAL_ERROR, nullptr,
                            0);
      return;
    case Behaviour::kFailStatus: {
      static constexpr const char* kStatus[] = {"14", "13", "2", "4", "8", "12", "1", "16"};
      const nghttp2_nv nva[] = {Nv(":status", "200"), Nv("content-type", "application/grpc"),
                                Nv("grpc-status", kStatus[s.detail % 8]),
                                Nv("grpc-message", "fake%20failure")};
      nghttp2_submit_response(session_, id, nva, 4, nullptr);
      return;
    }
    case Behaviour::kHang:
      if (s.detail % 2 == 1) {
        s.defer = true;
        Respond(id, "200", "application/grpc");
      }
      return;
    case Behaviour::kDrop:
      drop_ = true;
      return;
    default:
      if (end) OnRequestEnd(id);
      return;
  }
}

void FakeBackendConn::OnRequestEnd(int32_t id) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  Stream& s = it->second;
  switch (s.behaviour) {
    case Behaviour::kEcho:
    case Behaviour::kEcho2:
    case Behaviour::kEcho3:
      s.out = s.body.empty() ? GrpcMessage("fake answer") : s.body;
      Respond(id, "200", "application/grpc");
      return;
    case Behaviour::kMalformed:
      switch (s.detail % 6) {
        case 0:  // an HTTP error without grpc-status
          s.trailers = false;
          s.out = "<html>oops</html>";
          Respond(id, "500", "text/html");
          return;
        case 1:  // a prefix announcing more than comes
          s.out = std::string("\0\0\0\x10\0abc", 8);
          Respond(id, "200", "application/grpc");
          return;
        case 2:  // no trailers at all
          s.trailers = false;
          s.out = GrpcMessage("no trailers");
          Respond(id, "200", "application/grpc");
          return;
        case 3:  // a grpc-status that is not a number
          s.grpc_status = "abc";
          s.out = GrpcMessage("x");
          Respond(id, "200", "application/grpc");
          return;
        case 4:  // a message larger than any limit claims to follow
          s.out = std::string("\0\xff\xff\xff\xff", 5);
          Respond(id, "200", "application/grpc");
          return;
        default:  // a compressed-flag message, and a status out of range
          s.grpc_status = "99";
          s.out = GrpcMessage("zz", 1);
          Respond(id, "200", "application/grpc+proto");
          return;
      }
    case Behaviour::kLarge:
      s.out = GrpcMessage(std::string(200 * 1000, 'L'));
      Respond(id, "200", "application/grpc");
      return;
    case Behaviour::kStreaming:
      s.out = GrpcMessage("one") + GrpcMessage("") + GrpcMessage(std::string(3000, 't'));
      Respond(id, "200", "application/grpc");
      return;
    default:
      return;  // answered (or refused) at the headers
  }
}

int FakeBackendConn::OnBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user) {
  auto* self = static_cast<FakeBackendConn*>(user);
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    self->streams_[frame->hd.stream_id];
  }
  return 0;
}

int FakeBackendConn::OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                              size_t namelen, const uint8_t* value, size_t valuelen, uint8_t,
                              void*) {
  std::fprintf(stderr, "backend stream %d got %.*s: %.*s\n", frame->hd.stream_id,
               static_cast<int>(namelen), reinterpret_cast<const char*>(name),
               static_cast<int>(valuelen), reinterpret_cast<const char*>(value));
  return 0;
}

int FakeBackendConn::OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
  auto* self = static_cast<FakeBackendConn*>(user);
  const bool end = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    self->OnRequestHeaders(frame->hd.stream_id, end);
  } else if ((frame->hd.type == NGHTTP2_DATA || frame->hd.type == NGHTTP2_HEADERS) && end) {
    self->OnRequestEnd(frame->hd.stream_id);
  }
  return 0;
}

int FakeBackendConn::OnDataChunk(nghttp2_session*, uint8_t, int32_t id, const uint8_t* data,
                                 size_t len, void* user) {
  auto* self = static_cast<FakeBackendConn*>(user);
  auto it = self->streams_.find(id);
  if (it != self->streams_.end() && it->second.body.size() < (1u << 20)) {
    it->second.body.append(reinterpret_cast<const char*>(data), len);
  }
  return 0;
}

int FakeBackendConn::OnStreamClose(nghttp2_session*, int32_t id, uint32_t, void* user) {
  static_cast<FakeBackendConn*>(user)->streams_.erase(id);
  return 0;
}

ssize_t FakeBackendConn::ReadBody(nghttp2_session* session, int32_t id, uint8_t* buf, size_t len,
                                  uint32_t* flags, nghttp2_data_source*, void* user) {
  auto* self = static_cast<FakeBackendConn*>(user);
  auto it = self->streams_.find(id);
  if (it == self->streams_.end()) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    return 0;
  }
  Stream& s = it->second;
  if (s.defer) return NGHTTP2_ERR_DEFERRED;
  const size_t n = std::min(len, s.out.size() - s.sent);
  std::memcpy(buf, s.out.data() + s.sent, n);
  s.sent += n;
  if (s.sent == s.out.size()) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    if (s.trailers) {
      *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
      const nghttp2_nv trailers[] = {Nv("grpc-status", s.grpc_status)};
      nghttp2_submit_trailer(session, id, trailers, 1);
    }
  }
  return static_cast<ssize_t>(n);
}

// --- the routes' monitor and comparer stand-ins ---------------------------------------------

// Reads every byte of `c`, so that a payload pointing into freed memory shows under ASan.
void Touch(const absl::Cord& c) {
  static volatile uint8_t sink = 0;
  for (absl::string_view chunk : c.Chunks()) {
    for (char ch : chunk) sink = sink + static_cast<uint8_t>(ch);
  }
}

// A route's monitor: takes every outcome, and asks for one successful call's messages in three
// (which makes single-leg unary calls gather whole messages too).
class FuzzOutcomeSink final : public telemetry::OutcomeSink {
 public:
  void Record(const telemetry::Outcome& o) override { codes_ += static_cast<uint64_t>(o.code); }
  bool WantsPayload(const telemetry::Outcome&, SplitMix64& rng) override {
    return rng.Below(3) == 0;
  }
  void OfferPayload(const telemetry::Outcome&, const telemetry::PayloadSource& p) override {
    bool compressed = false;
    Touch(p.Request(&compressed));
    Touch(p.Response(&compressed));
  }

 private:
  uint64_t codes_ = 0;
};

// A shadow route's comparer: reads what it is offered.
class FuzzShadowSink final : public telemetry::ShadowSink {
 public:
  void Offer(telemetry::ShadowSample sample) override {
    Touch(sample.primary.response);
    for (const telemetry::LegAnswer& a : sample.copies) Touch(a.response);
  }
};

// --- setup ----------------------------------------------------------------------------------

int ListenUnix(const std::string& path) {
  ::unlink(path.c_str());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) Die(absl::StrCat("socket: ", std::strerror(errno)));
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof(sa.sun_path)) Die("socket path too long: " + path);
  std::memcpy(sa.sun_path, path.data(), path.size());
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)) != 0 ||
      ::listen(fd, 128) != 0) {
    Die(absl::StrCat("cannot listen on ", path, ": ", std::strerror(errno)));
  }
  return fd;
}

// Two configs over the same two backends: the second is a "reload" (route timeouts, a canary
// at 100%, other connection settings: new upstream connections), so calls span a generation
// change. Every method under /fuzz.Svc/ but Stream is declared unary, so shadow and canary
// calls take whole-message plans.
std::string ConfigText(const World& w, bool second) {
  const std::string upstream =
      second ? "upstream: {reconnect_initial_seconds: 0.1, connect_timeout_seconds: 0.5}"
             : "upstream: {connect_timeout_seconds: 1}";
  // clang-format off
  return absl::StrCat(R"(listen: 127.0.0.1:0
admin: {listen: 127.0.0.1:0}
proxy:
  unary_methods: [/fuzz.Svc/Forward, /fuzz.Svc/Shadow, /fuzz.Svc/Canary, /fuzz.Svc/Dead]
backends:
  - {name: a, address: "unix:)", w.socket_paths[0], R"(", )", upstream, R"(}
  - {name: b, address: "unix:)", w.socket_paths[1], R"(", )", upstream, R"(}
  - {name: dead, address: "unix:)", w.dead_path, R"("}
routes:
  - name: shadow
    match: {service: fuzz.Svc, method: Shadow}
    strategy: shadow
    shadow: {primary: a, shadows: [b], timeout_seconds: 1, max_inflight: 50}
)", second ? "    timeout_seconds: 0.003\n" : "", R"(  - name: canary
    match: {service: fuzz.Svc, method: Canary}
    strategy: canary
    arm_header: true
    canary:
      legacy: a
      candidate: b
      sticky_header: x-user-id
      steps: )", second ? "[100]" : "[50, 100]", R"(
      on_candidate_error: fallback_to_legacy
)", second ? "    timeout_seconds: 0.05\n" : "", R"(  - name: dead
    match: {service: fuzz.Svc, method: Dead}
    strategy: canary
    canary: {legacy: a, candidate: dead, steps: [50, 100], on_candidate_error: fallback_to_legacy}
  - name: rest
    match: {service: fuzz.Svc}
    strategy: forward
    forward: {backend: a}
)");
  // clang-format on
}

World* SetUp() {
  SetMinLogLevel(LogLevel::kError);
  // A HealthCheckRequest whose service is not UTF-8 makes libprotobuf log a line per call.
  google::protobuf::SetLogHandler(nullptr);
  auto* w = new World;
  g_world = w;
  const std::string base = absl::StrCat("/tmp/modelgate-h2fuzz-", ::getpid());
  w->socket_paths[0] = base + "-a.sock";
  w->socket_paths[1] = base + "-b.sock";
  w->dead_path = base + "-dead.sock";
  ::unlink(w->dead_path.c_str());
  std::atexit([] {
    for (const std::string& p : g_world->socket_paths) ::unlink(p.c_str());
  });
  w->metrics = new telemetry::Metrics;
  w->channels = new proxy::UpstreamPool(16 << 20, nullptr);
  w->shadow_budgets = new proxy::ShadowBudgets;
  proxy::SnapshotHooks hooks;
  hooks.compile = [](const config::Config& c) { return strategies::CompileRoutes(c); };
  auto sink = std::make_shared<FuzzOutcomeSink>();
  hooks.sinks = [sink](const config::Route&, const std::vector<config::Backend>&)
      -> absl::StatusOr<std::shared_ptr<telemetry::OutcomeSink>> { return sink; };
  auto comparer = std::make_shared<FuzzShadowSink>();
  hooks.shadow_sinks = [comparer](const config::Route& route, const std::vector<config::Backend>&)
      -> absl::StatusOr<std::shared_ptr<telemetry::ShadowSink>> {
    if (route.strategy != "shadow") return nullptr;
    return comparer;
  };
  for (int i = 0; i < 2; ++i) {
    const config::LoadResult loaded = config::ParseConfig("fuzz.yaml", ConfigText(*w, i == 1));
    if (!loaded.ok()) Die("bad config: " + loaded.errors.front());
    auto snap = proxy::Snapshot::Build(loaded.config, i + 1, *w->channels, *w->shadow_budgets,
                                       *w->metrics, hooks);
    if (!snap.ok()) Die("snapshot: " + std::string(snap.status().message()));
    w->snapshots[i] = *snap;
  }
  w->host.snapshot = [w] { return w->snapshots[w->snapshot]; };
  w->host.generation = [w] { return w->snapshots[w->snapshot]->generation(); };
  w->host.serving = [w] { return w->serving; };
  w->host.stopping = [w] { return w->stopping; };
  w->host.metrics = w->metrics;
  w->env = new h2::LoopEnv(0, h2::PlaneSettings(), &w->host);
  if (!w->env->loop().ok()) Die("no event loop");
  for (const std::string& p : w->socket_paths) {
    const int fd = ListenUnix(p);
    w->listeners.push_back(std::make_unique<FakeListener>(&w->env->loop(), fd));
    if (!w->env->loop().Add(fd, w->listeners.back().get(), false)) {
      Die("cannot register a listener");
    }
  }
  return w;
}

// --- the client -------------------------------------------------------------------------------

// The client end of the socket pair: frames queued by the ops, written as the socket takes them;
// what the server sends is read and discarded (with kFlagAutoAck, it is parsed enough to ack
// SETTINGS and PING and to return window credit, as a real client would).
class Client {
 public:
  Client(int fd, bool auto_ack) : fd_(fd), auto_ack_(auto_ack) {
    nghttp2_hd_deflate_new(&deflater_, 4096);
    if (g_trace) nghttp2_hd_inflate_new(&inflater_);
  }
  ~Client() {
    nghttp2_hd_deflate_del(deflater_);
    if (inflater_ != nullptr) nghttp2_hd_inflate_del(inflater_);
    if (fd_ >= 0) ::close(fd_);
  }

  bool dead() const { return dead_; }
  // A client that stops reading: the server's writes back up (kFlagSmallBuffers makes it soon).
  void set_reading(bool reading) { reading_ = reading; }
  size_t pending() const { return out_.size(); }
  void Queue(std::string_view bytes) { out_.append(bytes); }
  void Frame(uint8_t type, uint8_t flags, uint32_t id, std::string_view payload) {
    out_.append(FrameHeader(payload.size(), type, flags, id));
    out_.append(payload);
  }

  // An HPACK block for `fields` (our deflater's state follows the server's inflater).
  std::string Deflate(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::vector<nghttp2_nv> nva;
    for (const auto& [n, v] : fields) nva.push_back(Nv(n, v));
    std::string block(nghttp2_hd_deflate_bound(deflater_, nva.data(), nva.size()), '\0');
    const ssize_t n = nghttp2_hd_deflate_hd(deflater_, reinterpret_cast<uint8_t*>(block.data()),
                                            block.size(), nva.data(), nva.size());
    block.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return block;
  }

  // Writes what the socket takes and reads what has arrived.
  void Pump() {
    if (fd_ < 0) return;
    if (reading_) Read();
    while (!out_.empty() && !dead_ && !write_shut_) {
      const ssize_t n = ::send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) dead_ = true;
        break;
      }
      out_.erase(0, static_cast<size_t>(n));
    }
    if (dead_ || write_shut_) out_.clear();
  }

  void ShutdownWrite() {
    if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
    write_shut_ = true;
    dead_ = true;  // no more ops: nothing more can be written
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  void Read() {
    if (!testutil::DrainSocket(fd_, auto_ack_ || g_trace ? &in_ : nullptr)) dead_ = true;
    testutil::TakeFrames(&in_, [&](const testutil::RawFrame& f) {
      if (g_trace) Trace(f.type, f.flags, f.stream_id, f.payload, f.length);
      if (!auto_ack_) return;
      if (f.type == kSettings && (f.flags & kAck) == 0) {
        Frame(kSettings, kAck, 0, "");
      } else if (f.type == kPing && (f.flags & kAck) == 0 && f.length == 8) {
        Frame(kPing, kAck, 0,
              std::string_view(reinterpret_cast<const char*>(f.payload), 8));
      } else if (f.type == kData && f.length > 0) {
        std::string inc;
        Put32(&inc, static_cast<uint32_t>(f.length));
        Frame(kWindowUpdate, 0, 0, inc);
        Frame(kWindowUpdate, 0, f.stream_id, inc);
      }
    });
  }

  void Trace(uint8_t type, uint8_t flags, uint32_t id, const uint8_t* p, size_t len) {
    std::string line =
        absl::StrCat("client got type=", type, " flags=", flags, " id=", id, " len=", len);
    if (type == kHeaders || type == kContinuation) {
      size_t skip = 0, pad = 0;
      if (type == kHeaders && (flags & kPadded) != 0 && len > 0) {
        pad = p[0];
        skip = 1;
      }
      if (type == kHeaders && (flags & kPriorityFlag) != 0) skip += 5;
      if (skip + pad <= len)
        block_.append(reinterpret_cast<const char*>(p) + skip, len - skip - pad);
      if ((flags & kEndHeaders) != 0) {
        auto* in = reinterpret_cast<uint8_t*>(block_.data());
        size_t left = block_.size();
        for (;;) {
          nghttp2_nv nv;
          int inflate_flags = 0;
          const ssize_t n = nghttp2_hd_inflate_hd2(inflater_, &nv, &inflate_flags, in, left, 1);
          if (n < 0) break;
          in += n;
          left -= static_cast<size_t>(n);
          if (inflate_flags & NGHTTP2_HD_INFLATE_EMIT) {
            absl::StrAppend(&line, " ", std::string(reinterpret_cast<char*>(nv.name), nv.namelen),
                            "=", std::string(reinterpret_cast<char*>(nv.value), nv.valuelen));
          }
          if (inflate_flags & NGHTTP2_HD_INFLATE_FINAL) {
            nghttp2_hd_inflate_end_headers(inflater_);
            break;
          }
          if (n == 0 && left == 0) break;
        }
        block_.clear();
      }
    } else if ((type == kRstStream || type == kGoaway) && len >= 4) {
      absl::StrAppend(&line, " code=", Get32(p + (type == kGoaway && len >= 8 ? 4 : 0)));
    }
    std::fprintf(stderr, "%s\n", line.c_str());
  }

  int fd_;
  const bool auto_ack_;
  bool dead_ = false;
  bool write_shut_ = false;
  bool reading_ = true;
  std::string out_;
  std::string in_;
  nghttp2_hd_deflater* deflater_ = nullptr;
  nghttp2_hd_inflater* inflater_ = nullptr;  // tracing only
  std::string block_;                        // tracing only: a header block in pieces
};

// --- the ops ----------------------------------------------------------------------------------

class Session {
 public:
  Session(World* w, Input* in, Client* client, h2::ServerConn* conn)
      : w_(w), in_(*in), client_(*client), conn_(conn) {}

  void Op() {
    const uint8_t op = in_.Byte();
    switch (op & 0x0f) {
      case 0:
      case 1:
      case 2:
      case 3:
        Headers();
        break;
      case 4:
      case 5:
      case 6:
        Data();
        break;
      case 7:
        RstStream();
        break;
      case 8:
        Settings();
        break;
      case 9:
        WindowUpdate();
        break;
      case 10:
        Ping();
        break;
      case 11:
        Goaway();
        break;
      case 12:
        Priority();
        break;
      case 13:
        Continuation();
        break;
      case 14:
        Garbage();
        break;
      default:
        Control();
        break;
    }
    client_.Pump();
    if ((op & 0x80) == 0) Round(0);
    // A client far ahead of the server: let the loop read before queueing more.
    for (int i = 0; i < 1000 && client_.pending() > (4u << 20) && !client_.dead(); ++i) Round(1);
  }

  void Round(int timeout_ms) {
    w_->env->loop().RunOnce(timeout_ms);
    client_.Pump();
  }

 private:
  // Stream ids from a small set, so frames meet the streams others opened.
  uint32_t PickStream() {
    const uint8_t b = in_.Byte();
    switch (b % 16) {
      case 8:
        return next_id_;
      case 9:
        return 0;
      case 10:
        return 2;
      case 11:
        return 0x7fffffff;
      case 12:
      case 13:
      case 14:
      case 15:
        return last_opened_;
      default:
        return 1 + 2 * (b % 8);
    }
  }

  void Opened(uint32_t id) {
    if (id % 2 == 1) {
      last_opened_ = id;
      next_id_ = std::max(next_id_, id + 2);
    }
  }

  std::vector<std::pair<std::string, std::string>> RequestFields() {
    static constexpr const char* kPaths[] = {"/fuzz.Svc/Forward",
                                             "/fuzz.Svc/Shadow",
                                             "/fuzz.Svc/Canary",
                                             "/fuzz.Svc/Stream",
                                             "/fuzz.Svc/Shadow",
                                             "/fuzz.Svc/Dead",
                                             "/grpc.health.v1.Health/Check",
                                             "/grpc.health.v1.Health/Watch",
                                             "/modelgate.feedback.v1.Feedback/RecordClicks",
                                             "/nope.Svc/Method",
                                             "/",
                                             nullptr};
    static constexpr const char* kTimeouts[] = {
        "1S", "100m",       "5000u", "1n", "0n",  "99999999H", "1M", "x",
        "",   "123456789S", "2m",    "1H", "-1S", "1s",        "10", nullptr};
    const uint8_t shape = in_.Byte();
    const uint8_t bad = in_.Byte();
    const uint8_t p = in_.Byte() % 12;
    const std::string path = kPaths[p] != nullptr ? kPaths[p] : in_.Bytes(in_.Byte() % 32);
    std::vector<std::pair<std::string, std::string>> f;
    if (bad % 16 != 14) f.emplace_back(":path", path);
    f.emplace_back(":method", bad % 16 == 10 ? "GET" : "POST");
    f.emplace_back(":scheme", "http");
    f.emplace_back(":authority", "fuzz");
    if (bad % 16 == 12) f.emplace_back("x-early", "1");  // a regular field before a pseudo one
    if (bad % 16 == 12) f.emplace_back(":protocol", "h2");
    f.emplace_back("content-type", bad % 16 == 11   ? "text/plain"
                                   : (shape & 0x20) ? "application/grpc+proto"
                                                    : "application/grpc");
    if ((shape & 0x01) == 0) f.emplace_back("te", "trailers");
    if (shape & 0x02) {
      const uint8_t t = in_.Byte() % 16;
      f.emplace_back("grpc-timeout",
                     kTimeouts[t] != nullptr
                         ? std::string(kTimeouts[t])
                         : absl::StrCat(in_.Byte(), std::string(1, "HMSmun"[in_.Byte() % 6])));
    }
    if (shape & 0x04) f.emplace_back("x-user-id", absl::StrCat("user-", in_.Byte() % 8));
    if (shape & 0x08) f.emplace_back("x-request-id", absl::StrCat("req-", in_.Byte()));
    if (shape & 0x10) {
      for (int i = in_.Byte() % 4; i > 0; --i) {
        std::string name = in_.Bytes(in_.Byte() % 12);
        std::string value = in_.Bytes(in_.Byte() % 24);
        f.emplace_back(name.empty() ? "x-e" : std::move(name), std::move(value));
      }
    }
    if (shape & 0x40) f.emplace_back("grpc-encoding", "identity");
    if (bad % 16 == 13) f.emplace_back("x-huge", std::string(8000 + 400 * (in_.Byte() % 64), 'h'));
    if (bad % 16 == 15) f.emplace_back(bad & 0x80 ? "connection" : "X-Upper", "close");
    return f;
  }

  void Headers() {
    const uint32_t id = PickStream();
    const uint8_t fb = in_.Byte();
    std::string block = client_.Deflate(RequestFields());
    uint8_t flags = (fb & 0x01) ? kEndStream : 0;
    std::string prefix;
    if ((fb & 0x06) == 0x06) {  // padded
      flags |= kPadded;
      prefix.push_back(static_cast<char>(in_.Byte() % 8));
    }
    if ((fb & 0x18) == 0x18) {  // with a priority block
      flags |= kPriorityFlag;
      Put32(&prefix, PickStream() | (fb & 0x20 ? 0x80000000u : 0));
      prefix.push_back(static_cast<char>(in_.Byte()));
    }
    const size_t pad = (flags & kPadded) ? static_cast<uint8_t>(prefix[0]) : 0;
    // Pieces: the block split into CONTINUATIONs (always when it exceeds a frame, sometimes
    // anyway); rarely the block is left without END_HEADERS.
    size_t pieces = 1 + (fb >> 6);
    const size_t room = kMaxFrame - prefix.size() - pad;
    pieces = std::max(pieces, (block.size() + room - 1) / std::max<size_t>(room, 1));
    const size_t piece = std::max<size_t>(1, (block.size() + pieces - 1) / pieces);
    const bool unterminated = (fb & 0xe0) == 0xe0 && in_.Byte() % 4 == 0;
    size_t at = 0;
    bool first = true;
    do {
      const size_t n = std::min(piece, block.size() - at);
      const bool last = at + n >= block.size();
      const uint8_t end_headers = last && !unterminated ? kEndHeaders : 0;
      if (first) {
        std::string payload = prefix + block.substr(at, n) + std::string(pad, '\0');
        client_.Frame(kHeaders, flags | end_headers, id, payload);
        first = false;
      } else {
        client_.Frame(kContinuation, end_headers, id, block.substr(at, n));
      }
      at += n;
    } while (at < block.size());
    Opened(id);
  }

  void Data() {
    const uint32_t id = PickStream();
    const uint8_t fb = in_.Byte();
    std::string body;
    switch (in_.Byte() % 10) {
      case 0:
      case 1:
      case 2:
      case 3:
        body = GrpcMessage(in_.Bytes(in_.Byte() % 64));
        break;
      case 4: {  // a grpc.health.v1.HealthCheckRequest naming a service
        std::string service = in_.Bytes(in_.Byte() % 8);
        body = GrpcMessage(std::string(1, '\x0a') + static_cast<char>(service.size()) + service);
        break;
      }
      case 5:
        body = in_.Bytes(in_.Byte());
        break;
      case 6: {  // a prefix announcing more than follows
        std::string partial(1, '\0');
        Put32(&partial, in_.U16());
        body = partial + in_.Bytes(in_.Byte() % 16);
        break;
      }
      case 7:  // several frames' worth: flow control, and messages split across frames
        body = GrpcMessage(std::string(1024 * (1 + in_.Byte() % 96), 'd'));
        break;
      case 8:  // compressed, or beyond every limit
        body = in_.Byte() % 2 ? GrpcMessage("zip", 1) : std::string("\0\x7f\xff\xff\xff", 5);
        break;
      default:  // two messages in one body
        body = GrpcMessage("a") + GrpcMessage(in_.Bytes(in_.Byte() % 16));
        break;
    }
    const bool end = (fb & 0x01) != 0;
    const bool padded = (fb & 0x06) == 0x06;
    size_t at = 0;
    do {
      const size_t n = std::min(kMaxFrame - (padded ? 8 : 0), body.size() - at);
      const bool last = at + n >= body.size();
      std::string payload = body.substr(at, n);
      uint8_t flags = last && end ? kEndStream : 0;
      if (padded) {
        const uint8_t pad = in_.Byte() % 7;
        payload = std::string(1, static_cast<char>(pad)) + payload + std::string(pad, '\0');
        flags |= kPadded;
      }
      client_.Frame(kData, flags, id, payload);
      at += n;
    } while (at < body.size());
  }

  void RstStream() {
    const uint32_t id = PickStream();
    const uint8_t b = in_.Byte();
    std::string p;
    Put32(&p, b % 16 == 15 ? in_.U32() : b % 16);
    if (b >= 0xf0) p.resize(b % 2 ? 3 : 5);  // a bad length
    client_.Frame(kRstStream, 0, id, p);
  }

  void Settings() {
    const uint8_t b = in_.Byte();
    std::string p;
    for (int i = b % 5; i > 0; --i) {
      const uint16_t key = in_.Byte() % 10;
      p.push_back(static_cast<char>(key >> 8));
      p.push_back(static_cast<char>(key));
      Put32(&p, Interesting(in_));
    }
    const bool ack = b % 16 == 5;
    if (b >= 0xf8) p.push_back('\0');  // not a multiple of 6
    client_.Frame(kSettings, ack ? kAck : 0, b % 32 == 7 ? 1 : 0, p);
  }

  void WindowUpdate() {
    const uint8_t b = in_.Byte();
    const uint32_t id = (b & 1) ? 0 : PickStream();
    std::string p;
    Put32(&p, Interesting(in_));
    if (b >= 0xf8) p.resize(2);
    client_.Frame(kWindowUpdate, 0, id, p);
  }

  void Ping() {
    const uint8_t b = in_.Byte();
    std::string p = in_.Bytes(8);
    p.resize(b >= 0xf8 ? 7 : 8, '\0');
    client_.Frame(kPing, b % 4 == 0 ? kAck : 0, b % 32 == 9 ? 1 : 0, p);
  }

  void Goaway() {
    std::string p;
    Put32(&p, PickStream());
    Put32(&p, in_.Byte() % 16);
    p += in_.Bytes(in_.Byte() % 16);
    client_.Frame(kGoaway, 0, 0, p);
  }

  void Priority() {
    const uint32_t id = PickStream();
    const uint8_t b = in_.Byte();
    std::string p;
    Put32(&p, ((b & 1) ? id : PickStream()) | (b & 2 ? 0x80000000u : 0));
    p.push_back(static_cast<char>(in_.Byte()));
    if (b >= 0xf8) p.pop_back();
    client_.Frame(kPriority, 0, id, p);
  }

  void Continuation() {
    const uint32_t id = PickStream();
    const uint8_t b = in_.Byte();
    const std::string payload = b & 1 ? client_.Deflate({{"x-late", in_.Bytes(in_.Byte() % 8)}})
                                      : in_.Bytes(in_.Byte() % 32);
    client_.Frame(kContinuation, b & 2 ? kEndHeaders : 0, id, payload);
  }

  void Garbage() {
    const uint8_t type = in_.Byte();
    const uint8_t flags = in_.Byte();
    const uint32_t id = in_.U32();
    std::string payload = in_.Bytes(in_.Byte());
    if (type % 16 == 15) {
      // A header announcing more than the payload (the next frames are read as its rest), or
      // more than the frame size limit.
      client_.Queue(FrameHeader(flags % 2 ? payload.size() + 3 : kMaxFrame + 1, type, flags, id));
      client_.Queue(payload);
      return;
    }
    client_.Frame(type, flags, id, payload);
  }

  void Control() {
    switch (in_.Byte() % 10) {
      case 0:
        for (int i = in_.Byte() % 16; i >= 0; --i) Round(0);
        break;
      case 8:
        client_.set_reading(false);
        break;
      case 9:
        client_.set_reading(true);
        break;
      case 1:  // health changes: Watch streams hear of it
        w_->serving = !w_->serving;
        w_->env->PushHealth();
        break;
      case 2:  // a reload: new calls take the other snapshot
        w_->snapshot = 1 - w_->snapshot;
        break;
      case 3:  // a few milliseconds pass (deadlines of "1m"-style timeouts)
        Round(1 + in_.Byte() % 4);
        break;
      case 4:
        if (w_->env->connections().contains(conn_)) conn_->BeginDrain();
        break;
      case 5:
        for (int i = 0; i < 100 && client_.pending() > 0 && !client_.dead(); ++i) Round(0);
        break;
      case 6:
        client_.ShutdownWrite();
        break;
      default:
        w_->env->PushHealth();
        break;
    }
  }

  World* const w_;
  Input& in_;
  Client& client_;
  h2::ServerConn* const conn_;
  uint32_t last_opened_ = 1;
  uint32_t next_id_ = 1;
};

// Runs rounds until `done`; past `bound` rounds (the last ones waiting a few milliseconds each,
// so real-time timers can fire) it is a hang.
template <typename Done>
void RoundsUntil(World* w, Done done, const char* what) {
  for (int i = 0; !done(); ++i) {
    if (i >= 400) Die(absl::StrCat("hang: ", what));
    w->env->loop().RunOnce(i < 100 ? 0 : 5);
  }
}

void RunInput(World* w, const uint8_t* data, size_t size) {
  Input in(data, size);
  const uint8_t flags = in.Byte();
  w->tape = in.Bytes(8);
  if (w->tape.empty()) w->tape.assign(1, '\0');
  w->tape_next = 0;
  w->serving = (flags & kFlagNotServing) == 0;
  w->stopping = (flags & kFlagStopping) != 0;
  w->snapshot = (flags & kFlagSecondSnapshot) ? 1 : 0;
  // The plane's random source (canary splits, shadow sampling) follows the input.
  uint64_t seed = 0x6d67;
  for (size_t i = 0; i < std::min<size_t>(size, 16); ++i) seed = seed * 131 + data[i];
  w->env->rng() = SplitMix64(seed);

  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
    Die(absl::StrCat("socketpair: ", std::strerror(errno)));
  }
  if (flags & kFlagSmallBuffers) {
    const int size = 4096;  // the kernel's minimum applies
    for (int fd : sv) {
      setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    }
  }
  h2::ServerConn* conn = h2::ServerConn::Create(w->env, sv[0]);
  if (conn == nullptr) Die("ServerConn::Create failed");
  {
    Client client(sv[1], (flags & kFlagAutoAck) != 0);
    client.Queue("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    if ((flags & kFlagNoSettings) == 0) {
      std::string settings;
      // No push; a larger stream window so answers need not wait for our credit.
      for (const auto& [key, value] : {std::pair<uint16_t, uint32_t>{0x2, 0}, {0x4, 1u << 20}}) {
        settings.push_back(static_cast<char>(key >> 8));
        settings.push_back(static_cast<char>(key));
        Put32(&settings, value);
      }
      client.Frame(kSettings, 0, 0, settings);
    }
    client.Pump();
    Session session(w, &in, &client, conn);
    while (!in.empty() && !client.dead()) session.Op();
    for (int i = 0; i < 16 && client.pending() > 0 && !client.dead(); ++i) session.Round(0);
    if (flags & kFlagHalfClose) {
      client.ShutdownWrite();
      for (int i = 0; i < 8; ++i) session.Round(0);
    }
    client.Close();
  }
  RoundsUntil(
      w, [w] { return w->env->connections().empty(); }, "a client connection outlived its socket");

  // Every call has ended: nothing may still count as in flight.
  for (const auto& snap : w->snapshots) {
    for (size_t r = 0; r < snap->config().routes.size(); ++r) {
      const double inflight = snap->route(static_cast<int>(r)).inflight->Value();
      if (inflight != 0) {
        Die(absl::StrCat("route ", snap->config().routes[r].name, " has ", inflight,
                         " calls in flight after its client left"));
      }
    }
  }
  if (w->metrics->Overloaded()->Value() != 0) {
    Die("overload rejections with a handful of streams: routed calls leaked");
  }

  // Shadow copies may outlive their calls: a few rounds to finish, then cancelled (as at
  // shutdown), and the upstream connections closed, so the next input starts afresh.
  for (int i = 0; i < 16 && w->env->shadows().inflight() > 0; ++i) w->env->loop().RunOnce(0);
  w->env->shadows().CancelAll();
  w->env->upstreams().CloseAll();
  RoundsUntil(
      w, [w] { return w->env->shadows().inflight() == 0; },
      "shadow copies still in flight after CancelAll");
  for (const auto& snap : w->snapshots) {
    for (size_t r = 0; r < snap->config().routes.size(); ++r) {
      for (const proxy::ArmRuntime& arm : snap->route(static_cast<int>(r)).arms) {
        if (arm.shadow_inflight->load() != 0) {
          Die(absl::StrCat("route ", snap->config().routes[r].name,
                           ": shadow budget not given back (", arm.shadow_inflight->load(), ")"));
        }
      }
    }
  }
  // Lets the backends see their connections close (and the graveyard empty).
  for (int i = 0; i < 2; ++i) w->env->loop().RunOnce(0);
}

}  // namespace
}  // namespace modelgate::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static modelgate::fuzz::World* const world = modelgate::fuzz::SetUp();
  modelgate::fuzz::RunInput(world, data, size);
  return 0;
}
