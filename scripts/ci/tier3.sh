#!/usr/bin/env bash
# Tier 3 (E2E): the native clients pull every artifact from a local static
# server and push it to a local registry, then install it back.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BIN=$REPO_ROOT/build/assetgen
WORK=$REPO_ROOT/build/tier3
SIZES=(${TIER3_SIZES:-small medium})
SERVE_PORT=${TIER3_SERVE_PORT:-18480}
PYPI_PORT=${TIER3_PYPI_PORT:-18481}
NPM_PORT=${TIER3_NPM_PORT:-18482}
BASE=http://127.0.0.1:$SERVE_PORT

stop_servers() {
  scripts/serve.sh stop --port "$SERVE_PORT" --state "$WORK/serve" >/dev/null 2>&1 || true
  scripts/clients/pypiserver.sh stop --port "$PYPI_PORT" >/dev/null 2>&1 || true
  scripts/clients/verdaccio.sh stop --port "$NPM_PORT" >/dev/null 2>&1 || true
}
trap stop_servers EXIT

build() {
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DASSETGEN_WERROR=ON
  cmake --build build -j "$(nproc)"
}

tools() {
  scripts/clients/setup.sh all
}

generate() { # size: the default packages plus a scoped npm one, merged in one tree
  rm -rf "$WORK/out/$1"
  "$BIN" generate --profile all --size "$1" --out "$WORK/out" --base-url "$BASE/" --quiet
  "$BIN" generate --format npm --name @assetgen/scoped-demo --size "$1" --out "$WORK/out" \
    --base-url "$BASE/" --quiet
  "$BIN" verify --size "$1" --out "$WORK/out" --quiet
}

serve() { # size
  scripts/serve.sh stop --port "$SERVE_PORT" --state "$WORK/serve" >/dev/null 2>&1 || true
  scripts/serve.sh start --root "$WORK/out/$1" --port "$SERVE_PORT" --state "$WORK/serve"
}

push_servers() {
  rm -rf "$WORK/pypiserver" "$WORK/verdaccio"
  scripts/clients/pypiserver.sh start --port "$PYPI_PORT" --dir "$WORK/pypiserver"
  scripts/clients/verdaccio.sh start --port "$NPM_PORT" --storage "$WORK/verdaccio"
}

artifacts() { # size -> "format<TAB>path" lines
  python3 -c 'import json,sys
for a in json.load(open(sys.argv[1]))["artifacts"]:
    print(a["format"] + "\t" + a["path"])' "$WORK/out/$1/manifest.json"
}

tier_begin tier3
check build build
check client-tools tools
for size in "${SIZES[@]}"; do
  check "generate-$size" generate "$size"
  check "serve-$size" serve "$size"
  check "push-servers-$size" push_servers
  while IFS=$'\t' read -r format path; do
    check "pull-$size-$(basename "$path")" \
      "scripts/clients/$format.sh" pull --registry "$BASE" \
      --manifest "$WORK/out/$size/manifest.json" --artifact "$path"
    registry=http://127.0.0.1:$PYPI_PORT
    [ "$format" = npm ] && registry=http://127.0.0.1:$NPM_PORT
    check "push-$size-$(basename "$path")" \
      "scripts/clients/$format.sh" push --registry "$registry" \
      --manifest "$WORK/out/$size/manifest.json" --artifact "$path"
  done < <(artifacts "$size")
  stop_servers
done
tier_end
