#!/usr/bin/env bash
# Make sure the servers of the replicated set-up (README "Several replicas") are
# installed from Debian's packages: PostgreSQL, Redis and nginx. Idempotent:
# does nothing when they are already there. Nothing is started here; the
# project starts its own throwaway instances (ops/datastores.py, ops/replicas.py)
# and never touches the system's own services.
#
#   ops/ensure_services.sh      # installs what is missing, prints the versions
set -euo pipefail

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

missing=()
[ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)

if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: ${missing[*]} not installed and this system has no apt-get; install them by hand." >&2
    exit 1
  fi
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      SUDO="sudo"
    else
      echo "error: installing ${missing[*]} needs root: sudo apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
  fi
  echo "Installing ${missing[*]} (apt-get; a minute)..."
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d 101: the packages must not start the system's own services (no init here anyway)
  if [ "$(id -u)" -eq 0 ] && [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  $SUDO apt-get update -qq >/dev/null || { echo "error: apt-get update failed" >&2; exit 1; }
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || { echo "error: apt-get install ${missing[*]} failed" >&2; exit 1; }
fi

echo "postgresql: $("$(pg_bin)/postgres" --version)"
echo "redis: $(redis-server --version | cut -d' ' -f3)"
echo "nginx: $( (/usr/sbin/nginx -v || nginx -v) 2>&1)"
