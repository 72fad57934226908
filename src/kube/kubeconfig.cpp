#include "podfit/kube/kubeconfig.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "podfit/net/base64.hpp"
#include "podfit/net/http.hpp"
#include "podfit/yaml/yaml_json.hpp"

namespace podfit::kube {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// One named entry (cluster, user or context) and the file it came from.
struct Entry {
  json body;
  std::string file;
};

struct MergedConfig {
  std::vector<std::string> files;
  std::map<std::string, Entry> clusters, users, contexts;
  std::string current_context;
};

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string string_field(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto found = object.find(key);
  if (found == object.end() || found->is_null()) return "";
  return found->is_string() ? found->get<std::string>() : found->dump();
}

bool bool_field(const json& object, const char* key) {
  auto found = object.find(key);
  if (found == object.end()) return false;
  return found->is_boolean() ? found->get<bool>() : (found->is_string() && *found == "true");
}

// kubectl resolves relative file references against the kubeconfig's folder.
std::string resolve_path(const std::string& path, const std::string& kubeconfig_file) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::absolute(kubeconfig_file).parent_path() / path).lexically_normal().string();
}

Result<void> merge_file(const std::string& path, const std::string& text, MergedConfig& merged) {
  PODFIT_TRY_ASSIGN(converted, yaml::yaml_to_json(text, path));
  // Never the JSON library's message: it quotes the text it read, tokens included.
  const json root = json::parse(converted, nullptr, false);
  if (root.is_discarded()) {
    return fail(path + ": not a readable kubeconfig (invalid UTF-8?); its content is not shown");
  }
  if (root.is_null()) return {};
  if (!root.is_object()) return fail(path + ":1: a kubeconfig must be a mapping");
  merged.files.push_back(path);
  auto merge_list = [&](const char* list_key, const char* body_key,
                        std::map<std::string, Entry>& into) -> Result<void> {
    auto list = root.find(list_key);
    if (list == root.end() || list->is_null()) return {};
    if (!list->is_array()) return fail(path + ": \"" + list_key + "\" must be a list");
    for (const json& item : *list) {
      std::string name = string_field(item, "name");
      if (name.empty()) return fail(path + ": an entry of \"" + list_key + "\" has no name");
      if (!into.count(name)) into[name] = Entry{item.value(body_key, json::object()), path};
    }
    return {};
  };
  for (auto [list_key, body_key, into] : {std::tuple{"clusters", "cluster", &merged.clusters},
                                          std::tuple{"users", "user", &merged.users},
                                          std::tuple{"contexts", "context", &merged.contexts}}) {
    auto merged_list = merge_list(list_key, body_key, *into);
    if (!merged_list) return merged_list;
  }
  if (merged.current_context.empty())
    merged.current_context = string_field(root, "current-context");
  return {};
}

Result<std::string> decode_data(const json& body, const char* key, const std::string& where) {
  std::string text = string_field(body, key);
  if (text.empty()) return std::string();
  auto decoded = net::base64_decode(text);
  if (!decoded) return fail(where + ": " + key + " is not valid base64");
  return *decoded;
}

Result<ClusterInfo> read_cluster(const Entry& entry, const std::string& name) {
  std::string where = entry.file + ": cluster \"" + name + "\"";
  ClusterInfo cluster;
  cluster.server = string_field(entry.body, "server");
  if (cluster.server.empty()) return fail(where + " has no server");
  if (cluster.server.rfind("https://", 0) != 0 && cluster.server.rfind("http://", 0) != 0)
    // Not quoted: what is not a URL cannot be redacted as one, and may hold a password.
    return fail(where + ": server is not an http(s) URL (https://HOST[:PORT]); not quoted, "
                        "as it may hold credentials");
  while (cluster.server.size() > 8 && cluster.server.back() == '/') cluster.server.pop_back();
  cluster.ca_file = resolve_path(string_field(entry.body, "certificate-authority"), entry.file);
  if (!cluster.ca_file.empty() && !fs::exists(cluster.ca_file))
    return fail(where + ": certificate-authority " + cluster.ca_file + " does not exist");
  PODFIT_TRY_ASSIGN(ca, decode_data(entry.body, "certificate-authority-data", where));
  cluster.ca_pem = ca;
  cluster.insecure_skip_tls_verify = bool_field(entry.body, "insecure-skip-tls-verify");
  cluster.tls_server_name = string_field(entry.body, "tls-server-name");
  return cluster;
}

