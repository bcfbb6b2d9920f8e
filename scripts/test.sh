#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need, then runs `mvn -B verify`.
# CI (.ci/run) calls exactly this; README's quick start names it.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
# the Prometheus integration tests run the real server (Debian's package)
[ -x /usr/bin/prometheus ] || need_apt+=(prometheus)
# the console's end-to-end tests drive a real headless Chromium (Debian's, never a downloaded one)
{ [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; } || need_apt+=(chromium chromium-driver)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
  else
    echo "missing: ${need_apt[*]} (run as root to install them)" >&2
    exit 1
  fi
fi
# The sandbox tests drive the real kubectl binary; these machines ship it in /usr/bin.
if ! command -v kubectl >/dev/null 2>&1; then
  echo "kubectl is required by the sandbox tests and is not on PATH" >&2
  exit 1
fi

mvn -B verify "$@"
