# Host unit tests: builds every tests/host/test_*.c with the host compiler and sanitizers into
# build/host/, runs them all, prints each one's KTAP and then one total line "N passed, N failed".
# Exit status non-zero when a test failed or a test program crashed.
#   make -f tests/host/host.mk           (from the repo root; `make host-test` runs the same)
#   make -f tests/host/host.mk build     (build only)
#   make -f tests/host/host.mk HOST_BUILD=build/host-nodebug HOST_EXTRA_CFLAGS=-DMM_DEBUG=0
# Each test program = its test_*.c + libhost.a (the pure-logic kernel sources below, the harness
# and the host stand-ins for arch and kernel services); the linker takes only what it needs.

SHELL      := /bin/bash
HOST_CC    ?= gcc
HOST_BUILD ?= build/host
HOST_EXTRA_CFLAGS ?=

HOST_CFLAGS := -std=c11 -D_GNU_SOURCE -DHOST_TEST -g -O1 -fno-omit-frame-pointer \
	-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-missing-field-initializers -fsanitize=address,undefined -fno-sanitize-recover=all \
	-I. -Itests/host -MMD -MP $(HOST_EXTRA_CFLAGS)
HOST_LDFLAGS := -fsanitize=address,undefined -pthread

# Pure-logic kernel sources that build on the host (no arch code, no kernel/string.c: the host C
# library provides memset and friends). Add a file here when a host test needs it.
HOST_KERNEL_SRCS := kernel/format.c kernel/cmdline.c kernel/boot_info.c \
	mm/pageinfo.c mm/section.c mm/frame.c mm/mm_init.c mm/frame_bench.c \
	mm/alloc_inject.c mm/kheap.c mm/grant.c mm/grant_tree.c mm/addrspace.c mm/vm_page.c \
	mm/mmap.c mm/fault.c mm/fork.c mm/borrow.c mm/vm_access.c mm/check.c mm/fmap.c mm/shm.c mm/tlb.c
# The range counts of scheme daemons (freestanding, allocator callbacks).
HOST_KERNEL_SRCS += scheme/range_count.c
# The file table of the test file system daemon testfs (tests/user/lib/testfs_table.c, pure C).
HOST_KERNEL_SRCS += tests/user/lib/testfs_table.c
# The harness and the stand-ins: panic/spinlock/kprintf, and the arch MMU contract over a buffer
# (fake_ram.c: direct map and kmap; soft_mmu.c: user page tables, TLB and a user-mode "CPU"),
# and the fake machine of the VM tests (vm_env.c).
HOST_SUPPORT_SRCS := tests/host/htest.c tests/host/host_kernel.c tests/host/fake_ram.c \
	tests/host/soft_mmu.c tests/host/vm_env.c
# The fake scheme daemon behind mm/fmap.c (scheme_mmap_prep, notices, file references).
HOST_SUPPORT_SRCS += tests/host/fake_scheme.c

# The memory scenario parser (tests/scenario/), shared by the tests, the oracle and the kernel runner.
HOST_SUPPORT_SRCS += tests/scenario/scenario.c tests/scenario/driver.c

