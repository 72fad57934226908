#include "podfit/kube/configmap.hpp"

#include <nlohmann/json.hpp>

#include "podfit/net/base64.hpp"
#include "podfit/net/gzip.hpp"

namespace podfit::kube {

namespace {

using nlohmann::json;

// DNS-1123: lowercase letters, digits, '-' and '.', starting and ending alphanumeric. It
// also keeps the name from changing the request path.
bool valid_object_name(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  return alnum(name.front()) && alnum(name.back());
}

std::map<std::string, std::string> string_map(const json& object) {
  std::map<std::string, std::string> out;
  if (!object.is_object()) return out;
  for (const auto& [key, value] : object.items()) {
    if (value.is_string()) out[key] = value.get<std::string>();
  }
  return out;
}

}  // namespace

std::string configmap_path(const ConfigMapRef& ref) {
  return "/api/v1/namespaces/" + ref.namespace_name + "/configmaps/" + ref.name;
}

Result<ConfigMapRef> parse_configmap_ref(const std::string& text,
                                         const std::string& default_namespace) {
  ConfigMapRef ref;
  std::size_t slash = text.find('/');
  ref.namespace_name = slash == std::string::npos ? default_namespace : text.substr(0, slash);
  ref.name = slash == std::string::npos ? text : text.substr(slash + 1);
  if (!valid_object_name(ref.namespace_name) || ref.namespace_name.find('.') != std::string::npos ||
      !valid_object_name(ref.name)) {
    return fail("'" + text +
                "' is not a ConfigMap NAME or NAMESPACE/NAME (lowercase letters, digits, '-', "
                "'.')");
  }
  return ref;
}

std::size_t configmap_data_bytes(const std::map<std::string, std::string>& data) {
  std::size_t total = 0;
  for (const auto& [key, value] : data) total += key.size() + value.size();
  return total;
}

std::size_t configmap_update_bytes(const ConfigMapUpdate& update) {
  std::size_t total = configmap_data_bytes(update.data);
  for (const auto& [key, value] : update.binary_data) total += key.size() + value.size();
  return total;
}

Result<void> patch_configmap(ApiClient& client, const ConfigMapRef& ref,
                             const ConfigMapUpdate& update,
                             const std::map<std::string, std::string>& annotations) {
  std::string path = configmap_path(ref);
  std::size_t bytes = configmap_update_bytes(update);
  if (bytes > kConfigMapMaxBytes) {
    std::string sizes;
    for (const auto* section : {&update.data, &update.binary_data}) {
      for (const auto& [key, value] : *section) {
        sizes += (sizes.empty() ? "" : ", ") + key + " " + std::to_string(value.size());
      }
    }
    return fail("PATCH " + client.url(path) + ": not sent: the report is " + std::to_string(bytes) +
                " bytes (" + sizes + "), over the " + std::to_string(kConfigMapMaxBytes) +
                "-byte ConfigMap limit; publish fewer workloads (-n NS or -l SELECTOR)");
  }
  json data = json::object(), binary_data = json::object();
  for (const std::string& key : update.removed) {
    if (!update.data.count(key)) data[key] = nullptr;  // null deletes in a merge patch
    if (!update.binary_data.count(key)) binary_data[key] = nullptr;
  }
  for (const auto& [key, value] : update.data) data[key] = value;
  for (const auto& [key, value] : update.binary_data) binary_data[key] = net::base64_encode(value);
  json patch = {{"metadata", {{"annotations", annotations}}}, {"data", data}};
  if (!binary_data.empty()) patch["binaryData"] = binary_data;
  auto sent = client.patch(path, patch.dump(-1, ' ', false, json::error_handler_t::replace),
                           "application/merge-patch+json");
  if (!sent) {
    if (client.last_status() == 404) {
      return fail(sent.error().message + "; podfit only patches the ConfigMap, create it first " +
                  "(kubectl apply -k deploy/ does, or: kubectl -n " + ref.namespace_name +
                  " create configmap " + ref.name + ")");
    }
    return tl::unexpected(sent.error());
  }
  return {};
}

ConfigMapUpdate report_update(const std::map<std::string, std::string>& files) {
  ConfigMapUpdate update;
  if (configmap_data_bytes(files) <= kConfigMapMaxBytes) {
    update.data = files;
    for (const auto& [name, text] : files) update.removed.push_back(name + kGzipSuffix);
    return update;
  }
  for (const auto& [name, text] : files) {
    update.binary_data[name + kGzipSuffix] = net::gzip_compress(text);
    update.removed.push_back(name);
  }
  return update;
}

Result<std::optional<std::string>> report_file(const ConfigMapContent& content,
                                               const std::string& name, const std::string& origin) {
  if (auto text = content.data.find(name); text != content.data.end() && !text->second.empty()) {
    return std::optional<std::string>(text->second);
  }
  auto packed = content.binary_data.find(name + kGzipSuffix);
  if (packed == content.binary_data.end()) return std::optional<std::string>();
  // A report inflates ~10x; 64 MiB is far beyond any that fits 1 MiB gzipped.
  auto text = net::gzip_decompress(packed->second, std::size_t{64} << 20);
  if (!text) return fail(origin + " binaryData " + packed->first + ": " + text.error().message);
  return std::optional<std::string>(std::move(*text));
}

Result<ConfigMapContent> read_configmap(ApiClient& client, const ConfigMapRef& ref) {
  std::string path = configmap_path(ref);
  PODFIT_TRY_ASSIGN(body, client.get(path));
  auto parsed = json::parse(body, nullptr, false);
  if (!parsed.is_object() || parsed.value("kind", "") != "ConfigMap")
    return fail("GET " + client.url(path) + ": the answer is not a ConfigMap");
  ConfigMapContent content;
  content.data = string_map(parsed.value("data", json::object()));
  for (const auto& [key, text] : string_map(parsed.value("binaryData", json::object()))) {
    auto bytes = net::base64_decode(text);
    if (!bytes) return fail("GET " + client.url(path) + ": binaryData " + key + " is not base64");
    content.binary_data[key] = std::move(*bytes);
  }
  json metadata = parsed.value("metadata", json::object());
  if (metadata.is_object())
    content.annotations = string_map(metadata.value("annotations", json::object()));
  return content;
}

}  // namespace podfit::kube
