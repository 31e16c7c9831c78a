#include "app/rampart/config_reader.h"

#include <sstream>

namespace rampart::app {

namespace {
std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date/time";
  }
}
}  // namespace

ConfigReader::ConfigReader(const toml::table& table, std::string path,
                           const std::set<std::string>* overridden)
    : table_(table), path_(std::move(path)), overridden_(overridden) {}

namespace {
// The --set that put `full_key` in the config without a source position of its own: one that
// set a table holding it (--set 'pipeline={burst=2}') or created the tables leading to its own
// key (--set stage.dns.policy=drop, a typo of stages, creates 'stage').
const std::string* set_origin(const std::string& full_key, const std::set<std::string>* overridden) {
  if (!overridden) return nullptr;
  for (const std::string& o : *overridden) {
    if (full_key.size() > o.size() && full_key.starts_with(o) && full_key[o.size()] == '.') return &o;
    if (o.size() > full_key.size() && o.starts_with(full_key) && o[full_key.size()] == '.') return &o;
  }
  return nullptr;
}
}  // namespace

void ConfigReader::fail_at(const toml::node* node, const std::string& full_key,
                           const std::string& reason, const std::set<std::string>* overridden) {
  std::ostringstream out;
  if (overridden && overridden->count(full_key)) {
    out << "--set " << full_key << ": " << reason;
  } else if (node && node->source().path && node->source().begin.line > 0) {
    out << *node->source().path << ":" << node->source().begin.line << ": key '" << full_key
        << "': " << reason;
  } else if (const std::string* o = set_origin(full_key, overridden)) {
    out << "--set " << *o << ": key '" << full_key << "': " << reason;
  } else {
    out << "key '" << full_key << "': " << reason;
    throw ConfigError(out.str(), false);
  }
  throw ConfigError(out.str());
}

void ConfigReader::fail(const std::string& key, const std::string& reason) const {
  fail_at(table_.get(key), full(key), reason, overridden_);
}

bool ConfigReader::has(const std::string& key) const { return table_.contains(key); }

const toml::node* ConfigReader::get(const std::string& key) {
  used_.insert(key);
  return table_.get(key);
}

std::string ConfigReader::string(const std::string& key, const std::string& def) {
  const toml::node* n = get(key);
  if (!n) return def;
  if (!n->is_string()) fail(key, "expected a string, found " + type_name(*n));
  return n->as_string()->get();
}

std::string ConfigReader::one_of(const std::string& key, const std::string& def,
                                 const std::vector<std::string>& allowed) {
  std::string v = string(key, def);
  for (const auto& a : allowed)
    if (a == v) return v;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  fail(key, "'" + v + "' is not one of: " + list);
}

int64_t ConfigReader::integer(const std::string& key, int64_t def, int64_t min, int64_t max) {
  const toml::node* n = get(key);
  if (!n) return def;
  if (!n->is_integer()) fail(key, "expected an integer, found " + type_name(*n));
  const int64_t v = n->as_integer()->get();
  if (v < min || v > max)
    fail(key, std::to_string(v) + " is out of range [" + std::to_string(min) + ", " +
                  std::to_string(max) + "]");
  return v;
}

bool ConfigReader::boolean(const std::string& key, bool def) {
  const toml::node* n = get(key);
  if (!n) return def;
  if (!n->is_boolean()) fail(key, "expected true or false, found " + type_name(*n));
  return n->as_boolean()->get();
}

std::vector<std::string> ConfigReader::strings(const std::string& key,
                                               const std::vector<std::string>& def) {
  const toml::node* n = get(key);
  if (!n) return def;
  if (!n->is_array()) fail(key, "expected an array of strings, found " + type_name(*n));
  std::vector<std::string> out;
  for (const toml::node& e : *n->as_array()) {
    if (!e.is_string()) fail(key, "expected an array of strings, found an element that is " + type_name(e));
    out.push_back(e.as_string()->get());
  }
  return out;
}

std::vector<int64_t> ConfigReader::integers(const std::string& key, const std::vector<int64_t>& def,
                                            int64_t min, int64_t max) {
  const toml::node* n = get(key);
  if (!n) return def;
  if (!n->is_array()) fail(key, "expected an array of integers, found " + type_name(*n));
  std::vector<int64_t> out;
  for (const toml::node& e : *n->as_array()) {
    if (!e.is_integer()) fail(key, "expected an array of integers, found an element that is " + type_name(e));
    const int64_t v = e.as_integer()->get();
    if (v < min || v > max)
      fail(key, "element " + std::to_string(v) + " is out of range [" + std::to_string(min) +
                    ", " + std::to_string(max) + "]");
    out.push_back(v);
  }
  return out;
}

const toml::table* ConfigReader::table(const std::string& key) {
  const toml::node* n = get(key);
  if (!n) return nullptr;
  if (!n->is_table()) fail(key, "expected a table, found " + type_name(*n));
  return n->as_table();
}

void ConfigReader::finish() const {
  for (const auto& [k, v] : table_) {
    const std::string key(k.str());
    if (!used_.count(key)) fail_at(&v, full(key), "unknown key", overridden_);
  }
}

}  // namespace rampart::app
