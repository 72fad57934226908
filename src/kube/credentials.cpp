#include "podfit/kube/credentials.hpp"

#include "podfit/core/process.hpp"
#include "podfit/core/time.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "podfit/net/base64.hpp"

extern char** environ;

namespace podfit::kube {

namespace {

using nlohmann::json;

std::optional<std::string> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string trim(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  std::size_t start = 0;
  while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start]))) ++start;
  return text.substr(start);
}

std::int64_t system_now() {
  return now_ns() / 1'000'000'000;
}

std::string exec_info(const ExecConfig& exec, const ClusterInfo& cluster) {
  json info = {{"apiVersion", exec.api_version},
               {"kind", "ExecCredential"},
               {"spec", {{"interactive", false}}}};
  if (exec.provide_cluster_info) {
    json described = {{"server", cluster.server}};
    if (!cluster.ca_pem.empty())
      described["certificate-authority-data"] = net::base64_encode(cluster.ca_pem);
    if (cluster.insecure_skip_tls_verify) described["insecure-skip-tls-verify"] = true;
    if (!cluster.tls_server_name.empty()) described["tls-server-name"] = cluster.tls_server_name;
    info["spec"]["cluster"] = described;
  }
  return info.dump();
}

std::vector<std::string> plugin_environment(const ExecConfig& exec, const ClusterInfo& cluster) {
  std::map<std::string, std::string> variables;
  for (char** entry = environ; *entry; ++entry) {
    std::string text = *entry;
    std::size_t equals = text.find('=');
    if (equals != std::string::npos) variables[text.substr(0, equals)] = text.substr(equals + 1);
  }
  for (const auto& [name, value] : exec.env) variables[name] = value;
  variables["KUBERNETES_EXEC_INFO"] = exec_info(exec, cluster);
  std::vector<std::string> environment;
  for (const auto& [name, value] : variables) environment.push_back(name + "=" + value);
  return environment;
}

}  // namespace

CredentialProvider::CredentialProvider(UserInfo user, ClusterInfo cluster, Clock clock)
    : user_(std::move(user)), cluster_(std::move(cluster)), clock_(std::move(clock)) {
  if (!clock_) clock_ = system_now;
}

Result<std::string> CredentialProvider::token_from_file() {
  struct stat info {};
  if (stat(user_.token_file.c_str(), &info) != 0)
    return fail("token file " + user_.token_file + ": " + std::strerror(errno));
  std::int64_t mtime_ns =
      static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
  auto size = static_cast<std::uintmax_t>(info.st_size);
  if (mtime_ns != file_mtime_ns_ || size != file_size_ || file_token_.empty()) {
    auto text = read_whole_file(user_.token_file);
    if (!text) return fail("token file " + user_.token_file + ": cannot read it");
    file_token_ = trim(*text);
    file_mtime_ns_ = mtime_ns;
    file_size_ = size;
    if (file_token_.empty()) return fail("token file " + user_.token_file + " is empty");
  }
  return file_token_;
}

Result<void> CredentialProvider::run_exec_plugin() {
  const ExecConfig& exec = *user_.exec;
  std::string where = "exec plugin \"" + exec.command + "\"";
  std::vector<std::string> argv{exec.command};
  argv.insert(argv.end(), exec.args.begin(), exec.args.end());
  ++exec_runs_;
  auto output = run_process(argv, plugin_environment(exec, cluster_));
  if (!output) return tl::unexpected(output.error());
  if (output->exit_status == 127)
    return fail(where + ": could not run it" +
                (exec.install_hint.empty() ? "" : " (" + exec.install_hint + ")"));
  if (output->exit_status != 0)
    return fail(where + ": exited with status " + std::to_string(output->exit_status));
  json credential = json::parse(output->out, nullptr, false);
  if (credential.is_discarded() || !credential.is_object())
    return fail(where + ": its output is not an ExecCredential JSON object");
  if (credential.value("kind", "") != "ExecCredential")
    return fail(where + ": its output has kind \"" + credential.value("kind", "") +
                "\", expected ExecCredential");
  if (credential.value("apiVersion", "") != exec.api_version)
    return fail(where + ": returned apiVersion \"" + credential.value("apiVersion", "") +
                "\" but the kubeconfig asks for \"" + exec.api_version + "\"");
  const json status = credential.value("status", json::object());
  exec_token_ = status.value("token", "");
  exec_identity_ = {status.value("clientCertificateData", ""), status.value("clientKeyData", "")};
  if (exec_token_.empty() && exec_identity_.empty())
    return fail(where + ": status has neither token nor clientCertificateData");
  if (exec_identity_.certificate_pem.empty() != exec_identity_.key_pem.empty())
    return fail(where + ": status has only one of clientCertificateData and clientKeyData");
  exec_expiry_.reset();
  std::string expiry = status.value("expirationTimestamp", "");
  if (!expiry.empty()) {
    auto parsed = parse_rfc3339_ns(expiry);
    if (!parsed) return fail(where + ": expirationTimestamp: " + parsed.error().message);
    exec_expiry_ = *parsed / 1'000'000'000;
  }
  exec_valid_ = true;
  return {};
}

Result<void> CredentialProvider::load_client_certificate() {
  static_identity_ = {user_.client_certificate_pem, user_.client_key_pem};
  if (static_identity_.certificate_pem.empty() && !user_.client_certificate_file.empty()) {
    auto text = read_whole_file(user_.client_certificate_file);
    if (!text)
      return fail("client-certificate " + user_.client_certificate_file + ": cannot read it");
    static_identity_.certificate_pem = *text;
  }
  if (static_identity_.key_pem.empty() && !user_.client_key_file.empty()) {
    auto text = read_whole_file(user_.client_key_file);
    if (!text) return fail("client-key " + user_.client_key_file + ": cannot read it");
    static_identity_.key_pem = *text;
  }
  certificate_loaded_ = true;
  return {};
}

Result<Credentials> CredentialProvider::current() {
  Credentials credentials;
  if (!certificate_loaded_) {
    PODFIT_TRY(load_client_certificate());
  }
  credentials.identity = static_identity_;
  if (!user_.token.empty()) {
    credentials.authorization = "Bearer " + user_.token;
  } else if (!user_.token_file.empty()) {
    PODFIT_TRY_ASSIGN(token, token_from_file());
    credentials.authorization = "Bearer " + token;
  } else if (!user_.username.empty() || !user_.password.empty()) {
    credentials.authorization =
        "Basic " + net::base64_encode(user_.username + ":" + user_.password);
  }
  if (user_.exec && credentials.authorization.empty() && credentials.identity.empty()) {
    if (!exec_valid_ || (exec_expiry_ && clock_() >= *exec_expiry_)) {
      PODFIT_TRY(run_exec_plugin());
    }
    if (!exec_token_.empty()) credentials.authorization = "Bearer " + exec_token_;
    if (!exec_identity_.empty()) credentials.identity = exec_identity_;
  }
  return credentials;
}

bool CredentialProvider::forget_after_unauthorized() {
  bool may_change = false;
  if (user_.exec && exec_valid_) {
    exec_valid_ = false;
    may_change = true;
  }
  // A token file is re-read whenever it changes, so asking again would not help.
  return may_change;
}

}  // namespace podfit::kube
