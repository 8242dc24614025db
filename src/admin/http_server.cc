// The event loop: accept (with the connection cap and the reserve descriptor), per-connection
// state machine (idle -> reading -> serving -> writing -> idle | lingering -> closed), deadlines.
#include "admin/http_server.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace modelgate::admin {
namespace {

constexpr uint64_t kListenerId = 0;
constexpr uint64_t kWakeId = 1;
constexpr int kMaxEvents = 256;
constexpr int kMaxAcceptsPerEvent = 64;  // then serve what was accepted before taking more
constexpr size_t kReadChunk = 64 * 1024;
constexpr auto kAcceptPause = std::chrono::milliseconds(100);
constexpr auto kExhaustionLogInterval = std::chrono::seconds(10);
// A new connection's request arrives within milliseconds, even in a burst on a busy machine.
constexpr auto kNewConnectionGrace = std::chrono::milliseconds(200);

absl::StatusOr<int> ListenSocket(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  const int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints,
                             &found);
  if (rc != 0) return absl::UnavailableError(gai_strerror(rc));
  std::string error = "no address";
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      error = std::strerror(errno);
      continue;
    }
    // SO_REUSEADDR only (restart while old connections are in TIME_WAIT); never SO_REUSEPORT,
    // which would let a second process bind the same port without an error.
    const int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
      error = std::strerror(errno);
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  if (fd < 0) return absl::UnavailableError(error);
  return fd;
}

int BoundPort(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
}

HttpResponse RetryLater(absl::string_view message) {
  HttpResponse r = HttpResponse::Error(503, message);
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

}  // namespace

struct HttpServer::Connection {
  enum class State { kIdle, kReading, kServing, kWriting, kLingering, kClosed };

  Connection(uint64_t id, int fd, const HttpLimits& limits) : id(id), fd(fd), parser(limits) {}

  // Bytes of input the current request can use: its head and body once the head is known,
  // otherwise enough to see that the head is too large.
  size_t WantBytes(const HttpLimits& limits) const {
    return parser.head_parsed() ? parser.consumed() : limits.max_head_bytes + 1;
  }

  const uint64_t id;
  int fd;
  State state = State::kIdle;
  std::string in;  // received, not yet consumed by a request
  RequestParser parser;
  std::string out;  // to send; out_sent bytes of it are sent
  size_t out_sent = 0;
  bool fresh = true;        // nothing received yet
  bool probe_only = false;  // accepted over the cap: inline routes only, one request
  bool keep_alive = true;   // of the request being answered
  bool head_only = false;
  bool close_after_write = false;
  size_t body_reserved = 0;  // of the body budget
  Clock::time_point since;   // when the current state began: eviction takes the oldest
  Clock::time_point deadline = Clock::time_point::max();
  uint32_t interest = 0;  // epoll events registered
};

HttpServer::HttpServer(const Router* router, HttpServerOptions options)
    : router_(router),
      options_(std::move(options)),
      read_buffer_(kReadChunk),
      body_budget_left_(options_.body_budget_bytes),
      workers_(options_.worker_threads, options_.worker_queue) {}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& host, int port,
                                                              const Router* router,
                                                              HttpServerOptions options) {
  std::unique_ptr<HttpServer> self(new HttpServer(router, std::move(options)));
  absl::StatusOr<int> fd = ListenSocket(host, port);
  if (!fd.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", host, ":", port, ": ", fd.status().message()));
  }
  self->listen_fd_ = *fd;
  self->port_ = BoundPort(*fd);
  self->epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  self->wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (self->epoll_fd_ < 0 || self->wake_fd_ < 0) {
    return absl::InternalError(absl::StrCat("admin server: ", std::strerror(errno)));
  }
  epoll_event listener{EPOLLIN, {.u64 = kListenerId}};
  epoll_event wake{EPOLLIN, {.u64 = kWakeId}};
  epoll_ctl(self->epoll_fd_, EPOLL_CTL_ADD, self->listen_fd_, &listener);
  epoll_ctl(self->epoll_fd_, EPOLL_CTL_ADD, self->wake_fd_, &wake);
  self->next_id_ = kWakeId + 1;
  self->TakeReserve();
  self->loop_ = std::thread([raw = self.get()] { raw->Run(); });
  return self;
}

