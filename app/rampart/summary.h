// The human summary printed on exit, drawn from the same snapshot as the JSON report.
#pragma once

#include <cstdio>

#include "common/json.h"

namespace rampart::app {

void print_summary(const json::Value& snapshot, std::FILE* out);

}  // namespace rampart::app
