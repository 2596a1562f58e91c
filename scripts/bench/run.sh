#!/usr/bin/env bash
# Benchmarks assetgen against the native build tools on the same content:
#   npm:  assetgen generate --format npm --size SIZE   vs  npm pack of the same package dir
#   pypi: assetgen generate --format pypi (wheel+sdist) vs  pip wheel (setuptools) of the
#         same project tree
# and peak RSS of assetgen across the size tiers (it must stay flat).
# Wall time and peak RSS come from /usr/bin/time; each figure is the best of RUNS runs.
#   scripts/bench/run.sh [SIZE]   (default large; RUNS=3)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
size=${1:-large}
runs=${RUNS:-3}
bin=$repo/build/assetgen
work=$repo/build/bench
venv=$repo/.tools/bench-venv
[ -x "$bin" ] || make build >/dev/null
rm -rf "$work" && mkdir -p "$work"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "setuptools<70" wheel
fi

# best_of CMD...: prints "seconds peak_kib", the fastest of $runs runs.
best_of() {
  local best="" line
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$work/time.out" "$@" >/dev/null 2>"$work/last.err"
    line=$(tail -n 1 "$work/time.out")
    if [ -z "$best" ] || awk -v a="${line%% *}" -v b="${best%% *}" 'BEGIN { exit !(a < b) }'; then
      best=$line
    fi
  done
  echo "$best"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f", a / b }'; }

row() { # label ours native
  local ot=${2%% *} om=${2##* } nt=${3%% *} nm=${3##* }
  printf '| %s | %ss | %s MiB | %ss | %s MiB | %s | %s |\n' "$1" "$ot" "$((om / 1024))" \
    "$nt" "$((nm / 1024))" "$(ratio "$ot" "$nt")" "$(ratio "$om" "$nm")"
}

pki=$work/pki
"$bin" pki init --dir "$pki" >/dev/null

# Same content: unpack what assetgen wrote, so the native tool packs identical files.
"$bin" generate --format npm,pypi --size "$size" --out "$work/ref" --pki "$pki" --quiet
mkdir -p "$work/npm-src" "$work/py-src"
tar -xzf "$work/ref/$size/npm/assetgen-demo/-/assetgen-demo-1.0.0.tgz" -C "$work/npm-src"
tar -xzf "$work/ref/$size/pypi/packages/assetgen_demo-1.0.0.tar.gz" -C "$work/py-src"
py=$work/py-src/assetgen_demo-1.0.0
cat >"$py/pyproject.toml" <<'TOML'
[build-system]
requires = ["setuptools", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = "assetgen-demo"
version = "1.0.0"

[tool.setuptools]
packages = ["assetgen_demo"]

[tool.setuptools.package-data]
assetgen_demo = ["data.bin"]
TOML
rm -f "$py/assetgen_backend.py"

ours_npm=$(best_of "$bin" generate --format npm --size "$size" --out "$work/ours-npm" --pki "$pki" --quiet)
native_npm=$(best_of npm pack "$work/npm-src/package" --pack-destination "$work" --silent)
ours_py=$(best_of "$bin" generate --format pypi --size "$size" --out "$work/ours-py" --pki "$pki" --quiet)
native_py=$(best_of "$venv/bin/pip" wheel --quiet --no-deps --no-build-isolation -w "$work/wheels" "$py")

{
  echo "## assetgen vs native tools, size $size (best of $runs)"
  echo
  echo "| task | assetgen time | assetgen RSS | native time | native RSS | time ratio | RSS ratio |"
  echo "|---|---|---|---|---|---|---|"
  row "npm tarball + packument vs npm pack" "$ours_npm" "$native_npm"
  row "pypi wheel + sdist + index vs pip wheel (wheel only)" "$ours_py" "$native_py"
  echo
  echo "## assetgen peak RSS by tier (npm + pypi)"
  echo
  echo "| size | time | peak RSS |"
  echo "|---|---|---|"
  for s in small medium large; do
    r=$(best_of "$bin" generate --format npm,pypi --size "$s" --out "$work/rss" --pki "$pki" --quiet)
    printf '| %s | %ss | %s MiB |\n' "$s" "${r%% *}" "$(( ${r##* } / 1024 ))"
  done
  echo
  echo "## cost of signing (npm + pypi, small)"
  echo
  signed=$(best_of "$bin" generate --format npm,pypi --size small --out "$work/signed" --pki "$pki" --quiet)
  unsigned=$(best_of "$bin" generate --format npm,pypi --size small --out "$work/unsigned" --no-sign --quiet)
  echo "| run | time | peak RSS |"
  echo "|---|---|---|"
  printf '| signed | %ss | %s MiB |\n' "${signed%% *}" "$(( ${signed##* } / 1024 ))"
  printf '| --no-sign | %ss | %s MiB |\n' "${unsigned%% *}" "$(( ${unsigned##* } / 1024 ))"
  printf '\nsigning adds %ss to a small run\n' "$(awk -v a="${signed%% *}" -v b="${unsigned%% *}" 'BEGIN { printf "%.2f", a - b }')"
  echo
  echo "## against the disk (npm + pypi, $size, unsigned)"
  echo
  # The same number of bytes written by dd from /dev/zero and fsynced: the
  # speed of the disk alone, with no data to make, digest or archive.
  bytes=$(python3 -c 'import json,sys; print(sum(a["bytes"] for a in json.load(open(sys.argv[1]))["artifacts"]))' \
    "$work/ref/$size/manifest.json")
  mib=$(( (bytes + 1048575) / 1048576 ))
  ours_disk=$(best_of "$bin" generate --format npm,pypi --size "$size" --out "$work/disk" --no-sign --quiet)
  dd_disk=$(best_of dd if=/dev/zero of="$work/dd.bin" bs=1M count="$mib" conv=fsync status=none)
  rm -f "$work/dd.bin"
  echo "| writer | MiB | time | MiB/s |"
  echo "|---|---|---|---|"
  for pair in "assetgen:$ours_disk" "dd (zeros, fsync):$dd_disk"; do
    t=${pair#*:}; t=${t%% *}
    printf '| %s | %s | %ss | %s |\n' "${pair%%:*}" "$mib" "$t" "$(awk -v m="$mib" -v t="$t" 'BEGIN { if (t == 0) print "-"; else printf "%.0f", m / t }')"
  done
  printf '\nassetgen takes %s times as long as writing the bytes alone\n' "$(ratio "${ours_disk%% *}" "${dd_disk%% *}")"
} | tee "$work/results.md"