HttpServer::~HttpServer() {
  Stop();
  for (int fd : {epoll_fd_, wake_fd_, reserve_fd_, listen_fd_}) {
    if (fd >= 0) close(fd);
  }
}

void HttpServer::Stop() {
  stopping_.store(true, std::memory_order_release);
  if (wake_fd_ >= 0) {
    const uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof(one));
  }
  if (loop_.joinable()) loop_.join();
  workers_.Stop();
}

HttpServer::Stats HttpServer::stats() const {
  return Stats{accepted_.load(), rejected_.load(), evicted_.load(), exhausted_.load(),
               reserve_used_.load(), reserve_held_.load()};
}

void HttpServer::Run() {
  epoll_event events[kMaxEvents];
  while (!stopping_.load(std::memory_order_acquire)) {
    const int n = epoll_wait(epoll_fd_, events, kMaxEvents, WaitTimeoutMs());
    if (n < 0 && errno != EINTR) {
      MG_LOG(kError, "admin: epoll_wait: ", std::strerror(errno), "; the admin port stops");
      break;
    }
    for (int i = 0; i < n; ++i) {
      const uint64_t id = events[i].data.u64;
      if (id == kListenerId) {
        OnAcceptable();
      } else if (id == kWakeId) {
        uint64_t count;
        (void)!read(wake_fd_, &count, sizeof(count));
        DrainCompletions();
      } else if (auto it = connections_.find(id); it != connections_.end()) {
        OnConnectionEvent(*it->second, events[i].events);
      }
    }
    const Clock::time_point now = Clock::now();
    if (accept_paused_ && now >= accept_resume_at_) ResumeAccepting();
    if (now >= next_deadline_) ExpireDeadlines();
    for (uint64_t id : closed_) connections_.erase(id);
    closed_.clear();
  }
  for (auto& [id, c] : connections_) Close(*c);
  connections_.clear();
  close(listen_fd_);
  listen_fd_ = -1;
}

int HttpServer::WaitTimeoutMs() const {
  Clock::time_point wake = next_deadline_;
  if (accept_paused_) wake = std::min(wake, accept_resume_at_);
  if (wake == Clock::time_point::max()) return -1;
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(wake - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, 60'000));
}

// --- Accepting ---------------------------------------------------------------------------

void HttpServer::OnAcceptable() {
  for (int i = 0; i < kMaxAcceptsPerEvent; ++i) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      if (open_connections_ < options_.max_connections || EvictOne(/*spare_new=*/true)) {
        AddConnection(fd, /*probe_only=*/false);
      } else if (open_connections_ < options_.max_connections + options_.probe_connections) {
        // Every connection is busy being served: a full admin port must not make the pod
        // look dead, so a few more may still ask /healthz and /readyz.
        AddConnection(fd, /*probe_only=*/true);
      } else {
        Reject(fd);
      }
      continue;
    }
    const int err = errno;
    if (err == EINTR || err == ECONNABORTED) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) return;
    if (err == EMFILE || err == ENFILE) {
      // accept() fails this way even when nobody is waiting: then there is nothing to do.
      if (!ConnectionPending()) return;
      ++exhausted_;
      const Clock::time_point now = Clock::now();
      if (now - last_exhaustion_log_ >= kExhaustionLogInterval) {
        last_exhaustion_log_ = now;
        MG_LOG(kWarning, "admin: out of file descriptors (", std::strerror(err),
               "): closing idle admin connections and using the reserve descriptor so that "
               "health probes are still answered (", exhausted_.load(), " times so far)");
      }
      // An idle connection is the cheapest thing to give up; then the reserve.
      if (EvictOne(/*spare_new=*/false)) continue;
      if (reserve_fd_ >= 0) {
        close(reserve_fd_);
        reserve_fd_ = -1;
        reserve_held_ = false;
        ++reserve_used_;
        continue;
      }
    } else {
      MG_LOG(kWarning, "admin: accept: ", std::strerror(err));
    }
    // Nothing to free now: retry shortly (or when a connection closes) rather than spin.
    PauseAccepting();
    return;
  }
}

