#!/usr/bin/env bash
# Installs the push servers and client tools that the native client cases need into the
# git-ignored .tools/ directory at the repository root. Idempotent: a tool whose pinned
# version is already there is left alone.
#
#   scripts/clients/setup.sh [all|pypi|npm|npm-audit|uv|pnpm|cargo]
#
#   .tools/pyenv      python venv with twine and pypiserver (+ waitress as its WSGI server)
#   .tools/uv         python venv with uv, the second pypi client (uv.sh)
#   .tools/verdaccio  verdaccio for npm publish tests
#   .tools/npm-audit  npm 9.6.7, used only for `npm audit signatures` (see npm_audit_version)
#   .tools/pnpm       pnpm, the second npm client (pnpm.sh; see pnpm_version)
#   .tools/cargo-registry  cargo-http-registry for cargo publish tests: a link to
#                     $ASSETGEN_TOOLS_CACHE/cargo-registry (default ~/.cache/assetgen-tools),
#                     kept outside the clone because building it takes minutes; a missing
#                     cache is built again
#
# A tool that cannot be installed is reported with a loud SKIP line and its reason is kept
# in .tools/<tool>.skip, which the client and server scripts turn into a `skip` result.
# Exit status: 0 when every requested tool is ready, 3 when any was skipped, 2 on usage.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
tools=${ASSETGEN_TOOLS_DIR:-$repo/.tools}
python=${PYTHON:-python3}

# Top-level pins (checked on Python 3.11 with pip 23.2).
py_pins=(twine==7.0.0 pypiserver==2.4.2 waitress==3.0.2)
# Their dependencies as resolved when the pins were chosen; used as constraints so a later
# release cannot change the tools under the tests. Dropped (with a note) if they no longer
# install, e.g. on a newer Python.
py_constraints=(
  backports.tarfile==1.2.0 certifi==2026.10.19.post1 cffi==2.1.1 charset-normalizer==3.5.3
  cryptography==50.0.2 defusedxml==0.7.1 docutils==0.23 id==1.6.1 idna==3.20
  importlib_metadata==10.2.0 importlib_resources==7.1.0 jaraco.classes==3.4.0
  jaraco.context==6.1.2 jaraco.functools==4.6.0 jeepney==0.9.0 keyring==25.7.0
  lazy-importer==0.1.0 markdown-it-py==4.3.0 mdurl==0.1.2 more-itertools==11.2.1 nh3==0.3.8
  packaging==26.4 pycparser==3.12 Pygments==2.21.0 readme_renderer==46.0 requests==2.34.2
  requests-toolbelt==1.0.0 rfc3986==2.0.0 rich==15.0.0 SecretStorage==3.5.0 urllib3==2.8.0
  zipp==4.1.2
)
verdaccio_version=6.8.0
# verdaccio 6.8.0's verdaccio-audit asks for node-fetch@cjs, a dist-tag that no longer exists.
verdaccio_overrides='{"node-fetch": "2.7.0"}'

# `npm audit signatures` from npm 9.7 on first initialises sigstore's TUF client, which
# downloads its trust root from the sigstore CDN and fails where only the package registries
# are reachable; npm 9.6.7 is the last release that asks the registry alone
# (<registry>/-/npm/v1/keys), so the audit case runs it while installs use the machine's npm.
npm_audit_version=9.6.7

uv_version=0.13.9
# pnpm 11 declares engines node >= 22.13; 10 is the newest line whose JavaScript client runs
# on Node 18.12 and later (12 is a native binary that does not run on Node at all).
pnpm_version=10.34.9
pnpm_node_major=18

what=${1:-all}
case "$what" in all|pypi|npm|npm-audit|uv|pnpm|cargo) ;; -h|--help) sed -n '2,21s/^# \{0,1\}//p' "$0"; exit 0 ;;
  *) echo "setup.sh: unknown target '$what' (all, pypi, npm, npm-audit, uv, pnpm or cargo)" >&2; exit 2 ;; esac

mkdir -p "$tools"
skipped=0

skip() {
  local tool=$1 reason=$2
  printf '%s\n' "$reason" >"$tools/$tool.skip"
  echo "setup.sh: ************************************************************" >&2
  echo "setup.sh: SKIP $tool: $reason" >&2
  echo "setup.sh: ************************************************************" >&2
  skipped=1
}

