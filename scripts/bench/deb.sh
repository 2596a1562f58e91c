#!/usr/bin/env bash
# Benchmarks assetgen's deb format against dpkg-deb on the same content:
#   assetgen generate --format deb --size SIZE (the .deb, Packages, Release; unsigned)
#   vs  dpkg-deb --build of the same tree (DEBIAN/control and md5sums as assetgen wrote them,
#       the templates and the data file), with dpkg-deb's default compression (xz) and with
#       -Znone, each followed by the sha256 Packages needs
#   and the floor: writing the same bytes and taking the digests alone (cp of the .deb, then
#       md5sum, sha256sum and sha512sum of it).
# Wall time and peak RSS come from /usr/bin/time -v; each figure is the best of RUNS runs.
#   scripts/bench/deb.sh [SIZE]   (default large; RUNS=3)
#   ASSETGEN=path/to/assetgen     the binary to measure (default build/assetgen)
#   BENCH_WORK=dir                scratch directory (default: bench-deb/ next to the binary)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_setup deb "${1:-large}"
command -v dpkg-deb >/dev/null || { echo "bench: dpkg-deb not found (Debian: apt-get install dpkg)" >&2; exit 2; }

# Same content: the tree dpkg-deb would have built, unpacked (control files included) from
# what assetgen wrote.
"$bin" generate --format deb --size "$size" --plain-names --no-sign --out "$work/ref" --quiet
deb=$(find "$work/ref/$size/deb/pool" -name '*.deb' -type f | head -n1)
[ -n "$deb" ] || { echo "bench: assetgen wrote no .deb" >&2; exit 1; }
dpkg-deb --raw-extract "$deb" "$work/tree"
SOURCE_DATE_EPOCH=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["source_date_epoch"])' "$work/ref/$size/manifest.json")
export SOURCE_DATE_EPOCH

native_default() {
  dpkg-deb --root-owner-group --build "$work/tree" "$work/native.deb" >/dev/null
  sha256sum "$work/native.deb" >/dev/null
}
native_none() {
  dpkg-deb --root-owner-group -Znone --build "$work/tree" "$work/native-none.deb" >/dev/null
  sha256sum "$work/native-none.deb" >/dev/null
}
ours() {
  rm -rf "$work/out"
  "$bin" generate --format deb --size "$size" --plain-names --no-sign --out "$work/out" --quiet
}
floor() {
  cp "$deb" "$work/floor.deb"
  md5sum "$work/floor.deb" >/dev/null
  sha256sum "$work/floor.deb" >/dev/null
  sha512sum "$work/floor.deb" >/dev/null
}

export -f native_default native_none ours floor
export bin size work deb
a=$(best_of bash -c ours)
d=$(best_of bash -c native_default)
z=$(best_of bash -c native_none)
f=$(best_of bash -c floor)
ours_bytes=$(stat -c %s "$(find "$work/out/$size/deb/pool" -name '*.deb' -type f | head -n1)")

echo "deb, size $size, best of $runs (assetgen also writes Packages, Packages.gz and Release)"
echo "| pipeline | wall | peak RSS | .deb bytes |"
echo "|---|---|---|---|"
printf '| assetgen generate --format deb | %ss | %s MiB | %s |\n' "${a%% *}" "$((${a##* } / 1024))" "$ours_bytes"
printf '| dpkg-deb --build (default, xz) + sha256 | %ss | %s MiB | %s |\n' "${d%% *}" "$((${d##* } / 1024))" "$(stat -c %s "$work/native.deb")"
printf '| dpkg-deb -Znone --build + sha256 | %ss | %s MiB | %s |\n' "${z%% *}" "$((${z##* } / 1024))" "$(stat -c %s "$work/native-none.deb")"
printf '| floor: write + md5/sha256/sha512 | %ss | %s MiB | - |\n' "${f%% *}" "$((${f##* } / 1024))"
echo "time ratio (assetgen / dpkg-deb default): $(ratio "${a%% *}" "${d%% *}")"
echo "time ratio (assetgen / dpkg-deb -Znone): $(ratio "${a%% *}" "${z%% *}")"
echo "time ratio (assetgen / floor): $(ratio "${a%% *}" "${f%% *}")"
echo "RSS ratio (assetgen / dpkg-deb default): $(ratio "${a##* }" "${d##* }")"