void HttpServer::AddConnection(int fd, bool probe_only) {
  const uint64_t id = next_id_++;
  epoll_event ev{EPOLLIN, {.u64 = id}};
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    close(fd);
    return;
  }
  auto owned = std::make_unique<Connection>(id, fd, options_.limits);
  Connection& c = *owned;
  connections_.emplace(id, std::move(owned));
  ++open_connections_;
  ++accepted_;
  c.probe_only = probe_only;
  c.interest = EPOLLIN;
  c.since = Clock::now();
  SetDeadline(c, options_.request_timeout);  // a new connection is expected to send at once
  OnReadable(c);  // the request usually arrives with the connection
}

HttpResponse HttpServer::OverCapacity() {
  ++rejected_;
  return RetryLater(absl::StrCat("too many admin connections (limit ", options_.max_connections,
                                 "); retry later"));
}

void HttpServer::Reject(int fd) {
  const std::string out =
      SerializeResponse(OverCapacity(), /*keep_alive=*/false, /*head_only=*/false);
  (void)!send(fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  close(fd);
}

bool HttpServer::ConnectionPending() const {
  pollfd p{listen_fd_, POLLIN, 0};
  return poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

bool HttpServer::EvictOne(bool spare_new) {
  // Lingering first (already answered), then the longest idle, then the slowest request still
  // arriving; never one being served or written. `spare_new` also spares connections accepted
  // a moment ago that sent nothing yet: in a burst their requests are on the way. Out of
  // descriptors they are not spared: a flood of idle connections must drain at once to reach
  // a probe queued behind it, whose request is already there when it is accepted.
  const Clock::time_point now = Clock::now();
  auto rank = [spare_new, now](const Connection& c) {
    switch (c.state) {
      case Connection::State::kLingering: return 0;
      case Connection::State::kIdle:
        return spare_new && c.fresh && now - c.since < kNewConnectionGrace ? 3 : 1;
      case Connection::State::kReading: return 2;
      default: return 3;
    }
  };
  Connection* victim = nullptr;
  int victim_rank = 3;
  for (auto& [id, c] : connections_) {
    const int r = rank(*c);
    if (r < victim_rank || (r == victim_rank && r < 3 && c->since < victim->since)) {
      victim = c.get();
      victim_rank = r;
    }
  }
  if (victim == nullptr) return false;
  ++evicted_;
  Close(*victim);
  return true;
}

void HttpServer::PauseAccepting() {
  epoll_event ev{0, {.u64 = kListenerId}};
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listen_fd_, &ev);
  accept_paused_ = true;
  accept_resume_at_ = Clock::now() + kAcceptPause;
}

void HttpServer::ResumeAccepting() {
  epoll_event ev{EPOLLIN, {.u64 = kListenerId}};
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listen_fd_, &ev);
  accept_paused_ = false;
}

void HttpServer::TakeReserve() {
  if (reserve_fd_ < 0) reserve_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  reserve_held_ = reserve_fd_ >= 0;
}

// --- Connections -------------------------------------------------------------------------

void HttpServer::OnConnectionEvent(Connection& c, uint32_t events) {
  using State = Connection::State;
  if (c.state == State::kClosed) return;
  if (events & EPOLLERR) {
    Close(c);
    return;
  }
  if (events & EPOLLOUT) {
    Flush(c);
    if (c.state == State::kIdle) ProcessInput(c);
  }
  if (!(events & (EPOLLIN | EPOLLHUP))) return;
  if (c.state == State::kIdle || c.state == State::kReading || c.state == State::kLingering) {
    OnReadable(c);
  } else if ((events & EPOLLHUP) && c.state != State::kClosed) {
    Close(c);  // both directions gone: nobody to answer
  }
}

