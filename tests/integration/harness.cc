// Harness implementation: process start-up and admin HTTP via cpp-httplib.
#include "integration/harness.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>
#include <httplib.h>

#include "absl/strings/str_cat.h"

namespace modelgate::testutil {

std::string LoopbackConfig(const std::vector<std::pair<std::string, std::string>>& backends,
                           const std::string& rest, const std::string& admin_extra) {
  std::string yaml = absl::StrCat("listen: 127.0.0.1:0\nadmin: {listen: 127.0.0.1:0",
                                  admin_extra.empty() ? "" : ", ", admin_extra, "}\nbackends:\n");
  for (const auto& [name, address] : backends) {
    absl::StrAppend(&yaml, "  - {name: ", name, ", address: \"", address, "\"}\n");
  }
  return absl::StrCat(yaml, rest);
}

absl::StatusOr<ListeningProcess> StartFakeModel(const std::string& name,
                                                const std::vector<std::string>& extra_flags) {
  std::vector<std::string> argv = {BinaryPath("modelgate-fake-model"), "--port=0",
                                   absl::StrCat("--name=", name)};
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  return StartListening(argv);
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

absl::StatusOr<std::unique_ptr<Modelgate>> Modelgate::Start(const std::string& config_path,
                                                            const Options& options) {
  std::vector<std::string> argv = options.launcher;
  argv.insert(argv.end(), {BinaryPath("modelgate"), "serve", "--config", config_path});
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  if (!options.stderr_path.empty()) {
    // The shell only redirects stderr, then becomes modelgate (exec), so signals reach it.
    argv.insert(argv.begin(), {"/bin/sh", "-c", "exec \"$@\" 2>\"$0\"", options.stderr_path});
  }
  auto child = ChildProcess::Spawn(argv);
  if (!child.ok()) return child.status();
  std::unique_ptr<Modelgate> mg(new Modelgate(std::move(*child)));
  auto line = mg->process_.ReadLineWithTimeout(std::chrono::seconds(15));
  if (!line.ok()) {
    return absl::Status(line.status().code(),
                        absl::StrCat("modelgate did not announce its ports: ", line.status().message()));
  }
  static const std::regex kLine(R"(modelgate listening grpc=(\S+):(\d+) admin=(\S+):(\d+))");
  std::smatch m;
  if (!std::regex_match(*line, m, kLine))
    return absl::InternalError(absl::StrCat("unexpected first line: ", *line));
  mg->grpc_address_ = absl::StrCat(m[1].str(), ":", m[2].str());
  mg->admin_port_ = std::stoi(m[4].str());
  return mg;
}

std::shared_ptr<grpc::Channel> Modelgate::NewChannel(int64_t max_message_bytes) const {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(static_cast<int>(max_message_bytes));
  args.SetMaxSendMessageSize(static_cast<int>(max_message_bytes));
  // A distinct argument gives each test channel its own connection.
  static int counter = 0;
  args.SetInt("modelgate.test_channel_id", ++counter);
  return grpc::CreateCustomChannel(grpc_address_, grpc::InsecureChannelCredentials(), args);
}

HttpResponse Modelgate::Get(const std::string& path) const {
  httplib::Client client("127.0.0.1", admin_port_);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  auto res = client.Get(path.c_str());
  if (!res) return HttpResponse{0, ""};
  return HttpResponse{res->status, res->body};
}

HttpResponse Modelgate::Post(const std::string& path, const std::string& bearer_token) const {
  httplib::Client client("127.0.0.1", admin_port_);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  if (!bearer_token.empty()) client.set_bearer_token_auth(bearer_token.c_str());
  auto res = client.Post(path.c_str());
  if (!res) return HttpResponse{0, ""};
  return HttpResponse{res->status, res->body};
}

HttpResponse Modelgate::PostJson(const std::string& path, const std::string& body) const {
  httplib::Client client("127.0.0.1", admin_port_);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  auto res = client.Post(path.c_str(), body, "application/json");
  if (!res) return HttpResponse{0, ""};
  return HttpResponse{res->status, res->body};
}

double Modelgate::Metric(const std::string& series) const {
  HttpResponse r = Get("/metrics");
  std::istringstream in(r.body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series, 0) == 0 && line.size() > series.size() && line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

double Modelgate::WaitForMetric(const std::string& series, double value,
                                std::chrono::milliseconds timeout) const {
  double v = -1;
  PollUntil([&] { return (v = Metric(series)) == value; }, timeout);
  return v;
}

}  // namespace modelgate::testutil
