// The frame-level data plane against clients and backends that a
// gRPC library would never be: a client that streams far faster than the backend reads
// (backpressure), one that resets streams as fast as it opens them (rapid reset), one that opens
// streams and then says nothing (deadlines, idle streams), one that opens more streams than the
// advertised limit, and a backend that sends GOAWAY(last_stream_id=0) on the first request's
// connection (retry on a fresh connection).
//
// Real processes: modelgate and modelgate-fake-model. In-process helpers on 127.0.0.1 write what
// the libraries would not: RawH2Client writes HTTP/2 frames itself (HPACK by nghttp2's deflater)
// so that it can misbehave exactly as the test says; RawH2Backend is an nghttp2 server session
// that either holds every stream (never answers, never returns window credit) or answers Echo
// calls by hand, after a GOAWAY on the first request's connection. Nothing synchronises on
// sleeps; every wait is bounded. Two short windows (1 s, 200 ms) only watch that something does
// NOT happen (late window credit, idle streams ended).
#include <arpa/inet.h>
#include <fcntl.h>
#include <grpcpp/client_context.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "integration/harness.h"
#include "testing/raw_h2.h"
#include "modelgate/testing/echo.grpc.pb.h"

namespace modelgate {
namespace {

using modelgate::testing::Echo;
using modelgate::testing::EchoRequest;
using modelgate::testing::EchoResponse;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Fields = std::vector<std::pair<std::string, std::string>>;
using testutil::kData;
using testutil::kHeaders;
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
using testutil::GrpcMessage;
using testutil::Nv;

// Every wait is bounded by this, so a hang fails a test instead of stalling the suite.
constexpr milliseconds kBudget = seconds(20);

constexpr char kHeldPath[] = "/modelgate.testing.Echo/ClientStream";
constexpr char kHeldInflight[] = R"(modelgate_inflight_requests{route="held"})";

// "127.0.0.1:PORT" -> sockaddr; false if it is not that shape.
bool ParseLoopback(const std::string& address, sockaddr_in* sa) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port)) {
    return false;
  }
  std::memset(sa, 0, sizeof(*sa));
  sa->sin_family = AF_INET;
  sa->sin_port = htons(static_cast<uint16_t>(port));
  return inet_pton(AF_INET, address.substr(0, colon).c_str(), &sa->sin_addr) == 1;
}

// --- A client that writes its own frames --------------------------------------------------------

// One HTTP/2 client connection whose frames the test writes one by one (nothing is queued
// behind the peer's limits, nothing is reordered), over a non-blocking socket. It does only what
// keeps the connection alive on its own: it acknowledges SETTINGS and PING, returns connection
// window credit for the DATA it receives, and tracks the send windows so a test can honour
// flow control. Thread-compatible.
class RawH2Client {
 public:
  struct Stream {
    Fields headers;   // the first header block
    Fields trailers;  // a second one
    int64_t data_bytes = 0;
    bool ended = false;             // END_STREAM received
    std::optional<uint32_t> reset;  // RST_STREAM received, with its code
    int64_t send_window = 0;
    Clock::time_point opened_at;
    Clock::time_point ended_at;

    bool done() const { return ended || reset.has_value(); }
    // grpc-status from the trailers, or from a trailers-only answer; -1 if none.
    int GrpcStatus() const {
      for (const Fields* f : {&trailers, &headers}) {
        for (const auto& [n, v] : *f) {
          int code = 0;
          if (n == "grpc-status" && absl::SimpleAtoi(v, &code)) return code;
        }
      }
      return -1;
    }
  };

