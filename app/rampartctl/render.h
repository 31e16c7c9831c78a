// Turns telemetry answers into terminal text. Every rampartctl command prints through here, so
// tables look the same everywhere and new server commands need no client code to be readable.
#pragma once

#include <string>
#include <vector>

#include "common/json.h"

namespace rampart::ctl {

struct RenderOptions {
  // For objects of scalars (key/value tables): drop rows whose value is the number 0 ...
  bool hide_zero = false;
  // ... and order rows by numeric value, largest first (stable; non-numbers go last).
  bool sort_desc = false;
  // Printed (with a newline) when there is nothing to show.
  std::string empty_text = "(empty)";
};

// Layout rules, applied recursively:
//   scalar                          -> its text on one line
//   object whose values are all objects
//                                   -> one table: rows = outer keys, columns = union of inner
//                                      keys in first-seen order, "-" where a row lacks a key
//   other object                    -> key/value table of its non-object members, then one
//                                      indented section "key:" per object member; members
//                                      "list/0", "list/1", ... (records of a list, as Rampart
//                                      serves them) make one section "list:" with one table;
//                                      two or more arrays of scalars, all of one length (a
//                                      top-N answer's keys, counts, errors), make one table
//                                      whose columns they are, ranked from 1
//   array of objects                -> table with a "#" index column
//   other array                     -> one item per line
// Numeric columns are right-aligned, headers included. The result ends with '\n'.
std::string render(const json::Value& v, const RenderOptions& opts = {});

// Text of a value inside a table cell: numbers exact (doubles to at most two decimals), strings
// with control bytes shown as \xNN, arrays of scalars joined by ", ", other containers as JSON.
std::string cell_text(const json::Value& v);

struct Table {
  std::vector<std::string> header;             // may be empty for a headerless table
  std::vector<std::vector<std::string>> rows;  // a row may be shorter than the header
  std::vector<bool> right_align;               // per column; missing entries mean left
};
// Columns separated by two spaces, padded to the widest cell, no trailing spaces.
std::string format_table(const Table& t);

}  // namespace rampart::ctl
