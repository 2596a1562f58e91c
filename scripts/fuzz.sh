#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs each for a
# given time on a copy of its committed seed corpus.
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (default 60; targets: config template)
# Exit status 1 when a target crashes; the crashing input is kept under build-fuzz/.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(config template)
out=$repo/build-fuzz
mkdir -p "$out"
command -v clang >/dev/null || { echo "fuzz.sh: clang is required (scripts/install-deps.sh test)"; exit 2; }

common=(common/config.c common/yaml_doc.c common/units.c common/suggest.c common/fsutil.c common/strbuf.c
        common/error.c common/template.c common/package_set.c common/version_range.c
        common/version_rules.c)
flags=(-g -O1 -std=c11 -I. -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)

status=0
for target in "${targets[@]}"; do
  src=tests/fuzz/fuzz_$target.c
  [ -f "$src" ] || { echo "fuzz.sh: no target '$target' (valid: config, template)"; exit 2; }
  clang "${flags[@]}" "$src" "${common[@]}" -lyaml -lm -o "$out/fuzz_$target"
  corpus=$out/corpus-$target
  rm -rf "$corpus" && mkdir -p "$corpus" && cp tests/fuzz/corpus/"$target"/* "$corpus"/
  echo "fuzz.sh: $target for ${seconds}s"
  if "$out/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$out/crash-$target-" -print_final_stats=1 "$corpus" \
      >"$out/$target.log" 2>&1; then
    echo "fuzz.sh: $target: $(grep -a -o 'stat::number_of_executed_units: *[0-9]*' "$out/$target.log" | tail -1 | awk '{print $2}') runs, no crash"
  else
    echo "fuzz.sh: $target CRASHED; see $out/$target.log"
    tail -n 30 "$out/$target.log"
    status=1
  fi
done
exit $status
