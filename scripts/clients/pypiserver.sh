#!/usr/bin/env bash
# Starts or stops a local pypiserver (from .tools/pyenv, see setup.sh) for the pypi push case.
#
#   scripts/clients/pypiserver.sh start --port PORT --dir PACKAGES_DIR [--state DIR]
#   scripts/clients/pypiserver.sh stop  --port PORT [--state DIR]
#
# Binds 127.0.0.1 only, accepts uploads without authentication (-a . -P .), never falls
# back to the public index, and refuses to overwrite an uploaded file. `start` waits until
# /health answers and prints the base URL (upload there; pip reads <URL>simple/).
# State (pid file, log) goes to DIR (default logs/pypiserver-PORT/). Exit 3: not installed.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,11s/^# \{0,1\}//p' "$0" >&2; exit 2; }
[ $# -ge 1 ] || usage
action=$1; shift
port="" dir="" state=""
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=${2:?--port needs a number}; shift 2 ;;
    --dir) dir=${2:?--dir needs a directory}; shift 2 ;;
    --state) state=${2:?--state needs a directory}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "pypiserver.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
srv_init pypiserver "$port" "${state:-logs/pypiserver-$port}"

case "$action" in
  start)
    [ -n "$dir" ] || { echo "pypiserver.sh: start needs --dir PACKAGES_DIR" >&2; exit 2; }
    bin="$TOOLS_DIR/pyenv/bin/pypi-server"
    if [ ! -x "$bin" ]; then
      echo "pypiserver.sh: SKIP: pypiserver not installed ($(case_tool_skip_reason pyenv || echo 'run scripts/clients/setup.sh pypi'))" >&2
      exit 3
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd -P)
    srv_start "http://127.0.0.1:$port/health" \
      "$bin" run --host 127.0.0.1 --port "$port" -a . -P . --disable-fallback \
      --server auto --hash-algo sha256 "$dir"
    ;;
  stop) srv_stop ;;
  *) echo "pypiserver.sh: unknown action '$action' (start or stop)" >&2; usage ;;
esac
