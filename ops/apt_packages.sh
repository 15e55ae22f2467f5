# Sourced by ops/ensure_browser.sh and ops/ensure_services.sh: install Debian packages
# with apt-get, as root or through password-less sudo, without starting their services.
#   install_debian_packages "what they are for" package...
install_debian_packages() {
  local purpose="$1"; shift
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: $* not installed and this system has no apt-get; install them by hand ($purpose)." >&2
    return 1
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo="sudo"
    else
      echo "error: installing $* ($purpose) needs root: sudo apt-get update && sudo apt-get install -y $*" >&2
      return 1
    fi
  fi
  echo "Installing $* for $purpose (apt-get; a minute)..."
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d 101: a package must not start the system's own service (the project starts its own)
  local policy_added=""
  if [ "$(id -u)" -eq 0 ] && [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && policy_added=1
  fi
  local status=0
  if ! $sudo apt-get update -qq >/dev/null; then
    echo "error: apt-get update failed; cannot install $*." >&2
    status=1
  elif ! $sudo apt-get install -y -qq "$@" >/dev/null; then
    echo "error: apt-get install $* failed." >&2
    status=1
  fi
  [ -n "$policy_added" ] && rm -f /usr/sbin/policy-rc.d
  return $status
}
