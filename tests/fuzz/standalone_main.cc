// A driver for libFuzzer targets in builds without libFuzzer (GCC, the normal build and CI): it
// runs every file named on the command line (directories: every file in them, sorted), then
// seeded pseudo-random inputs until a count or a time budget runs out: most are the named inputs
// mutated (bytes changed, inserted, erased, two inputs spliced), since uniformly random bytes
// rarely get past a target's first checks; the rest are random. Without coverage feedback this
// is no fuzzer, but it runs the target's own checks on many inputs in every CI run.
// Deterministic for a given seed, so a failure reproduces with the same flags; the input that
// crashed is also written to a file (see --crash_file) so it can be added to the corpus.
//
// Usage: <binary> [--runs=N] [--seconds=S] [--seed=N] [--max_len=N] [--crash_file=PATH]
//                 [FILE_OR_DIR...]
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// The input being run, for the crash handler (which may only make async-signal-safe calls).
const uint8_t* g_current = nullptr;
size_t g_current_size = 0;
char g_crash_file[4096] = "crash-h2_frames-standalone";

void OnCrash(int sig) {
  const int fd = ::open(g_crash_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    if (g_current != nullptr) (void)!::write(fd, g_current, g_current_size);
    ::close(fd);
    const char msg[] = "standalone fuzz driver: the crashing input was written to ";
    (void)!::write(2, msg, sizeof(msg) - 1);
    (void)!::write(2, g_crash_file, std::strlen(g_crash_file));
    (void)!::write(2, "\n", 1);
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// A variation of `base` (and sometimes of `other`, spliced in).
std::vector<uint8_t> Mutate(std::vector<uint8_t> in, const std::vector<uint8_t>& other,
                            size_t max_len, std::mt19937_64& rng) {
  auto below = [&rng](size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng() % n); };
  for (int edits = 1 + static_cast<int>(below(6)); edits > 0; --edits) {
    switch (below(6)) {
      case 0:  // change a byte
        if (!in.empty()) in[below(in.size())] = static_cast<uint8_t>(rng());
        break;
      case 1:  // flip a bit
        if (!in.empty()) in[below(in.size())] ^= static_cast<uint8_t>(1u << below(8));
        break;
      case 2: {  // insert random bytes
        const size_t at = below(in.size() + 1);
        std::vector<uint8_t> bytes(1 + below(16));
        for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
        in.insert(in.begin() + static_cast<long>(at), bytes.begin(), bytes.end());
        break;
      }
      case 3: {  // erase a run
        if (in.empty()) break;
        const size_t at = below(in.size());
        const size_t n = std::min(in.size() - at, 1 + below(16));
        in.erase(in.begin() + static_cast<long>(at), in.begin() + static_cast<long>(at + n));
        break;
      }
      case 4: {  // splice: a piece of another input
        if (other.empty()) break;
        const size_t from = below(other.size());
        const size_t n = std::min(other.size() - from, 1 + below(64));
        in.insert(in.begin() + static_cast<long>(below(in.size() + 1)),
                  other.begin() + static_cast<long>(from),
                  other.begin() + static_cast<long>(from + n));
        break;
      }
      default: {  // append the other input's tail
        if (other.size() <= 9) break;
        const size_t from = 9 + below(other.size() - 9);
        in.insert(in.end(), other.begin() + static_cast<long>(from), other.end());
        break;
      }
    }
  }
  if (in.size() > max_len) in.resize(max_len);
  return in;
}

void Run(const std::vector<uint8_t>& input) {
  g_current = input.data();
  g_current_size = input.size();
  LLVMFuzzerTestOneInput(input.data(), input.size());
  g_current = nullptr;
}

bool Flag(const char* arg, const char* name, std::string* value) {
  const size_t n = std::strlen(name);
  if (std::strncmp(arg, name, n) != 0 || arg[n] != '=') return false;
  *value = arg + n + 1;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  long runs = 1000;
  double seconds = 20;
  uint64_t seed = 1;
  size_t max_len = 2048;
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    std::string v;
    if (Flag(argv[i], "--runs", &v)) {
      runs = std::stol(v);
    } else if (Flag(argv[i], "--seconds", &v)) {
      seconds = std::stod(v);
    } else if (Flag(argv[i], "--seed", &v)) {
      seed = std::stoull(v);
    } else if (Flag(argv[i], "--max_len", &v)) {
      max_len = std::stoul(v);
    } else if (Flag(argv[i], "--crash_file", &v)) {
      std::snprintf(g_crash_file, sizeof(g_crash_file), "%s", v.c_str());
    } else if (argv[i][0] == '-' && argv[i][1] == '-') {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    } else {
      paths.push_back(argv[i]);
    }
  }
  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) ::signal(sig, OnCrash);

  // Named inputs (a missing directory is no error: the corpus is optional).
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      for (const auto& e : std::filesystem::directory_iterator(p, ec)) {
        if (e.is_regular_file()) files.push_back(e.path().string());
      }
    } else if (std::filesystem::exists(p, ec)) {
      files.push_back(p);
    }
  }
  std::sort(files.begin(), files.end());
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::vector<uint8_t>> corpus;
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    corpus.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Run(corpus.back());
  }

  // Seeded random inputs.
  std::mt19937_64 rng(seed);
  long done = 0;
  const auto budget = std::chrono::duration<double>(seconds);
  std::vector<uint8_t> input;
  for (; done < runs && std::chrono::steady_clock::now() - start < budget; ++done) {
    if (!corpus.empty() && rng() % 4 != 0) {
      input = Mutate(corpus[rng() % corpus.size()], corpus[rng() % corpus.size()], max_len, rng);
    } else {
      input.resize(std::uniform_int_distribution<size_t>(0, max_len)(rng));
      for (uint8_t& b : input) b = static_cast<uint8_t>(rng());
    }
    Run(input);
  }
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%zu corpus inputs and %ld random inputs (seed %llu) in %.1f s\n", files.size(), done,
              static_cast<unsigned long long>(seed), took);
  return 0;
}
