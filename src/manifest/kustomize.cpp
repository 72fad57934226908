#include "podfit/manifest/kustomize.hpp"

#include <filesystem>
#include <set>

#include "podfit/core/process.hpp"

namespace podfit::manifest {

namespace fs = std::filesystem;

namespace {

bool holds_kustomization(const fs::path& folder) {
  std::error_code error;
  for (const char* name : {"kustomization.yaml", "kustomization.yml", "Kustomization"}) {
    if (fs::is_regular_file(folder / name, error)) return true;
  }
  return false;
}

}  // namespace

Result<ManifestFile> render_kustomization(const std::string& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) return fail("-k " + dir + ": not a folder");
  if (!holds_kustomization(dir))
    return fail("-k " + dir + ": no kustomization.yaml, kustomization.yml or Kustomization in it");
  std::vector<std::string> argv;
  if (on_path("kubectl")) {
    argv = {"kubectl", "kustomize", dir};
  } else if (on_path("kustomize")) {
    argv = {"kustomize", "build", dir};
  } else {
    return fail("-k " + dir +
                ": rendering needs kubectl or kustomize on PATH, and neither is (or render "
                "it yourself: kustomize build " +
                dir + " | podfit ... -f -)");
  }
  std::string command = argv[0] + " " + argv[1] + " " + dir;
  PODFIT_TRY_ASSIGN(output, run_process(argv, std::nullopt, true));
  if (output.exit_status != 0) {
    std::string message = output.err;
    while (!message.empty() && (message.back() == '\n' || message.back() == '\r'))
      message.pop_back();
    return fail("-k " + dir + ": `" + command + "` failed (exit " +
                std::to_string(output.exit_status) + "): " + message);
  }
  PODFIT_TRY_ASSIGN(file, parse_manifest(command, std::move(output.out)));
  file.rendered_by = command;
  return file;
}

std::vector<std::string> kustomization_dirs(const std::vector<std::string>& paths) {
  std::set<std::string> found;
  std::error_code error;
  for (const std::string& path : paths) {
    if (path == "-" || !fs::is_directory(path, error)) continue;
    if (holds_kustomization(path)) found.insert(path);
    for (auto it = fs::recursive_directory_iterator(path, error);
         !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
      if (it->is_directory(error) && holds_kustomization(it->path()))
        found.insert(it->path().string());
    }
  }
  return {found.begin(), found.end()};
}

}  // namespace podfit::manifest
