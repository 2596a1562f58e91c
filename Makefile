# Thin wrapper over CMake and the test tier scripts.
SIZE ?= small
PROFILE ?= all
TIER ?=
BUILD ?= build
OUT ?= out
JOBS ?= $(shell nproc)

.PHONY: all build assets test deps clean format sanitize

all: build

deps:
	@bash scripts/install-deps.sh build

$(BUILD)/CMakeCache.txt:
	@bash scripts/install-deps.sh build
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

assets: build
	$(BUILD)/assetgen generate --profile $(PROFILE) --size $(SIZE) --out $(OUT)

test:
	@bash scripts/install-deps.sh all
	@bash scripts/ci/run-tiers.sh $(TIER)

format:
	clang-format -i common/*.[ch] generators/*.[ch] cli/*.[ch] tests/unit/*.[ch]

clean:
	rm -rf $(BUILD) build-* $(OUT) test-results logs
