#include "podfit/core/attribution.hpp"

#include <catch2/catch.hpp>

namespace podfit {
namespace {

std::string kind_of(std::string_view pod_name) {
  auto ref = workload_from_pod_name("ns", pod_name);
  return ref ? ref->kind + ":" + ref->name : "none";
}

WorkloadMatcher matcher(std::string ns, std::string kind, std::string name, Labels match_labels,
                        std::vector<LabelRequirement> expressions = {}) {
  return WorkloadMatcher{WorkloadRef{std::move(ns), std::move(kind), std::move(name)},
                         LabelSelector{std::move(match_labels), std::move(expressions)}};
}

}  // namespace

TEST_CASE("pod names imply their workload", "[attribution]") {
  // Deployment: <name>-<pod-template-hash>-<5 random>.
  CHECK(kind_of("sample-app-node-api-deployment-66d8f9d56-9tz5f") ==
        "Deployment:sample-app-node-api-deployment");
  CHECK(kind_of("sample-app-nginx-web-deployment-5fbc96b498-wlm5w") ==
        "Deployment:sample-app-nginx-web-deployment");
  CHECK(kind_of("api-v2-7d9f8c6b5-x2z9k") == "Deployment:api-v2");
  CHECK(kind_of("api-686479d4-x2z9k") == "Deployment:api");  // an 8-character hash
  // StatefulSet: <name>-<ordinal>.
  CHECK(kind_of("my-app-2") == "StatefulSet:my-app");
  CHECK(kind_of("web-0") == "StatefulSet:web");
  CHECK(kind_of("kafka-broker-13") == "StatefulSet:kafka-broker");
  // DaemonSet or Job: <name>-<5 random>.
  CHECK(kind_of("fluentd-x7k2p") == "DaemonSet|Job:fluentd");
  CHECK(kind_of("db-migrate-q9wbz") == "DaemonSet|Job:db-migrate");
  // CronJob: <name>-<scheduled minutes>-<5 random>.
  CHECK(kind_of("nightly-backup-28734120-x7k2p") == "CronJob:nightly-backup");

  SECTION("near misses") {
    CHECK(kind_of("nginx") == "none");
    CHECK(kind_of("web-01") == "none");              // ordinals have no leading zero
    CHECK(kind_of("redis-master-abcde") == "none");  // vowels never appear in generated parts
    CHECK(kind_of("redis-x7k2") == "none");          // 4 characters: not a generated suffix
    CHECK(kind_of("-0") == "none");
    CHECK(kind_of("web-") == "none");
    // A middle part that is neither a hash (has 1 and 3) nor a schedule (5 digits).
    CHECK(kind_of("api-12345-x2z9k") == "DaemonSet|Job:api-12345");
    // A 5-character middle part is too short for a pod-template-hash.
    CHECK(kind_of("api-7d9f8-x2z9k") == "DaemonSet|Job:api-7d9f8");
    // An 11-character middle part is too long for one.
    CHECK(kind_of("api-7d9f8c6b5dd-x2z9k") == "DaemonSet|Job:api-7d9f8c6b5dd");
  }
  SECTION("the namespace is the pod's") {
    auto ref = workload_from_pod_name("sample", "web-3");
    REQUIRE(ref);
    CHECK(ref->namespace_name == "sample");
  }
}

TEST_CASE("attribute_pods matches selectors, then names", "[attribution]") {
  SampleSet samples;
  Labels api_labels{{"app", "sample-app-node-api"}, {"pod-template-hash", "66d8f9d56"}};
  auto api =
      samples.intern_pod("sample", "sample-app-node-api-deployment-66d8f9d56-9tz5f", &api_labels);
  auto api_elsewhere =
      samples.intern_pod("other", "sample-app-node-api-deployment-66d8f9d56-q2x4z", &api_labels);
  Labels worker_labels{{"tier", "worker"}, {"track", "canary"}};
  auto worker = samples.intern_pod("sample", "worker-5fbc96b498-wlm5w", &worker_labels);
  auto db = samples.intern_pod("sample", "db-0");
  auto migrate = samples.intern_pod("sample", "migrate-x7k2p");
  auto nginx = samples.intern_pod("sample", "nginx");
  auto lonely = samples.intern_pod("sample", "lonely");

  std::vector<WorkloadMatcher> manifests = {
      matcher("sample", "Deployment", "sample-app-node-api-deployment",
              {{"app", "sample-app-node-api"}}),
      // Selected by expressions only.
      matcher("", "Deployment", "workers", {},
              {{"tier", LabelRequirement::Operator::in, {"worker", "batch"}},
               {"track", LabelRequirement::Operator::not_in, {"stable"}},
               {"track", LabelRequirement::Operator::exists, {}},
               {"legacy", LabelRequirement::Operator::does_not_exist, {}}}),
      // Selector never matches db-0 (no labels): found by the name its pods imply.
      matcher("sample", "StatefulSet", "db", {{"app", "db"}}),
      matcher("sample", "Job", "migrate", {}),
      matcher("sample", "Pod", "nginx", {}),
  };
  auto refs = attribute_pods(samples, manifests);
  REQUIRE(refs.size() == samples.pods().size());
  CHECK(refs[api] == manifests[0].ref);
  // The manifest names namespace "sample": a pod of "other" falls back to its name.
  CHECK(refs[api_elsewhere] ==
        WorkloadRef{"other", "Deployment", "sample-app-node-api-deployment"});
  CHECK(refs[worker] == manifests[1].ref);
  CHECK(refs[db] == manifests[2].ref);
  CHECK(refs[migrate] == manifests[3].ref);
  CHECK(refs[nginx] == manifests[4].ref);
  CHECK(refs[lonely] == WorkloadRef{"sample", "Pod", "lonely"});

  SECTION("a NotIn or DoesNotExist requirement can exclude the pod") {
    Labels stable{{"tier", "worker"}, {"track", "stable"}};
    Labels legacy{{"tier", "worker"}, {"track", "canary"}, {"legacy", "yes"}};
    samples.intern_pod("sample", "worker-5fbc96b498-wlm5w", &stable);
    CHECK(attribute_pods(samples, manifests)[worker] ==
          WorkloadRef{"sample", "Deployment", "worker"});
    samples.intern_pod("sample", "worker-5fbc96b498-wlm5w", &legacy);
    CHECK(attribute_pods(samples, manifests)[worker] ==
          WorkloadRef{"sample", "Deployment", "worker"});
  }
  SECTION("a manifest naming the namespace wins over one naming none") {
    std::vector<WorkloadMatcher> both = {
        matcher("", "Deployment", "anywhere", {{"app", "sample-app-node-api"}}),
        matcher("sample", "Deployment", "here", {{"app", "sample-app-node-api"}}),
    };
    auto chosen = attribute_pods(samples, both);
    CHECK(chosen[api].name == "here");
    CHECK(chosen[api_elsewhere].name == "anywhere");
    CHECK(chosen[api_elsewhere].namespace_name.empty());
  }
  SECTION("an empty selector matches nothing") {
    std::vector<WorkloadMatcher> empty = {matcher("sample", "Deployment", "all", {})};
    CHECK(attribute_pods(samples, empty)[worker] == WorkloadRef{"sample", "Deployment", "worker"});
  }
  SECTION("without manifests every pod gets the workload its name implies") {
    auto named = attribute_pods(samples, {});
    CHECK(named[api] == WorkloadRef{"sample", "Deployment", "sample-app-node-api-deployment"});
    CHECK(named[db] == WorkloadRef{"sample", "StatefulSet", "db"});
    CHECK(named[migrate] == WorkloadRef{"sample", "DaemonSet|Job", "migrate"});
    CHECK(named[nginx] == WorkloadRef{"sample", "Pod", "nginx"});
  }
  SECTION("a name match needs the same namespace") {
    SampleSet other;
    other.intern_pod("prod", "db-0");
    std::vector<WorkloadMatcher> staging = {matcher("staging", "StatefulSet", "db", {{"a", "b"}})};
    CHECK(attribute_pods(other, staging)[0] == WorkloadRef{"prod", "StatefulSet", "db"});
    std::vector<WorkloadMatcher> anywhere = {matcher("", "StatefulSet", "db", {{"a", "b"}})};
    CHECK(attribute_pods(other, anywhere)[0] == anywhere[0].ref);
  }
}

}  // namespace podfit
