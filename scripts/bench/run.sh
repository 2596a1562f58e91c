#!/usr/bin/env bash
# Benchmarks assetgen against the native pipelines on the same content:
#   npm:  assetgen generate --format npm --size SIZE    vs  npm pack of the same package dir,
#         plus the packument's digests of the tarball (sha512 integrity, sha1 shasum)
#   pypi: assetgen generate --format pypi (wheel+sdist) vs  pip wheel + python -m build --sdist
#         of the same project tree, plus gpg --detach-sign of both
# against a floor measured on the same bytes (the digests assetgen computes for its
# artifacts, one openssl process per digest in parallel, then dd writing the bytes with
# fsync), and peak RSS of assetgen across the size tiers (it must stay flat).
# Wall time and peak RSS come from /usr/bin/time; each figure is the best of RUNS runs.
#   scripts/bench/run.sh [SIZE]   (default large; RUNS=3)
#   ASSETGEN=path/to/assetgen     the binary to measure (default build/assetgen, built if absent)
#   BENCH_WORK=dir                scratch directory (default: bench/ next to the binary)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
size=${1:-large}
runs=${RUNS:-3}
if [ -n "${ASSETGEN:-}" ]; then
  bin=$(cd "$(dirname "$ASSETGEN")" && pwd)/$(basename "$ASSETGEN")
  [ -x "$bin" ] || { echo "ASSETGEN=$ASSETGEN is not an executable" >&2; exit 2; }
else
  bin=$repo/build/assetgen
  [ -x "$bin" ] || make build >/dev/null
fi
work=${BENCH_WORK:-$(dirname "$bin")/bench}
venv=$repo/.tools/bench-venv
rm -rf "$work" && mkdir -p "$work"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "setuptools<70" wheel
fi
# python -m build for the sdist; --no-isolation below, so it builds with the venv's setuptools.
# (pip show, not import: the repository's build/ directory would pass for the module.)
"$venv/bin/pip" show --quiet build >/dev/null 2>&1 || "$venv/bin/pip" install --quiet build

# best_of CMD...: prints "seconds cpu_seconds peak_kib" of the fastest of $runs runs
# (cpu = user + system of the command and its children: less swayed by other load).
best_of() {
  local best="" line
  for _ in $(seq "$runs"); do
    if ! /usr/bin/time -f '%e %U %S %M' -o "$work/time.out" "$@" >/dev/null 2>"$work/last.err"; then
      echo "bench: failed: $*" >&2
      tail -n 20 "$work/last.err" >&2
      return 1
    fi
    line=$(tail -n 1 "$work/time.out" | awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }')
    if [ -z "$best" ] || awk -v a="${line%% *}" -v b="${best%% *}" 'BEGIN { exit !(a < b) }'; then
      best=$line
    fi
  done
  echo "$best"
}

