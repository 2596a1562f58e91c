# Shared by the integration checks. Sourced.
# shellcheck shell=bash
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${ASSETGEN_BIN:-$REPO_ROOT/build/assetgen}
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
export SOURCE_DATE_EPOCH=1700000000
fail() { echo "FAIL: $*"; exit 1; }
# shellcheck source=../../scripts/ci/helpers.sh
. "$REPO_ROOT/scripts/ci/helpers.sh"
