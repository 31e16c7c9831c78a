#include "app/rampart/toml_depth.h"

namespace rampart::app {

uint32_t line_of_too_deep_key(std::string_view s) {
  uint32_t line = 1;
  unsigned dots = 0;  // dots since the last token that ends a key or a value
  size_t i = 0;
  const size_t n = s.size();
  const auto starts = [&](size_t at, std::string_view w) { return s.substr(at, w.size()) == w; };
  while (i < n) {
    const char c = s[i];
    if (c == '\n') {
      ++line;
      dots = 0;
      ++i;
    } else if (c == '#') {
      while (i < n && s[i] != '\n') ++i;
    } else if (starts(i, "\"\"\"") || starts(i, "'''")) {
      // Multi-line string: ends at the next unescaped (basic) or any (literal) closing triple.
      const bool basic = c == '"';
      const std::string_view close = basic ? "\"\"\"" : "'''";
      i += 3;
      while (i < n && !starts(i, close)) {
        if (s[i] == '\n') ++line;
        if (basic && s[i] == '\\' && i + 1 < n) {
          if (s[i + 1] == '\n') ++line;
          i += 2;
        } else {
          ++i;
        }
      }
      i += 3;
    } else if (c == '"' || c == '\'') {
      // Single-line string (a quoted key component or a value); a newline ends it in error, which
      // toml++ reports.
      ++i;
      while (i < n && s[i] != c && s[i] != '\n') i += (c == '"' && s[i] == '\\' && i + 1 < n && s[i + 1] != '\n') ? 2 : 1;
      if (i < n && s[i] == c) ++i;
    } else {
      if (c == '.') {
        if (++dots >= kMaxKeyComponents) return line;
      } else if (c == '=' || c == ',' || c == '[' || c == ']' || c == '{' || c == '}') {
        dots = 0;
      }
      ++i;
    }
  }
  return 0;
}

}  // namespace rampart::app
