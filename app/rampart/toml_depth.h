// A guard in front of toml++: Debian's toml++ 3.3 parses a dotted key or table header by
// recursion, one frame per component, so `[x.x.x....]` with some 50,000 components overflows the
// stack (upstream bounded it only in 3.4.1). Configs nest four or five levels; a key of more than
// kMaxKeyComponents components is refused here, before toml++ sees it.
#pragma once

#include <cstdint>
#include <string_view>

namespace rampart::app {

inline constexpr unsigned kMaxKeyComponents = 64;

// The 1-based line of the first key (bare, dotted, quoted or in a table header) with more than
// kMaxKeyComponents components, or 0. Strings and comments are skipped as TOML defines them, so a
// dot inside a value never counts; a float has one dot, far below the limit.
uint32_t line_of_too_deep_key(std::string_view toml_text);

}  // namespace rampart::app