cpu() { cut -d' ' -f2 <<<"$1"; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f", a / b }'; }

row() { # label ours native
  local ot=${2%% *} om=${2##* } nt=${3%% *} nm=${3##* }
  printf '| %s | %ss | %s MiB | %ss | %s MiB | %s | %s |\n' "$1" "$ot" "$((om / 1024))" \
    "$nt" "$((nm / 1024))" "$(ratio "$ot" "$nt")" "$(ratio "$om" "$nm")"
}

pki=$work/pki
"$bin" pki init --dir "$pki" >/dev/null

# Same content: unpack what assetgen wrote, so the native tool packs identical files.
"$bin" generate --format npm,pypi --size "$size" --plain-names --out "$work/ref" --pki "$pki" --quiet
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

# A throwaway signing key of the type assetgen uses, in a home of its own.
export GNUPGHOME=$work/gnupg
mkdir -m 700 "$GNUPGHOME"
trap 'gpgconf --kill gpg-agent 2>/dev/null || true' EXIT
gpg --batch --quiet --passphrase '' --quick-generate-key 'bench <bench@example.invalid>' \
  rsa3072 sign never 2>/dev/null

# The native pipelines, each one timed command. The packument's sha512 and sha1 are
# computed after npm pack, as a registry writing the metadata reads the tarball again.
cat >"$work/native-npm.sh" <<SH
set -e
rm -rf "$work/native-npm" && mkdir -p "$work/native-npm"
npm pack "$work/npm-src/package" --pack-destination "$work/native-npm" --silent
tgz=\$(ls "$work/native-npm"/*.tgz)
openssl dgst -sha512 -binary "\$tgz" | base64 -w0
openssl dgst -sha1 "\$tgz"
SH
cat >"$work/native-pypi.sh" <<SH
set -e
export GNUPGHOME="$GNUPGHOME"
rm -rf "$work/native-py" "$py/build" "$py"/*.egg-info && mkdir -p "$work/native-py"
"$venv/bin/pip" wheel --quiet --no-deps --no-build-isolation -w "$work/native-py" "$py"
"$venv/bin/python" -m build --sdist --no-isolation --outdir "$work/native-py" "$py"
for f in "$work/native-py"/*.whl "$work/native-py"/*.tar.gz; do
  gpg --batch --yes --armor --detach-sign "\$f"
done
SH

# The floor, on the bytes of the reference run (the same signed npm+pypi run that is timed
# below): every digest the manifest records for an artifact, one openssl process each, all
# at once; then the same bytes written again with fsync.
python3 - "$work/ref/$size" "$work" >"$work/floor-digests.sh" <<'PY'
import json, shlex, sys
root, work = sys.argv[1], sys.argv[2]
print("set -e")
for a in json.load(open(root + "/manifest.json"))["artifacts"]:
    for kind in ("md5", "sha1", "sha256", "sha512"):
        if a.get(kind):
            print("openssl dgst -%s %s >/dev/null &" % (kind, shlex.quote(root + "/" + a["path"])))
print("wait")
PY
python3 - "$work/ref/$size" "$work" >"$work/floor-write.sh" <<'PY'
import json, shlex, sys
root, work = sys.argv[1], sys.argv[2]
print("set -e")
print("rm -rf %s && mkdir -p %s" % ((shlex.quote(work + "/floor-out"),) * 2))
for i, a in enumerate(json.load(open(root + "/manifest.json"))["artifacts"]):
    print("dd if=%s of=%s/floor-out/%d bs=1M conv=fsync status=none"
          % (shlex.quote(root + "/" + a["path"]), shlex.quote(work), i))
PY
cat "$work/floor-digests.sh" "$work/floor-write.sh" | grep -v '^set -e$' >"$work/floor.sh"

ours_npm=$(best_of "$bin" generate --format npm --size "$size" --out "$work/ours-npm" --pki "$pki" --quiet)
native_npm=$(best_of bash "$work/native-npm.sh")
ours_py=$(best_of "$bin" generate --format pypi --size "$size" --out "$work/ours-py" --pki "$pki" --quiet)
native_py=$(best_of bash "$work/native-pypi.sh")
ours_both=$(best_of "$bin" generate --format npm,pypi --size "$size" --out "$work/ours-both" --pki "$pki" --quiet)
floor_digests=$(best_of bash "$work/floor-digests.sh")
floor_write=$(best_of bash "$work/floor-write.sh")
floor=$(best_of bash "$work/floor.sh")

# verdict VALUE OP LIMIT: "yes" or "no".
verdict() { awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { ok = op == "<=" ? v <= l : v >= l; print ok ? "yes" : "no" }'; }

{
  floor_ratio=$(ratio "${ours_both%% *}" "${floor%% *}")
  npm_ratio=$(ratio "${native_npm%% *}" "${ours_npm%% *}")
  py_ratio=$(ratio "${native_py%% *}" "${ours_py%% *}")
  echo "## targets, size $size (best of $runs, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
  echo
  echo "| measure | figures | ratio | target | met |"
  echo "|---|---|---|---|---|"
  printf '| assetgen npm+pypi signed / floor | %ss / %ss | %s | <= 1.25 | %s |\n' "${ours_both%% *}" \
    "${floor%% *}" "$floor_ratio" "$(verdict "$floor_ratio" '<=' 1.25)"
  printf '| native npm / assetgen npm | %ss / %ss | %s | >= 10 | %s |\n' "${native_npm%% *}" \
    "${ours_npm%% *}" "$npm_ratio" "$(verdict "$npm_ratio" '>=' 10)"
  printf '| native pypi / assetgen pypi | %ss / %ss | %s | >= 10 | %s |\n' "${native_py%% *}" \
    "${ours_py%% *}" "$py_ratio" "$(verdict "$py_ratio" '>=' 10)"
  printf '| assetgen npm+pypi peak RSS | %s MiB | | flat across tiers | see below |\n' \
    "$(( ${ours_both##* } / 1024 ))"
  echo
  echo "CPU seconds (user + system), the same runs: assetgen npm+pypi $(cpu "$ours_both"),"
  echo "floor $(cpu "$floor") ($(ratio "$(cpu "$ours_both")" "$(cpu "$floor")")x); assetgen npm $(cpu "$ours_npm"),"
  echo "native npm $(cpu "$native_npm"); assetgen pypi $(cpu "$ours_py"), native pypi $(cpu "$native_py")"
  echo
  echo "floor = digests ${floor_digests%% *}s (openssl dgst, one process per digest, in parallel)"
  echo "then writing ${floor_write%% *}s (dd conv=fsync), run back to back: ${floor%% *}s"
  echo
  echo "## assetgen vs native pipelines, size $size (best of $runs)"
  echo
  echo "| task | assetgen time | assetgen RSS | native time | native RSS | time ratio | RSS ratio |"
  echo "|---|---|---|---|---|---|---|"
  row "npm tarball + packument vs npm pack + sha512 + sha1" "$ours_npm" "$native_npm"
  row "pypi wheel + sdist + index + signatures vs pip wheel + build --sdist + gpg" "$ours_py" "$native_py"
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
