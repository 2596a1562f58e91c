#!/usr/bin/env bash
# One package past 4 GiB: a custom 4.5 GiB tier (a sizes file of its own beside a copy of
# assetgen.yaml, as README "Configuration" describes), one signed package of FORMAT generated
# at <= 64 MiB peak RSS (/usr/bin/time -v), then the format's own tools read it:
#   rpm: rpm -K with the published key imported into a scratch --dbpath (digests and
#        signature OK), rpm -qpl listing the data file, the header's 64-bit size of it equal
#        to the manifest's (LONGFILESIZES, stripped 07070X cpio);
#   deb: dpkg-deb --info and --contents (the data file listed at the manifest's size: ar
#        sizes to 10 digits, GNU base-256 tar sizes);
# and Python's reader (scripts/ci/read_<format>.py) finds the data file's sha256 the
# manifest's.
# Then dpkg -i (deb) or rpm -i (rpm) installs it into a scratch root, and the installed
# data file's sha256 is the manifest's.
# Opt-in: it writes about 14 GiB (the payload spool, the package, the installed copy) and
# takes minutes.
#   ASSETGEN_HUGE=1 tests/large/huge.sh rpm|deb
#   ASSETGEN_BIN=path      the binary (default build/assetgen)
#   HUGE_WORK=dir          scratch parent (default $TMPDIR or /tmp); removed afterwards
#   HUGE_SIZE=4608MiB      the tier's size
# Exits 0 (pass), 1 (fail), 2 (usage) or 3 (skipped: not opted in, or too little disk).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
format=${1:-}
case "$format" in rpm | deb) ;; *) echo "usage: tests/large/huge.sh rpm|deb" >&2; exit 2 ;; esac
name=$format-huge
if [ "${ASSETGEN_HUGE:-}" != 1 ]; then
  echo "SKIP $name: opt-in (ASSETGEN_HUGE=1); writes ~14 GiB and takes minutes"
  exit 3
fi
bin=${ASSETGEN_BIN:-$repo/build/assetgen}
size=${HUGE_SIZE:-4608MiB}
limit_kib=$((64 * 1024))
need_kib=$((15 * 1000 * 1000))
[ -x "$bin" ] || { echo "$name: $bin is not an executable (build it first, or set ASSETGEN_BIN)" >&2; exit 2; }
tools=(python3 /usr/bin/time)
if [ "$format" = rpm ]; then tools+=(rpm); else tools+=(dpkg-deb); fi
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || { echo "SKIP $name: $tool not found"; exit 3; }
done
parent=${HUGE_WORK:-${TMPDIR:-/tmp}}
mkdir -p "$parent"
free_kib=$(df -Pk "$parent" | awk 'NR == 2 { print $4 }')
if [ "$free_kib" -lt "$need_kib" ]; then
  echo "SKIP $name: $((free_kib / 1000 / 1000)) GB free under $parent, ~15 GB needed"
  exit 3
fi
work=$(mktemp -d "$parent/assetgen-$format-huge.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL $name: $*"; exit 1; }
t0=$(date +%s)