setup_pyenv() {
  local env="$tools/pyenv" stamp want log="$tools/pyenv-install.log"
  want="${py_pins[*]} | ${py_constraints[*]}"
  stamp="$env/.assetgen-pins"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
     && "$env/bin/twine" --version >/dev/null 2>&1 && "$env/bin/pypi-server" --version >/dev/null 2>&1; then
    rm -f "$tools/pyenv.skip"
    echo "setup.sh: pyenv ready (${py_pins[*]})"
    return 0
  fi
  command -v "$python" >/dev/null || { skip pyenv "$python not found"; return 0; }
  echo "setup.sh: installing ${py_pins[*]} into $env"
  rm -rf "$env"
  if ! "$python" -m venv "$env" >"$log" 2>&1; then
    skip pyenv "'$python -m venv' failed (Debian: apt-get install python3-venv); see $log"
    return 0
  fi
  printf '%s\n' "${py_constraints[@]}" >"$tools/pyenv-constraints.txt"
  if ! PIP_CONFIG_FILE=/dev/null "$env/bin/python" -m pip install --disable-pip-version-check -q \
        -c "$tools/pyenv-constraints.txt" "${py_pins[@]}" >>"$log" 2>&1; then
    echo "setup.sh: pinned dependency set did not install; retrying with the top-level pins only" >&2
    if ! PIP_CONFIG_FILE=/dev/null "$env/bin/python" -m pip install --disable-pip-version-check -q \
          "${py_pins[@]}" >>"$log" 2>&1; then
      skip pyenv "pip could not install ${py_pins[*]}: $(grep -m1 -E '^ERROR' "$log" || echo "see $log")"
      return 0
    fi
  fi
  if ! "$env/bin/twine" --version >>"$log" 2>&1 || ! "$env/bin/pypi-server" --version >>"$log" 2>&1; then
    skip pyenv "twine or pypi-server does not run after install; see $log"
    return 0
  fi
  printf '%s\n' "$want" >"$stamp"
  rm -f "$tools/pyenv.skip"
  echo "setup.sh: pyenv ready (${py_pins[*]})"
}

setup_verdaccio() {
  local dir="$tools/verdaccio" log="$tools/verdaccio-install.log" major bin
  bin="$dir/node_modules/verdaccio/bin/verdaccio"
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    skip verdaccio "node/npm not on PATH (Debian: apt-get install nodejs npm)"
    return 0
  fi
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt 20 ]; then
    skip verdaccio "verdaccio $verdaccio_version needs Node >= 20, found $(node --version)"
    return 0
  fi
  if [ -f "$bin" ] && [ "$(node -p 'require(process.argv[1]).version' "$dir/node_modules/verdaccio/package.json" 2>/dev/null)" = "$verdaccio_version" ]; then
    rm -f "$tools/verdaccio.skip"
    echo "setup.sh: verdaccio $verdaccio_version ready"
    return 0
  fi
  echo "setup.sh: installing verdaccio $verdaccio_version into $dir"
  mkdir -p "$dir"
  cat >"$dir/package.json" <<EOF
{
  "name": "assetgen-tools-verdaccio",
  "private": true,
  "dependencies": { "verdaccio": "$verdaccio_version" },
  "overrides": $verdaccio_overrides
}
EOF
  if ! (cd "$dir" && npm install --no-audit --no-fund --omit=dev --loglevel=warn) >"$log" 2>&1; then
    skip verdaccio "npm install verdaccio@$verdaccio_version failed: $(grep -m1 -E '^npm (error|ERR!) code' "$log" || echo "see $log")"
    return 0
  fi
  if ! node "$bin" --version >>"$log" 2>&1; then
    skip verdaccio "verdaccio does not run after install; see $log"
    return 0
  fi
  rm -f "$tools/verdaccio.skip"
  echo "setup.sh: verdaccio $verdaccio_version ready"
}

setup_npm_audit() {
  local dir="$tools/npm-audit" log="$tools/npm-audit-install.log" cli
  cli="$dir/node_modules/npm/bin/npm-cli.js"
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    skip npm-audit "node/npm not on PATH (Debian: apt-get install nodejs npm)"
    return 0
  fi
  if [ -f "$cli" ] && [ "$(node "$cli" --version 2>/dev/null)" = "$npm_audit_version" ]; then
    rm -f "$tools/npm-audit.skip"
    echo "setup.sh: npm $npm_audit_version (for audit signatures) ready"
    return 0
  fi
  echo "setup.sh: installing npm $npm_audit_version into $dir"
  rm -rf "$dir"
  mkdir -p "$dir"
  cat >"$dir/package.json" <<EOF
{
  "name": "assetgen-tools-npm-audit",
  "private": true,
  "dependencies": { "npm": "$npm_audit_version" }
}
EOF
  # npm bundles its own dependencies, so this is a single tarball.
  if ! (cd "$dir" && npm install --no-audit --no-fund --ignore-scripts --loglevel=warn) >"$log" 2>&1; then
    skip npm-audit "npm install npm@$npm_audit_version failed: $(grep -m1 -E '^npm (error|ERR!) code' "$log" || echo "see $log")"
    return 0
  fi
  if [ "$(node "$cli" --version 2>>"$log")" != "$npm_audit_version" ]; then
    skip npm-audit "npm $npm_audit_version does not run after install; see $log"
    return 0
  fi
  rm -f "$tools/npm-audit.skip"
  echo "setup.sh: npm $npm_audit_version (for audit signatures) ready"
}

