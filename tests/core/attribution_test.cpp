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
      matcher("", "Deployment", "worker", {},
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
        matcher("", "Deployment", "sample-app-node-api-deployment",
                {{"app", "sample-app-node-api"}}),
        matcher("sample", "Deployment", "sample-app-node-api-deployment",
                {{"app", "sample-app-node-api"}}),
    };
    auto chosen = attribute_pods(samples, both);
    CHECK(chosen[api].namespace_name == "sample");
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

TEST_CASE("a workload owns only the pods its controller could have created", "[attribution]") {
  SampleSet samples;
  Labels master_labels{{"app", "redis"}, {"role", "master"}, {"pod-template-hash", "7d4f8b9c6d"}};
  Labels replica_labels{{"app", "redis"}, {"pod-template-hash", "6f8d9c7b5d"}};
  auto master = samples.intern_pod("db", "redis-master-7d4f8b9c6d-x2k9p", &master_labels);
  auto replica = samples.intern_pod("db", "redis-6f8d9c7b5d-q7wzt", &replica_labels);
  Labels ctrl_labels{{"app", "ctrl"}};
  auto ctrl_sts = samples.intern_pod("db", "ctrl-0", &ctrl_labels);
  auto ctrl_deploy = samples.intern_pod("db", "ctrl-5d8f7c9b6d-x2k9p", &ctrl_labels);
  Labels frontend_labels{{"name", "frontend"}};
  auto frontend = samples.intern_pod("db", "frontend-x7k2p", &frontend_labels);

  SECTION("overlapping selectors: redis does not own redis-master's pods") {
    // In this order, the first file's broader selector used to win.
    std::vector<WorkloadMatcher> manifests = {
        matcher("db", "Deployment", "redis", {{"app", "redis"}}),
        matcher("db", "Deployment", "redis-master", {{"app", "redis"}, {"role", "master"}}),
    };
    std::vector<std::string> warnings;
    auto refs = attribute_pods(samples, manifests, &warnings);
    CHECK(refs[master] == manifests[1].ref);
    CHECK(refs[replica] == manifests[0].ref);
    CHECK(warnings.empty());
  }
  SECTION("the same name in two kinds: the StatefulSet's pods are ctrl-<ordinal>") {
    std::vector<WorkloadMatcher> manifests = {
        matcher("db", "Deployment", "ctrl", {{"app", "ctrl"}}),
        matcher("db", "StatefulSet", "ctrl", {{"app", "ctrl"}}),
    };
    auto refs = attribute_pods(samples, manifests);
    CHECK(refs[ctrl_sts] == manifests[1].ref);
    CHECK(refs[ctrl_deploy] == manifests[0].ref);
  }
  SECTION("a ReplicationController owns <name>-<5> pods its selector matches") {
    std::vector<WorkloadMatcher> manifests = {
        matcher("db", "ReplicationController", "frontend", {{"name", "frontend"}})};
    CHECK(attribute_pods(samples, manifests)[frontend] == manifests[0].ref);
    // Without a manifest the name cannot tell a DaemonSet, Job or ReplicationController.
    CHECK(attribute_pods(samples, {})[frontend].kind == "DaemonSet|Job");
  }
  SECTION("two operator kinds with the same name and selector: credited to neither") {
    std::vector<WorkloadMatcher> manifests = {
        matcher("db", "Rollout", "ctrl", {{"app", "ctrl"}}),
        matcher("db", "CloneSet", "ctrl", {{"app", "ctrl"}}),
    };
    std::vector<std::string> warnings;
    auto refs = attribute_pods(samples, manifests, &warnings);
    CHECK(refs[ctrl_deploy] == WorkloadRef{"db", "Deployment", "ctrl"});  // its name's
    REQUIRE(warnings.size() == 2);  // ctrl-0 and ctrl-5d8f7c9b6d-x2k9p
    CHECK(warnings[1] ==
          "pod db/ctrl-5d8f7c9b6d-x2k9p could belong to Rollout/ctrl and CloneSet/ctrl: "
          "credited to neither (is one of them a leftover?)");
    // A known controller that could own the pod is the exact owner.
    manifests.push_back(matcher("db", "Deployment", "ctrl", {{"app", "ctrl"}}));
    warnings.clear();
    CHECK(attribute_pods(samples, manifests, &warnings)[ctrl_deploy] == manifests[2].ref);
  }
}

