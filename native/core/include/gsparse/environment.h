// GSPARSE_* environment settings that were ignored or capped, gathered for the API to report once
// (a setting that silently does nothing is worse than none).
#pragma once
#include <string>
#include <vector>

namespace gsparse {

// One sentence per problematic setting, naming the valid values and what is used instead.
std::vector<std::string> environmentWarnings();

}  // namespace gsparse
