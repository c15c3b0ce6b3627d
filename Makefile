# One entry point for building and testing (see README.md).
#   make build [CONFIG=debug|release]   host, Swift plugins (SwiftPM) and C plugins (cc)
#   make test                           every test (Swift suites, the browser tests, the SDK check of the captures)
#   make sdk-check                      the capture corpus's expected values against the official SDKs (PyPI)
#   make e2e                            the dashboard in a real browser (Tests/e2e)
#   make run                            build, then `studio serve` on its defaults
#   make bench-abi                      plugin ABI cost, release build
#   make bench-measure [REQUESTS=300]   measurement error vs the simulator, release build
#   make bench-floor [REQUESTS=300]     the same against the smallest possible client (C): the machine's floor
#   make bench-isolation [REQUESTS=2048] the openai plugin isolated vs in-process: accuracy, CPU at c=64 and c=512
#   make bench-auth                     login p50/p99 and authenticated reads under 200 connections (wrk)
#   make bench-sse                      SSE event latency host→client with 1 and 100 followers, memory
#   make fuzz [EXAMPLES=25]             every route of the OpenAPI document fuzzed (schemathesis): no 5xx, server alive
#
# `swift build` alone does not build C plugins and `swift run` builds no plugin at all,
# so everything goes through here. C plugins are built with cc, not SwiftPM, so that they
# carry no Swift runtime dependency; every plugin lands next to the `studio` executable,
# where the host looks for libstudio_*.so by default.

CONFIG ?= debug
SWIFT ?= swift
CC ?= cc
BIN := $(shell $(SWIFT) build -c $(CONFIG) --show-bin-path 2>/dev/null)
ABI_INCLUDE := Sources/PluginABI/include
ABI_HEADERS := $(wildcard $(ABI_INCLUDE)/studio/*.h $(ABI_INCLUDE)/studio/private/*.h)
# The small JSON reader C plugins share with the C templates (one copy).
C_COMMON := plugin-templates/c-common
PLUGIN_CFLAGS := -std=c11 -O2 -Wall -Wextra -pedantic -Werror -shared -fPIC -fvisibility=hidden -I$(ABI_INCLUDE) -I$(C_COMMON)

# Every folder under Plugins/ holding .c files is a C plugin: Plugins/exact-args →
# libstudio_exact_args.so.
C_PLUGIN_DIRS := $(patsubst %/,%,$(sort $(dir $(wildcard Plugins/*/*.c))))
C_PLUGIN_LIBS := $(foreach d,$(C_PLUGIN_DIRS),$(BIN)/libstudio_$(subst -,_,$(notdir $(d))).so)


.PHONY: e2e
.PHONY: build swift-products c-plugins test sdk-check run bench-abi bench-measure bench-isolation bench-floor bench-auth bench-sse fuzz clean

build: swift-products c-plugins

swift-products:
	$(SWIFT) build -c $(CONFIG)

c-plugins: $(C_PLUGIN_LIBS)

define c_plugin_rule
$(BIN)/libstudio_$(subst -,_,$(notdir $(1))).so: $(wildcard $(1)/*.c $(1)/*.h) $(C_COMMON)/json.c $(C_COMMON)/json.h $(ABI_HEADERS)
	@mkdir -p $(BIN)
	$(CC) $(PLUGIN_CFLAGS) $(wildcard $(1)/*.c) $(C_COMMON)/json.c -o $$@
endef
$(foreach d,$(C_PLUGIN_DIRS),$(eval $(call c_plugin_rule,$(d))))

# Serial: the timing tests compare measurements with the simulator's ground truth to the
# sub-millisecond, which other suites running beside them on 2 cores would disturb.
test: build
	$(SWIFT) test -c $(CONFIG) --no-parallel
	$(MAKE) e2e
	$(MAKE) sdk-check

# The capture corpus's expected values against the official SDKs' decoding of the same
# bytes, and the same SDKs against the simulator (openai, anthropic, google-genai from
# PyPI, in .build/sdk-venv).
sdk-check:
	scripts/captures/sdk-check --no-write
	STUDIO_BIN=$(BIN)/studio scripts/captures/sdk-against-simulator

# The dashboard in a real browser (Chromium + Selenium, installed by scripts/setup).
e2e: build
	STUDIO_BIN=$(BIN)/studio .build/e2e-venv/bin/python -m unittest discover -s Tests/e2e -p 'test_*.py' -v

run: build
	$(BIN)/studio serve

# Measurement error against the simulator's ground truth, CPU and memory (release build).
bench-measure:
	$(SWIFT) build -c release
	$$($(SWIFT) build -c release --show-bin-path)/measurement-accuracy $(REQUESTS)

bench-isolation:
	$(SWIFT) build -c release
	STUDIO_BENCH_ISOLATION=compare $$($(SWIFT) build -c release --show-bin-path)/measurement-accuracy $(or $(REQUESTS),2048)

bench-floor:
	Benchmarks/floor/run.sh $(REQUESTS)

bench-abi:
	$(SWIFT) build -c release --product abi-cost
	$(SWIFT) build -c release --product studio_openai
	$$($(SWIFT) build -c release --show-bin-path)/abi-cost

clean:
	rm -rf .build

bench-auth:
	Benchmarks/auth/run.sh

bench-sse:
	$(MAKE) build CONFIG=release
	$$($(SWIFT) build -c release --show-bin-path)/sse-fanout

EXAMPLES ?= 25
fuzz: build
	CONFIG=$(CONFIG) scripts/fuzz $(EXAMPLES)
