// Helm charts: render (helm template, or a rendered stream given), find each container's
// values path in the template that produced it, and edit that path in a values file.
#include "podfit/manifest/helm.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "manifest/helm_targets.hpp"
#include "manifest/text_scan.hpp"
#include "manifest/yaml_map.hpp"
#include "manifest/yaml_walk.hpp"
#include "podfit/core/process.hpp"

namespace podfit::manifest {

namespace fs = std::filesystem;

namespace {

Result<std::string> rendered_text(const HelmSource& source, std::string& rendered_by) {
  if (!source.rendered_file.empty()) {
    rendered_by = "--rendered " + source.rendered_file;
    return read_whole_file(source.rendered_file);
  }
  if (!on_path("helm")) {
    return fail("--chart " + source.chart_dir +
                ": rendering needs `helm` on PATH, and it is not; render it yourself and give "
                "the output: helm template ... > rendered.yaml; podfit ... --rendered "
                "rendered.yaml");
  }
  std::vector<std::string> argv{"helm", "template", source.release, source.chart_dir};
  for (const std::string& values : source.values_files) {
    argv.push_back("-f");
    argv.push_back(values);
  }
  if (!source.namespace_name.empty()) {
    argv.push_back("--namespace");
    argv.push_back(source.namespace_name);
  }
  for (const std::string& word : argv) rendered_by += (rendered_by.empty() ? "" : " ") + word;
  PODFIT_TRY_ASSIGN(output, run_process(argv, std::nullopt, true));
  if (output.exit_status != 0) {
    return fail("`" + rendered_by + "` failed (exit " + std::to_string(output.exit_status) +
                "): " + output.err);
  }
  return std::move(output.out);
}

// One document of the rendered stream and the template it came from.
struct RenderedDocument {
  std::string source;  // "chart/templates/deployment.yaml"
  std::string text;
};

std::vector<RenderedDocument> split_documents(const std::string& stream) {
  std::vector<RenderedDocument> documents(1);
  std::istringstream lines(stream);
  std::string line;
  static const std::regex kSource(R"(^# Source: (\S+)\s*$)");
  while (std::getline(lines, line)) {
    if (line == "---" || line.rfind("--- ", 0) == 0) {
      documents.emplace_back();
      continue;
    }
    std::smatch match;
    if (documents.back().source.empty() && std::regex_match(line, match, kSource)) {
      documents.back().source = match[1];
    }
    documents.back().text += line + "\n";
  }
  return documents;
}

// `.Values.<path>.resources` references in a template, in order, a repeat of the one
// before dropped (`with .Values.x.resources` then `toYaml .` is one reference).
std::vector<std::vector<std::string>> resources_references(const std::string& text) {
  static const std::regex kReference(R"(\$?\.Values\.((?:[A-Za-z0-9_]+\.)*)resources\b)");
  std::vector<std::vector<std::string>> references;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kReference);
       it != std::sregex_iterator(); ++it) {
    std::vector<std::string> keys;
    std::string path = (*it)[1];
    std::size_t start = 0;
    while (start < path.size()) {
      std::size_t dot = path.find('.', start);
      keys.push_back(path.substr(start, dot - start));
      start = dot + 1;
    }
    if (references.empty() || references.back() != keys) references.push_back(keys);
  }
  return references;
}

std::size_t indent_of(const std::string& line) {
  return line.find_first_not_of(' ');
}

// A template line that is only a template action (`{{ toYaml ... | indent 12 }}`): it
// belongs to the block around it whatever its indentation.
bool action_only(const std::string& line) {
  std::size_t first = line.find_first_not_of(" \t");
  return first != std::string::npos && line.compare(first, 2, "{{") == 0;
}

// The text of the container entry `- name: <name>` (a literal name, with an `image:` in
// its block) in a template, one per matching entry.
std::vector<std::string> container_blocks(const std::string& text, const std::string& name) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  static const std::regex kEntry(R"(^(\s*)- name:\s*["']?([^"'\s{}]+)["']?\s*$)");
  std::vector<std::string> blocks;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::smatch match;
    if (!std::regex_match(lines[i], match, kEntry) || match[2] != name) continue;
    std::size_t indent = match[1].length();
    std::string block = lines[i] + "\n";
    for (std::size_t j = i + 1; j < lines.size(); ++j) {
      const std::string& line = lines[j];
      bool blank = line.find_first_not_of(" \t\r") == std::string::npos;
      if (!blank && !action_only(line) && indent_of(line) <= indent) break;
      block += line + "\n";
    }
    if (block.find("image:") != std::string::npos) blocks.push_back(block);
  }
  return blocks;
}