Result<ExecConfig> read_exec(const json& exec, const std::string& file, const std::string& where) {
  ExecConfig config;
  config.api_version = string_field(exec, "apiVersion");
  config.command = string_field(exec, "command");
  if (config.command.empty()) return fail(where + ": exec has no command");
  if (config.api_version != "client.authentication.k8s.io/v1" &&
      config.api_version != "client.authentication.k8s.io/v1beta1")
    return fail(where + ": exec apiVersion \"" + config.api_version +
                "\" is not supported (use client.authentication.k8s.io/v1 or v1beta1)");
  if (config.command.find('/') != std::string::npos)
    config.command = resolve_path(config.command, file);
  for (const json& arg : exec.value("args", json::array())) {
    config.args.push_back(arg.is_string() ? arg.get<std::string>() : arg.dump());
  }
  for (const json& variable : exec.value("env", json::array())) {
    config.env.emplace_back(string_field(variable, "name"), string_field(variable, "value"));
  }
  config.install_hint = string_field(exec, "installHint");
  config.provide_cluster_info = bool_field(exec, "provideClusterInfo");
  return config;
}

Result<UserInfo> read_user(const Entry& entry, const std::string& name) {
  std::string where = entry.file + ": user \"" + name + "\"";
  const json& body = entry.body;
  if (body.contains("auth-provider"))
    return fail(where + ": auth-provider plugins were removed from kubectl; use an exec plugin");
  UserInfo user;
  user.token = string_field(body, "token");
  user.token_file = resolve_path(string_field(body, "tokenFile"), entry.file);
  user.client_certificate_file = resolve_path(string_field(body, "client-certificate"), entry.file);
  user.client_key_file = resolve_path(string_field(body, "client-key"), entry.file);
  PODFIT_TRY_ASSIGN(cert, decode_data(body, "client-certificate-data", where));
  auto key = decode_data(body, "client-key-data", where);
  if (!key) return tl::unexpected(key.error());
  user.client_certificate_pem = cert;
  user.client_key_pem = *key;
  user.username = string_field(body, "username");
  user.password = string_field(body, "password");
  if (body.contains("exec") && !body["exec"].is_null()) {
    PODFIT_TRY_ASSIGN(exec, read_exec(body["exec"], entry.file, where));
    user.exec = std::move(exec);
  }
  bool has_cert = !user.client_certificate_file.empty() || !user.client_certificate_pem.empty();
  bool has_key = !user.client_key_file.empty() || !user.client_key_pem.empty();
  if (has_cert != has_key)
    return fail(where + ": client-certificate and client-key must be given together");
  return user;
}

std::vector<std::string> candidate_files(const LoadOptions& options) {
  if (!options.kubeconfig_flag.empty()) return {options.kubeconfig_flag};
  std::vector<std::string> files;
  if (options.kubeconfig_env && !options.kubeconfig_env->empty()) {
    std::stringstream list(*options.kubeconfig_env);
    std::string item;
    while (std::getline(list, item, ':')) {
      if (!item.empty() && std::find(files.begin(), files.end(), item) == files.end())
        files.push_back(item);
    }
    return files;
  }
  if (!options.home.empty()) files.push_back(options.home + "/.kube/config");
  return files;
}

bool in_cluster_available(const InClusterEnvironment& environment) {
  return !environment.service_host.empty() && !environment.service_port.empty() &&
         fs::exists(environment.account_dir + "/token");
}

// A context, cluster or user name as messages may quote it: a name a person wrote, not a
// YAML value (which could hold a whole user entry, password included).
std::string quoted_name(const std::string& name) {
  bool plain = !name.empty() && name.size() <= 253;
  for (char c : name) plain = plain && c > ' ' && c != '"' && c != '{' && c != '[' && c != '\\';
  return plain ? "\"" + name + "\"" : "(a value that is not a name)";
}

// The kubeconfig files kubectl would read, merged; empty when none exists.
Result<MergedConfig> read_merged(const LoadOptions& options, std::vector<std::string>& files) {
  MergedConfig merged;
  files = candidate_files(options);
  for (const std::string& file : files) {
    auto text = read_text(file);
    if (!text) {
      if (!options.kubeconfig_flag.empty()) return fail("kubeconfig " + file + ": cannot read it");
      continue;  // like kubectl: missing files in $KUBECONFIG or ~/.kube/config are skipped
    }
    PODFIT_TRY(merge_file(file, *text, merged));
  }
  return merged;
}

}  // namespace

