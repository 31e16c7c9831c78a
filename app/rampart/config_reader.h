// Typed, strict reading of one TOML table: every key read is remembered so that finish() can
// refuse the ones nobody asked for (a typo must not silently fall back to a default).
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "app/rampart/config.h"

namespace rampart::app {

class ConfigReader {
 public:
  // `path` is the dotted key of this table; `overridden` holds keys that came from --set.
  ConfigReader(const toml::table& table, std::string path, const std::set<std::string>* overridden);

  bool has(const std::string& key) const;
  std::string string(const std::string& key, const std::string& def);
  std::string one_of(const std::string& key, const std::string& def,
                     const std::vector<std::string>& allowed);
  int64_t integer(const std::string& key, int64_t def, int64_t min, int64_t max);
  bool boolean(const std::string& key, bool def);
  std::vector<std::string> strings(const std::string& key, const std::vector<std::string>& def);
  std::vector<int64_t> integers(const std::string& key, const std::vector<int64_t>& def,
                                int64_t min, int64_t max);
  // A sub-table; nullptr when absent. Marks the key as used.
  const toml::table* table(const std::string& key);
  // Refuses keys that were never read.
  void finish() const;

  [[noreturn]] void fail(const std::string& key, const std::string& reason) const;
  [[noreturn]] static void fail_at(const toml::node* node, const std::string& full_key,
                                   const std::string& reason,
                                   const std::set<std::string>* overridden);
  std::string full(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

 private:
  const toml::node* get(const std::string& key);

  const toml::table& table_;
  std::string path_;
  const std::set<std::string>* overridden_;
  std::set<std::string> used_;
};

}  // namespace rampart::app
