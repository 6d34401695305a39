#!/usr/bin/env bash
# One-time machine set-up (idempotent; prints what it found or did): the native runtime TorchSharp
# needs, and the tools some tests use (redis-server, kubectl).
set -euo pipefail

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

have_glibcxx() {
  local lib
  for lib in /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib/aarch64-linux-gnu/libstdc++.so.6 /usr/lib64/libstdc++.so.6; do
    [ -f "$lib" ] && grep -q "GLIBCXX_3.4.32" "$lib" && return 0
  done
  return 1
}

is_bookworm() { grep -qs 'VERSION_CODENAME=bookworm' /etc/os-release; }

# Debian 13 (trixie) as an apt source pinned low, so nothing comes from it unless asked for with -t trixie.
add_trixie_source() {
  local src=/etc/apt/sources.list.d/debian-trixie.sources
  if [ ! -f "$src" ]; then
    $SUDO tee "$src" >/dev/null <<'SRC' || return 1
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  $SUDO tee /etc/apt/preferences.d/trixie-low >/dev/null <<'PIN' || return 1
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
  $SUDO apt-get update -qq
}

# apt-get install, refreshing the package lists once if they are stale.
apt_install() {
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null 2>&1 ||
    { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null; }
}

# TorchSharp 0.107 (libtorch 2.10) needs libstdc++ from GCC >= 13 (symbol GLIBCXX_3.4.32).
# Debian 12 ships GCC 12: there we add Debian 13 as a low-priority apt source and take only
# libstdc++6 from it. On systems that already have the symbol this does nothing.
if have_glibcxx; then
  echo "setup: libstdc++ has GLIBCXX_3.4.32, nothing to do"
else
  if ! is_bookworm; then
    echo "setup: libstdc++ lacks GLIBCXX_3.4.32; install libstdc++ from GCC >= 13 for this OS" >&2
    exit 1
  fi
  add_trixie_source
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -t trixie libstdc++6 >/dev/null
  have_glibcxx || { echo "setup: libstdc++6 from trixie did not provide GLIBCXX_3.4.32" >&2; exit 1; }
  echo "setup: installed libstdc++6 from Debian 13 (trixie)"
fi

# redis-server: the Redis clustering and storage tests start one on a loopback port (they skip without it).
if command -v redis-server >/dev/null 2>&1; then
  echo "setup: redis-server present"
elif apt_install redis-server; then
  echo "setup: installed redis-server"
else
  echo "setup: could not install redis-server; the Redis tests will skip" >&2
fi

# kubectl: the deploy tests render the Kubernetes overlays with `kubectl kustomize` (they skip without it).
# Bookworm's own kubernetes-client (1.20) has a kustomize too old for these overlays; trixie's (1.32) has v5.
if command -v kubectl >/dev/null 2>&1; then
  echo "setup: kubectl present ($(kubectl version --client 2>/dev/null | grep -i '^kustomize' || echo 'kustomize version unknown'))"
elif is_bookworm; then
  if add_trixie_source && apt_install -t trixie kubernetes-client && command -v kubectl >/dev/null 2>&1; then
    echo "setup: installed kubernetes-client (kubectl) from Debian 13 (trixie)"
  else
    echo "setup: could not install kubernetes-client from Debian 13 (trixie); the deploy tests will skip" >&2
  fi
elif apt_install kubernetes-client && command -v kubectl >/dev/null 2>&1; then
  echo "setup: installed kubernetes-client (kubectl)"
else
  echo "setup: could not install kubernetes-client; the deploy tests will skip" >&2
fi