std::string path_text(const std::vector<std::string>& keys) {
  std::string text = ".Values";
  for (const std::string& key : keys) text += "." + key;
  return text + ".resources";
}

std::vector<std::string> keys_of(const std::string& dotted) {
  std::vector<std::string> keys;
  std::string path = dotted;
  if (path.rfind(".Values.", 0) == 0) path = path.substr(8);
  if (path.size() >= 10 && path.ends_with(".resources")) path.resize(path.size() - 10);
  if (path == "resources") return keys;
  std::size_t start = 0;
  while (start < path.size()) {
    std::size_t dot = path.find('.', start);
    keys.push_back(path.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return keys;
}

// podfit.io/values-path on the workload: "PATH" (one container) or "NAME=PATH,...".
std::optional<std::vector<std::string>> annotated_path(const std::string& document,
                                                       const std::string& container,
                                                       std::size_t containers) {
  static const std::regex kAnnotation(R"(podfit\.io/values-path:\s*["']?([^"'\n]+)["']?)");
  std::smatch match;
  if (!std::regex_search(document, match, kAnnotation)) return std::nullopt;
  std::string value = match[1];
  std::stringstream parts(value);
  std::string part;
  while (std::getline(parts, part, ',')) {
    std::size_t equals = part.find('=');
    if (equals == std::string::npos) {
      if (containers == 1) return keys_of(part);
      continue;
    }
    if (part.substr(0, equals) == container) return keys_of(part.substr(equals + 1));
  }
  return std::nullopt;
}

// The template file a `# Source:` line names, in the chart folder.
std::optional<fs::path> template_file(const std::string& chart_dir, const std::string& source) {
  std::size_t slash = source.find('/');
  if (slash == std::string::npos) return std::nullopt;
  std::string inside = source.substr(slash + 1);
  if (inside.rfind("templates/", 0) != 0) return std::nullopt;  // a subchart's
  return fs::path(chart_dir) / inside;
}

// The values path of one rendered container, read from the template that produced it.
ValuesPlacement place_container(const std::string& template_text, const std::string& origin,
                                const std::vector<std::vector<std::string>>& ordinal,
                                std::size_t index, std::size_t count,
                                const ValuesPlacement& start) {
  ValuesPlacement placement = start;
  std::vector<std::string> blocks = container_blocks(template_text, placement.container);
  if (!blocks.empty()) {
    std::vector<std::vector<std::string>> found;
    for (const std::string& block : blocks) {
      for (const auto& keys : resources_references(block)) {
        if (std::find(found.begin(), found.end(), keys) == found.end()) found.push_back(keys);
      }
    }
    if (found.size() == 1) {
      placement.placed = true;
      placement.keys = found[0];
      placement.why =
          origin + " uses " + path_text(found[0]) + " for container " + placement.container;
    } else {
      placement.why = origin + (found.empty() ? " sets container " + placement.container +
                                                    "'s resources without .Values…resources "
                                                    "(literally, or through a helper)"
                                              : " has several .Values…resources for container " +
                                                    placement.container);
      placement.why += "; set the annotation podfit.io/values-path on the workload";
    }
    return placement;
  }
  // A templated name (`- name: {{ .Chart.Name }}`): the i-th reference of a template that
  // renders this one workload with as many references as containers.
  if (ordinal.size() == count) {
    placement.placed = true;
    placement.keys = ordinal[index];
    placement.why = origin + " uses " + path_text(ordinal[index]) + " for container " +
                    std::to_string(index + 1) + " of " + std::to_string(count);
    return placement;
  }
  placement.why = origin + " has " + std::to_string(ordinal.size()) +
                  " .Values…resources reference(s) for " + std::to_string(count) +
                  " container(s) and no literal `- name: " + placement.container +
                  "`; set the annotation podfit.io/values-path on the workload";
  return placement;
}

void place(const HelmSource& source, const RenderedDocument& document, const Workload& workload,
           std::size_t workloads_from_source, std::vector<ValuesPlacement>& placements) {
  std::string template_text, origin;
  if (auto file = template_file(source.chart_dir, document.source)) {
    if (auto text = read_whole_file(file->string())) {
      template_text = *text;
      origin = document.source;
    }
  }
  std::vector<std::vector<std::string>> ordinal;
  if (workloads_from_source == 1) ordinal = resources_references(template_text);
  std::size_t count = workload.containers.size();
  for (std::size_t i = 0; i < count; ++i) {
    ValuesPlacement placement{workload.ref, workload.containers[i].name, false, {}, ""};
    if (auto keys = annotated_path(document.text, placement.container, count)) {
      placement.placed = true;
      placement.keys = *keys;
      placement.why = "annotation podfit.io/values-path: " + path_text(*keys);
    } else if (origin.empty()) {
      placement.why = document.source.empty()
                          ? "the rendered document has no `# Source:` line"
                          : document.source + " is not a template of this chart (a subchart?)";
    } else {
      placement = place_container(template_text, origin, ordinal, i, count, placement);
    }
    placements.push_back(std::move(placement));
  }
}

}  // namespace

