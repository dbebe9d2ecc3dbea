# SPDX-License-Identifier: GPL-2.0
#
# machipc: build, style and test entry points.  Documentation/testing.rst
# explains the guests and the checks.
#
#   make              the module (src/machipc.ko, and with a CONFIG_KUNIT
#                     kernel tests/kunit/machipc_kunit.ko) for KDIR, plus
#                     libmachipc, the selftests, the demo
#   make W=1          the same with the kernel's extra warnings
#   make run          build; boot Debian's stock kernel in QEMU, load the
#                     module, run the demo
#   make run-mach     the same with the Mach echo demo (libmach) under
#                     machipc-bootstrapd
#   make check        build (W=1); debug-kernel guest: KUnit + selftests +
#                     rmmod + kmemleak; stock 6.12 and stock 6.1 guests:
#                     selftests.  Last line: "N passed, M failed"
#   make fuzz         the coverage-guided ioctl fuzzer in the debug guest
#                     for FUZZ_TIME seconds (default 600); refreshes
#                     tests/fuzz/corpus, prints the module's line coverage
#                     (build/fuzz/coverage.txt)
#   make soak         the chaos soak in the debug guest for DURATION
#                     seconds (default 600); results in build/soak
#   make style        checkpatch --strict
#   make sparse       sparse (C=2) over the module
#   make deps         install the Debian packages all this needs (as root)
#                     and fetch the stock guest kernels into the cache
#                     (nothing goes to /boot or /lib/modules)
#   make install      libmachipc, headers, pkg-config file and the programs,
#                     machipc-ls and machipc-trace included
#                     (PREFIX=/usr/local, DESTDIR=)
#   make deb          machipc-dkms and machipc-tools packages in build/deb
#   make stock|stock61|debug
#                     the module in build/stock (Debian's 6.12 headers),
#                     build/stock61 (6.1 headers) or build/debug (debug
#                     kernel tree); the log in build/<name>.log
#   make clean
#
# KDIR defaults to /lib/modules/$(uname -r)/build if it exists, else to the
# stock 6.12 headers in the cache (tools/vm/stock-kernel --headers).

# Invoked by kbuild if there were no Kbuild file: use it anyway.
ifneq ($(KERNELRELEASE),)
include $(src)/Kbuild
else

SHELL		:= /bin/bash
top		:= $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
VM		:= $(top)/tools/vm

ifeq ($(origin KDIR),undefined)
ifneq ($(wildcard /lib/modules/$(shell uname -r)/build/Makefile),)
KDIR		:= /lib/modules/$(shell uname -r)/build
else
KDIR		:= $(shell $(VM)/stock-kernel --headers 2>/dev/null)
endif
endif

# Extra kbuild arguments: W=1 (extra warnings), V=1 (verbose), C=1/2.
KBUILD_ARGS	:= $(if $(W),W=$(W)) $(if $(V),V=$(V)) $(if $(C),C=$(C))

CC		?= cc
CFLAGS		?= -O2 -g

# The files checkpatch judges: every C source and header of the module and
# its KUnit tests, and the uapi header (not kbuild's generated *.mod.c).
STYLE_FILES	= $(sort $(filter-out %.mod.c,$(shell find $(top)/src -name '*.[ch]')) \
		  $(top)/include/uapi/linux/machipc.h \
		  $(filter-out %.mod.c,$(shell find $(top)/tests/kunit -name '*.[ch]')))

.PHONY: all modules userspace lib libmach bootstrapd selftests demo abi-version uapi-check ipcbench introspect stock stock61 debug \
	deps run run-mach check bench style sparse clean help install deb fuzz-tool soak-tool fuzz soak

all: modules userspace

help:
	@sed -n '3,38s/^# \{0,1\}//p' $(top)/Makefile

modules:
	@if [ -z "$(KDIR)" ] || [ ! -f "$(KDIR)/Makefile" ]; then \
		echo "make: no kernel build tree (KDIR='$(KDIR)'): run 'make deps' or pass KDIR=" >&2; \
		exit 1; \
	fi
	$(MAKE) -C $(KDIR) M=$(top) $(KBUILD_ARGS) modules

