// Turns a kubeconfig user into what each request carries: an Authorization
// header and/or a client certificate. Runs exec credential plugins and caches
// their answer until it expires; re-reads token files when they change.
#pragma once

#include <cstdint>
#include <ctime>
#include <functional>
#include <optional>
#include <string>

#include "podfit/core/error.hpp"
#include "podfit/kube/kubeconfig.hpp"
#include "podfit/net/http.hpp"

namespace podfit::kube {

struct Credentials {
  std::string authorization;  // full header value ("Bearer ..."/"Basic ..."), empty for none
  net::ClientIdentity identity;
};

class CredentialProvider {
 public:
  using Clock = std::function<std::int64_t()>;  // Unix time in seconds

  CredentialProvider(UserInfo user, ClusterInfo cluster, Clock clock = nullptr);

  // What the next request should carry. Errors name the file or plugin, never a secret.
  Result<Credentials> current();

  // Called after a 401: drops cached plugin output and token file contents.
  // Returns true when asking again may give different credentials.
  bool forget_after_unauthorized();

  int exec_runs() const { return exec_runs_; }

 private:
  Result<std::string> token_from_file();
  Result<void> run_exec_plugin();
  Result<void> load_client_certificate();

  UserInfo user_;
  ClusterInfo cluster_;
  Clock clock_;
  // tokenFile: contents and the file's identity when read
  std::string file_token_;
  std::int64_t file_mtime_ns_ = -1;
  std::uintmax_t file_size_ = 0;
  // exec plugin output
  bool exec_valid_ = false;
  std::optional<std::int64_t> exec_expiry_;  // Unix seconds
  std::string exec_token_;
  net::ClientIdentity exec_identity_;
  int exec_runs_ = 0;
  // static client certificate
  bool certificate_loaded_ = false;
  net::ClientIdentity static_identity_;
};

}  // namespace podfit::kube
