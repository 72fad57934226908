#include "podfit/manifest/manifest.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <system_error>

#include <yaml-cpp/yaml.h>

#include "manifest/yaml_map.hpp"
#include "manifest/yaml_walk.hpp"
#include "podfit/core/parallel.hpp"

namespace podfit::manifest {

namespace fs = std::filesystem;

namespace {

bool has_yaml_extension(const fs::path& path) {
  std::string extension = path.extension().string();
  return extension == ".yaml" || extension == ".yml" || extension == ".json";
}

Result<void> add_directory(const std::string& directory, std::vector<std::string>& out) {
  std::error_code error;
  std::vector<std::string> files;
  fs::recursive_directory_iterator it(directory, error);
  for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (it->is_regular_file(error) && has_yaml_extension(it->path())) {
      files.push_back(it->path().string());
    }
  }
  if (error) return fail(directory + ": cannot list: " + error.message());
  // kubectl walks a folder in lexical order of full paths.
  std::sort(files.begin(), files.end());
  out.insert(out.end(), files.begin(), files.end());
  return {};
}

}  // namespace

Result<std::string> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(path + ": cannot read: " + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return fail(path + ": cannot read: " + std::strerror(errno));
  return buffer.str();
}

namespace {

// What apply_changes needs, taken from this parse so that it need not parse again.
std::shared_ptr<const detail::EditLayout> edit_layout(
    const std::string& path, const std::string& text, const std::vector<YAML::Node>& documents,
    const std::vector<detail::WorkloadNodes>& found) {
  detail::EditContext context;
  context.path = path;
  context.text = text;
  context.mark_base = detail::mark_offset(text);
  auto layout = std::make_shared<detail::EditLayout>();
  layout->text_hash = detail::hash_text(text);
  layout->indent_step = detail::detect_indent_step(context, documents);
  for (const auto& nodes : found) {
    auto& containers = layout->containers.emplace_back();
    for (const auto& container : nodes.containers) {
      containers.push_back(detail::view_container(context, container));
    }
  }
  return layout;
}

}  // namespace

Result<std::vector<std::string>> expand_paths(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const auto& path : paths) {
    if (path == "-") {  // standard input, e.g. kubectl kustomize DIR | podfit ... -f -
      files.push_back(path);
      continue;
    }
    std::error_code error;
    fs::file_status status = fs::status(path, error);
    if (error || !fs::exists(status)) return fail(path + ": no such file or directory");
    if (fs::is_directory(status)) {
      if (auto result = add_directory(path, files); !result) return tl::unexpected(result.error());
    } else {
      files.push_back(path);
    }
  }
  return files;
}

Result<ManifestFile> load_manifest(const std::string& path) {
  if (path == "-") {
    std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    if (std::cin.bad()) return fail("-f -: cannot read standard input");
    return parse_manifest("-", std::move(text));
  }
  if (fs::is_directory(path)) return fail(path + ": is a directory, not a manifest file");
  PODFIT_TRY_ASSIGN(text, read_whole_file(path));
  return parse_manifest(path, std::move(text));
}

std::vector<Result<ManifestFile>> load_manifests(const std::vector<std::string>& paths) {
  std::vector<Result<ManifestFile>> files(paths.size());
  // A thread per core, but not for a handful of files.
  parallel_for(
      paths.size(),
      [&](std::size_t i) {
        try {
          files[i] = load_manifest(paths[i]);
        } catch (const std::exception& error) {
          files[i] = fail(paths[i] + ": cannot load: " + error.what());
        }
      },
      8);
  return files;
}

Result<ManifestFile> parse_manifest(const std::string& path, std::string text) {
  PODFIT_TRY_ASSIGN(documents, detail::load_documents(path, text));
  PODFIT_TRY_ASSIGN(found, detail::find_workloads(path, text, documents));
  ManifestFile file;
  file.path = path;
  file.layout = edit_layout(path, text, documents, found);
  file.autoscalers = detail::find_autoscalers(path, text, documents);
  file.text = std::move(text);
  for (auto& nodes : found) {
    nodes.workload.file = path;
    file.workloads.push_back(std::move(nodes.workload));
  }
  return file;
}

}  // namespace podfit::manifest
