#!/usr/bin/env bash
# Tier 1 (Fast CI): build with warnings as errors, format check, static
# analysis, criterion unit tests, the sanitizer build, the bad-input catalogue.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

C_SOURCES=(common/*.[ch] generators/*.[ch] cli/*.[ch] tests/unit/*.[ch] tests/fuzz/*.c)

build_werror() {
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DASSETGEN_WERROR=ON
  cmake --build "$BUILD_DIR" -j "$(nproc)"
}

format_check() {
  clang-format --dry-run -Werror "${C_SOURCES[@]}"
}

static_analysis() {
  cppcheck --error-exitcode=1 --enable=warning,performance,portability --std=c11 \
    --inline-suppr --suppress=missingIncludeSystem --quiet -I . \
    -D__GNUC__ -DASSETGEN_VERSION=\"0\" -DASSETGEN_DATADIR=\"/\" common generators cli
}

unit_tests() {
  "$BUILD_DIR/unit_tests" --jobs 2
}

sanitized_build() {
  cmake -S . -B "$ASAN_BUILD_DIR" -DCMAKE_BUILD_TYPE=Debug -DASSETGEN_WERROR=ON \
    -DASSETGEN_SANITIZE=ON -DASSETGEN_FAULT_INJECTION=ON
  cmake --build "$ASAN_BUILD_DIR" -j "$(nproc)"
}

sanitized_run() {
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
  "$ASAN_BUILD_DIR/unit_tests" --jobs 2
  local out; out=$(mktemp -d)
  trap 'rm -rf "$out"' RETURN
  for size in small medium; do
    "$ASAN_BUILD_DIR/assetgen" generate --profile all --size "$size" --out "$out" --quiet
    "$ASAN_BUILD_DIR/assetgen" verify --size "$size" --out "$out" --quiet
  done
}

bad_input() {
  bash scripts/ci/bad-input.sh "$BUILD_DIR/assetgen"
}

bad_input_sanitized() {
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  bash scripts/ci/bad-input.sh "$ASAN_BUILD_DIR/assetgen"
}

hostile_state() {
  bash tests/hostile-state/run.sh "$BUILD_DIR/assetgen" && bash tests/hostile-state/keys.sh "$BUILD_DIR/assetgen"
}

hostile_state_sanitized() {
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  bash tests/hostile-state/run.sh "$ASAN_BUILD_DIR/assetgen" &&
    bash tests/hostile-state/keys.sh "$ASAN_BUILD_DIR/assetgen"
}

tier_begin tier1
check build-werror build_werror
check format-check format_check
check static-analysis static_analysis
check unit unit_tests
check sanitizer-build sanitized_build
check sanitizer-run sanitized_run
check bad-input bad_input
check bad-input-sanitized bad_input_sanitized
check hostile-state hostile_state
check hostile-state-sanitized hostile_state_sanitized
tier_end