Result<HelmRender> render_helm(const HelmSource& source) {
  std::error_code error;
  if (!fs::is_directory(source.chart_dir, error) ||
      !fs::is_regular_file(fs::path(source.chart_dir) / "Chart.yaml", error)) {
    return fail("--chart " + source.chart_dir + ": not a chart folder (no Chart.yaml in it)");
  }
  std::string rendered_by;
  PODFIT_TRY_ASSIGN(stream, rendered_text(source, rendered_by));
  HelmRender render;
  render.values_file = source.values_files.empty()
                           ? (fs::path(source.chart_dir) / "values.yaml").string()
                           : source.values_files.back();
  std::vector<RenderedDocument> documents = split_documents(stream);
  std::vector<ManifestFile> files(documents.size());
  std::map<std::string, std::size_t> workloads_of_source;
  for (std::size_t d = 0; d < documents.size(); ++d) {
    const RenderedDocument& document = documents[d];
    if (document.text.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    std::string label = rendered_by + (document.source.empty() ? "" : " (" + document.source + ")");
    PODFIT_TRY_ASSIGN(file, parse_manifest(label, document.text));
    file.rendered_by = rendered_by;
    workloads_of_source[document.source] += file.workloads.size();
    files[d] = std::move(file);
  }
  for (std::size_t d = 0; d < documents.size(); ++d) {
    for (const Workload& workload : files[d].workloads) {
      place(source, documents[d], workload, workloads_of_source[documents[d].source],
            render.placements);
    }
    for (const Autoscaler& autoscaler : files[d].autoscalers) {
      std::string template_text;
      auto file = template_file(source.chart_dir, documents[d].source);
      if (auto text = file ? read_whole_file(file->string()) : Result<std::string>(fail(""))) {
        template_text = *text;
      }
      for (TargetPlacement& target :
           detail::place_targets(template_text, documents[d].source, autoscaler)) {
        render.targets.push_back(std::move(target));
      }
    }
    if (!files[d].text.empty()) render.rendered.push_back(std::move(files[d]));
  }
  return render;
}

std::vector<std::string> chart_dirs(const std::vector<std::string>& paths) {
  std::set<std::string> found;
  std::error_code error;
  for (const std::string& path : paths) {
    if (path == "-") continue;
    // The chart a file or folder is in ...
    for (fs::path dir = fs::absolute(path, error); !error && !dir.empty();
         dir = dir.parent_path()) {
      std::error_code ignored;  // a file's "child" Chart.yaml is ENOTDIR: just not one
      if (fs::is_regular_file(dir / "Chart.yaml", ignored)) {
        found.insert(fs::relative(dir, fs::current_path(), ignored).string());
        break;
      }
      if (dir == dir.root_path()) break;
    }
    error.clear();
    // ... and the charts a folder holds.
    if (!fs::is_directory(path, error)) continue;
    for (auto it = fs::recursive_directory_iterator(path, error);
         !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
      if (it->is_regular_file(error) && it->path().filename() == "Chart.yaml") {
        found.insert(it->path().parent_path().string());
      }
    }
  }
  return {found.begin(), found.end()};
}

}  // namespace podfit::manifest
