#!/usr/bin/env bash
# Make sure the servers of the replicated set-up (README "Several replicas") are
# installed from Debian's packages: PostgreSQL, Redis and nginx. Idempotent:
# does nothing when they are already there. Nothing is started here; the
# project starts its own throwaway instances (ops/datastores.py, ops/replicas.py)
# and never touches the system's own services.
#
#   ops/ensure_services.sh      # installs what is missing, prints the versions
set -euo pipefail
# shellcheck source=ops/apt_packages.sh
source "$(dirname "$0")/apt_packages.sh"

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

missing=()
[ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)

if [ ${#missing[@]} -gt 0 ]; then
  install_debian_packages "the replicated set-up and its tests" "${missing[@]}"
fi

echo "postgresql: $("$(pg_bin)/postgres" --version)"
echo "redis: $(redis-server --version | cut -d' ' -f3)"
echo "nginx: $( (/usr/sbin/nginx -v || nginx -v) 2>&1)"
