// The published report: `recommend --publish-configmap` merge-patches a ConfigMap,
// `recommend/patch --from-cluster` reads it back (docs/deploy.md).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "podfit/core/error.hpp"
#include "podfit/kube/client.hpp"

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

// What one PATCH sets and removes.
struct ConfigMapUpdate {
  std::map<std::string, std::string> data;
  std::map<std::string, std::string> binary_data;  // raw bytes (base64 on the wire)
  std::vector<std::string> removed;  // keys deleted from data and binaryData (unless set)
};

// Bytes of an update's data and binaryData keys and values (binary values raw, as the
// API server counts them).
std::size_t configmap_update_bytes(const ConfigMapUpdate& update);

// One JSON merge patch applying `update` and setting metadata `annotations` of an existing
// ConfigMap (podfit's Role allows patch, not create). Fails without sending anything
// when the data is over the limit; a 404 says how to create the ConfigMap.
Result<void> patch_configmap(ApiClient& client, const ConfigMapRef& ref,
                             const ConfigMapUpdate& update,
                             const std::map<std::string, std::string>& annotations);

// The ConfigMap's data, binaryData (decoded) and annotations.
struct ConfigMapContent {
  std::map<std::string, std::string> data;
  std::map<std::string, std::string> binary_data;
  std::map<std::string, std::string> annotations;
};
Result<ConfigMapContent> read_configmap(ApiClient& client, const ConfigMapRef& ref);

// Report files (name -> text) as a ConfigMap update: as text under `data` while all
// of them fit the limit; else each gzipped under `binaryData` as NAME.gz (kubectl get
// ... | base64 -d | gunzip reads one). Either way the keys of the other form are
// removed, so a report never holds a stale copy.
ConfigMapUpdate report_update(const std::map<std::string, std::string>& files);
inline constexpr const char* kGzipSuffix = ".gz";

// A report file back from either form: nullopt when the ConfigMap has neither; errors
// (bad gzip) name `origin` and the key.
Result<std::optional<std::string>> report_file(const ConfigMapContent& content,
                                               const std::string& name, const std::string& origin);

}  // namespace podfit::kube