  // Connects and queues the preface and our SETTINGS (nothing is written before a Pump).
  static std::unique_ptr<RawH2Client> Connect(const std::string& address) {
    sockaddr_in sa;
    if (!ParseLoopback(address, &sa)) return nullptr;
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return nullptr;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)) != 0) {
      ::close(fd);
      return nullptr;
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return std::unique_ptr<RawH2Client>(new RawH2Client(fd, address));
  }

  ~RawH2Client() {
    if (fd_ >= 0) ::close(fd_);
    nghttp2_hd_deflate_del(deflater_);
    nghttp2_hd_inflate_del(inflater_);
  }

  // The usual headers of a gRPC call to `path`, plus `extra`.
  Fields GrpcRequest(const std::string& path, const Fields& extra = {}) const {
    Fields f = {{":method", "POST"},
                {":scheme", "http"},
                {":path", path},
                {":authority", authority_},
                {"content-type", "application/grpc"},
                {"te", "trailers"}};
    f.insert(f.end(), extra.begin(), extra.end());
    return f;
  }

  // Queues HEADERS opening the next stream; returns its id.
  int32_t Open(const Fields& fields, bool end_stream) {
    const int32_t id = next_id_;
    next_id_ += 2;
    Stream& s = streams_[id];
    s.send_window = peer_initial_window_;
    s.opened_at = Clock::now();
    std::vector<nghttp2_nv> nva;
    for (const auto& [n, v] : fields) nva.push_back(Nv(n, v));
    std::string block(nghttp2_hd_deflate_bound(deflater_, nva.data(), nva.size()), '\0');
    const ssize_t n = nghttp2_hd_deflate_hd(deflater_, reinterpret_cast<uint8_t*>(block.data()),
                                            block.size(), nva.data(), nva.size());
    block.resize(n > 0 ? static_cast<size_t>(n) : 0);
    // Our header blocks are small: one frame, no CONTINUATION.
    Frame(kHeaders, kEndHeaders | (end_stream ? kEndStream : 0), id, block);
    return id;
  }

  // Queues one DATA frame; the caller keeps it within the windows and the frame size.
  void Data(int32_t id, std::string_view bytes, bool end_stream) {
    Frame(kData, end_stream ? kEndStream : 0, id, bytes);
    conn_send_window_ -= static_cast<int64_t>(bytes.size());
    streams_[id].send_window -= static_cast<int64_t>(bytes.size());
  }

  void Reset(int32_t id, uint32_t code) {
    std::string payload;
    Put32(&payload, code);
    Frame(kRstStream, 0, id, payload);
  }

  // Writes what is queued and reads what arrives until `done()` is true (checked first and after
  // every read or write; it may queue more frames), the connection ends, or `timeout` passes.
  bool PumpUntil(const std::function<bool()>& done, milliseconds timeout) {
    const Clock::time_point deadline = Clock::now() + timeout;
    for (;;) {
      if (done()) return true;
      if (closed_) return false;
      WriteSome();
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return done();
      pollfd p{fd_, static_cast<int16_t>(POLLIN | (unwritten() > 0 ? POLLOUT : 0)), 0};
      if (::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 100))) < 0) continue;
      if ((p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) ReadSome();
      if ((p.revents & POLLOUT) != 0) WriteSome();
    }
  }

  // Pumps for `window` (less if the connection ends) so that late frames can arrive: for
  // checking that something does NOT happen.
  void PumpFor(milliseconds window) {
    PumpUntil([] { return false; }, window);
  }

  Stream& stream(int32_t id) { return streams_[id]; }
  const std::map<int32_t, Stream>& streams() const { return streams_; }
  std::optional<uint32_t> setting(uint16_t id) const {
    auto it = settings_.find(id);
    if (it == settings_.end()) return std::nullopt;
    return it->second;
  }
  bool settings_received() const { return settings_received_; }
  int64_t conn_send_window() const { return conn_send_window_; }
  size_t max_frame_size() const { return peer_max_frame_; }
  size_t unwritten() const { return out_.size() - out_head_; }
  bool closed() const { return closed_; }
  bool goaway() const { return goaway_; }
  uint32_t goaway_code() const { return goaway_code_; }
  int32_t goaway_last_id() const { return goaway_last_id_; }
  int32_t last_opened() const { return next_id_ - 2; }

 private:
  RawH2Client(int fd, std::string authority) : fd_(fd), authority_(std::move(authority)) {
    nghttp2_hd_deflate_new(&deflater_, 4096);
    nghttp2_hd_inflate_new(&inflater_);
    out_ = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    // No push; a 16 MiB window per stream, so responses need only connection credit back.
    std::string settings;
    for (const auto& [id, value] : {std::pair<uint16_t, uint32_t>{0x2, 0}, {0x4, 16u << 20}}) {
      settings.push_back(static_cast<char>(id >> 8));
      settings.push_back(static_cast<char>(id));
      Put32(&settings, value);
    }
    Frame(kSettings, 0, 0, settings);
  }

  void Frame(uint8_t type, uint8_t flags, int32_t id, std::string_view payload) {
    const size_t n = payload.size();
    const char header[9] = {static_cast<char>(n >> 16),  static_cast<char>(n >> 8),
                            static_cast<char>(n),        static_cast<char>(type),
                            static_cast<char>(flags),    static_cast<char>((id >> 24) & 0x7f),
                            static_cast<char>(id >> 16), static_cast<char>(id >> 8),
                            static_cast<char>(id)};
    out_.append(header, 9);
    out_.append(payload);
  }

  void WriteSome() {
    while (!closed_ && unwritten() > 0) {
      const ssize_t n = ::send(fd_, out_.data() + out_head_, unwritten(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) closed_ = true;
        break;
      }
      out_head_ += static_cast<size_t>(n);
    }
    if (out_head_ == out_.size()) {
      out_.clear();
      out_head_ = 0;
    } else if (out_head_ > (1u << 20)) {
      out_.erase(0, out_head_);
      out_head_ = 0;
    }
  }

  void ReadSome() {
    if (!testutil::DrainSocket(fd_, &in_)) closed_ = true;
    testutil::TakeFrames(&in_, [&](const testutil::RawFrame& f) {
      OnFrame(f.type, f.flags, static_cast<int32_t>(f.stream_id), f.payload, f.length);
    });
  }

  void OnFrame(uint8_t type, uint8_t flags, int32_t id, const uint8_t* p, size_t len) {
    switch (type) {
      case kData: {
        size_t body = len;
        if ((flags & kPadded) != 0 && len > 0) body = len - 1 - std::min<size_t>(p[0], len - 1);
        Stream& s = streams_[id];
        s.data_bytes += static_cast<int64_t>(body);
        if (len > 0) {  // connection credit back at once (streams have 16 MiB each)
          std::string inc;
          Put32(&inc, static_cast<uint32_t>(len));
          Frame(kWindowUpdate, 0, 0, inc);
        }
        if ((flags & kEndStream) != 0) End(s);
        break;
      }
      case kHeaders: {
        size_t skip = 0, pad = 0;
        if ((flags & kPadded) != 0 && len > 0) {
          pad = p[0];
          skip = 1;
        }
        if ((flags & kPriorityFlag) != 0) skip += 5;
        block_stream_ = id;
        block_end_stream_ = (flags & kEndStream) != 0;
        block_.assign(reinterpret_cast<const char*>(p) + std::min(skip, len),
                      len - std::min(len, skip + pad));
        if ((flags & kEndHeaders) != 0) HeaderBlockDone();
        break;
      }
      case kContinuation:
        block_.append(reinterpret_cast<const char*>(p), len);
        if ((flags & kEndHeaders) != 0) HeaderBlockDone();
        break;
      case kRstStream:
        if (len >= 4) {
          Stream& s = streams_[id];
          s.reset = Get32(p);
          if (s.ended_at == Clock::time_point()) s.ended_at = Clock::now();
        }
        break;
      case kSettings:
        if ((flags & kAck) != 0) break;
        for (size_t i = 0; i + 6 <= len; i += 6) {
          const uint16_t key = static_cast<uint16_t>((p[i] << 8) | p[i + 1]);
          const uint32_t value = Get32(p + i + 2);
          settings_[key] = value;
          if (key == 0x4) {  // INITIAL_WINDOW_SIZE applies to open streams too (§6.9.2)
            const int64_t delta = int64_t{value} - peer_initial_window_;
            for (auto& [sid, s] : streams_) s.send_window += delta;
            peer_initial_window_ = value;
          } else if (key == 0x5) {
            peer_max_frame_ = value;
          }
        }
        settings_received_ = true;
        Frame(kSettings, kAck, 0, "");
        break;
      case kPing:
        if ((flags & kAck) == 0) {
          Frame(kPing, kAck, 0, std::string_view(reinterpret_cast<const char*>(p), len));
        }
        break;
      case kGoaway:
        if (len >= 8) {
          goaway_ = true;
          goaway_last_id_ = static_cast<int32_t>(Get32(p) & 0x7fffffff);
          goaway_code_ = Get32(p + 4);
        }
        break;
      case kWindowUpdate:
        if (len >= 4) {
          const int64_t inc = Get32(p) & 0x7fffffff;
          if (id == 0) {
            conn_send_window_ += inc;
          } else {
            streams_[id].send_window += inc;
          }
        }
        break;
      default:
        break;
    }
  }

  void HeaderBlockDone() {
    Stream& s = streams_[block_stream_];
    Fields& into = s.headers.empty() ? s.headers : s.trailers;
    auto* in = reinterpret_cast<uint8_t*>(block_.data());
    size_t left = block_.size();
    for (;;) {
      nghttp2_nv nv;
      int inflate_flags = 0;
      const ssize_t n = nghttp2_hd_inflate_hd2(inflater_, &nv, &inflate_flags, in, left, 1);
      if (n < 0) {
        closed_ = true;  // a compression error ends the connection (§4.3)
        return;
      }
      in += n;
      left -= static_cast<size_t>(n);
      if ((inflate_flags & NGHTTP2_HD_INFLATE_EMIT) != 0) {
        into.emplace_back(std::string(reinterpret_cast<char*>(nv.name), nv.namelen),
                          std::string(reinterpret_cast<char*>(nv.value), nv.valuelen));
      }
      if ((inflate_flags & NGHTTP2_HD_INFLATE_FINAL) != 0) {
        nghttp2_hd_inflate_end_headers(inflater_);
        break;
      }
      if ((inflate_flags & NGHTTP2_HD_INFLATE_EMIT) == 0 && left == 0) break;
    }
    if (block_end_stream_) End(s);
  }

  static void End(Stream& s) {
    s.ended = true;
    if (s.ended_at == Clock::time_point()) s.ended_at = Clock::now();
  }

  int fd_;
  const std::string authority_;
  nghttp2_hd_deflater* deflater_ = nullptr;
  nghttp2_hd_inflater* inflater_ = nullptr;
  std::string out_;
  size_t out_head_ = 0;
  std::string in_;
  bool closed_ = false;
  int32_t next_id_ = 1;
  std::map<int32_t, Stream> streams_;
  std::map<uint16_t, uint32_t> settings_;
  bool settings_received_ = false;
  int64_t peer_initial_window_ = 65535;
  size_t peer_max_frame_ = 16384;
  int64_t conn_send_window_ = 65535;
  bool goaway_ = false;
  uint32_t goaway_code_ = 0;
  int32_t goaway_last_id_ = -1;
  int32_t block_stream_ = 0;
  bool block_end_stream_ = false;
  std::string block_;
};