userspace: lib libmach bootstrapd selftests demo abi-version uapi-check ipcbench introspect fuzz-tool soak-tool

# The uapi header stands alone in C and C++: only linux/types.h and
# linux/ioctl.h, no warnings.
uapi-check:
	@mkdir -p $(top)/build/vm
	@printf '#include <linux/machipc.h>\nint main(void) { return sizeof(struct machipc_msg_args) != 64; }\n' \
		>$(top)/build/vm/uapi-check.c
	$(CC) -Wall -Wextra -Werror -pedantic -std=c99 -I$(top)/include/uapi \
		-c -o $(top)/build/vm/uapi-check.o $(top)/build/vm/uapi-check.c
	$(CXX) -Wall -Wextra -Werror -pedantic -x c++ -I$(top)/include/uapi \
		-c -o $(top)/build/vm/uapi-check-cxx.o $(top)/build/vm/uapi-check.c
	@! grep -E '^#include' $(top)/include/uapi/linux/machipc.h | \
		grep -v -E '<linux/(types|ioctl)\.h>' || \
		{ echo "uapi header includes more than linux/types.h and linux/ioctl.h" >&2; exit 1; }

lib:
	@if [ -f $(top)/tools/lib/machipc/Makefile ]; then \
		$(MAKE) -C $(top)/tools/lib/machipc; fi

libmach:
	$(MAKE) -C $(top)/tools/lib/mach

bootstrapd: libmach
	$(MAKE) -C $(top)/tools/bootstrapd

selftests: lib libmach bootstrapd
	$(MAKE) -C $(top)/tests/selftests

demo: lib libmach
	@if [ -f $(top)/tools/demo/Makefile ]; then \
		$(MAKE) -C $(top)/tools/demo; fi

ipcbench: lib libmach
	@if [ -f $(top)/tools/ipcbench/Makefile ]; then \
		$(MAKE) -C $(top)/tools/ipcbench; fi

fuzz-tool:
	$(MAKE) -C $(top)/tools/fuzz

soak-tool:
	$(MAKE) -C $(top)/tools/soak

# machipc-ls and machipc-trace (Python 3): checked, nothing to compile.
introspect:
	$(MAKE) -C $(top)/tools/introspect

abi-version: $(top)/build/vm/abi-version

$(top)/build/vm/abi-version: $(VM)/abi-version.c $(top)/include/uapi/linux/machipc.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wall -Wextra -Werror -I$(top)/include/uapi -o $@ $<

# The module built in a copy of the sources per kernel: kbuild writes its
# objects next to the sources, so two kernels need two trees.  The output
# is also kept in build/<name>.log, where `make check` looks for warnings.
kbuild_log = set -o pipefail; mkdir -p $(top)/build; $(1) 2>&1 | tee $(top)/build/$(2).log

stock:
	$(VM)/sync-tree $(top) $(top)/build/stock
	@kdir=$$($(VM)/stock-kernel --series 6.12 --headers) && \
	$(call kbuild_log,$(MAKE) -C $$kdir M=$(top)/build/stock $(KBUILD_ARGS) modules,stock)

stock61:
	$(VM)/sync-tree $(top) $(top)/build/stock61
	@kdir=$$($(VM)/stock-kernel --series 6.1 --headers) && \
	$(call kbuild_log,$(MAKE) -C $$kdir M=$(top)/build/stock61 $(KBUILD_ARGS) modules,stock61)

debug:
	$(VM)/sync-tree $(top) $(top)/build/debug
	@tree=$$($(VM)/build-kernel) && \
	$(call kbuild_log,$(MAKE) -C $$tree M=$(top)/build/debug $(KBUILD_ARGS) modules,debug)

deps:
	@$(VM)/deps

PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin

install: userspace
	$(MAKE) -C $(top)/tools/lib/machipc install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	$(MAKE) -C $(top)/tools/lib/mach install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(top)/tools/demo/machipc-demo $(top)/tools/ipcbench/ipcbench \
		$(top)/tools/bootstrapd/machipc-bootstrapd $(top)/tools/demo/mach-echo \
		$(DESTDIR)$(BINDIR)/
	$(MAKE) -C $(top)/tools/introspect install BINDIR=$(BINDIR) DESTDIR=$(DESTDIR)

