#!/usr/bin/env bash
# Make sure the Chromium that the browser tests drive (tests/test_widget_browser.py)
# is installed: Debian's `chromium` package. Idempotent: does nothing when it is
# already there. Playwright drives this browser; it never downloads one.
#
#   ops/ensure_browser.sh            # installs if missing, prints the version
#   CHROMIUM_PATH=/path/to/chrome    # use another Chromium instead (checked, not installed)
set -euo pipefail

if [ -n "${CHROMIUM_PATH:-}" ]; then
  if [ -x "$CHROMIUM_PATH" ]; then
    echo "browser: $("$CHROMIUM_PATH" --version 2>/dev/null || echo "$CHROMIUM_PATH")"
    exit 0
  fi
  echo "error: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file" >&2
  exit 1
fi

if [ -x /usr/bin/chromium ]; then
  echo "browser: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: Chromium is not installed and this system has no apt-get." >&2
  echo "       Install Chromium and set CHROMIUM_PATH to its executable." >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo"
  else
    echo "error: Chromium is not installed and installing it needs root:" >&2
    echo "       sudo apt-get update && sudo apt-get install -y chromium" >&2
    exit 1
  fi
fi

echo "Installing Chromium for the browser tests (apt-get install chromium)..."
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get update -qq >/dev/null; then
  echo "error: apt-get update failed; cannot install Chromium for the browser tests." >&2
  exit 1
fi
if ! $SUDO apt-get install -y -qq chromium >/dev/null; then
  echo "error: apt-get install chromium failed; the browser tests cannot run." >&2
  exit 1
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "error: the chromium package installed no /usr/bin/chromium." >&2
  exit 1
fi
echo "browser: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