// --- A backend that is an nghttp2 server session ------------------------------------------------

// An HTTP/2 backend on 127.0.0.1:0 served by one thread. kHold accepts every stream and never
// answers, never consumes a byte (so never returns window credit: the peer can send 64 KiB per
// connection, once) — a backend that has stopped reading. kGoawayFirstRequest answers the first
// request stream it ever sees with GOAWAY(last_stream_id=0, NO_ERROR) and closes that
// connection; every later call is answered like Echo: one EchoResponse (payload echoed,
// server_name "raw", index i) per request message, then grpc-status 0. Counters are readable
// from any thread.
class RawH2Backend {
 public:
  enum class Mode { kHold, kGoawayFirstRequest };

  explicit RawH2Backend(Mode mode) : mode_(mode) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in sa;
    ParseLoopback("127.0.0.1:0", &sa);
    socklen_t len = sizeof(sa);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 ||
        ::listen(listen_fd_, 64) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len) != 0 ||
        ::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
      return;
    }
    address_ = absl::StrCat("127.0.0.1:", ntohs(sa.sin_port));
    thread_ = std::thread([this] { Run(); });
  }

  ~RawH2Backend() {
    if (thread_.joinable()) {
      const char c = 'x';
      (void)!::write(wake_[1], &c, 1);
      thread_.join();
    }
    for (int fd : {listen_fd_, wake_[0], wake_[1]}) {
      if (fd >= 0) ::close(fd);
    }
  }

  bool ok() const { return !address_.empty(); }
  const std::string& address() const { return address_; }
  int64_t requests() const { return requests_.load(); }  // request HEADERS, all connections
  int64_t data_bytes() const { return data_bytes_.load(); }
  int64_t resets() const { return resets_.load(); }  // RST_STREAM frames received
  int64_t request_connections() const { return request_connections_.load(); }
  int64_t goaways_sent() const { return goaways_sent_.load(); }

 private:
  struct Conn {
    RawH2Backend* owner = nullptr;
    int fd = -1;
    nghttp2_session* session = nullptr;
    std::string out;
    bool saw_request = false;
    bool goaway_submitted = false;
    bool shut_after_flush = false;  // the GOAWAY is out: shut our side down once written
    bool draining = false;          // our side is shut: read and discard until EOF
    bool dead = false;
    std::map<int32_t, std::string> bodies;     // request bytes per stream
    std::map<int32_t, std::string> responses;  // response bytes not yet taken by nghttp2

    ~Conn() {
      if (session != nullptr) nghttp2_session_del(session);
      if (fd >= 0) ::close(fd);
    }
  };

  void Run() {
    nghttp2_session_callbacks* cbs = nullptr;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, &OnBeginHeaders);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, &OnFrameRecv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, &OnDataChunk);
    nghttp2_session_callbacks_set_on_frame_send_callback(cbs, &OnFrameSend);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, &OnStreamClose);
    nghttp2_option* opt = nullptr;
    nghttp2_option_new(&opt);
    // Holding means not reading: no window credit ever goes back.
    if (mode_ == Mode::kHold) nghttp2_option_set_no_auto_window_update(opt, 1);

    std::vector<std::unique_ptr<Conn>> conns;
    for (;;) {
      std::vector<pollfd> fds = {{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
      for (const auto& c : conns) {
        fds.push_back({c->fd, static_cast<int16_t>(POLLIN | (c->out.empty() ? 0 : POLLOUT)), 0});
      }
      if (::poll(fds.data(), fds.size(), 1000) < 0) continue;
      if (fds[0].revents != 0) break;
      if ((fds[1].revents & POLLIN) != 0) {
        for (int fd;
             (fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
          auto c = std::make_unique<Conn>();
          c->owner = this;
          c->fd = fd;
          const int one = 1;
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
          nghttp2_session_server_new2(&c->session, cbs, c.get(), opt);
          nghttp2_submit_settings(c->session, NGHTTP2_FLAG_NONE, nullptr, 0);
          conns.push_back(std::move(c));
        }
      }
      for (size_t i = 0; i < conns.size(); ++i) {
        Conn& c = *conns[i];
        const short revents = i + 2 < fds.size() ? fds[i + 2].revents : 0;
        if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0) Read(c);
        Flush(c);
      }
      conns.erase(std::remove_if(conns.begin(), conns.end(),
                                 [](const std::unique_ptr<Conn>& c) { return c->dead; }),
                  conns.end());
    }
    conns.clear();
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cbs);
  }

  void Read(Conn& c) {
    char buf[64 * 1024];
    for (;;) {
      const ssize_t n = ::recv(c.fd, buf, sizeof(buf), 0);
      if (n > 0) {
        if (c.draining) continue;
        if (nghttp2_session_mem_recv(c.session, reinterpret_cast<const uint8_t*>(buf),
                                     static_cast<size_t>(n)) < 0) {
          c.dead = true;
          return;
        }
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) c.dead = true;
      return;
    }
  }

  void Flush(Conn& c) {
    if (c.dead) return;
    if (!c.draining) {
      const uint8_t* data = nullptr;
      for (ssize_t n; (n = nghttp2_session_mem_send(c.session, &data)) > 0;) {
        c.out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
      }
    }
    while (!c.out.empty()) {
      const ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) c.dead = true;
        return;
      }
      c.out.erase(0, static_cast<size_t>(n));
    }
    if (c.shut_after_flush && !c.draining) {
      // FIN after the GOAWAY; reading on until the peer's FIN keeps a close with unread bytes
      // from turning into a TCP reset that could overtake the GOAWAY.
      ::shutdown(c.fd, SHUT_WR);
      c.draining = true;
    }
    if (!c.draining && !nghttp2_session_want_read(c.session) &&
        !nghttp2_session_want_write(c.session)) {
      c.dead = true;
    }
  }

  static int OnBeginHeaders(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
    auto* c = static_cast<Conn*>(user);
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    RawH2Backend* self = c->owner;
    self->requests_.fetch_add(1);
    if (!c->saw_request) {
      c->saw_request = true;
      self->request_connections_.fetch_add(1);
    }
    if (self->mode_ == Mode::kGoawayFirstRequest && !self->goaway_done_) {
      self->goaway_done_ = true;
      c->goaway_submitted = true;
      nghttp2_submit_goaway(session, NGHTTP2_FLAG_NONE, 0, NGHTTP2_NO_ERROR, nullptr, 0);
    }
    return 0;
  }

  static int OnDataChunk(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data,
                         size_t len, void* user) {
    auto* c = static_cast<Conn*>(user);
    c->owner->data_bytes_.fetch_add(static_cast<int64_t>(len));
    if (c->owner->mode_ != Mode::kHold) {
      c->bodies[stream_id].append(reinterpret_cast<const char*>(data), len);
    }
    return 0;
  }

  static int OnFrameRecv(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
    auto* c = static_cast<Conn*>(user);
    if (frame->hd.type == NGHTTP2_RST_STREAM) c->owner->resets_.fetch_add(1);
    const bool end = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0 &&
                     (frame->hd.type == NGHTTP2_DATA || frame->hd.type == NGHTTP2_HEADERS);
    if (end && c->owner->mode_ == Mode::kGoawayFirstRequest && !c->goaway_submitted) {
      Answer(session, c, frame->hd.stream_id);
    }
    return 0;
  }

  static int OnFrameSend(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    auto* c = static_cast<Conn*>(user);
    if (frame->hd.type == NGHTTP2_GOAWAY) {
      c->owner->goaways_sent_.fetch_add(1);
      c->shut_after_flush = true;
    }
    return 0;
  }

  static int OnStreamClose(nghttp2_session*, int32_t stream_id, uint32_t, void* user) {
    auto* c = static_cast<Conn*>(user);
    c->bodies.erase(stream_id);
    c->responses.erase(stream_id);
    return 0;
  }

  // Echo by hand: HEADERS, one DATA per response message, trailers with grpc-status 0.
  static void Answer(nghttp2_session* session, Conn* c, int32_t id) {
    const std::string& body = c->bodies[id];
    std::string out;
    int index = 0;
    for (size_t at = 0; at + 5 <= body.size();) {
      const uint32_t len = Get32(reinterpret_cast<const uint8_t*>(body.data() + at + 1));
      EchoRequest req;
      req.ParseFromArray(body.data() + at + 5,
                         static_cast<int>(std::min<size_t>(len, body.size() - at - 5)));
      EchoResponse resp;
      resp.set_payload(req.payload());
      resp.set_server_name("raw");
      resp.set_index(index++);
      out += GrpcMessage(resp.SerializeAsString());
      at += 5 + len;
    }
    c->responses[id] = std::move(out);
    const nghttp2_nv headers[] = {Nv(":status", "200"), Nv("content-type", "application/grpc")};
    nghttp2_data_provider provider;
    provider.source.ptr = c;
    provider.read_callback = &ReadResponse;
    nghttp2_submit_response(session, id, headers, 2, &provider);
  }

  static ssize_t ReadResponse(nghttp2_session* session, int32_t id, uint8_t* buf, size_t len,
                              uint32_t* flags, nghttp2_data_source* source, void*) {
    auto* c = static_cast<Conn*>(source->ptr);
    std::string& left = c->responses[id];
    const size_t n = std::min(len, left.size());
    std::memcpy(buf, left.data(), n);
    left.erase(0, n);
    if (left.empty()) {
      *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
      const nghttp2_nv trailers[] = {Nv("grpc-status", "0")};
      nghttp2_submit_trailer(session, id, trailers, 1);
    }
    return static_cast<ssize_t>(n);
  }

  const Mode mode_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::string address_;
  std::thread thread_;
  bool goaway_done_ = false;  // backend thread only
  std::atomic<int64_t> requests_{0};
  std::atomic<int64_t> data_bytes_{0};
  std::atomic<int64_t> resets_{0};
  std::atomic<int64_t> request_connections_{0};
  std::atomic<int64_t> goaways_sent_{0};
};

