#!/usr/bin/env bash
# Installs, starts or stops a local cargo registry (cargo-http-registry, from crates.io) for
# the cargo push case.
#
#   scripts/clients/cargo-registry.sh install
#   scripts/clients/cargo-registry.sh start --port PORT --state DIR [--dir REGISTRY_DIR]
#   scripts/clients/cargo-registry.sh stop  --port PORT --state DIR
#
# install: `cargo install --locked` of the pinned version into $ASSETGEN_TOOLS_CACHE (default
# .tools/cargo-registry at the repository root, which scripts/clients/setup.sh links to a
# cache outside the clone); skipped when the binary there already reports the pinned version. Building it needs cargo, a C compiler, pkg-config and libssl-dev.
# start: binds 127.0.0.1:PORT only; the registry (a git repository holding config.json, the
# index files and the .crate files) lives in REGISTRY_DIR (default DIR/registry); pid file
# and log go to DIR. Waits until the index answers and prints the base URL. Under that URL:
#   PUT  api/v1/crates/new   publish body (u32 LE length, JSON, u32 LE length, .crate);
#                            no token checked; at most 20 MiB; errors come back as
#                            200 {"errors":[{"detail":...}]}; a republish is NOT refused
#   crates/                  sparse index: cargo index = "sparse+<URL>crates/"
#   git                      git index (dumb HTTP; cargo needs net.git-fetch-with-cli)
# The server needs `git` on PATH. Exit 3: not installed (run `install` first).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

server_crate=cargo-http-registry
server_version=0.1.8
cache=${ASSETGEN_TOOLS_CACHE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)/.tools/cargo-registry}
[ -d "$cache" ] && cache=$(cd "$cache" && pwd -P)
bin="$cache/bin/$server_crate"

usage() { sed -n '2,21s/^# \{0,1\}//p' "$0" >&2; exit 2; }

# The server prints "cargo-http-registry X.Y.Z" for --version, but exits 1 doing so.
installed_version_ok() {
  local out
  [ -x "$bin" ] || return 1
  out=$(NO_COLOR=1 RUST_BACKTRACE=0 "$bin" --version 2>/dev/null || true)
  [ "$(printf '%s' "$out" | head -n1)" = "$server_crate $server_version" ]
}

do_install() {
  local log t0
  if installed_version_ok; then
    echo "cargo-registry.sh: $server_crate $server_version ready ($bin)" >&2
    return 0
  fi
  command -v cargo >/dev/null || { echo "cargo-registry.sh: cargo not found on PATH; cannot install $server_crate" >&2; exit 1; }
  mkdir -p "$cache"
  cache=$(cd "$cache" && pwd -P)
  bin="$cache/bin/$server_crate"
  log="$cache/install.log"
  echo "cargo-registry.sh: installing $server_crate $server_version into $cache (several minutes; log: $log)" >&2
  t0=$(date +%s)
  if ! cargo install --locked --force --root "$cache" "$server_crate@$server_version" >"$log" 2>&1; then
    echo "cargo-registry.sh: cargo install $server_crate@$server_version failed; last lines of $log:" >&2
    tail -n 15 "$log" >&2
    exit 1
  fi
  if ! installed_version_ok; then
    echo "cargo-registry.sh: $bin installed but does not report version $server_version" >&2
    exit 1
  fi
  echo "cargo-registry.sh: installed $server_crate $server_version in $(( $(date +%s) - t0 )) s" >&2
}

[ $# -ge 1 ] || usage
action=$1; shift
case "$action" in
  install) [ $# -eq 0 ] || { echo "cargo-registry.sh: install takes no arguments (got '$1')" >&2; usage; }
    do_install; exit 0 ;;
  start|stop) ;;
  -h|--help) usage ;;
  *) echo "cargo-registry.sh: unknown action '$action' (install, start or stop)" >&2; usage ;;
esac

port="" state="" dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=${2:?--port needs a number}; shift 2 ;;
    --state) state=${2:?--state needs a directory}; shift 2 ;;
    --dir) dir=${2:?--dir needs a directory}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "cargo-registry.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[ -n "$port" ] || { echo "cargo-registry.sh: $action needs --port PORT" >&2; exit 2; }
[ -n "$state" ] || { echo "cargo-registry.sh: $action needs --state DIR" >&2; exit 2; }
srv_init cargo-registry "$port" "$state"

case "$action" in
  start)
    if ! installed_version_ok; then
      echo "cargo-registry.sh: SKIP: $server_crate $server_version not installed in $cache (run scripts/clients/cargo-registry.sh install)" >&2
      exit 3
    fi
    command -v git >/dev/null || { echo "cargo-registry.sh: git not found on PATH; $server_crate needs it (Debian: apt-get install git)" >&2; exit 1; }
    dir=${dir:-$SRV_STATE/registry}
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd -P)
    # No colours in the log; the server's git commits get a fixed identity.
    srv_start "http://127.0.0.1:$port/crates/config.json" \
      env NO_COLOR=1 RUST_BACKTRACE=0 GIT_AUTHOR_NAME=assetgen GIT_AUTHOR_EMAIL=assetgen@localhost \
      "$bin" -v --addr "127.0.0.1:$port" "$dir"
    ;;
  stop) srv_stop ;;
esac
