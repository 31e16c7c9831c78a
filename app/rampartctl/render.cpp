#include "rampartctl/render.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>

namespace rampart::ctl {

namespace {

using json::Array;
using json::Object;
using json::Value;
using Member = std::pair<std::string, Value>;

bool is_scalar(const Value& v) { return !v.is_array() && !v.is_object(); }

// Terminal columns taken by UTF-8 text, counting each code point as one column (good enough
// for names and labels; wide CJK glyphs are rare in telemetry).
size_t display_width(std::string_view s) {
  size_t w = 0;
  for (unsigned char c : s) {
    if ((c & 0xc0) != 0x80) ++w;
  }
  return w;
}

std::string format_double(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  char buf[64];
  double a = std::fabs(d);
  if (a >= 1e15 || (a != 0 && a < 0.005)) {
    std::snprintf(buf, sizeof buf, "%.3g", d);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.2f", d);
  std::string s = buf;
  // Percentages and ratios read better as 37.5 than 37.50.
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

// Names and labels can come from packets (DNS names, SNI); printing their control bytes raw
// would let traffic drive the operator's terminal.
std::string sanitize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string indent_lines(const std::string& text, std::string_view pad) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out += pad;
    out.append(text, start, end - start);
    out += '\n';
    start = end + 1;
  }
  return out;
}

struct Columns {
  std::vector<std::string> names;
  std::vector<bool> numeric;  // every present cell is a number
  std::vector<bool> seen;     // at least one present cell
};

void add_columns(Columns& cols, const Object& row) {
  for (const auto& [k, v] : row) {
    auto it = std::find(cols.names.begin(), cols.names.end(), k);
    size_t i = static_cast<size_t>(it - cols.names.begin());
    if (it == cols.names.end()) {
      cols.names.push_back(k);
      cols.numeric.push_back(true);
      cols.seen.push_back(false);
    }
    cols.seen[i] = true;
    if (!v.is_number()) cols.numeric[i] = false;
  }
}

std::vector<std::string> row_cells(const Columns& cols, const Object& row) {
  std::vector<std::string> cells;
  cells.reserve(cols.names.size());
  for (const auto& name : cols.names) {
    const Value* v = nullptr;
    for (const auto& [k, x] : row) {
      if (k == name) {
        v = &x;
        break;
      }
    }
    cells.push_back(v ? cell_text(*v) : "-");
  }
  return cells;
}

// rows: (label, object) pairs; label_header heads the first column.
std::string object_rows_table(const std::vector<std::pair<std::string, const Object*>>& rows,
                              const std::string& label_header) {
  Columns cols;
  for (const auto& r : rows) add_columns(cols, *r.second);
  Table t;
  t.header.push_back(label_header);
  t.right_align.push_back(false);
  for (size_t i = 0; i < cols.names.size(); ++i) {
    t.header.push_back(sanitize(cols.names[i]));
    t.right_align.push_back(cols.numeric[i] && cols.seen[i]);
  }
  for (const auto& r : rows) {
    auto cells = row_cells(cols, *r.second);
    cells.insert(cells.begin(), sanitize(r.first));
    t.rows.push_back(std::move(cells));
  }
  return format_table(t);
}

std::string key_value_table(std::vector<const Member*> members,
                            const RenderOptions& opts) {
  if (opts.hide_zero) {
    std::erase_if(members, [](const auto* m) {
      return m->second.is_number() && m->second.as_double() == 0.0;
    });
  }
  if (opts.sort_desc) {
    std::stable_sort(members.begin(), members.end(), [](const auto* a, const auto* b) {
      bool an = a->second.is_number(), bn = b->second.is_number();
      if (an != bn) return an;
      if (!an) return false;
      // Compare exactly where both are integers: doubles lose precision above 2^53.
      const Value& x = a->second;
      const Value& y = b->second;
      if (!x.is_double() && !y.is_double()) {
        bool xneg = x.is_int() && x.as_int() < 0, yneg = y.is_int() && y.as_int() < 0;
        if (xneg != yneg) return yneg;
        if (xneg) return x.as_int() > y.as_int();
        return x.as_uint() > y.as_uint();
      }
      return x.as_double() > y.as_double();
    });
  }
  if (members.empty()) return "";
  bool numeric = true;
  for (const auto* m : members) numeric = numeric && m->second.is_number();
  Table t;
  t.right_align = {false, numeric};
  for (const auto* m : members) t.rows.push_back({sanitize(m->first), cell_text(m->second)});
  return format_table(t);
}

// "alerts/3" -> ("alerts", 3): a record of a list the server split into members
// (normalize_for_telemetry in app/rampart/telemetry.h).
bool record_key(std::string_view key, std::string_view& list, size_t& index) {
  const size_t slash = key.rfind('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == key.size()) return false;
  const std::string_view digits = key.substr(slash + 1);
  if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string_view::npos) return false;
  list = key.substr(0, slash);
  index = std::stoul(std::string(digits));
  return true;
}

// Parallel lists (a top-N answer's keys, counts and errors): two or more arrays of scalars, all of
// one length. Empty when the object has no such set.
std::vector<const Member*> parallel_lists(const Object& obj) {
  std::vector<const Member*> columns;
  for (const auto& m : obj)
    if (m.second.is_array()) columns.push_back(&m);
  const bool parallel =
      columns.size() >= 2 && std::all_of(columns.begin(), columns.end(), [&](const Member* c) {
        const Array& a = c->second.as_array();
        return !a.empty() && a.size() == columns[0]->second.as_array().size() &&
               std::all_of(a.begin(), a.end(), is_scalar);
      });
  if (!parallel) columns.clear();
  return columns;
}

// The lists as the columns of one table, ranked from 1.
std::string ranked_table(const std::vector<const Member*>& columns) {
  Table t;
  t.header.push_back("#");
  t.right_align.push_back(true);
  for (const Member* c : columns) {
    const Array& a = c->second.as_array();
    t.header.push_back(sanitize(c->first));
    t.right_align.push_back(std::all_of(a.begin(), a.end(), [](const Value& v) { return v.is_number(); }));
  }
  for (size_t i = 0; i < columns[0]->second.as_array().size(); ++i) {
    std::vector<std::string> row{std::to_string(i + 1)};
    for (const Member* c : columns) row.push_back(cell_text(c->second.as_array()[i]));
    t.rows.push_back(std::move(row));
  }
  return format_table(t);
}

// The records of each list (members "list/<i>" holding objects), in order of first appearance.
using RecordLists = std::vector<std::pair<std::string, std::vector<std::pair<size_t, const Object*>>>>;
RecordLists record_lists(const Object& obj) {
  RecordLists lists;
  for (const auto& [k, v] : obj) {
    std::string_view list;
    size_t index = 0;
    if (!v.is_object() || !record_key(k, list, index)) continue;
    auto it = std::find_if(lists.begin(), lists.end(), [&](const auto& l) { return l.first == list; });
    if (it == lists.end()) it = lists.insert(lists.end(), {std::string(list), {}});
    it->second.emplace_back(index, &v.as_object());
  }
  return lists;
}

std::string records_table(std::vector<std::pair<size_t, const Object*>> rows) {
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::pair<std::string, const Object*>> table;
  for (const auto& [i, row] : rows) table.emplace_back(std::to_string(i), row);
  return object_rows_table(table, "#");
}

std::string render_object(const Object& obj, const RenderOptions& opts) {
  if (obj.empty()) return opts.empty_text + "\n";
  bool all_objects = std::all_of(obj.begin(), obj.end(),
                                 [](const auto& m) { return m.second.is_object(); });
  if (all_objects) {
    std::vector<std::pair<std::string, const Object*>> rows;
    for (const auto& [k, v] : obj) rows.emplace_back(k, &v.as_object());
    return object_rows_table(rows, "");
  }
  const std::vector<const Member*> columns = parallel_lists(obj);
  std::vector<const Member*> flat;
  for (const auto& m : obj) {
    if (!m.second.is_object() && std::find(columns.begin(), columns.end(), &m) == columns.end())
      flat.push_back(&m);
  }
  std::string out = key_value_table(flat, opts);
  if (!columns.empty()) {
    if (!out.empty()) out += '\n';
    out += ranked_table(columns);
  }
  if (out.empty() && flat.size() == obj.size()) return opts.empty_text + "\n";
  RenderOptions child = opts;
  child.hide_zero = false;
  child.sort_desc = false;
  // Records of one list make one table, in index order, where the list's first record was.
  RecordLists lists = record_lists(obj);
  for (const auto& [k, v] : obj) {
    if (!v.is_object()) continue;
    std::string_view list;
    size_t index = 0;
    if (record_key(k, list, index)) {
      auto it = std::find_if(lists.begin(), lists.end(), [&](const auto& l) { return l.first == list; });
      std::vector<std::pair<size_t, const Object*>> rows;
      rows.swap(it->second);  // empty from now on: the list is printed once, here
      if (rows.empty()) continue;
      if (!out.empty()) out += '\n';
      out += sanitize(list) + ":\n";
      out += indent_lines(records_table(std::move(rows)), "  ");
      continue;
    }
    if (!out.empty()) out += '\n';
    out += sanitize(k) + ":\n";
    out += indent_lines(render(v, child), "  ");
  }
  return out;
}

std::string render_array(const Array& arr, const RenderOptions& opts) {
  if (arr.empty()) return opts.empty_text + "\n";
  bool all_objects = std::all_of(arr.begin(), arr.end(), [](const Value& v) { return v.is_object(); });
  if (all_objects) {
    std::vector<std::pair<std::string, const Object*>> rows;
    for (size_t i = 0; i < arr.size(); ++i) rows.emplace_back(std::to_string(i), &arr[i].as_object());
    return object_rows_table(rows, "#");
  }
  std::string out;
  for (const Value& v : arr) {
    out += is_scalar(v) ? cell_text(v) : json::write(v);
    out += '\n';
  }
  return out;
}

}  // namespace

std::string cell_text(const Value& v) {
  if (v.is_null()) return "null";
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  if (v.is_int()) return std::to_string(v.as_int());
  if (v.is_uint()) return std::to_string(v.as_uint());
  if (v.is_double()) return format_double(v.as_double());
  if (v.is_string()) return sanitize(v.as_string());
  if (v.is_array()) {
    const Array& a = v.as_array();
    if (std::all_of(a.begin(), a.end(), is_scalar)) {
      std::string out;
      for (size_t i = 0; i < a.size(); ++i) {
        if (i) out += ", ";
        out += cell_text(a[i]);
      }
      return out;
    }
  }
  return sanitize(json::write(v));
}

std::string format_table(const Table& t) {
  size_t ncols = t.header.size();
  for (const auto& r : t.rows) ncols = std::max(ncols, r.size());
  std::vector<size_t> width(ncols, 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], display_width(row[i]));
  };
  measure(t.header);
  for (const auto& r : t.rows) measure(r);

  std::string out;
  auto emit = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < ncols; ++i) {
      const std::string empty;
      const std::string& cell = i < row.size() ? row[i] : empty;
      size_t pad = width[i] - display_width(cell);
      bool right = i < t.right_align.size() && t.right_align[i];
      if (i) line += "  ";
      if (right) line.append(pad, ' ');
      line += cell;
      if (!right) line.append(pad, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };
  if (!t.header.empty()) emit(t.header);
  for (const auto& r : t.rows) emit(r);
  return out;
}

std::string render(const Value& v, const RenderOptions& opts) {
  if (v.is_object()) return render_object(v.as_object(), opts);
  if (v.is_array()) return render_array(v.as_array(), opts);
  return cell_text(v) + "\n";
}

}  // namespace rampart::ctl