// --- The fixture ------------------------------------------------------------------------------

// modelgate's resident set, from /proc (0 if unreadable).
int64_t RssBytes(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  for (std::string line; std::getline(in, line);) {
    int64_t kb = 0;
    if (absl::StartsWith(line, "VmRSS:") &&
        absl::SimpleAtoi(
            absl::StripAsciiWhitespace(absl::StripSuffix(absl::StripPrefix(line, "VmRSS:"), "kB")),
            &kb)) {
      return kb * 1024;
    }
  }
  return 0;
}

class H2Plane : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure() && !log_path_.empty()) {
      for (const std::string& line : testutil::ReadLines(log_path_)) {
        std::fprintf(stderr, "modelgate: %s\n", line.c_str());
      }
    }
  }

  // A fake model ("legacy", every method but ClientStream) and a holding raw backend ("held",
  // ClientStream) behind one modelgate.
  void StartWithHeldBackend() {
    auto model = testutil::StartFakeModel("legacy");
    ASSERT_TRUE(model.ok()) << model.status();
    model_.emplace(std::move(*model));
    held_ = std::make_unique<RawH2Backend>(RawH2Backend::Mode::kHold);
    ASSERT_TRUE(held_->ok());
    StartModelgate(
        testutil::LoopbackConfig({{"legacy", model_->address}, {"held", held_->address()}},
                                 R"(
routes:
  - name: held
    match: {service: modelgate.testing.Echo, method: ClientStream}
    strategy: forward
    forward: {backend: held}
  - name: echo
    strategy: forward
    forward: {backend: legacy}
)"));
  }

  void StartModelgate(const std::string& yaml) {
    testutil::Modelgate::Options options;
    log_path_ = absl::StrCat(dir_.path(), "/modelgate.log");
    options.stderr_path = log_path_;
    auto mg = testutil::Modelgate::Start(dir_.Write("config.yaml", yaml), options);
    ASSERT_TRUE(mg.ok()) << mg.status();
    mg_ = std::move(*mg);
  }

  std::unique_ptr<RawH2Client> ConnectRaw() {
    auto c = RawH2Client::Connect(mg_->grpc_address());
    EXPECT_NE(c, nullptr) << "cannot connect to " << mg_->grpc_address();
    return c;
  }

  // A normal gRPC call on a new connection: what every other client still gets.
  void ExpectServes(const std::string& what) {
    auto stub = Echo::NewStub(mg_->NewChannel());
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + kBudget);
    EchoRequest req;
    req.set_payload(what);
    EchoResponse resp;
    const grpc::Status s = stub->Unary(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << what << ": " << s.error_code() << ": " << s.error_message();
    EXPECT_EQ(resp.payload(), what);
    EXPECT_EQ(resp.server_name(), "legacy");
  }

  void ExpectAlive() {
    EXPECT_FALSE(mg_->process().WaitExit(milliseconds(0)).has_value()) << "modelgate exited";
  }

  testutil::TempDir dir_;
  std::string log_path_;
  std::optional<testutil::ListeningProcess> model_;
  std::unique_ptr<RawH2Backend> held_;
  std::unique_ptr<testutil::Modelgate> mg_;
};