# The Linux oracle of the scenario format: a plain hosted program, built without sanitizers
# (ASan's shadow memory would sit inside the scenario address window [0x40000000, 0x80000000)).
# `run` runs it over every $(SCENARIOS)/*.mem (default tests/scenarios; `make test SCENARIOS=dir`
# passes another) and counts a scenario error (exit != 0) as a failure; transcripts go to
# $(HOST_BUILD)/scenarios/NAME.out and stderr to NAME.err, never into the tree. Then every
# malformed scenario of tests/scenario/bad/ must exit 2 with exactly its NAME.err on stderr and
# one transcript line for each line before the bad one.
ORACLE        := $(HOST_BUILD)/oracle
ORACLE_SRCS   := tests/oracle/oracle.c tests/scenario/scenario.c tests/scenario/driver.c kernel/format.c
ORACLE_CFLAGS := -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -Wno-missing-field-initializers -I.
SCENARIOS     ?= tests/scenarios
SCENARIO_FILES := $(sort $(wildcard $(SCENARIOS)/*.mem))
SCENARIO_BAD  := $(sort $(wildcard tests/scenario/bad/*.mem))

HOST_TEST_SRCS := $(sort $(wildcard tests/host/test_*.c))
HOST_BINS      := $(patsubst tests/host/%.c,$(HOST_BUILD)/%,$(HOST_TEST_SRCS))
HOST_LIB_OBJS  := $(patsubst %.c,$(HOST_BUILD)/obj/%.o,$(HOST_KERNEL_SRCS) $(HOST_SUPPORT_SRCS))
HOST_LIB       := $(HOST_BUILD)/libhost.a

.PHONY: run build
.SECONDARY:
.DEFAULT_GOAL := run

build: $(HOST_BINS) $(ORACLE)

$(ORACLE): $(ORACLE_SRCS) tests/scenario/scenario.h tests/scenario/driver.h
	@mkdir -p $(dir $@)
	$(HOST_CC) $(ORACLE_CFLAGS) -o $@ $(ORACLE_SRCS)

$(HOST_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -c $< -o $@

$(HOST_LIB): $(HOST_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(HOST_BUILD)/test_%: $(HOST_BUILD)/obj/tests/host/test_%.o $(HOST_LIB)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $< $(HOST_LIB)

# Runs every test program; a program that exits non-zero without reporting a failed test
# (a crash, a sanitizer report) counts as one more failure.
run: $(HOST_BINS) $(ORACLE)
	@pass=0; fail=0; \
	for t in $(HOST_BINS); do \
		echo "# $$t"; \
		$$t > $$t.log 2>&1; status=$$?; \
		cat $$t.log; \
		p=0; f=0; \
		sum=$$(grep -E '^[0-9]+ passed, [0-9]+ failed$$' $$t.log | tail -n 1); \
		[ -z "$$sum" ] || read -r p _ f _ <<< "$$sum"; \
		if [ $$status -ne 0 ] && [ $$f -eq 0 ]; then \
			echo "# $$t: exit status $$status with no failed test reported (crash or sanitizer report)"; \
			f=1; \
		fi; \
		pass=$$((pass + p)); fail=$$((fail + f)); \
	done; \
	mkdir -p $(HOST_BUILD)/scenarios; \
	for s in $(SCENARIO_FILES); do \
		out=$(HOST_BUILD)/scenarios/$$(basename $$s .mem); \
		if $(ORACLE) $$s > $$out.out 2> $$out.err; then \
			echo "# oracle $$s: ok"; pass=$$((pass + 1)); \
		else \
			echo "# oracle $$s: FAILED (exit $$?)"; cat $$out.err; fail=$$((fail + 1)); \
		fi; \
	done; \
	mkdir -p $(HOST_BUILD)/scenarios-bad; \
	for s in $(SCENARIO_BAD); do \
		out=$(HOST_BUILD)/scenarios-bad/$$(basename $$s .mem); \
		$(ORACLE) $$s > $$out.out 2> $$out.err; status=$$?; \
		line=$$(sed -n 's/^[^:]*:\([0-9]*\):.*/\1/p' $${s%.mem}.err); \
		want=$$(awk -v n="$$line" 'NR < n { sub(/#.*/, ""); if ($$0 ~ /[^ \t\r]/) c++ } END { print c + 0 }' $$s); \
		got=$$(wc -l < $$out.out); \
		if [ $$status -eq 2 ] && cmp -s $$out.err $${s%.mem}.err && [ "$$got" -eq "$$want" ]; then \
			echo "# oracle malformed $$s: reported right"; pass=$$((pass + 1)); \
		else \
			echo "# oracle malformed $$s: WRONG (exit $$status, $$got transcript lines, want $$want): $$(cat $$out.err)"; \
			fail=$$((fail + 1)); \
		fi; \
	done; \
	echo "$$pass passed, $$fail failed"; \
	[ $$fail -eq 0 ]

-include $(HOST_LIB_OBJS:.o=.d) $(patsubst tests/host/%.c,$(HOST_BUILD)/obj/tests/host/%.d,$(HOST_TEST_SRCS))
