#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring Secret Service, so
# the tests use a real OS keychain without touching the user's own (fresh keyring folder per run):
#   bash test/keyring-session.sh vitest run
set -euo pipefail
for tool in dbus-run-session gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "test/keyring-session.sh: $tool is missing: install the Debian packages dbus and gnome-keyring (bash scripts/setup.sh does)." >&2
    exit 3
  fi
done
if [ -z "${KEYCAST_TEST_IN_SESSION:-}" ]; then
  exec env KEYCAST_TEST_IN_SESSION=1 dbus-run-session -- bash "$0" "$@" 2> >(grep -v 'Failed to set fd limit' >&2)
fi
XDG_DATA_HOME=$(mktemp -d -t keycast-keyring-XXXXXX)
export XDG_DATA_HOME
trap 'rm -rf "$XDG_DATA_HOME"' EXIT
# The daemon forks and prints its environment; it lives exactly as long as this D-Bus session.
printf 'keycast-test-keyring' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
"$@"