void HttpServer::OnReadable(Connection& c) {
  const bool lingering = c.state == Connection::State::kLingering;
  const size_t want = c.WantBytes(options_.limits);
  if (!lingering && c.in.size() >= want) return;
  const size_t chunk = lingering ? read_buffer_.size() : std::min(read_buffer_.size(),
                                                                   want - c.in.size());
  const ssize_t n = recv(c.fd, read_buffer_.data(), chunk, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n <= 0) {
    Close(c);  // the client is gone, or done reading our final response
    return;
  }
  if (lingering) return;  // dropped: only waiting for the client to close
  c.in.append(read_buffer_.data(), static_cast<size_t>(n));
  ProcessInput(c);
}

void HttpServer::ProcessInput(Connection& c) {
  using State = Connection::State;
  while ((c.state == State::kIdle || c.state == State::kReading) && !c.in.empty()) {
    if (c.state == State::kIdle) {
      c.state = State::kReading;
      c.fresh = false;
      c.since = Clock::now();
      SetDeadline(c, options_.request_timeout);
    }
    switch (c.parser.Parse(c.in)) {
      case RequestParser::Result::kIncomplete:
        UpdateInterest(c);
        return;
      case RequestParser::Result::kError:
        RespondError(c, c.parser.error_status(), c.parser.error_message());
        return;
      case RequestParser::Result::kHead:
        if (!OnHead(c)) return;
        break;
      case RequestParser::Result::kComplete: {
        HttpRequest request = std::move(c.parser.request());
        c.in.erase(0, c.parser.consumed());
        c.parser.Reset();
        Dispatch(c, std::move(request));
        break;
      }
    }
  }
  UpdateInterest(c);
}

bool HttpServer::OnHead(Connection& c) {
  const size_t body = c.parser.body_length();
  if (body == 0) return true;
  if (body > body_budget_left_) {
    RespondError(c, 503, "too many request bodies are arriving at once; retry later");
    return false;
  }
  body_budget_left_ -= body;
  c.body_reserved = body;
  if (c.parser.request().expect_continue && c.in.size() < c.parser.consumed()) {
    c.out += "HTTP/1.1 100 Continue\r\n\r\n";
    Flush(c);
  }
  return c.state != Connection::State::kClosed;
}

void HttpServer::Dispatch(Connection& c, HttpRequest request) {
  c.keep_alive =
      request.keep_alive && !c.probe_only && !stopping_.load(std::memory_order_acquire);
  c.head_only = request.method == "HEAD";
  Router::Match match = router_->Resolve(request);
  if (match.route == nullptr || match.inline_on_loop()) {
    Respond(c, router_->Run(match, request), c.keep_alive);
    return;
  }
  if (c.probe_only) {
    Respond(c, OverCapacity(), /*keep_alive=*/false);
    return;
  }
  c.state = Connection::State::kServing;
  c.since = Clock::now();
  c.deadline = Clock::time_point::max();  // handlers are bounded by the pool, not by time
  const bool queued = workers_.TrySubmit(
      [this, id = c.id, match = std::move(match), request = std::move(request)]() mutable {
        PostCompletion(Completion{id, router_->Run(match, request)});
      });
  if (!queued) {
    Respond(c, RetryLater("the admin server is busy; retry later"), c.keep_alive);
  }
}

void HttpServer::Respond(Connection& c, const HttpResponse& response, bool keep_alive) {
  c.out += SerializeResponse(response, keep_alive, c.head_only);
  c.close_after_write = !keep_alive;
  c.state = Connection::State::kWriting;
  c.since = Clock::now();
  SetDeadline(c, options_.write_timeout);
  Flush(c);
}

void HttpServer::RespondError(Connection& c, int status, const std::string& message) {
  c.head_only = false;
  Respond(c, status == 503 ? RetryLater(message) : HttpResponse::Error(status, message),
          /*keep_alive=*/false);
}

