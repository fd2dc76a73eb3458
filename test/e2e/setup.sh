#!/usr/bin/env bash
# Installs the end-to-end harness: Debian's Chromium (+ the libraries code-server's native modules
# build against) from apt, and code-server + playwright-core from the npm registry into
# test/e2e/harness/node_modules. Nothing is downloaded from anywhere else (see ../shared/docs/E2E.md).
# Cached: a rerun with the same lockfile and packages present returns in well under a second.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
harness="$here/harness"
stamp="$harness/node_modules/.prompt-tuner-harness.sha256"

# 1. apt: chromium (the browser), libkrb5-dev (kerberos' gssapi.h), ripgrep (the rg binary that
#    @vscode/ripgrep would otherwise download from GitHub).
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v rg >/dev/null || missing+=(ripgrep)
[ -f /usr/include/gssapi/gssapi.h ] || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# 2. npm: skip when this exact lockfile is already installed.
want="$(sha256sum "$harness/package-lock.json" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$harness/node_modules/.bin/code-server" ]; then
  echo "setup.sh: harness up to date"
  exit 0
fi

# Trap 3: @vscode/ripgrep's postinstall downloads rg from GitHub; pre-seed its cache with Debian's rg
# under the exact name it looks for. 1.15.11 is the version code-server 4.99.4 pins in
# lib/vscode/npm-shrinkwrap.json: change both together.
rg_pkg_version=1.15.11
rg_asset="ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/vscode-ripgrep-cache-$rg_pkg_version"
cp "$(command -v rg)" "$tmp/rg"
tar -C "$tmp" -czf "$tmp/vscode-ripgrep-cache-$rg_pkg_version/$rg_asset" rg

echo "setup.sh: npm ci in $harness (code-server builds native modules: about a minute)"
(
  cd "$harness"
  export TMPDIR="$tmp"                       # where @vscode/ripgrep looks for its cached download
  export npm_config_unsafe_perm=true         # trap 1: code-server's postinstall refuses root otherwise
  export npm_config_yes=true                 # trap 4: node-pty runs `npx node-gyp`
  export npm_config_nodedir=/usr             # native builds use the local Node headers
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1  # the browser is Debian's chromium
  npm ci --no-audit --no-fund --loglevel=error
)
[ -x "$harness/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ] ||
  { echo "setup.sh: code-server installed without rg (did @vscode/ripgrep's version change?)" >&2; exit 1; }
echo "$want" > "$stamp"
echo "setup.sh: harness installed"
