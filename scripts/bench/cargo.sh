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
# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_setup cargo "${1:-large}"
cargo_bin=""
if command -v rustup >/dev/null 2>&1; then cargo_bin=$(rustup which cargo 2>/dev/null || true); fi
[ -n "$cargo_bin" ] || cargo_bin=$(command -v cargo || true)
[ -n "$cargo_bin" ] || { echo "bench: cargo not found (a Rust toolchain is needed)" >&2; exit 2; }

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