deb:
	$(top)/tools/pkg/mkdeb $(top)/build/deb

run: deps
	$(MAKE) -C $(top) --no-print-directory userspace stock
	@if [ -x $(top)/tools/demo/machipc-demo ]; then \
		prog=tools/demo/machipc-demo; \
	else \
		echo "make run: no tools/demo/machipc-demo yet: running build/vm/abi-version"; \
		prog=build/vm/abi-version; \
	fi; \
	$(VM)/run --kernel stock -- $$prog

# The Mach echo server and client (tools/demo/mach-echo.c, written against
# <mach/mach.h>) under the bootstrap server, in the stock guest.
run-mach: deps
	$(MAKE) -C $(top) --no-print-directory userspace stock
	$(VM)/run --kernel stock -- tools/bootstrapd/machipc-bootstrapd -- tools/demo/mach-echo

check: deps
	$(MAKE) -C $(top) --no-print-directory userspace
	$(MAKE) -C $(top) --no-print-directory W=1 stock stock61 debug
	@$(VM)/check

# make bench: build; boot the stock kernel with machipc and binder on the
# fair CPU model (no ERMS/FSRM); run ipcbench; table, JSON and charts in
# build/bench/ (see Documentation/performance.rst).  BENCH_ARGS (ipcbench
# options), BENCH_VM_ARGS (e.g. --smp 1), BENCH_CPU, BENCH_ERMS=1 (a second,
# labelled boot on the ERMS model into build/bench/erms/) and BENCH_OUT go
# to tools/ipcbench/Makefile.
bench: deps
	$(MAKE) -C $(top) --no-print-directory userspace stock
	$(MAKE) -C $(top)/tools/ipcbench --no-print-directory bench

# make fuzz: the module of the debug build again, with debug info
# (KCFLAGS=-g leaves the code unchanged) in build/fuzz, so that
# tools/fuzz/coverage can map KCOV PCs to lines; the fuzzer replays and
# extends tests/fuzz/corpus in the debug guest, whose distilled corpus then
# replaces the tree's.  FUZZ_SEED and FUZZ_ARGS go to machipc-fuzz.
# FUZZ_FAULTS=1 (the default) arms fail-nth in one operation of ten;
# FUZZ_FAULTS=0 never does (Documentation/testing.rst, "Fuzzing").
FUZZ_TIME	?= 600
FUZZ_SEED	?=
FUZZ_ARGS	?=
FUZZ_FAULTS	?= 1
fuzz: deps
	$(MAKE) -C $(top) --no-print-directory fuzz-tool
	$(VM)/sync-tree $(top) $(top)/build/fuzz
	@tree=$$($(VM)/build-kernel) && \
	$(call kbuild_log,$(MAKE) -C $$tree M=$(top)/build/fuzz KCFLAGS=-g modules,fuzz)
	$(VM)/run --kernel debug --no-load --module $(top)/build/fuzz/src/machipc.ko \
		--timeout $$(($(FUZZ_TIME) + 900)) --out $(top)/build/fuzz/run -- \
		tools/fuzz/machipc-fuzz --time $(FUZZ_TIME) $(if $(FUZZ_SEED),--seed $(FUZZ_SEED)) \
		--corpus tests/fuzz/corpus --out /run/machipc-out/new \
		--final /run/machipc-out/corpus --pcs /run/machipc-out/pcs \
		--ko build/fuzz/src/machipc.ko $(if $(filter 0,$(FUZZ_FAULTS)),--no-faults) $(FUZZ_ARGS)
	@test -d $(top)/build/fuzz/run/corpus || { echo "make fuzz: no corpus came back" >&2; exit 1; }
	rm -rf $(top)/tests/fuzz/corpus
	cp -r $(top)/build/fuzz/run/corpus $(top)/tests/fuzz/corpus
	@echo "make fuzz: tests/fuzz/corpus: $$(ls $(top)/tests/fuzz/corpus | wc -l) inputs, $$(du -sk $(top)/tests/fuzz/corpus | cut -f1) KiB"
	$(top)/tools/fuzz/coverage --files $(top)/build/fuzz/src/machipc.ko \
		$(top)/build/fuzz/run/pcs | tee $(top)/build/fuzz/coverage.txt