// --- 1. Backpressure ----------------------------------------------------------------------------

// A client streams 64 MiB (1 MiB messages, DATA within the windows it is given) to a backend
// that reads nothing. End-to-end flow control must stop the client after about one stream
// window (1 MiB) plus what the backend's 64 KiB window let through: modelgate holds no more than
// that for the stream, and its memory does not grow with what the client wanted to send.
TEST_F(H2Plane, ClientStreamingIntoABackendThatDoesNotReadIsStoppedByFlowControl) {
  ASSERT_NO_FATAL_FAILURE(StartWithHeldBackend());
  ExpectServes("warm-up");
  const int64_t rss_before = RssBytes(mg_->process().pid());
  ASSERT_GT(rss_before, 0);

  auto client = ConnectRaw();
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->PumpUntil([&] { return client->settings_received(); }, kBudget));
  const int32_t id = client->Open(client->GrpcRequest(kHeldPath), false);

  const std::string message = GrpcMessage(std::string(1 << 20, 'x'));
  constexpr int64_t kTotal = int64_t{64} << 20;
  const int64_t total = kTotal / (1 << 20) * static_cast<int64_t>(message.size());
  int64_t sent = 0;
  // Queues DATA as far as the windows allow (and keeps the socket's queue short).
  auto push = [&] {
    while (sent < total && client->unwritten() < (256u << 10)) {
      const int64_t room = std::min({client->conn_send_window(), client->stream(id).send_window,
                                     static_cast<int64_t>(client->max_frame_size()), total - sent});
      if (room <= 0) return;
      const size_t at = static_cast<size_t>(sent % static_cast<int64_t>(message.size()));
      const size_t n = std::min(static_cast<size_t>(room), message.size() - at);
      client->Data(id, std::string_view(message).substr(at, n), sent + int64_t(n) == total);
      sent += static_cast<int64_t>(n);
    }
  };
  // Blocked: the backend's window is full (nothing more can leave modelgate), the client has
  // written everything it was allowed to and has no credit left.
  const bool blocked = client->PumpUntil(
      [&] {
        push();
        return sent == total ||
               (held_->data_bytes() >= 65535 && client->unwritten() == 0 &&
                (client->stream(id).send_window <= 0 || client->conn_send_window() <= 0));
      },
      kBudget);
  ASSERT_TRUE(blocked) << "sent " << sent << ", backend got " << held_->data_bytes()
                       << ", stream window " << client->stream(id).send_window;
  ASSERT_LT(sent, total) << "the whole 64 MiB went through to a backend that reads nothing";
  EXPECT_EQ(held_->data_bytes(), 65535) << "more than the backend's window reached it";

  // No credit arrives later either: watch for a second (an observation, not a synchronisation).
  const int64_t sent_when_blocked = sent;
  client->PumpUntil(
      [&] {
        push();
        return sent > sent_when_blocked;
      },
      seconds(1));
  EXPECT_EQ(sent, sent_when_blocked) << "modelgate returned window credit it had not passed on";
  // About one stream window (1 MiB) plus the backend's 64 KiB: "a window's worth", not 64 MiB.
  EXPECT_LE(sent, int64_t{2} << 20);
  const int64_t rss_blocked = RssBytes(mg_->process().pid());
  std::fprintf(stderr,
               "backpressure: client sent %lld bytes before flow control stopped it; "
               "modelgate RSS grew by %lld KiB\n",
               static_cast<long long>(sent),
               static_cast<long long>((rss_blocked - rss_before) / 1024));
  EXPECT_LT(rss_blocked - rss_before, int64_t{48} << 20)
      << "modelgate RSS " << rss_before << " -> " << rss_blocked;

  // The client gives up: the upstream stream is cancelled and nothing stays in flight.
  client->Reset(id, NGHTTP2_CANCEL);
  EXPECT_TRUE(client->PumpUntil([&] { return held_->resets() >= 1; }, kBudget))
      << "the backend's stream was not reset";
  EXPECT_EQ(mg_->WaitForMetric(kHeldInflight, 0, kBudget), 0);
  ExpectServes("after backpressure");
  ExpectAlive();
}