void HttpServer::Flush(Connection& c) {
  while (c.out_sent < c.out.size()) {
    const ssize_t n =
        send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_sent += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      UpdateInterest(c);
      return;
    } else {
      Close(c);
      return;
    }
  }
  c.out.clear();
  c.out_sent = 0;
  if (c.state == Connection::State::kWriting) {
    AfterResponse(c);
  } else {
    UpdateInterest(c);
  }
}

void HttpServer::AfterResponse(Connection& c) {
  body_budget_left_ += c.body_reserved;
  c.body_reserved = 0;
  c.since = Clock::now();
  if (c.close_after_write) {
    // Closing with unread input would reset the connection and could destroy the response
    // before the client reads it: send FIN, then drop input until the client closes.
    shutdown(c.fd, SHUT_WR);
    c.state = Connection::State::kLingering;
    c.in.clear();
    c.in.shrink_to_fit();
    SetDeadline(c, options_.linger_timeout);
  } else {
    c.state = Connection::State::kIdle;
    if (c.in.empty() && c.in.capacity() > kReadChunk) c.in.shrink_to_fit();
    SetDeadline(c, options_.idle_timeout);
  }
  UpdateInterest(c);
}

void HttpServer::Close(Connection& c) {
  if (c.state == Connection::State::kClosed) return;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);
  close(c.fd);
  c.fd = -1;
  c.state = Connection::State::kClosed;
  c.deadline = Clock::time_point::max();
  body_budget_left_ += c.body_reserved;
  c.body_reserved = 0;
  --open_connections_;
  closed_.push_back(c.id);
  TakeReserve();
  if (accept_paused_) ResumeAccepting();
}

void HttpServer::SetDeadline(Connection& c, Clock::duration timeout) {
  c.deadline = Clock::now() + timeout;
  next_deadline_ = std::min(next_deadline_, c.deadline);
}

void HttpServer::UpdateInterest(Connection& c) {
  using State = Connection::State;
  if (c.state == State::kClosed) return;
  uint32_t want = 0;
  if (c.state == State::kLingering ||
      ((c.state == State::kIdle || c.state == State::kReading) &&
       c.in.size() < c.WantBytes(options_.limits))) {
    want |= EPOLLIN;
  }
  if (c.out_sent < c.out.size()) want |= EPOLLOUT;
  if (want == c.interest) return;
  epoll_event ev{want, {.u64 = c.id}};
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
  c.interest = want;
}

void HttpServer::ExpireDeadlines() {
  const Clock::time_point now = Clock::now();
  next_deadline_ = Clock::time_point::max();
  for (auto& [id, owned] : connections_) {
    Connection& c = *owned;
    if (c.deadline <= now) {
      if (c.state == Connection::State::kReading) {
        RespondError(c, 408,
                     absl::StrCat("the request did not arrive within ",
                                  options_.request_timeout.count(), " ms of its first byte"));
      } else {
        Close(c);  // idle, unread response, or lingering: nothing more to say
      }
    }
    next_deadline_ = std::min(next_deadline_, c.deadline);
  }
}

// --- Worker completions --------------------------------------------------------------------

void HttpServer::PostCompletion(Completion completion) {
  {
    absl::MutexLock lock(&mu_);
    completions_.push_back(std::move(completion));
  }
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
}

void HttpServer::DrainCompletions() {
  std::vector<Completion> done;
  {
    absl::MutexLock lock(&mu_);
    done.swap(completions_);
  }
  for (Completion& d : done) {
    auto it = connections_.find(d.connection_id);
    if (it == connections_.end() || it->second->state != Connection::State::kServing) continue;
    Connection& c = *it->second;
    Respond(c, d.response, c.keep_alive && !stopping_.load(std::memory_order_acquire));
    if (c.state == Connection::State::kIdle) ProcessInput(c);
  }
}

}  // namespace modelgate::admin
