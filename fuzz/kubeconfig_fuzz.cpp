// Kubeconfig loading (YAML or JSON, merged as kubectl does): a connection or an error,
// and no error ever quotes the planted credential the seed corpus carries.
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "fuzz_check.hpp"
#include "podfit/kube/kubeconfig.hpp"

namespace {
constexpr const char* kPlanted = "PLANTED-SECRET";
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/podfit-fuzz-kubeconfig-" + std::to_string(getpid());
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  podfit::kube::LoadOptions options;
  options.kubeconfig_flag = path;
  auto connection = podfit::kube::load_connection(options);
  if (!connection) {
    FUZZ_CHECK(connection.error().message.find(kPlanted) == std::string::npos);
  }
  auto context = podfit::kube::context_namespace(options);
  if (!context) FUZZ_CHECK(context.error().message.find(kPlanted) == std::string::npos);
  return 0;
}
