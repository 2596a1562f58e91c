#!/usr/bin/env bash
# Benchmarks assetgen's rpm format against rpmbuild on the same content:
#   assetgen generate --format rpm --size SIZE --no-sign (the .rpm, repodata, the .repo)
#   vs  rpmbuild -bb of a spec file installing the same files (the template README as %doc,
#       the data file under /usr/share/<name>/), unsigned as well: once with rpm's default
#       payload compression (Debian's rpm sets no %_binary_payload, so rpmbuild's built-in
#       w9.gzdio) and once with %_binary_payload w0.ufdio (no compression, as assetgen's
#       default), each followed by the sha256 repodata needs
#   and the floor: the sha256 of the data file and writing it once (tee into a file, piped
#       into sha256sum), what any writer of these bytes has to do.
# Wall time and peak RSS come from /usr/bin/time -v; each figure is the best of RUNS runs.
#   scripts/bench/rpm.sh [SIZE]   (default large; RUNS=3)
#   ASSETGEN=path/to/assetgen     the binary to measure (default build/assetgen)
#   BENCH_WORK=dir                scratch directory (default: bench-rpm/ next to the binary)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_setup rpm "${1:-large}"
for tool in rpmbuild rpm2cpio cpio; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not found (Debian: apt-get install rpm cpio)" >&2; exit 2; }
done

# Same content: the files of the package assetgen wrote, unpacked with rpm's own tools.
"$bin" generate --format rpm --size "$size" --plain-names --no-sign --out "$work/ref" --quiet
ref=$(find "$work/ref/$size/rpm/Packages" -name '*.rpm' | head -n1)
[ -n "$ref" ] || { echo "bench: assetgen wrote no .rpm under $work/ref/$size/rpm/Packages" >&2; exit 1; }
name=$(rpm -qp --nosignature --qf '%{NAME}' "$ref")
version=$(rpm -qp --nosignature --qf '%{VERSION}' "$ref")
mkdir -p "$work/src"
(cd "$work/src" && rpm2cpio "$ref" | cpio -idm --quiet)
share="$work/src/usr/share/$name"
data="$share/data.bin"

# rpmbuild with nothing from the machine's or the user's macros but rpm's own, in a private
# HOME and _topdir; %install hard-links the files into the build root, so rpmbuild's time
# is its own (digests, cpio, compression), not a copy of the sources.
export HOME="$work/home"
mkdir -p "$HOME" "$work/rpmbuild/SPECS"
spec="$work/rpmbuild/SPECS/$name.spec"
{
  printf 'Name: %s\nVersion: %s\nRelease: 1\nSummary: Benchmark of the same content\n' "$name" "$version"
  printf 'License: MIT\nGroup: Development/Tools\nBuildArch: noarch\n\n'
  printf '%%description\nThe files of %s, built by rpmbuild.\n\n' "$(basename "$ref")"
  printf '%%install\nmkdir -p %%{buildroot}/usr/share/%s\n' "$name"
  for f in "$share"/*; do
    printf 'ln -f %s %%{buildroot}/usr/share/%s/ || cp %s %%{buildroot}/usr/share/%s/\n' "$f" "$name" "$f" "$name"
  done
  printf '\n%%files\n%%dir /usr/share/%s\n' "$name"
  for f in "$share"/*; do
    case "$(basename "$f")" in README*) printf '%%doc ' ;; esac
    printf '/usr/share/%s/%s\n' "$name" "$(basename "$f")"
  done
} >"$spec"

native() {
  local payload=$1
  rm -rf "$work/rpmbuild/RPMS" "$work/rpmbuild/BUILDROOT"
  rpmbuild -bb --quiet --define "_topdir $work/rpmbuild" --define "debug_package %{nil}" \
    ${payload:+--define "_binary_payload $payload"} "$spec"
  sha256sum "$work"/rpmbuild/RPMS/noarch/*.rpm >/dev/null
}

ours() {
  rm -rf "$work/out"
  "$bin" generate --format rpm --size "$size" --plain-names --no-sign --out "$work/out" --quiet
}

floor() {
  rm -f "$work/floor.bin"
  tee "$work/floor.bin" <"$data" | sha256sum >/dev/null
}

export -f native ours floor
export bin spec size work data
a=$(best_of bash -c ours)
bytes_ours=$(stat -c %s "$(find "$work/out/$size/rpm/Packages" -name '*.rpm' | head -n1)")
n9=$(best_of bash -c 'native ""')
bytes_n9=$(stat -c %s "$(find "$work/rpmbuild/RPMS" -name '*.rpm' | head -n1)")
n0=$(best_of bash -c 'native w0.ufdio')
bytes_n0=$(stat -c %s "$(find "$work/rpmbuild/RPMS" -name '*.rpm' | head -n1)")
f=$(best_of bash -c floor)

echo "rpm, size $size, best of $runs, unsigned on both sides (assetgen also writes repodata and the .repo)"
echo "| pipeline | wall | peak RSS | .rpm bytes |"
echo "|---|---|---|---|"
row() { printf '| %s | %ss | %s MiB | %s |\n' "$1" "${2%% *}" "$((${2##* } / 1024))" "$3"; }
row "assetgen generate --format rpm (payload none)" "$a" "$bytes_ours"
row "rpmbuild -bb, default payload (w9.gzdio) + sha256" "$n9" "$bytes_n9"
row "rpmbuild -bb, _binary_payload w0.ufdio + sha256" "$n0" "$bytes_n0"
row "floor: sha256 of the data + writing it once" "$f" "$(stat -c %s "$data")"
echo "time ratio assetgen / rpmbuild default: $(ratio "${a%% *}" "${n9%% *}")"
echo "time ratio assetgen / rpmbuild w0.ufdio: $(ratio "${a%% *}" "${n0%% *}")"
echo "time ratio assetgen / floor: $(ratio "${a%% *}" "${f%% *}")"
echo "RSS ratio assetgen / rpmbuild default: $(ratio "${a##* }" "${n9##* }")"
echo "RSS ratio assetgen / rpmbuild w0.ufdio: $(ratio "${a##* }" "${n0##* }")"