TEST_CASE("could_own follows each controller's pod names and labels", "[attribution]") {
  auto pod = [](std::string name, Labels labels = {}) {
    return PodRecord{"ns", std::move(name), std::move(labels)};
  };
  WorkloadRef api{"ns", "Deployment", "api"};
  CHECK(could_own(api, pod("api-7d9f8c6b5-x2z9k")));
  CHECK(could_own(api, pod("api-7d9f8c6b5-x2z9k", {{"pod-template-hash", "7d9f8c6b5"}})));
  CHECK_FALSE(could_own(api, pod("api-7d9f8c6b5-x2z9k", {{"pod-template-hash", "5fbc96b498"}})));
  CHECK_FALSE(could_own(api, pod("api-v2-7d9f8c6b5-x2z9k")));
  CHECK_FALSE(could_own(api, pod("api-0")));
  WorkloadRef web{"ns", "StatefulSet", "web"};
  CHECK(could_own(web, pod("web-12")));
  CHECK(could_own(web, pod("web-1", {{"statefulset.kubernetes.io/pod-name", "web-1"}})));
  CHECK_FALSE(could_own(web, pod("web-01")));
  CHECK_FALSE(could_own(web, pod("web-x7k2p")));
  WorkloadRef migrate{"ns", "Job", "migrate"};
  CHECK(could_own(migrate, pod("migrate-x7k2p")));
  CHECK(could_own(migrate, pod("migrate-3-x7k2p")));  // an Indexed Job's completion index
  CHECK(could_own(migrate, pod("anything", {{"batch.kubernetes.io/job-name", "migrate"}})));
  CHECK_FALSE(could_own(migrate, pod("migrate-x7k2p", {{"job-name", "migrate-v2"}})));
  WorkloadRef backup{"ns", "CronJob", "backup"};
  CHECK(could_own(backup, pod("backup-28734120-x7k2p")));
  CHECK(could_own(backup, pod("whatever", {{"job-name", "backup-28734120"}})));
  CHECK_FALSE(could_own(backup, pod("backup-x7k2p")));
  CHECK_FALSE(could_own(backup, pod("backup-28734120-x7k2p", {{"job-name", "backup-manual"}})));
  CHECK(could_own({"ns", "DaemonSet", "fluentd"}, pod("fluentd-x7k2p")));
  CHECK_FALSE(could_own({"ns", "DaemonSet", "fluentd"}, pod("fluentd-bit-x7k2p")));
  CHECK(could_own({"ns", "Pod", "nginx"}, pod("nginx")));
  CHECK_FALSE(could_own({"ns", "Pod", "nginx"}, pod("nginx-x7k2p")));
  CHECK(could_own({"ns", "Rollout", "shop"}, pod("shop-7d9f8c6b5-x2z9k")));  // prefix only
  CHECK_FALSE(could_own({"ns", "Rollout", "shop"}, pod("shopping-7d9f8c6b5-x2z9k")));
}

}  // namespace podfit

namespace podfit {

TEST_CASE("a pod's controller labels tell its kind where the name cannot", "[attribution]") {
  auto of = [](std::string name, Labels labels) {
    WorkloadRef ref = workload_of_pod(PodRecord{"ns", std::move(name), std::move(labels)});
    return ref.kind + ":" + ref.name;
  };
  // <name>-<5>: a DaemonSet's, a Job's or a ReplicaSet's by name alone.
  CHECK(of("fluent-bit-x7k2p", {}) == "DaemonSet|Job:fluent-bit");
  CHECK(of("fluent-bit-x7k2p", {{"controller-revision-hash", "7c9d8b6f5"},
                                {"pod-template-generation", "3"}}) == "DaemonSet:fluent-bit");
  CHECK(of("db-migrate-x7k2p", {{"batch.kubernetes.io/job-name", "db-migrate"}}) ==
        "Job:db-migrate");
  CHECK(of("report-28974520-x7k2p", {{"job-name", "report-28974520"}}) == "CronJob:report");
  // A hash the name rule does not take (too short) is believed when the label says so.
  CHECK(of("web-abc-x7k2p", {{"pod-template-hash", "abc"}}) == "Deployment:web");
  CHECK(of("web-9f8d7c6b5-x7k2p", {{"pod-template-hash", "other"}}) == "Deployment:web");
  CHECK(of("kafka-broker-10", {{"statefulset.kubernetes.io/pod-name", "kafka-broker-10"}}) ==
        "StatefulSet:kafka-broker");
  // Prometheus (kube-state-metrics) spells the labels label_<name>.
  CHECK(of("node-exporter-x7k2p", {{"label_pod_template_generation", "1"}}) ==
        "DaemonSet:node-exporter");
  CHECK(of("lonely", {}) == "Pod:lonely");
}

}  // namespace podfit
