#include "pipeline_util.h"

#include <fcntl.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_ether.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace rampart::pipetest {

namespace fs = std::filesystem;

std::string unique_prefix(const std::string& tag) {
  return "rpt-" + tag + "-" + std::to_string(getpid());
}

std::string make_temp_dir(const std::string& tag) {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/rampart-" + tag + "-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) {
    ADD_FAILURE() << "mkdtemp " << templ << ": " << std::strerror(errno);
    return "/nonexistent";
  }
  return buf.data();
}

void remove_tree(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
}

EalEnvironment::EalEnvironment(std::string tag, std::vector<std::string> args, unsigned memory_mb)
    : prefix_(unique_prefix(tag)), args_(std::move(args)), memory_mb_(memory_mb) {}

void EalEnvironment::SetUp() {
  std::vector<std::string> a = {"pipeline-test", "--no-pci", "--no-huge", "-m",
                                std::to_string(memory_mb_), "--file-prefix", prefix_,
                                "--log-level", "lib.eal:warning"};
  a.insert(a.end(), args_.begin(), args_.end());
  std::vector<char*> argv;
  for (auto& s : a) argv.push_back(s.data());
  argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(a.size()), argv.data()) < 0) {
    std::fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
    std::abort();  // nothing in this program can run without EAL
  }
  initialised_ = true;
}

void EalEnvironment::TearDown() {
  if (!initialised_) return;
  rte_eal_cleanup();
  initialised_ = false;
  // Our own, unique runtime directory only.
  remove_tree("/var/run/dpdk/" + prefix_);
}

rte_mbuf* mbuf_from(rte_mempool* pool, const Bytes& frame, uint32_t first_seg) {
  if (first_seg == 0 || first_seg >= frame.size()) first_seg = static_cast<uint32_t>(frame.size());
  rte_mbuf* head = rte_pktmbuf_alloc(pool);
  if (!head) return nullptr;
  char* p = rte_pktmbuf_append(head, static_cast<uint16_t>(first_seg));
  if (!p && first_seg) {
    rte_pktmbuf_free(head);
    return nullptr;
  }
  if (first_seg) std::memcpy(p, frame.data(), first_seg);
  size_t off = first_seg;
  while (off < frame.size()) {
    rte_mbuf* seg = rte_pktmbuf_alloc(pool);
    if (!seg) {
      rte_pktmbuf_free(head);
      return nullptr;
    }
    const uint16_t n = static_cast<uint16_t>(
        std::min<size_t>(frame.size() - off, rte_pktmbuf_tailroom(seg)));
    std::memcpy(rte_pktmbuf_append(seg, n), frame.data() + off, n);
    if (rte_pktmbuf_chain(head, seg) != 0) {
      rte_pktmbuf_free(seg);
      rte_pktmbuf_free(head);
      return nullptr;
    }
    off += n;
  }
  return head;
}

Bytes bytes_of(const rte_mbuf* m) {
  Bytes out(m->pkt_len);
  const void* p = rte_pktmbuf_read(m, 0, m->pkt_len, out.data());
  if (p && p != out.data()) std::memcpy(out.data(), p, m->pkt_len);
  return out;
}

Bytes swap_macs(Bytes f) {
  if (f.size() >= 12)
    for (int i = 0; i < 6; ++i) std::swap(f[i], f[6 + i]);
  return f;
}

std::string hex(const Bytes& b, size_t max) {
  std::string s;
  char buf[4];
  for (size_t i = 0; i < b.size() && i < max; ++i) {
    std::snprintf(buf, sizeof(buf), "%02x", b[i]);
    s += buf;
  }
  if (b.size() > max) s += "...";
  return s + " (" + std::to_string(b.size()) + " bytes)";
}

void write_pcap(const std::string& path, const std::vector<std::pair<uint64_t, Bytes>>& timed) {
  pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
  ASSERT_NE(dead, nullptr);
  pcap_dumper_t* d = pcap_dump_open(dead, path.c_str());
  ASSERT_NE(d, nullptr) << pcap_geterr(dead);
  for (const auto& [us, f] : timed) {
    pcap_pkthdr h{};
    h.ts.tv_sec = static_cast<time_t>(us / 1000000);
    h.ts.tv_usec = static_cast<suseconds_t>(us % 1000000);
    h.caplen = h.len = static_cast<uint32_t>(f.size());
    pcap_dump(reinterpret_cast<u_char*>(d), &h, f.data());
  }
  pcap_dump_close(d);
  pcap_close(dead);
}

void write_pcap(const std::string& path, const std::vector<Bytes>& frames) {
  std::vector<std::pair<uint64_t, Bytes>> timed;
  uint64_t us = 0;
  for (const Bytes& f : frames) timed.emplace_back(us += 10, f);
  write_pcap(path, timed);
}

std::vector<Bytes> read_pcap(const std::string& path) {
  std::vector<Bytes> frames;
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path.c_str(), err);
  if (!p) {
    ADD_FAILURE() << "cannot open " << path << ": " << err;
    return frames;
  }
  pcap_pkthdr* h;
  const u_char* data;
  int rc;
  while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
    EXPECT_EQ(h->caplen, h->len) << "truncated capture record in " << path;
    frames.emplace_back(data, data + h->caplen);
  }
  if (rc == PCAP_ERROR) ADD_FAILURE() << "reading " << path << ": " << pcap_geterr(p);
  pcap_close(p);
  return frames;
}

pid_t spawn(const std::vector<std::string>& argv, const std::string& out_file,
            const std::string& err_file, const std::vector<std::string>& extra_env) {
  std::vector<char*> av;
  std::vector<std::string> copy = argv;
  for (auto& s : copy) av.push_back(s.data());
  av.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int o = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0) _exit(126);
    dup2(o, 1);
    dup2(e, 2);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    for (const auto& kv : extra_env) putenv(const_cast<char*>(kv.c_str()));
    execv(av[0], av.data());
    std::fprintf(stderr, "exec %s: %s\n", av[0], std::strerror(errno));
    _exit(127);
  }
  return pid;
}

ProcResult wait_process(pid_t pid, double timeout_s, const std::string& out_file,
                        const std::string& err_file) {
  ProcResult r;
  const auto start = std::chrono::steady_clock::now();
  int status = 0;
  for (;;) {
    const pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0) {
      ADD_FAILURE() << "waitpid: " << std::strerror(errno);
      return r;
    }
    const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (el > timeout_s && !r.timed_out) {
      r.timed_out = true;
      kill(pid, SIGKILL);  // our own child, by pid
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) r.exit_code = 128 + WTERMSIG(status);
  r.out = read_file(out_file);
  r.err = read_file(err_file);
  return r;
}

ProcResult run_process(const std::vector<std::string>& argv, double timeout_s,
                       const std::string& work_dir) {
  const std::string out = work_dir + "/stdout.txt", err = work_dir + "/stderr.txt";
  const pid_t pid = spawn(argv, out, err);
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    return {};
  }
  return wait_process(pid, timeout_s, out, err);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  if (!f) ADD_FAILURE() << "cannot write " << path;
}

std::string env_or_fail(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) {
    ADD_FAILURE() << "environment variable " << name << " is not set (run through meson test)";
    return {};
  }
  return v;
}

}  // namespace rampart::pipetest