// --- 2. Rapid reset -----------------------------------------------------------------------------

// CVE-2023-44487: 5000 streams, each reset as soon as it is opened, in one burst. nghttp2's
// limit (1000 resets, then 33 a second) makes modelgate end the connection with a GOAWAY that
// carries an error long before the 5000th stream; modelgate stays up, cancels every upstream
// stream it had started, and serves the next client.
TEST_F(H2Plane, RapidResetFloodGetsAGoawayAndTheProxyKeepsServing) {
  ASSERT_NO_FATAL_FAILURE(StartWithHeldBackend());
  auto client = ConnectRaw();
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->PumpUntil([&] { return client->settings_received(); }, kBudget));
  const Fields request = client->GrpcRequest(kHeldPath);
  constexpr int kStreams = 5000;
  for (int i = 0; i < kStreams; ++i) {
    client->Reset(client->Open(request, false), NGHTTP2_CANCEL);
  }
  const int32_t last = client->last_opened();
  // GOAWAY, then the connection closes (every stream is closed, so nothing keeps it open).
  EXPECT_TRUE(client->PumpUntil([&] { return client->closed(); }, kBudget))
      << "connection still open after the flood; goaway=" << client->goaway();
  ASSERT_TRUE(client->goaway()) << "connection closed without a GOAWAY";
  EXPECT_NE(client->goaway_code(), NGHTTP2_NO_ERROR);
  EXPECT_LT(client->goaway_last_id(), last) << "every stream of the flood was taken";
  std::fprintf(stderr, "rapid reset: GOAWAY %s, last stream id %d of %d\n",
               nghttp2_http2_strerror(client->goaway_code()), client->goaway_last_id(), last);

  EXPECT_EQ(mg_->WaitForMetric(kHeldInflight, 0, kBudget), 0);
  ExpectAlive();
  ExpectServes("after the flood");
}

// --- 3. Streams that never send ---------------------------------------------------------------

