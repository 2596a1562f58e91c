#!/usr/bin/env bash
# Benchmarks assetgen's cargo format against cargo's own packaging on the same content:
#   assetgen generate --format cargo --size SIZE (the .crate, the publish body and the index)
#   vs  cargo package --no-verify of the same sources (Cargo.toml.orig as Cargo.toml,
#       src/lib.rs, the data file), plus the sha256 of the .crate the index line's cksum needs
# Wall time and peak RSS come from /usr/bin/time -v; each figure is the best of RUNS runs.
#   scripts/bench/cargo.sh [SIZE]   (default large; RUNS=3)
#   ASSETGEN=path/to/assetgen       the binary to measure (default build/assetgen)
#   BENCH_WORK=dir                  scratch directory (default: bench-cargo/ next to the binary)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
size=${1:-large}
runs=${RUNS:-3}
bin=${ASSETGEN:-$repo/build/assetgen}
[ -x "$bin" ] || { echo "bench: $bin is not an executable (build it first, or set ASSETGEN)" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
cargo_bin=""
if command -v rustup >/dev/null 2>&1; then cargo_bin=$(rustup which cargo 2>/dev/null || true); fi
[ -n "$cargo_bin" ] || cargo_bin=$(command -v cargo || true)
[ -n "$cargo_bin" ] || { echo "bench: cargo not found (a Rust toolchain is needed)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time not found (Debian: apt-get install time)" >&2; exit 2; }
work=${BENCH_WORK:-$(dirname "$bin")/bench-cargo}
rm -rf "$work" && mkdir -p "$work"

# best_of CMD...: prints "seconds peak_kib" of the fastest of $runs runs.
best_of() {
  local best="" line secs kib
  for _ in $(seq "$runs"); do
    if ! /usr/bin/time -v -o "$work/time.out" "$@" >/dev/null 2>"$work/last.err"; then
      echo "bench: failed: $*" >&2
      tail -n 20 "$work/last.err" >&2
      return 1
    fi
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
                         for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.2f", s }' "$work/time.out")
    kib=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.out")
    line="$secs $kib"
    if [ -z "$best" ] || awk -v a="$secs" -v b="${best%% *}" 'BEGIN { exit !(a < b) }'; then
      best=$line
    fi
  done
  echo "$best"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f", a / b }'; }

# Same content: the sources cargo would have packaged, unpacked from what assetgen wrote.
"$bin" generate --format cargo --size "$size" --plain-names --no-sign --out "$work/ref" --quiet
crate="$work/ref/$size/cargo/crates/assetgen-demo/assetgen-demo-1.0.0.crate"
tar -xzf "$crate" -C "$work"
src=$work/assetgen-demo-1.0.0
mv "$src/Cargo.toml.orig" "$src/Cargo.toml.new"
rm -f "$src/Cargo.toml" "$src/Cargo.lock"
mv "$src/Cargo.toml.new" "$src/Cargo.toml"
# cargo package wants no VCS here and a private home: nothing from the machine's settings.
export CARGO_HOME="$work/cargo-home" CARGO_TARGET_DIR="$work/target"
mkdir -p "$CARGO_HOME"
if command -v rustup >/dev/null 2>&1; then
  RUSTC=$(rustup which rustc 2>/dev/null || command -v rustc)
  export RUSTC
fi

native() {
  "$cargo_bin" package --manifest-path "$src/Cargo.toml" --no-verify --offline --allow-dirty --quiet
  sha256sum "$CARGO_TARGET_DIR/package/assetgen-demo-1.0.0.crate" >/dev/null
}

ours() {
  rm -rf "$work/out"
  "$bin" generate --format cargo --size "$size" --plain-names --no-sign --out "$work/out" --quiet
}

export -f native ours
export bin src size work cargo_bin
a=$(best_of bash -c ours)
n=$(best_of bash -c native)
a_s=${a%% *} a_k=${a##* } n_s=${n%% *} n_k=${n##* }
native_bytes=$(stat -c %s "$CARGO_TARGET_DIR/package/assetgen-demo-1.0.0.crate")
ours_bytes=$(stat -c %s "$work/out/$size/cargo/crates/assetgen-demo/assetgen-demo-1.0.0.crate")

echo "cargo, size $size, best of $runs (assetgen also writes the publish body and the index)"
echo "| pipeline | wall | peak RSS | .crate bytes |"
echo "|---|---|---|---|"
printf '| assetgen generate --format cargo | %ss | %s MiB | %s |\n' "$a_s" "$((a_k / 1024))" "$ours_bytes"
printf '| cargo package --no-verify + sha256 | %ss | %s MiB | %s |\n' "$n_s" "$((n_k / 1024))" "$native_bytes"
echo "time ratio (assetgen / cargo): $(ratio "$a_s" "$n_s")"
echo "RSS ratio (assetgen / cargo): $(ratio "$a_k" "$n_k")"