setup_uv() {
  local env="$tools/uv" log="$tools/uv-install.log"
  if [ "$("$env/bin/uv" --version 2>/dev/null | cut -d' ' -f2)" = "$uv_version" ]; then
    rm -f "$tools/uv.skip"
    echo "setup.sh: uv $uv_version ready"
    return 0
  fi
  command -v "$python" >/dev/null || { skip uv "$python not found"; return 0; }
  echo "setup.sh: installing uv==$uv_version into $env"
  rm -rf "$env"
  if ! "$python" -m venv "$env" >"$log" 2>&1; then
    skip uv "'$python -m venv' failed (Debian: apt-get install python3-venv); see $log"
    return 0
  fi
  # uv's wheel carries its own binary and has no dependencies.
  if ! PIP_CONFIG_FILE=/dev/null "$env/bin/python" -m pip install --disable-pip-version-check -q \
        "uv==$uv_version" >>"$log" 2>&1; then
    skip uv "pip could not install uv==$uv_version: $(grep -m1 -E '^ERROR' "$log" || echo "see $log")"
    return 0
  fi
  if [ "$("$env/bin/uv" --version 2>>"$log" | cut -d' ' -f2)" != "$uv_version" ]; then
    skip uv "uv $uv_version does not run after install; see $log"
    return 0
  fi
  rm -f "$tools/uv.skip"
  echo "setup.sh: uv $uv_version ready"
}

setup_pnpm() {
  local dir="$tools/pnpm" log="$tools/pnpm-install.log" bin major
  bin="$dir/node_modules/.bin/pnpm"
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    skip pnpm "node/npm not on PATH (Debian: apt-get install nodejs npm)"
    return 0
  fi
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt "$pnpm_node_major" ]; then
    skip pnpm "pnpm $pnpm_version needs Node >= $pnpm_node_major, found $(node --version)"
    return 0
  fi
  if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "$pnpm_version" ]; then
    rm -f "$tools/pnpm.skip"
    echo "setup.sh: pnpm $pnpm_version ready"
    return 0
  fi
  echo "setup.sh: installing pnpm $pnpm_version into $dir"
  rm -rf "$dir"
  mkdir -p "$dir"
  cat >"$dir/package.json" <<EOF
{
  "name": "assetgen-tools-pnpm",
  "private": true,
  "dependencies": { "pnpm": "$pnpm_version" }
}
EOF
  # pnpm 10 bundles its own dependencies and has no install scripts: a single tarball.
  if ! (cd "$dir" && npm install --no-audit --no-fund --ignore-scripts --loglevel=warn) >"$log" 2>&1; then
    skip pnpm "npm install pnpm@$pnpm_version failed: $(grep -m1 -E '^npm (error|ERR!) code' "$log" || echo "see $log")"
    return 0
  fi
  if [ "$("$bin" --version 2>>"$log")" != "$pnpm_version" ]; then
    skip pnpm "pnpm $pnpm_version does not run after install; see $log"
    return 0
  fi
  rm -f "$tools/pnpm.skip"
  echo "setup.sh: pnpm $pnpm_version ready"
}

setup_cargo_registry() {
  local cache=${ASSETGEN_TOOLS_CACHE:-${HOME:-/root}/.cache/assetgen-tools}/cargo-registry
  if ! command -v cargo >/dev/null; then
    skip cargo-registry "cargo not on PATH (rustup or Debian cargo >= 1.68)"
    return 0
  fi
  mkdir -p "$cache"
  # The cache is reached through .tools/, where the client case looks.
  if [ ! -L "$tools/cargo-registry" ] || [ "$(readlink "$tools/cargo-registry")" != "$cache" ]; then
    rm -rf "$tools/cargo-registry"
    ln -s "$cache" "$tools/cargo-registry"
  fi
  if ! ASSETGEN_TOOLS_CACHE=$cache "$here/cargo-registry.sh" install; then
    skip cargo-registry "cargo install of the registry server failed; see $cache/install.log"
    return 0
  fi
  rm -f "$tools/cargo-registry.skip"
}

case "$what" in
  all) setup_pyenv; setup_uv; setup_verdaccio; setup_npm_audit; setup_pnpm; setup_cargo_registry ;;
  cargo) setup_cargo_registry ;;
  pypi) setup_pyenv; setup_uv ;;
  npm) setup_verdaccio; setup_npm_audit; setup_pnpm ;;
  npm-audit) setup_npm_audit ;;
  uv) setup_uv ;;
  pnpm) setup_pnpm ;;
esac
[ "$skipped" -eq 0 ] || exit 3
