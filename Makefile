# reportgen - see README.md. `make V=1` shows the commands.

PREFIX   ?= /usr/local
BUILD    ?= build
CC       ?= cc
CFLAGS   ?= -g -O2
FUZZ_TIME ?= 60
PYTHON   ?= /usr/bin/python3

WARN = -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
       -Wmissing-prototypes -Wvla -Wwrite-strings -Wformat=2
PKGS = sqlite3 openssl libcurl inih xlsxwriter ldap
# libcsv and libharu ship no pkg-config file.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lsqlite3 -lssl -lcrypto -lcurl -linih -lxlsxwriter -lldap -llber) -lcsv -lhpdf -lm

ALL_CFLAGS = -std=c11 -D_DEFAULT_SOURCE $(WARN) $(CFLAGS) $(PKG_CFLAGS) \
             -DRG_DATADIR='"$(PREFIX)/share/reportgen"' -MMD -MP
LDLIBS = $(PKG_LIBS) -lpthread

ifeq ($(V),1)
Q =
else
Q = @
endif

SRCS     := $(wildcard reportgen/*.c reportgen/*/*.c)
GEN      := $(BUILD)/gen/schema_sql.c $(BUILD)/gen/seal_sql.c $(BUILD)/gen/graph_sql.c
LIB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out reportgen/main.c reportgen/cmd_%.c,$(SRCS))) \
            $(GEN:.c=.o)
CMD_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(filter reportgen/main.c reportgen/cmd_%.c,$(SRCS)))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNITS    := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

.PHONY: all deps test test-only check demo install fuzz bench lint clean

all: $(BUILD)/reportgen

deps:
	$(Q)scripts/install-deps

$(BUILD)/reportgen: $(LIB_OBJS) $(CMD_OBJS)
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/gen/schema_sql.c: reportgen/store/schema.sql scripts/embed-sql
	@mkdir -p $(dir $@)
	$(Q)scripts/embed-sql rg_schema_sql $< > $@

$(BUILD)/gen/seal_sql.c: reportgen/store/seal.sql scripts/embed-sql
	@mkdir -p $(dir $@)
	$(Q)scripts/embed-sql rg_seal_sql $< > $@

$(BUILD)/gen/graph_sql.c: reportgen/store/graph.sql scripts/embed-sql
	@mkdir -p $(dir $@)
	$(Q)scripts/embed-sql rg_graph_sql $< > $@

$(BUILD)/tests/%: tests/unit/%.c tests/unit/t.h $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -DRG_STATIC= -Ireportgen -o $@ $< $(LIB_OBJS) $(LDFLAGS) $(LDLIBS)

# The whole suite: unit tests, then the end-to-end cases.
test: deps
	$(Q)$(MAKE) --no-print-directory test-only

test-only: all $(UNITS)
	$(Q)RG=$(BUILD)/reportgen UNITS="$(UNITS)" PYTHON=$(PYTHON) tests/run-all.sh

# The same suite, built with AddressSanitizer and UBSan.
check: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan \
	    CFLAGS="-g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	    LDFLAGS="-fsanitize=address,undefined" test-only

demo: deps all
	$(Q)RG=$(BUILD)/reportgen scripts/demo

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/reportgen
	install -m 755 $(BUILD)/reportgen $(DESTDIR)$(PREFIX)/bin/reportgen
	cp -R templates queries $(DESTDIR)$(PREFIX)/share/reportgen/
	install -d $(DESTDIR)$(PREFIX)/share/reportgen/fixtures
	cp -R fixtures/nordhavn-bank $(DESTDIR)$(PREFIX)/share/reportgen/fixtures/

fuzz: deps all
	$(Q)FUZZ_TIME=$(FUZZ_TIME) tests/fuzz/run.sh

bench: deps all
	$(Q)RG=$(BUILD)/reportgen bench/run.sh

lint:
	$(Q)clang-format --dry-run -Werror $(SRCS) tests/unit/*.c tests/unit/*.h tests/fuzz/*.c
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --suppress=missingIncludeSystem -Ireportgen $(SRCS)
	$(Q)! grep -nE '\b(sprintf|strcpy|strcat|strtok|atoi|gets|system)\s*\(' $(SRCS) tests/unit/*.c

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
