#!/usr/bin/env bash
# Installs what the build needs from Debian's packages when it is missing: librdkafka-dev and pkg-config.
# Uses sudo only when not root.
set -euo pipefail
missing=()
dpkg -s librdkafka-dev >/dev/null 2>&1 || missing+=(librdkafka-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "installing ${missing[*]} with apt-get"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