// Streams opened with grpc-timeout 200m and never a byte more, to a backend that never answers:
// each ends with DEADLINE_EXCEEDED answered by modelgate itself (the backend cannot), not before
// the deadline, and the upstream stream is reset.
TEST_F(H2Plane, SilentStreamsWithAShortTimeoutEndWithDeadlineExceededFromTheProxy) {
  ASSERT_NO_FATAL_FAILURE(StartWithHeldBackend());
  auto client = ConnectRaw();
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->PumpUntil([&] { return client->settings_received(); }, kBudget));
  constexpr int kStreams = 20;
  std::vector<int32_t> ids;
  for (int i = 0; i < kStreams; ++i) {
    ids.push_back(client->Open(client->GrpcRequest(kHeldPath, {{"grpc-timeout", "200m"}}), false));
  }
  ASSERT_TRUE(client->PumpUntil(
      [&] {
        return std::all_of(ids.begin(), ids.end(),
                           [&](int32_t id) { return client->stream(id).done(); });
      },
      kBudget))
      << "not every silent stream was ended";
  for (int32_t id : ids) {
    const RawH2Client::Stream& s = client->stream(id);
    EXPECT_TRUE(s.ended) << "stream " << id << " was reset (" << s.reset.value_or(0)
                         << ") instead of answered";
    EXPECT_EQ(s.GrpcStatus(), 4) << "stream " << id;
    EXPECT_GE(s.ended_at - s.opened_at, milliseconds(190)) << "stream " << id << " ended early";
  }
  EXPECT_TRUE(client->PumpUntil([&] { return held_->resets() >= kStreams; }, kBudget))
      << "upstream streams reset: " << held_->resets();
  EXPECT_EQ(mg_->WaitForMetric(kHeldInflight, 0, kBudget), 0);
  ExpectAlive();
}

// 900 streams with no deadline, open and silent on one connection (all forwarded to the
// backend), do not stop modelgate from serving another client; they stay open, and when their
// connection goes, every upstream stream is cancelled.
TEST_F(H2Plane, NineHundredSilentStreamsWithoutADeadlineDoNotStarveOtherClients) {
  ASSERT_NO_FATAL_FAILURE(StartWithHeldBackend());
  auto client = ConnectRaw();
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->PumpUntil([&] { return client->settings_received(); }, kBudget));
  constexpr int kStreams = 900;
  for (int i = 0; i < kStreams; ++i) client->Open(client->GrpcRequest(kHeldPath), false);
  ASSERT_TRUE(client->PumpUntil([&] { return held_->requests() >= kStreams; }, kBudget))
      << "backend saw " << held_->requests() << " of " << kStreams << " streams";
  EXPECT_EQ(mg_->WaitForMetric(kHeldInflight, kStreams, kBudget), kStreams);

  ExpectServes("beside 900 silent streams");

  client->PumpFor(milliseconds(200));  // take in whatever modelgate sent meanwhile
  int done = 0;
  for (const auto& [id, s] : client->streams()) done += s.done() ? 1 : 0;
  EXPECT_EQ(done, 0) << "streams without a deadline were ended";
  EXPECT_FALSE(client->closed());

  client.reset();  // the client goes away: modelgate must cancel all 900 upstream streams
  EXPECT_TRUE(testutil::PollUntil([&] { return held_->resets() >= kStreams; }, kBudget))
      << "upstream streams reset: " << held_->resets();
  EXPECT_EQ(mg_->WaitForMetric(kHeldInflight, 0, kBudget), 0);
  ExpectAlive();
}

// --- 4. Max concurrent streams ----------------------------------------------------------------

// modelgate advertises 1000 concurrent streams per client connection. Streams past it sent
// before the client acknowledged those SETTINGS (a client that does not wait for them) are
// refused with REFUSED_STREAM — safe to retry — while the first 1000 carry on, and a slot freed
// by a reset takes a new stream.
TEST_F(H2Plane, StreamsBeyondTheAdvertisedLimitAreRefusedAndTheRestCarryOn) {
  ASSERT_NO_FATAL_FAILURE(StartWithHeldBackend());
  auto client = ConnectRaw();
  ASSERT_NE(client, nullptr);
  // Everything is queued before a single byte from modelgate is read, so our SETTINGS ACK goes
  // out after all 1050 HEADERS.
  constexpr int kLimit = 1000, kExtra = 50;
  std::vector<int32_t> ids;
  for (int i = 0; i < kLimit + kExtra; ++i) {
    ids.push_back(client->Open(client->GrpcRequest(kHeldPath), false));
  }
  const std::vector<int32_t> excess(ids.begin() + kLimit, ids.end());
  ASSERT_TRUE(client->PumpUntil(
      [&] {
        return held_->requests() >= kLimit &&
               std::all_of(excess.begin(), excess.end(),
                           [&](int32_t id) { return client->stream(id).done(); });
      },
      kBudget))
      << "backend saw " << held_->requests() << " streams; goaway=" << client->goaway()
      << " closed=" << client->closed();
  ASSERT_TRUE(client->settings_received());
  EXPECT_EQ(client->setting(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS), 1000u);
  for (int32_t id : excess) {
    EXPECT_EQ(client->stream(id).reset, std::optional<uint32_t>(NGHTTP2_REFUSED_STREAM))
        << "stream " << id;
  }
  EXPECT_EQ(held_->requests(), kLimit) << "a stream beyond the limit reached the backend";
  for (int i = 0; i < kLimit; ++i) {
    ASSERT_FALSE(client->stream(ids[i]).done()) << "stream " << ids[i] << " within the limit ended";
  }
  EXPECT_FALSE(client->goaway());

  // A slot freed by a reset takes a new stream.
  client->Reset(ids[0], NGHTTP2_CANCEL);
  const int32_t next = client->Open(client->GrpcRequest(kHeldPath), false);
  EXPECT_TRUE(client->PumpUntil([&] { return held_->requests() == kLimit + 1; }, kBudget))
      << "the stream opened after a reset did not reach the backend";
  EXPECT_FALSE(client->stream(next).done());

  ExpectServes("beside 1000 open streams");
  client.reset();
  EXPECT_EQ(mg_->WaitForMetric(kHeldInflight, 0, kBudget), 0);
  ExpectAlive();
}

