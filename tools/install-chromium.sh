#!/usr/bin/env bash
# Install Debian's chromium for the browser tests and PDF export, when it is missing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "chromium is missing and this user cannot install packages; install Debian's 'chromium'." >&2
    exit 1
  fi
fi
echo "Installing Debian's chromium (needed by the browser tests and --pdf)..." >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
command -v chromium >/dev/null