# The scratch configuration: the shipped one with absolute template paths, its sizes and a
# tier of its own, which the format's template may use.
mkdir -p "$work/sizes"
cp "$repo"/sizes/*.yaml "$work/sizes/"
printf 'huge:\n  maxSize: %s\n  dataFile: {size: %s, random: true}\n' "$size" "$size" >"$work/sizes/huge.yaml"
python3 - "$repo/assetgen.yaml" "$work/assetgen.yaml" "$repo" "$work/sizes" "$format" <<'PY'
import re, sys
src, dst, repo, sizes, fmt = sys.argv[1:6]
text = open(src, encoding="utf-8").read()
text = re.sub(r"(templateDir:\s*)(\S+)", lambda m: m.group(1) + (m.group(2) if m.group(2).startswith("/") else repo + "/" + m.group(2)), text)
text, n = re.subn(r"(?m)^(\s*sizesDir:\s*)\S+", lambda m: m.group(1) + sizes, text)
if n != 1:
    sys.exit("assetgen.yaml: no defaults.sizesDir to point at the scratch sizes")
# The format template's tiers, plus huge.
lines, inside, done = text.split("\n"), False, False
for i, line in enumerate(lines):
    if re.match(r"^  " + fmt + r":\s*$", line):
        inside = True
    elif inside and re.match(r"^  \S", line):
        inside = False
    elif inside and "sizeTiers:" in line:
        lines[i] = re.sub(r"\]", ", huge]", line, count=1)
        done = True
if not done:
    sys.exit("assetgen.yaml: no sizeTiers under assetTemplates." + fmt)
open(dst, "w", encoding="utf-8").write("\n".join(lines))
PY

"$bin" pki init --dir "$work/pki" >/dev/null
/usr/bin/time -v -o "$work/gen.time" "$bin" generate --config "$work/assetgen.yaml" --format "$format" \
  --size huge --out "$work/out" --pki "$work/pki" --quiet >"$work/gen.log" 2>&1 ||
  fail "assetgen generate failed: $(tail -n 5 "$work/gen.log")"
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$work/gen.time")
kib=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/gen.time")
tree=$work/out/huge
read -r rel data_path data_size data_sha < <(python3 - "$tree/manifest.json" "$format" <<'PY'
import json, sys
rows = [a for a in json.load(open(sys.argv[1]))["artifacts"] if a["format"] == sys.argv[2]]
if len(rows) != 1:
    sys.exit("expected one %s row, found %d" % (sys.argv[2], len(rows)))
a = rows[0]
print(a["path"], a["data"]["path"], a["data"]["bytes"], a["data"]["sha256"])
PY
) || fail "the manifest does not list one $format package with a data file"
pkg=$tree/$rel
bytes=$(stat -c %s "$pkg")
echo "  generated $rel: $bytes bytes in $wall, peak RSS $((kib / 1024)) MiB ($kib KiB)"
[ "$data_size" -gt 4294967295 ] || fail "the data file is $data_size bytes, not past 4 GiB"
[ "$kib" -le "$limit_kib" ] || fail "peak RSS $kib KiB is over the $limit_kib KiB limit"

check_rpm() { # rpm reads LONGFILESIZES and the stripped cpio
  # rpm -K with the published key in a scratch database, nothing from the machine's.
  mkdir -p "$work/rpmdb"
  rpm --dbpath "$work/rpmdb" --import "$tree/keys/gpg-signing.asc" || fail "rpm --import of keys/gpg-signing.asc failed"
  k0=$(date +%s)
  checked=$(rpm --dbpath "$work/rpmdb" -K "$pkg" 2>&1) || fail "rpm -K refused it: $checked"
  echo "  rpm -K ($(($(date +%s) - k0)) s): $checked"
  case "$checked" in *"digests signatures OK"*) ;; *) fail "rpm -K did not say 'digests signatures OK': $checked" ;; esac
  listed=$(rpm --dbpath "$work/rpmdb" -qpl "$pkg" 2>&1) || fail "rpm -qpl failed: $listed"
  grep -qx "/$data_path" <<<"$listed" || fail "rpm -qpl does not list /$data_path: $listed"
  echo "  rpm -qpl: $(tr '\n' ' ' <<<"$listed")"
  hsize=$(rpm --dbpath "$work/rpmdb" -qp --qf "[%{FILENAMES} %{LONGFILESIZES}\n]" "$pkg" | awk -v p="/$data_path" '$1 == p { print $2 }')
  [ "$hsize" = "$data_size" ] || fail "the header gives /$data_path $hsize bytes, the manifest $data_size"
  echo "  header: /$data_path $hsize bytes (LONGFILESIZES)"
  # rpm itself installs it, signature checked, into a scratch root.
  local root=$work/root got
  mkdir -p "$root"
  rpm --root "$root" --import "$tree/keys/gpg-signing.asc" || fail "rpm --root --import failed"
  i0=$(date +%s)
  rpm --root "$root" -i --nodeps "$pkg" >"$work/rpm-i.log" 2>&1 ||
    fail "rpm -i refused it: $(tail -n 3 "$work/rpm-i.log")"
  got=$(sha256sum <"$root/$data_path" | cut -c1-64)
  [ "$got" = "$data_sha" ] || fail "rpm installed /$data_path with sha256 $got, the manifest says $data_sha"
  echo "  rpm -i ($(($(date +%s) - i0)) s with the digest): /$data_path installed, sha256 the manifest's"
  rm -rf "$root"
}

check_deb() { # dpkg-deb reads the ar members and the GNU tars past 4 GiB
  local info contents listed
  info=$(dpkg-deb --info "$pkg" 2>&1) || fail "dpkg-deb --info refused it: $info"
  grep -q '^ Package: ' <<<"$info" || fail "dpkg-deb --info shows no Package: $info"
  echo "  dpkg-deb --info: $(grep -E '^ (Package|Version|Installed-Size):' <<<"$info" | tr -s ' \n' ' ')"
  contents=$(dpkg-deb --contents "$pkg" 2>&1) || fail "dpkg-deb --contents refused it: $contents"
  listed=$(awk -v p="./$data_path" '$6 == p { print $3 }' <<<"$contents")
  [ "$listed" = "$data_size" ] || fail "dpkg-deb --contents gives ./$data_path $listed bytes, the manifest $data_size"
  echo "  dpkg-deb --contents: ./$data_path $listed bytes"
  # dpkg itself unpacks it into a scratch root with a database of its own.
  local root=$work/root got
  mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
  : >"$root/var/lib/dpkg/status"
  i0=$(date +%s)
  dpkg --root="$root" --log=/dev/null --force-script-chrootless -i "$pkg" >"$work/dpkg.log" 2>&1 ||
    fail "dpkg -i refused it: $(tail -n 3 "$work/dpkg.log")"
  got=$(sha256sum <"$root/$data_path" | cut -c1-64)
  [ "$got" = "$data_sha" ] || fail "dpkg installed /$data_path with sha256 $got, the manifest says $data_sha"
  echo "  dpkg -i ($(($(date +%s) - i0)) s with the digest): /$data_path installed, sha256 the manifest's"
  rm -rf "$root"
}
"check_$format"

# An independent reader of the payload: Python's (for rpm the stripped cpio walked by hand).
r0=$(date +%s)
got=$(python3 - "$repo/scripts/ci" "$pkg" "$tree/manifest.json" "$format" <<'PY'
import importlib, json, sys
sys.path.insert(0, sys.argv[1])
reader = importlib.import_module("read_" + sys.argv[4])
art = [a for a in json.load(open(sys.argv[3]))["artifacts"] if a["format"] == sys.argv[4]][0]
name, version, sha = reader.read(sys.argv[2], art)
print(name, version, sha)
PY
) || fail "read_$format.py could not read it: $got"
echo "  read_$format.py ($(($(date +%s) - r0)) s): $got"
[ "${got##* }" = "$data_sha" ] || fail "read_$format.py finds data sha256 ${got##* }, the manifest $data_sha"

echo "PASS $name: $bytes-byte $format package in $wall at $((kib / 1024)) MiB peak RSS, read by its tools; total $(($(date +%s) - t0)) s"
