#include "gsparse/environment.h"

#include "gsparse/hardware.h"
#include "gsparse/thread_pool.h"

namespace gsparse {

std::vector<std::string> environmentWarnings() {
  std::vector<std::string> out;
  for (std::string problem : {isaSettingProblem(), threadSettingProblem()})
    if (!problem.empty()) out.push_back(std::move(problem));
  return out;
}

}  // namespace gsparse
