#!/usr/bin/env bash
# One entry point that sets up a fresh machine and then does the job:
#   bash scripts/dev.sh start             install everything, then build and launch the desktop app
#   bash scripts/dev.sh start ARGS...     the same set-up, then run the keycast CLI with ARGS
#   bash scripts/dev.sh test              install everything, then run the whole test suite (npm test)
#   bash scripts/dev.sh bench             install everything, then run the benchmarks (npm run bench)
# It needs Node.js 22.12+; when the machine has an older one, it installs Node 24 from the npm
# registry's `node` package into .tools/node (inside this checkout) and puts it first on PATH.
set -euo pipefail
CALLER_DIR=$PWD
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# Debian packages the test suite needs: a D-Bus session bus and the gnome-keyring Secret Service
# (the real OS keychain the integration tests use), Chromium for the UI's end-to-end run,
# PostgreSQL for shared link stores, and the streaming lab: OBS Studio under Xvfb, nginx with the
# RTMP module (its on_publish asks `keycast serve`), ffmpeg to publish, probe and take screenshots
# of the X display, and xdotool to click in OBS's window as a person would.
DEBIAN_PACKAGES=(dbus dbus-daemon gnome-keyring chromium postgresql
  obs-studio xvfb xauth nginx libnginx-mod-rtmp ffmpeg xdotool)

say() { printf 'keycast setup: %s\n' "$*" >&2; }

node_is_recent() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)'
}

ensure_node() {
  local local_bin="$ROOT/.tools/node/node_modules/node/bin"
  if [ -x "$local_bin/node" ]; then export PATH="$local_bin:$PATH"; fi
  if node_is_recent; then return; fi
  if ! command -v npm >/dev/null 2>&1; then
    say "Node.js 22.12 or newer is required and npm is missing: install Node.js 24 (https://nodejs.org) and run this again."
    exit 3
  fi
  say "Node.js $(node --version 2>/dev/null || echo none) is older than 22.12: installing Node 24 from the npm registry into .tools/node"
  npm install --prefix "$ROOT/.tools/node" --no-save --no-audit --no-fund node@24 >/dev/null
  export PATH="$local_bin:$PATH"
  node_is_recent || { say "Node 24 could not be installed into .tools/node"; exit 3; }
}

ensure_debian_packages() {
  local missing=()
  for package in "$@"; do
    # `dpkg -s` also succeeds for a removed package whose config files remain: ask for the real state.
    [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" = "install ok installed" ] || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return
  if ! command -v apt-get >/dev/null 2>&1; then
    say "missing system packages (${missing[*]}) and no apt-get: install their equivalents for your OS."
    exit 3
  fi
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  say "installing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_npm_packages() {
  # A clean install whenever package-lock.json differs from the one last installed; `prepare` builds.
  local stamp=node_modules/.keycast-lock.sha256 wanted
  wanted=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    say "installing npm packages (npm ci)"
    npm ci --no-audit --no-fund 1>&2
    echo "$wanted" > "$stamp"
  elif [ ! -f dist/cli/main.js ] || [ -n "$(find main/core main/cli shared bench -newer dist/cli/main.js -name '*.ts' -print -quit)" ]; then
    npm run --silent build 1>&2
  fi
}

command=${1:-}
[ $# -gt 0 ] && shift
case "$command" in
  start)
    ensure_node
    ensure_npm_packages
    if [ $# -eq 0 ]; then
      if [ "$(uname)" = Linux ] && [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
        say "no display (DISPLAY/WAYLAND_DISPLAY unset): the desktop app needs a desktop session; the CLI works anywhere: bash scripts/dev.sh start --help"
        exit 3
      fi
      # Builds main, preload and UI, then launches Electron (its binary downloads on first use).
      exec npm start
    fi
    # Relative paths in the arguments (--out FILE, key files) mean the caller's folder.
    cd "$CALLER_DIR"
    exec node "$ROOT/bin/keycast.js" "$@"
    ;;
  test)
    ensure_debian_packages "${DEBIAN_PACKAGES[@]}"
    ensure_node
    ensure_npm_packages
    exec npm test
    ;;
  bench)
    ensure_node
    ensure_npm_packages
    exec npm run bench
    ;;
  *)
    echo "usage: bash scripts/dev.sh start [keycast args...] | test | bench" >&2
    exit 2
    ;;
esac
