#!/usr/bin/env bash
# Everything the tests need on a fresh Debian/Ubuntu machine: Chromium for the browser tests
# and the npm dependencies. The Electron binary and onnxruntime's CUDA files are not needed
# to test (the engine runs under plain Node on the CPU), and cannot be downloaded offline.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  sudo=''
  if [[ $(id -u) -ne 0 ]]; then sudo='sudo'; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

export ONNXRUNTIME_NODE_INSTALL=skip ELECTRON_SKIP_BINARY_DOWNLOAD=1
npm ci --no-audit --no-fund
