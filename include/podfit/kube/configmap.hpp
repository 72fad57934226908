// The published report: `recommend --publish-configmap` merge-patches a ConfigMap,
// `recommend/patch --from-cluster` reads it back (docs/deploy.md).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "podfit/core/error.hpp"
#include "podfit/kube/client.hpp"
#include "podfit/policy/policy.hpp"

namespace podfit::kube {

// What the API server accepts in one ConfigMap: the keys and values of data and
// binaryData together (apimachinery's MaxSecretSize, which ConfigMap validation uses).
inline constexpr std::size_t kConfigMapMaxBytes = 1024 * 1024;

struct ConfigMapRef {
  std::string namespace_name;
  std::string name;
};

// "/api/v1/namespaces/NS/configmaps/NAME"
std::string configmap_path(const ConfigMapRef& ref);

// "NS/NAME" or "NAME" (in `default_namespace`); errors quote the text.
Result<ConfigMapRef> parse_configmap_ref(const std::string& text,
                                         const std::string& default_namespace);

// Bytes the API server counts against kConfigMapMaxBytes.
std::size_t configmap_data_bytes(const std::map<std::string, std::string>& data);

// One JSON merge patch setting `data` keys and metadata `annotations` of an existing
// ConfigMap (podfit's Role allows patch, not create). Fails without sending anything
// when the data is over the limit; a 404 says how to create the ConfigMap.
Result<void> patch_configmap(ApiClient& client, const ConfigMapRef& ref,
                             const std::map<std::string, std::string>& data,
                             const std::map<std::string, std::string>& annotations);

// The ConfigMap's data and annotations.
struct ConfigMapContent {
  std::map<std::string, std::string> data;
  std::map<std::string, std::string> annotations;
};
Result<ConfigMapContent> read_configmap(ApiClient& client, const ConfigMapRef& ref);

// `recommend -o json` text back to recommendations. Unknown fields are ignored and
// missing optional ones default, so a report from a newer podfit still reads.
// Errors name `origin` and the entry.
Result<std::vector<policy::Recommendation>> parse_recommendations_json(const std::string& text,
                                                                       const std::string& origin);

}  // namespace podfit::kube
