#!/usr/bin/env bash
# Debian's chromium for test/web-ui.test.ts: the browser test drives it with playwright-core and
# never downloads a browser of its own (no network but the package registries). A CJK font too, so
# the screenshot shows the campaigns' Chinese titles instead of empty boxes.
set -euo pipefail
PACKAGES="chromium fonts-wqy-zenhei"
if [ -x /usr/bin/chromium ] && dpkg -s fonts-wqy-zenhei >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-chromium: $PACKAGES are not all installed, and installing them needs root: sudo apt-get update && sudo apt-get install -y --no-install-recommends $PACKAGES" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "install-chromium: $PACKAGES are not all installed, and this machine has no apt-get; install Debian's packages by hand: $PACKAGES" >&2
  exit 1
fi
echo "install-chromium: installing $PACKAGES (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends $PACKAGES; }; then
  echo "install-chromium: apt-get could not install $PACKAGES; run: apt-get update && apt-get install -y --no-install-recommends $PACKAGES" >&2
  exit 1
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "install-chromium: apt-get finished but /usr/bin/chromium is still missing" >&2
  exit 1
fi
