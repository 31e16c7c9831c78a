// Shared helpers of the pipeline tests: EAL set-up (once per test program, unique file prefix),
// mbufs to and from bytes, pcap reading, temporary directories and child processes.
#pragma once

#include <rte_eal.h>
#include <rte_mbuf.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace rampart::pipetest {

using Bytes = std::vector<uint8_t>;

// A fixed-seed pseudo-random sequence (xorshift64) for reproducible test inputs. seed != 0.
struct XorShift64 {
  uint64_t s;
  uint64_t operator()() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
};

// "rpt-<tag>-<pid>": unique per test program run, so programs run in parallel.
std::string unique_prefix(const std::string& tag);

// A fresh directory from mkdtemp under $TMPDIR (or /tmp); removed by remove_tree().
std::string make_temp_dir(const std::string& tag);
void remove_tree(const std::string& path);

// Initialises EAL once for the whole test program and cleans it up at the end, removing the
// runtime directory of its own (unique) file prefix. Register with
// ::testing::AddGlobalTestEnvironment(new EalEnvironment(...)) from main().
class EalEnvironment : public ::testing::Environment {
 public:
  // `args` come after argv[0] and the standard --no-pci --no-huge -m --file-prefix ones.
  EalEnvironment(std::string tag, std::vector<std::string> args, unsigned memory_mb = 256);
  void SetUp() override;
  void TearDown() override;
  const std::string& prefix() const { return prefix_; }

 private:
  std::string prefix_;
  std::vector<std::string> args_;
  unsigned memory_mb_;
  bool initialised_ = false;
};

// One mbuf (or a chain when `first_seg` > 0 and smaller than the frame) holding `frame`.
rte_mbuf* mbuf_from(rte_mempool* pool, const Bytes& frame, uint32_t first_seg = 0);
Bytes bytes_of(const rte_mbuf* m);
Bytes swap_macs(Bytes frame);
std::string hex(const Bytes& b, size_t max = 96);

// Every frame of a pcap file, in order (libpcap). Fails the test on a read error.
std::vector<Bytes> read_pcap(const std::string& path);
// Writes `frames` as an Ethernet pcap, 10 us apart. Fails the test on a write error.
void write_pcap(const std::string& path, const std::vector<Bytes>& frames);
// The same with each frame's capture time (microseconds since the epoch).
void write_pcap(const std::string& path, const std::vector<std::pair<uint64_t, Bytes>>& timed);

struct ProcResult {
  int exit_code = -1;      // WEXITSTATUS, or 128 + signal
  bool timed_out = false;  // killed (SIGKILL) after the timeout
  std::string out, err;
  double seconds = 0;
};

// Starts `argv` with stdout/stderr in the given files; returns the child's pid.
pid_t spawn(const std::vector<std::string>& argv, const std::string& out_file,
            const std::string& err_file, const std::vector<std::string>& extra_env = {});
// Waits for `pid` up to `timeout_s`; kills it (by pid) when it overruns.
ProcResult wait_process(pid_t pid, double timeout_s, const std::string& out_file,
                        const std::string& err_file);
ProcResult run_process(const std::vector<std::string>& argv, double timeout_s,
                       const std::string& work_dir);

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);
// The environment variable or a test failure.
std::string env_or_fail(const char* name);

}  // namespace rampart::pipetest
