// DNS over TCP (RFC 1035 4.2.2, RFC 7766): one direction of one connection, turned back into
// messages. Bounded: one buffer of 65535 + 2 bytes per flow, no allocation, no out-of-order queue.
// A hole in the sequence space gives up the partial message and resynchronises on the next
// plausible length prefix, with work linear in the bytes whatever they hold; everything given up
// is counted. Flow lookup is the caller's job.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

namespace rampart::proto::dns {

class TcpStreamReassembler {
 public:
  static constexpr size_t kCapacity = 65535 + 2;
  // Called once per complete message (without its length prefix). The bytes live in the segment or
  // in the reassembler's buffer and are valid only during the call.
  using Sink = void (*)(void* ctx, const uint8_t* msg, size_t len);

  struct Stats {
    uint64_t segments = 0;
    uint64_t messages = 0;
    uint64_t duplicate_bytes = 0;   // retransmitted or overlapping bytes ignored
    uint64_t gaps = 0;              // sequence holes (missing segments)
    uint64_t bytes_given_up = 0;    // partial messages dropped plus bytes skipped while resyncing
    uint64_t partial_messages = 0;  // partial messages dropped (at a gap or at close)
    uint64_t resyncs = 0;           // message boundary found again by searching
    uint64_t bad_length = 0;        // a length prefix < 12 where a message should start
    uint64_t search_limited = 0;    // boundary candidates the search stopped following (see below)
    uint64_t search_steps = 0;      // offsets the search examined + lengths of messages it parsed
  };

  TcpStreamReassembler() noexcept = default;
  TcpStreamReassembler(const TcpStreamReassembler&) = delete;
  TcpStreamReassembler& operator=(const TcpStreamReassembler&) = delete;

  // The SYN (or SYN-ACK) of this direction: the stream starts on a message boundary at isn + 1.
  // Without it the first segment's position in the stream is unknown and a boundary is searched.
  void on_syn(uint32_t isn) noexcept;
  void feed(uint32_t seq, const uint8_t* data, size_t len, Sink sink, void* ctx) noexcept;
  template <class F>
  void feed(uint32_t seq, const uint8_t* data, size_t len, F&& fn) noexcept {
    using T = std::remove_reference_t<F>;
    feed(seq, data, len,
         [](void* c, const uint8_t* m, size_t n) { (*static_cast<T*>(c))(m, n); },
         const_cast<void*>(static_cast<const void*>(std::addressof(fn))));
  }
  // FIN or RST: a partial message left in the buffer is given up and counted. Resets the stream.
  void close() noexcept;
  void reset() noexcept;

  const Stats& stats() const noexcept { return st_; }
  bool synced() const noexcept { return synced_; }
  size_t buffered() const noexcept { return have_; }

 private:
  void drain(Sink sink, void* ctx) noexcept;
  void give_up_buffer() noexcept;

  // The search for a message boundary in an unsynchronised stream does work linear in the bytes
  // it is given, whatever they hold (hostile streams can be built so that thousands of offsets
  // look like the start of a long message):
  // - every offset is examined once; at most kMaxPending of those whose message is not complete
  //   yet are kept to be looked at again when it is, those that need the fewest bytes (a real
  //   boundary frames a message of ordinary size; the others are dropped and counted);
  // - confirming a candidate parses its message, which costs its length: every byte taken in
  //   earns kCreditPerByte bytes of such parsing (at most kCreditCap saved up), and a candidate
  //   that would cost more than is left is dropped and counted.
  // Before this, a rescan on every segment let a 2.5 Mbit/s stream hold an lcore
  // (docs/benchmarks.md).
  struct Candidate {
    uint32_t at;   // offset of its length prefix in buf_
    uint32_t end;  // offset one past its message
  };
  // Returns the offset of the first boundary at or after `from`, or kNeedMore with `keep` = the
  // first offset worth keeping.
  size_t find_boundary(size_t from, size_t& keep) noexcept;
  enum class Verdict : uint8_t { no, yes, incomplete };
  Verdict examine(size_t at, uint32_t& end) noexcept;
  // Tracks incomplete candidate c; far_end is the farthest end among the tracked ones.
  void track(Candidate c, uint32_t& far_end) noexcept;
  uint32_t farthest_end() const noexcept;
  void forget_search() noexcept { scan_from_ = 0, n_pending_ = 0; }
  void shift_search(uint32_t by) noexcept;
  static constexpr size_t kNeedMore = ~size_t(0);
  static constexpr unsigned kMaxPending = 8;
  static constexpr uint32_t kCreditPerByte = 4;
  static constexpr uint32_t kCreditCap = 2 * kCapacity;

  Stats st_{};
  uint32_t next_seq_ = 0;
  uint32_t have_ = 0;
  bool seq_known_ = false;
  bool synced_ = false;
  uint32_t scan_from_ = 0;  // every offset below it was examined
  uint32_t n_pending_ = 0;
  uint32_t credit_ = 0;
  Candidate pending_[kMaxPending];  // in offset order
  uint8_t buf_[kCapacity];
};

}  // namespace rampart::proto::dns