// A client that did acknowledge the limit and opens stream 1001 anyway. RFC 9113 §5.1.2 asks for
// a stream error (PROTOCOL_ERROR or REFUSED_STREAM); nghttp2 — all versions to date — makes it a
// connection error (GOAWAY PROTOCOL_ERROR) once the SETTINGS are acknowledged. Either way the
// extra stream never reaches a backend, the connection's other streams are cancelled upstream if
// it is closed, and modelgate keeps serving.
TEST_F(H2Plane, StreamBeyondAnAcknowledgedLimitNeverReachesABackendAndNothingCrashes) {
  ASSERT_NO_FATAL_FAILURE(StartWithHeldBackend());
  auto client = ConnectRaw();
  ASSERT_NE(client, nullptr);
  // SETTINGS read and our ACK written before any stream.
  ASSERT_TRUE(client->PumpUntil(
      [&] { return client->settings_received() && client->unwritten() == 0; }, kBudget));
  ASSERT_EQ(client->setting(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS), 1000u);
  constexpr int kLimit = 1000;
  for (int i = 0; i < kLimit; ++i) client->Open(client->GrpcRequest(kHeldPath), false);
  ASSERT_TRUE(client->PumpUntil([&] { return held_->requests() >= kLimit; }, kBudget));

  const int32_t extra = client->Open(client->GrpcRequest(kHeldPath), false);
  ASSERT_TRUE(client->PumpUntil(
      [&] { return client->stream(extra).done() || client->goaway() || client->closed(); },
      kBudget));
  if (client->stream(extra).reset.has_value()) {
    std::fprintf(stderr, "stream over the acknowledged limit: RST_STREAM %s\n",
                 nghttp2_http2_strerror(*client->stream(extra).reset));
    EXPECT_TRUE(*client->stream(extra).reset == NGHTTP2_REFUSED_STREAM ||
                *client->stream(extra).reset == NGHTTP2_PROTOCOL_ERROR);
  } else {
    ASSERT_TRUE(client->goaway()) << "connection closed without a GOAWAY";
    std::fprintf(stderr, "stream over the acknowledged limit: GOAWAY %s, last stream id %d\n",
                 nghttp2_http2_strerror(client->goaway_code()), client->goaway_last_id());
    EXPECT_EQ(client->goaway_code(), NGHTTP2_PROTOCOL_ERROR);
    EXPECT_LT(client->goaway_last_id(), extra);
    client.reset();
    EXPECT_TRUE(testutil::PollUntil([&] { return held_->resets() >= kLimit; }, kBudget))
        << "upstream streams reset: " << held_->resets();
  }
  EXPECT_EQ(held_->requests(), kLimit) << "the stream over the limit reached the backend";
  ExpectServes("after a client over the limit");
  client.reset();
  EXPECT_EQ(mg_->WaitForMetric(kHeldInflight, 0, kBudget), 0);
  ExpectAlive();
}

// --- 5. Upstream GOAWAY ------------------------------------------------------------------------

class H2PlaneUpstreamGoaway : public H2Plane {
 protected:
  void SetUp() override {
    H2Plane::SetUp();
    backend_ = std::make_unique<RawH2Backend>(RawH2Backend::Mode::kGoawayFirstRequest);
    ASSERT_TRUE(backend_->ok());
    ASSERT_NO_FATAL_FAILURE(StartModelgate(testutil::LoopbackConfig({{"raw", backend_->address()}},
                                                                    R"(
routes:
  - name: raw
    strategy: forward
    forward: {backend: raw}
)")));
    stub_ = Echo::NewStub(mg_->NewChannel());
  }

  // The first request's connection got GOAWAY(0) and the request was made again on another.
  void ExpectRetriedOnAFreshConnection() {
    EXPECT_EQ(backend_->goaways_sent(), 1);
    EXPECT_EQ(backend_->requests(), 2);
    EXPECT_EQ(backend_->request_connections(), 2);
  }

  std::unique_ptr<RawH2Backend> backend_;
  std::unique_ptr<Echo::Stub> stub_;
};

// A unary call lands on a backend connection that answers GOAWAY(last_stream_id=0): the stream
// was never processed (RFC 9113 §6.8), so it is safe to send again, and the client never sees
// the backend's restart.
TEST_F(H2PlaneUpstreamGoaway, UnaryCallRefusedByGoawayIsRetriedOnAFreshConnection) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + kBudget);
  EchoRequest req;
  req.set_payload("once more");
  EchoResponse resp;
  const grpc::Status s = stub_->Unary(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_code() << ": " << s.error_message();
  EXPECT_EQ(resp.payload(), "once more");
  EXPECT_EQ(resp.server_name(), "raw");
  ExpectRetriedOnAFreshConnection();
}

// The same for a bidi call refused before it sent a message: its HEADERS go again on a fresh
// connection, and the messages that follow use it.
TEST_F(H2PlaneUpstreamGoaway, BidiStreamRefusedByGoawayIsRetriedOnAFreshConnection) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + kBudget);
  auto call = stub_->Bidi(&ctx);
  // The first attempt was refused and the second has reached the backend before any message.
  ASSERT_TRUE(testutil::PollUntil([&] { return backend_->requests() >= 2; }, kBudget))
      << "backend saw " << backend_->requests() << " request streams";
  EchoRequest req;
  req.set_payload("bidi once more");
  ASSERT_TRUE(call->Write(req));
  ASSERT_TRUE(call->WritesDone());
  EchoResponse resp;
  ASSERT_TRUE(call->Read(&resp));
  EXPECT_EQ(resp.payload(), "bidi once more");
  EXPECT_EQ(resp.server_name(), "raw");
  EXPECT_FALSE(call->Read(&resp));
  const grpc::Status s = call->Finish();
  EXPECT_TRUE(s.ok()) << s.error_code() << ": " << s.error_message();
  ExpectRetriedOnAFreshConnection();
}

}  // namespace
}  // namespace modelgate
