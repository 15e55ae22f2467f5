#!/usr/bin/env bash
# Make sure the Chromium that the browser tests drive (tests/test_widget_browser.py)
# is installed: Debian's `chromium` package. Idempotent: does nothing when it is
# already there. Playwright drives this browser; it never downloads one.
#
#   ops/ensure_browser.sh            # installs if missing, prints the version
#   CHROMIUM_PATH=/path/to/chrome    # use another Chromium instead (checked, not installed)
set -euo pipefail
# shellcheck source=ops/apt_packages.sh
source "$(dirname "$0")/apt_packages.sh"

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

install_debian_packages "the browser tests" chromium
if [ ! -x /usr/bin/chromium ]; then
  echo "error: the chromium package installed no /usr/bin/chromium." >&2
  exit 1
fi
echo "browser: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
