// The run state every worker polls once per loop iteration. Shutdown goes
// running -> rx_stopped (drain rings, flush TX) -> quit, driven by the main lcore.
#pragma once

#include <atomic>
#include <cstdint>

namespace rampart::core {

enum class RunState : uint8_t { running, rx_stopped, quit };

struct RunControl {
  std::atomic<RunState> state{RunState::running};
};

}  // namespace rampart::core