Result<ContextNamespace> context_namespace(const LoadOptions& options) {
  std::vector<std::string> files;
  PODFIT_TRY_ASSIGN(merged, read_merged(options, files));
  ContextNamespace result;
  result.context = options.context_flag.empty() ? merged.current_context : options.context_flag;
  auto context = merged.contexts.find(result.context);
  if (result.context.empty() || context == merged.contexts.end()) {
    if (!options.context_flag.empty() && !merged.files.empty())
      return fail("kubeconfig: context " + quoted_name(result.context) + " does not exist");
    result.context.clear();
    return result;
  }
  result.namespace_name = string_field(context->second.body, "namespace");
  return result;
}

LoadOptions options_from_environment() {
  LoadOptions options;
  if (const char* value = std::getenv("KUBECONFIG")) options.kubeconfig_env = value;
  if (const char* value = std::getenv("HOME")) options.home = value;
  if (const char* value = std::getenv("KUBERNETES_SERVICE_HOST"))
    options.in_cluster.service_host = value;
  if (const char* value = std::getenv("KUBERNETES_SERVICE_PORT"))
    options.in_cluster.service_port = value;
  if (const char* value = std::getenv("PODFIT_SERVICEACCOUNT_DIR"))
    options.in_cluster.account_dir = value;
  return options;
}

Result<ConnectionConfig> load_in_cluster(const InClusterEnvironment& environment,
                                         const std::string& namespace_flag) {
  if (environment.service_host.empty() || environment.service_port.empty())
    return fail("in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
  ConnectionConfig config;
  config.origin = "in-cluster service account (" + environment.account_dir + ")";
  std::string host = environment.service_host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";  // IPv6
  config.cluster.server = "https://" + host + ":" + environment.service_port;
  config.cluster.ca_file = environment.account_dir + "/ca.crt";
  config.user.token_file = environment.account_dir + "/token";
  config.user_name = "service account";
  if (!fs::exists(config.user.token_file))
    return fail("in-cluster: " + config.user.token_file + " does not exist");
  config.namespace_name = namespace_flag;
  if (config.namespace_name.empty()) {
    auto text = read_text(environment.account_dir + "/namespace");
    config.namespace_name = text ? *text : "";
    while (!config.namespace_name.empty() && std::isspace(config.namespace_name.back()))
      config.namespace_name.pop_back();
  }
  if (config.namespace_name.empty()) config.namespace_name = "default";
  return config;
}

Result<ConnectionConfig> load_connection(const LoadOptions& options) {
  std::vector<std::string> files;
  PODFIT_TRY_ASSIGN(merged, read_merged(options, files));
  bool empty = merged.contexts.empty() && merged.clusters.empty();
  if (empty && options.context_flag.empty() && options.kubeconfig_flag.empty() &&
      in_cluster_available(options.in_cluster)) {
    return load_in_cluster(options.in_cluster, options.namespace_flag);
  }
  std::string tried;
  for (const auto& file : files) tried += (tried.empty() ? "" : ", ") + file;
  if (merged.files.empty())
    return fail("no kubeconfig found (tried: " + (tried.empty() ? "nothing" : tried) +
                ") and not running inside a cluster; pass --kubeconfig");
  std::string context_name =
      options.context_flag.empty() ? merged.current_context : options.context_flag;
  if (context_name.empty())
    return fail("kubeconfig " + tried + ": no current-context is set; pass --context");
  auto context = merged.contexts.find(context_name);
  if (context == merged.contexts.end())
    return fail("kubeconfig " + tried + ": context " + quoted_name(context_name) + " does not exist");
  std::string cluster_name = string_field(context->second.body, "cluster");
  auto cluster = merged.clusters.find(cluster_name);
  if (cluster == merged.clusters.end())
    return fail(context->second.file + ": context " + quoted_name(context_name) + " names cluster " +
                quoted_name(cluster_name) + ", which is not defined");
  ConnectionConfig config;
  config.origin = "kubeconfig " + tried + ", context " + context_name;
  config.context = context_name;
  PODFIT_TRY_ASSIGN(cluster_info, read_cluster(cluster->second, cluster_name));
  config.cluster = std::move(cluster_info);
  config.user_name = string_field(context->second.body, "user");
  if (!config.user_name.empty()) {
    auto user = merged.users.find(config.user_name);
    if (user == merged.users.end())
      return fail(context->second.file + ": context " + quoted_name(context_name) + " names user " +
                  quoted_name(config.user_name) + ", which is not defined");
    PODFIT_TRY_ASSIGN(user_info, read_user(user->second, config.user_name));
    config.user = std::move(user_info);
  }
  config.namespace_name = options.namespace_flag;
  if (config.namespace_name.empty())
    config.namespace_name = string_field(context->second.body, "namespace");
  if (config.namespace_name.empty()) config.namespace_name = "default";
  return config;
}

}  // namespace podfit::kube
