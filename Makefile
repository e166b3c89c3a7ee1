# inetkit - plain Makefile. `make` builds build/inetkit.
#   make run     deps + build + the whole site on etc/inetkit.conf
#   make test    deps + build + unit + integration tests + fuzz smoke run
#   make asan    the same tests on an ASan+UBSan build (build-asan/)
#   make fuzz    libFuzzer targets with clang (build-fuzz/)
# Sources are found by wildcard: add a .c file and it is built.

BUILD	?= build
CC	?= cc
PKGS	:= libevent libevent_openssl libevent_pthreads openssl libcrypt inih
PYTHON	:= /usr/bin/python3
CONF	?= etc/inetkit.conf

CFLAGS_BASE := -std=c17 -D_GNU_SOURCE -Wall -Wextra -Wshadow \
	-Wstrict-prototypes -Wformat=2 -g -Isrc
CFLAGS	?= -O2
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
ifeq ($(SAN),1)
CFLAGS	+= $(SAN_FLAGS) -O1
LDFLAGS	+= $(SAN_FLAGS)
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = $(CFLAGS_BASE) $(PKG_CFLAGS) $(CFLAGS)
LIBS	   = $(PKG_LIBS) -lpthread

SRCS	:= $(shell find src -name '*.c' | sort)
LIB_SRCS := $(filter-out src/cli/main.c,$(SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_SRCS := $(shell find tests/unit -name 'test_*.c' 2>/dev/null | sort)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
FUZZ_SRCS := $(filter-out fuzz/replay.c,$(wildcard fuzz/*.c))
FUZZ_NAMES := $(notdir $(FUZZ_SRCS:.c=))

.PHONY: all deps run test unit integration fuzz-replay fuzz fuzz-smoke \
	asan clean check-config
all: $(BUILD)/inetkit

deps:
	@scripts/deps

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libinetkit.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/inetkit: $(BUILD)/obj/src/cli/main.o $(BUILD)/libinetkit.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libinetkit.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Itests/unit -o $@ $< \
		$(BUILD)/libinetkit.a $(LIBS) -lcmocka

# Without libFuzzer: each target's corpus replayed by fuzz/replay.c.
$(BUILD)/fuzz-replay/%: fuzz/%.c fuzz/replay.c $(BUILD)/libinetkit.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< fuzz/replay.c \
		$(BUILD)/libinetkit.a $(LIBS)

run: deps all
	@mkdir -p var
	$(BUILD)/inetkit up -c $(CONF)

check-config: all
	$(BUILD)/inetkit check-config -c $(CONF)

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do \
		echo "== $$t"; $$t; done

fuzz-replay: $(addprefix $(BUILD)/fuzz-replay/,$(FUZZ_NAMES))
	@set -e; for n in $(FUZZ_NAMES); do \
		$(BUILD)/fuzz-replay/$$n fuzz/corpus/$$n; done

integration: $(BUILD)/inetkit
	INETKIT_BIN=$(abspath $(BUILD)/inetkit) $(PYTHON) -m pytest -q \
		-p no:cacheprovider tests/integration

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory fuzz-replay
	@$(MAKE) --no-print-directory fuzz-smoke
	@$(MAKE) --no-print-directory integration

asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 all unit \
		fuzz-replay integration

# libFuzzer builds need clang; the smoke run gives each target a few
# seconds from its corpus.
FUZZ_BUILD := build-fuzz
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer
fuzz:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang \
		SAN=0 CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" \
		$(addprefix $(FUZZ_BUILD)/fuzz/,$(FUZZ_NAMES))

$(FUZZ_BUILD)/fuzz/%: fuzz/%.c $(FUZZ_BUILD)/libinetkit.a
	@mkdir -p $(dir $@)
	clang $(CFLAGS_BASE) $(PKG_CFLAGS) $(FUZZ_FLAGS) -o $@ $< \
		$(FUZZ_BUILD)/libinetkit.a $(LIBS)

FUZZ_SECONDS ?= 5
fuzz-smoke: fuzz
	@set -e; for n in $(FUZZ_NAMES); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$n; \
		echo "== fuzz $$n ($(FUZZ_SECONDS)s)"; \
		$(FUZZ_BUILD)/fuzz/$$n -max_total_time=$(FUZZ_SECONDS) \
			-seed=1 -print_final_stats=0 \
			$(FUZZ_BUILD)/corpus/$$n fuzz/corpus/$$n \
			2>$(FUZZ_BUILD)/$$n.log || \
			{ tail -40 $(FUZZ_BUILD)/$$n.log; exit 1; }; \
	done

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