# make soak: the chaos soak (tools/soak) in the debug guest for DURATION
# seconds; SOAK_ARGS go to machipc-soak.
DURATION	?= 600
SOAK_ARGS	?=
soak: deps
	$(MAKE) -C $(top) --no-print-directory soak-tool debug
	$(VM)/run --kernel debug --timeout $$(($(DURATION) + 900)) --out $(top)/build/soak -- \
		tools/soak/machipc-soak --duration $(DURATION) \
		--ko build/debug/src/machipc.ko $(SOAK_ARGS)

# uapi headers cannot use BIT() (a kernel-internal macro): there the
# BIT_MACRO check is off.  Everything else: any ERROR, WARNING or CHECK fails.
style:
	@k=$$($(VM)/kernel-files) || exit 1; bad=0; cd $(top); \
	for f in $(patsubst $(top)/%,%,$(STYLE_FILES)); do \
		case $$f in include/uapi/*) ign="--ignore BIT_MACRO" ;; *) ign= ;; esac; \
		out=$$(perl $$k/scripts/checkpatch.pl --no-tree --strict --show-types \
			--color=never --quiet $$ign -f $$f 2>&1) && \
			[ -z "$$out" ] || { bad=$$((bad + 1)); echo "$$out"; }; \
	done; \
	if [ $$bad != 0 ]; then \
		echo "make style: checkpatch --strict found problems in $$bad of $(words $(STYLE_FILES)) files" >&2; \
		exit 1; \
	fi; \
	echo "make style: $(words $(STYLE_FILES)) files clean"

sparse:
	@command -v sparse >/dev/null || { echo "make sparse: sparse missing: run 'make deps'" >&2; exit 1; }
	$(VM)/sync-tree $(top) $(top)/build/stock
	@kdir=$$($(VM)/stock-kernel --headers) || exit 1; \
	$(MAKE) -C $$kdir M=$(top)/build/stock C=2 $(if $(W),W=$(W)) modules \
		>$(top)/build/sparse.log 2>&1; rc=$$?; \
	sed "s|$(top)/build/stock/||" $(top)/build/sparse.log; \
	if [ $$rc != 0 ]; then echo "make sparse: build failed" >&2; exit 1; fi; \
	if grep -q -E '(warning|error):' $(top)/build/sparse.log; then \
		echo "make sparse: $$(grep -c -E '(warning|error):' $(top)/build/sparse.log) warnings (build/sparse.log)" >&2; \
		exit 1; \
	fi; \
	echo "make sparse: clean"

clean:
	@if [ -n "$(KDIR)" ] && [ -f "$(KDIR)/Makefile" ]; then \
		$(MAKE) -C $(KDIR) M=$(top) clean; \
	else \
		find $(top)/src $(top)/tests/kunit $(top) -maxdepth 1 \
			\( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
			-o -name '.*.cmd' -o -name modules.order -o -name Module.symvers \) \
			-delete 2>/dev/null || true; \
	fi
	@if [ -f $(top)/tools/lib/machipc/Makefile ]; then $(MAKE) -C $(top)/tools/lib/machipc clean; fi
	@if [ -f $(top)/tools/demo/Makefile ]; then $(MAKE) -C $(top)/tools/demo clean; fi
	$(MAKE) -C $(top)/tools/lib/mach clean
	$(MAKE) -C $(top)/tools/bootstrapd clean
	$(MAKE) -C $(top)/tools/introspect clean
	$(MAKE) -C $(top)/tests/selftests clean
	$(MAKE) -C $(top)/tools/fuzz clean
	$(MAKE) -C $(top)/tools/soak clean
	rm -rf $(top)/build

endif
