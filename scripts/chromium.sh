#!/usr/bin/env bash
# Installs Debian's Chromium for the portal's browser tests (Playwright drives it through ExecutablePath=/usr/bin/chromium).
# Does nothing when it is already there. Waits for another apt run to release its lock rather than failing.
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
command -v apt-get >/dev/null || { echo "chromium is missing and apt-get is not available: install Chromium at /usr/bin/chromium" >&2; exit 1; }
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
$sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends chromium >/dev/null
[ -x /usr/bin/chromium ] || { echo "chromium did not install at /usr/bin/chromium" >&2; exit 1; }
