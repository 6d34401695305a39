#!/usr/bin/env bash
# One-time machine set-up: makes sure the native runtime TorchSharp needs is present.
# TorchSharp 0.107 (libtorch 2.10) needs libstdc++ from GCC >= 13 (symbol GLIBCXX_3.4.32).
# Debian 12 ships GCC 12: there we add Debian 13 as a low-priority apt source and take only
# libstdc++6 from it. On systems that already have the symbol this does nothing.
set -euo pipefail

have_glibcxx() {
  local lib
  for lib in /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib/aarch64-linux-gnu/libstdc++.so.6 /usr/lib64/libstdc++.so.6; do
    [ -f "$lib" ] && grep -q "GLIBCXX_3.4.32" "$lib" && return 0
  done
  return 1
}

if have_glibcxx; then
  echo "setup: libstdc++ has GLIBCXX_3.4.32, nothing to do"
else
  if ! grep -qs 'VERSION_CODENAME=bookworm' /etc/os-release; then
    echo "setup: libstdc++ lacks GLIBCXX_3.4.32; install libstdc++ from GCC >= 13 for this OS" >&2
    exit 1
  fi
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  src=/etc/apt/sources.list.d/debian-trixie.sources
  if [ ! -f "$src" ]; then
    $SUDO tee "$src" >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  $SUDO tee /etc/apt/preferences.d/trixie-low >/dev/null <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -t trixie libstdc++6 >/dev/null
  have_glibcxx || { echo "setup: libstdc++6 from trixie did not provide GLIBCXX_3.4.32" >&2; exit 1; }
  echo "setup: installed libstdc++6 from Debian 13 (trixie)"
fi

# redis-server: the Redis clustering and storage tests start one on a loopback port (they skip without it).
if command -v redis-server >/dev/null 2>&1; then
  echo "setup: redis-server present"
else
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  if { $SUDO apt-get install -y -qq redis-server >/dev/null 2>&1 || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq redis-server >/dev/null; }; }; then
    echo "setup: installed redis-server"
  else
    echo "setup: could not install redis-server; the Redis tests will skip" >&2
  fi
fi
