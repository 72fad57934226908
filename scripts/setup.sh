#!/usr/bin/env bash
# Installs the Debian packages podfit needs to build and test, when they are missing.
# Idempotent: when everything is present it only runs dpkg-query and returns.
set -euo pipefail

packages=(
  g++ cmake make pkg-config openssl
  libcurl4-openssl-dev nlohmann-json3-dev libcli11-dev libyaml-cpp-dev
  catch2 libdtl-dev libexpected-dev libsimdjson-dev libsqlite3-dev sqlite3 zlib1g-dev
  python3 python3-numpy python3-yaml
  # Prometheus 2.42 and promtool for tests/source/prometheus_test.cpp. Installed, like every
  # package here, with --no-install-recommends (its recommends pull in node-exporter and more).
  prometheus
)
# `scripts/setup.sh fuzz` (make fuzz) also wants clang, whose runtime has libFuzzer.
if [[ "${1:-}" == "fuzz" ]]; then
  packages+=(clang)
fi
# `scripts/setup.sh test` (make test) also wants headless Chromium and ChromeDriver for the
# HTML report's browser tests (tests/report/browser_check.py): about 300 MB, a minute.
if [[ "${1:-}" == "test" ]]; then
  packages+=(chromium chromium-driver)
fi

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "setup: installing missing Debian packages: ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
