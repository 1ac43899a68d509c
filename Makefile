# Build, boot and test the kernel.
#   make run   [ARCH=x86_64|i686|aarch64] [MEM=256M] [SMP=4] [KTEST=word,...]
#                                                       build the GRUB image, boot it in QEMU, run the self-tests
#                                                       (KTEST: only those whose names contain a word)
#   make test  [ARCH=...] [SCENARIOS=dir]               every arch (or one) under every memory size, plus host tests;
#                                                       memory scenarios of dir (default tests/scenarios) against Linux
#   make debug ARCH=...                                 QEMU halted with a gdb stub; see the printed gdb command
#   make bench [ARCH=...]                               benchmarks (not tests)
#   make fuzz  [ARCH=...] [SEED=n] [OPS=n] [INJECT=ppm]  the user-mode fuzzer (tests/run-fuzz.sh)
#   make clean
# QEMU runs under TCG (software emulation). KVM=1 opts in to KVM on hosts with real VT-x/AMD-V.

SHELL := /bin/bash

ARCH ?= x86_64
MEM  ?= 256M
KVM  ?= 0
# KCMDLINE: extra kernel command-line words, baked into an image named with IMAGE_TAG (make fuzz)
KCMDLINE  ?=
IMAGE_TAG ?=
# KTEST=word[,word...]: only the self-tests whose names contain one of the words (make run KTEST=fork)
KTEST ?=
ifneq ($(KTEST),)
comma := ,
override KCMDLINE += ktest=$(KTEST)
override IMAGE_TAG := $(IMAGE_TAG)-only-$(subst $(comma),-,$(KTEST))
endif
# SMP: the number of CPUs QEMU gives the guest. 4 by default: the kernel is SMP from now on and
# its bugs should show on every run; parked CPUs sit in hlt/wfi and cost the host next to nothing.
# SMP=1 gives a uniprocessor machine (tests/run-tests.sh boots both).
SMP  ?= 4
# BENCH=1: the benchmark kernel (no self-tests, MM_DEBUG off), built under build/<arch>-bench
BENCH ?= 0

ifeq ($(filter $(ARCH),x86_64 i686 aarch64),)
$(error ARCH must be x86_64, i686 or aarch64, not '$(ARCH)')
endif

# COW_PT=0: fork copies page-table entries instead of sharing leaf tables (mm/arch_mmu.h); its
# own build directory, so both kernels can be tested side by side.
COW_PT ?= 1
BUILD := build/$(ARCH)$(if $(filter 1,$(BENCH)),-bench)$(if $(filter 0,$(COW_PT)),-nocowpt)
OBJ   := $(BUILD)/obj

# Per-arch settings: CROSS_COMPILE, ARCH_CFLAGS, ARCH_LDFLAGS, ARCH_INCLUDES, ARCH_SRCS, QEMU,
# QEMU_FLAGS, the image rule ($(IMAGE)) and the files it needs.
ifeq ($(ARCH),aarch64)
include arch/aarch64/build.mk
else
include arch/x86/build.mk
endif

CC      := $(CROSS_COMPILE)gcc
LD      := $(CROSS_COMPILE)ld
OBJCOPY := $(CROSS_COMPILE)objcopy
NM      := $(CROSS_COMPILE)nm

CFLAGS := -std=c11 -ffreestanding -nostdlib -fno-builtin -fno-stack-protector -fno-pic -fno-pie \
	-fno-common -fno-strict-aliasing -fno-omit-frame-pointer -fno-tree-loop-distribute-patterns \
	-O2 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-missing-field-initializers -MMD -MP -I. $(ARCH_INCLUDES) $(ARCH_CFLAGS) \
	-DARCH_$(ARCH) -DKERNEL -DCOW_PT=$(COW_PT) $(if $(filter 1,$(BENCH)),-DBENCH=1 -DMM_DEBUG=0,-DBENCH=0)
ASFLAGS := $(filter-out -std=c11 -Wstrict-prototypes -Wmissing-prototypes,$(CFLAGS)) -D__ASSEMBLY__
LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments \
	-T linker/$(ARCH).ld $(ARCH_LDFLAGS)

GENERIC_SRCS := $(wildcard kernel/*.c mm/*.c scheme/*.c tests/ktest/*.c)
SRCS := $(ARCH_SRCS) $(GENERIC_SRCS)
OBJS := $(patsubst %,$(OBJ)/%.o,$(SRCS)) $(OBJ)/user_programs.S.o
KERNEL := $(BUILD)/kernel.elf

# User test programs (tests/user/*.c, one program each), linked at 4 MiB and embedded in the
# kernel image as flat binaries. They use no FP/SIMD registers: the kernel does not save them.
USER_DIR   := $(BUILD)/user
USER_ARCH_CFLAGS_x86_64  := -m64 -mno-red-zone
USER_ARCH_CFLAGS_i686    := -m32 -march=i686
USER_ARCH_CFLAGS_aarch64 := -mno-outline-atomics
USER_ARCH_CFLAGS := $(USER_ARCH_CFLAGS_$(ARCH))
USER_PROGS := $(basename $(notdir $(wildcard tests/user/*.c)))
USER_CFLAGS := -std=c11 -ffreestanding -nostdlib -fno-builtin -fno-stack-protector -fno-pic \
	-fno-pie -fno-tree-loop-distribute-patterns -fno-asynchronous-unwind-tables -O2 -g \
	-Wall -Wextra -Werror -mgeneral-regs-only -MMD -MP -I. $(USER_ARCH_CFLAGS) -DCOW_PT=$(COW_PT)
USER_LIB_OBJS := $(USER_DIR)/lib/ulib.o $(USER_DIR)/lib/format.o $(USER_DIR)/lib/string.o \
	$(USER_DIR)/lib/arch.o $(USER_DIR)/lib/scenario.o $(USER_DIR)/lib/driver.o
USER_LIBGCC = $(shell $(CC) $(USER_ARCH_CFLAGS) -print-libgcc-file-name)

$(USER_DIR)/%.o: tests/user/%.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c $< -o $@
$(USER_DIR)/lib/ulib.o: tests/user/lib/ulib.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c $< -o $@
$(USER_DIR)/lib/%.o: kernel/%.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c $< -o $@
$(USER_DIR)/lib/%.o: tests/scenario/%.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c $< -o $@
$(USER_DIR)/lib/arch.o: tests/user/arch/$(ARCH).S
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c $< -o $@
# An archive of what only some programs use (the linker takes the members a program needs): the
# heap, the range counts of scheme/ and the test file system daemon testfs with its client side.
USER_ARCHIVE := $(USER_DIR)/lib/libuser.a
USER_ARCHIVE_OBJS := $(patsubst %,$(USER_DIR)/lib/%.o,umalloc range_count testfs_table \
	testfs_daemon testfs_client)
$(USER_DIR)/lib/%.o: tests/user/lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c $< -o $@
$(USER_DIR)/lib/range_count.o: scheme/range_count.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c $< -o $@
$(USER_ARCHIVE): $(USER_ARCHIVE_OBJS)
	@rm -f $@
	$(CROSS_COMPILE)ar rcs $@ $^
$(USER_DIR)/%.bin: $(USER_DIR)/%.o $(USER_LIB_OBJS) $(USER_ARCHIVE) tests/user/user.ld
	$(LD) $(ARCH_LDFLAGS) -static -nostdlib -z noexecstack --no-warn-rwx-segments \
		-T tests/user/user.ld -o $(USER_DIR)/$*.elf $< $(USER_LIB_OBJS) $(USER_EXTRA_OBJS) \
		$(USER_ARCHIVE) $(USER_LIBGCC)
	$(OBJCOPY) -O binary $(USER_DIR)/$*.elf $@

# The scenario runner (tests/user/scenario_run.c) gets the text of every $(SCENARIOS)/*.mem
# linked in: a table of {name, path, text, end} ending with a null entry; and the malformed
# scenarios of tests/scenario/bad/ with their expected message: {name, path, text, end, expected,
# end}. `make test SCENARIOS=/some/dir` runs another directory (tests/run-tests.sh passes it on);
# a list file, rewritten when the set of files changes, rebuilds the table.
SCENARIOS ?= tests/scenarios
SCENARIO_FILES := $(sort $(wildcard $(SCENARIOS)/*.mem))
SCENARIO_BAD_FILES := $(sort $(wildcard tests/scenario/bad/*.mem))
SCENARIO_LIST := $(USER_DIR)/scenario-list
$(shell mkdir -p $(USER_DIR); echo '$(SCENARIO_FILES) $(SCENARIO_BAD_FILES)' | \
	cmp -s - $(SCENARIO_LIST) || echo '$(SCENARIO_FILES) $(SCENARIO_BAD_FILES)' > $(SCENARIO_LIST))
$(USER_DIR)/scenarios.S: $(SCENARIO_FILES) $(SCENARIO_BAD_FILES) $(SCENARIO_BAD_FILES:.mem=.err) \
		$(SCENARIO_LIST) Makefile
	@mkdir -p $(dir $@)
	@{ echo '/* generated by the Makefile: the scenario files */'; \
	  entry() { printf '\t.section .rodata\nsc_name_%d:\n\t.asciz "%s"\nsc_path_%d:\n\t.asciz "%s"\nsc_text_%d:\n\t.incbin "%s"\nsc_end_%d:\n' \
	      $$1 "$$(basename $$2 .mem)" $$1 "$$2" $$1 "$$2" $$1; }; \
	  i=0; for f in $(SCENARIO_FILES); do i=$$((i + 1)); entry $$i $$f; done; \
	  for f in $(SCENARIO_BAD_FILES); do i=$$((i + 1)); entry $$i $$f; \
	    printf 'sc_err_%d:\n\t.incbin "%s"\nsc_err_end_%d:\n' $$i "$${f%.mem}.err" $$i; done; \
	  printf '\t.section .rodata\n\t.balign 8\n\t.globl scenario_files\nscenario_files:\n'; \
	  i=0; for f in $(SCENARIO_FILES); do i=$$((i + 1)); \
	    printf '\t.dc.a sc_name_%d, sc_path_%d, sc_text_%d, sc_end_%d\n' $$i $$i $$i $$i; done; \
	  printf '\t.dc.a 0, 0, 0, 0\n\t.globl scenario_bad_files\nscenario_bad_files:\n'; \
	  for f in $(SCENARIO_BAD_FILES); do i=$$((i + 1)); \
	    printf '\t.dc.a sc_name_%d, sc_path_%d, sc_text_%d, sc_end_%d, sc_err_%d, sc_err_end_%d\n' \
	      $$i $$i $$i $$i $$i $$i; done; \
	  printf '\t.dc.a 0, 0, 0, 0, 0, 0\n\t.section .note.GNU-stack, "", %%progbits\n'; } > $@
$(USER_DIR)/scenarios.o: $(USER_DIR)/scenarios.S
	$(CC) $(USER_CFLAGS) -c $< -o $@
$(USER_DIR)/scenario_run.bin: $(USER_DIR)/scenarios.o
$(USER_DIR)/scenario_run.bin: USER_EXTRA_OBJS := $(USER_DIR)/scenarios.o

# The fuzzer (tests/user/fuzz.c) links its model and generators from tests/user/fuzz/.
$(USER_DIR)/fuzz/%.o: tests/user/fuzz/%.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c $< -o $@
FUZZ_OBJS := $(patsubst tests/user/fuzz/%.c,$(USER_DIR)/fuzz/%.o,$(wildcard tests/user/fuzz/*.c))
$(USER_DIR)/fuzz.bin: $(FUZZ_OBJS)
$(USER_DIR)/fuzz.bin: USER_EXTRA_OBJS := $(FUZZ_OBJS)

# The table of embedded programs (kernel/user_program.h describes it).
$(USER_DIR)/programs.S: $(patsubst %,$(USER_DIR)/%.bin,$(USER_PROGS)) Makefile
	@mkdir -p $(dir $@)
	@{ echo '/* generated by the Makefile: the user test programs */'; \
	  for p in $(USER_PROGS); do \
	    printf '\t.section .rodata\n\t.balign 16\nimage_%s:\n\t.incbin "%s"\nimage_%s_end:\nname_%s:\n\t.asciz "%s"\n' \
	      $$p $(USER_DIR)/$$p.bin $$p $$p $$p; done; \
	  printf '\t.section .rodata\n\t.balign 16\n\t.globl user_programs\nuser_programs:\n'; \
	  for p in $(USER_PROGS); do printf '\t.dc.a name_%s, image_%s, image_%s_end\n' $$p $$p $$p; done; \
	  printf '\t.dc.a 0, 0, 0\n\t.section .note.GNU-stack, "", %%progbits\n'; } > $@
$(OBJ)/user_programs.S.o: $(USER_DIR)/programs.S
	@mkdir -p $(dir $@)
	$(CC) $(ASFLAGS) -c $< -o $@
-include $(wildcard $(USER_DIR)/*.d $(USER_DIR)/lib/*.d $(USER_DIR)/fuzz/*.d)

.PHONY: all kernel image run test debug bench fuzz clean deps host-test print-qemu compile_commands.json \
	linux-bench print-qemu-linux
.DEFAULT_GOAL := all

all: kernel compile_commands.json
kernel: $(KERNEL)

$(OBJ)/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(OBJ)/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(ASFLAGS) -c $< -o $@

$(KERNEL): $(OBJS) linker/$(ARCH).ld
	$(LD) $(LDFLAGS) -o $@ $(OBJS)

-include $(OBJS:.o=.d)

# The dependency step: installs the Debian packages (and GRUB's arm64 modules) when a tool is
# missing; costs one shell check when all is there.
DEPS_OK := $(shell command -v $(CC) >/dev/null && command -v $(QEMU) >/dev/null && \
	command -v grub-mkrescue >/dev/null && command -v xorriso >/dev/null && \
	test -f build/deps/grub-arm64/usr/lib/grub/arm64-efi/moddep.lst && echo yes)
deps:
ifneq ($(DEPS_OK),yes)
	tools/install-deps
endif

image: deps
	$(MAKE) --no-print-directory $(IMAGE)

comma := ,
# More than one CPU under TCG: one host thread per guest CPU (MTTCG). QEMU 7.2 allows it for all
# three guests on an x86_64 host (its memory-ordering check passes for x86 and aarch64 guests).
# TCG_THREAD=single runs every CPU in one host thread, in turn (what -icount needs; make bench's
# thread rows use it, see docs/performance.md).
TCG_THREAD ?= $(if $(filter-out 1,$(SMP)),multi)
QEMU_ACCEL := $(if $(filter 1,$(KVM)),-accel kvm,-accel tcg$(if $(TCG_THREAD),$(comma)thread=$(TCG_THREAD))) \
	-smp $(SMP)

run: image
	$(QEMU) $(QEMU_ACCEL) $(QEMU_FLAGS) -serial stdio -display none -monitor none; \
	status=$$?; tests/exit-status.sh $(ARCH) $$status

debug: image
	@printf 'target remote :1234\nsymbol-file %s\n' "$(abspath $(KERNEL))" > $(BUILD)/gdbinit
	@echo "QEMU is halted; in another terminal: gdb-multiarch -x $(BUILD)/gdbinit"
	$(QEMU) $(QEMU_ACCEL) $(QEMU_FLAGS) -serial stdio -display none -monitor none -S -s

# The QEMU command the test script runs for one boot, with the serial console going to LOG.
print-qemu:
	@echo $(QEMU) $(QEMU_ACCEL) $(QEMU_FLAGS) -serial file:$(LOG) -display none -monitor none

# make test: all arches unless ARCH was given on the command line.
TEST_ARCHES := $(if $(filter command line environment,$(origin ARCH)),$(ARCH),x86_64 i686 aarch64)
test: deps
	SCENARIOS=$(SCENARIOS) tests/run-tests.sh $(TEST_ARCHES)

host-test:
	$(MAKE) --no-print-directory -f tests/host/host.mk SCENARIOS=$(SCENARIOS)

# make bench: all arches unless ARCH was given; benchmarks, never tests.
bench: deps
	tests/run-bench.sh $(TEST_ARCHES)

# make fuzz: one long fuzz run per arch (all unless ARCH was given), one at a time; SEED (default:
# random), OPS (default 1000000), INJECT (failures per million allocations, default 0).
fuzz: deps
	SEED="$(SEED)" OPS="$(OPS)" INJECT="$(INJECT)" tests/run-fuzz.sh $(TEST_ARCHES)

# ---- The Linux side of make bench ----
# The benchmark program tests/user/bench_vm.c built again as a static Linux program (system calls
# from tests/bench/linux_ulib.c, no C library), packed as /init of an initramfs, and booted under
# Debian's own kernel (tools/install-deps --linux fetches it into build/deps/linux-<arch>/) with
# the machine, CPU model, RAM and accelerator of our benchmark kernel's QEMU_FLAGS: only the way
# in differs (-kernel/-initrd instead of GRUB; on aarch64 also without the UEFI firmware).
LINUX_BENCH_DIR := $(BUILD)/linux
LINUX_BENCH_OBJS := $(addprefix $(LINUX_BENCH_DIR)/,bench_vm.o linux_ulib.o format.o string.o)
LINUX_DIR := build/deps/linux-$(ARCH)
ifeq ($(ARCH),aarch64)
LINUX_QEMU_FLAGS := -M virt -cpu max,pauth-impdef=on -m $(MEM) -no-reboot
LINUX_CONSOLE := ttyAMA0
else
LINUX_QEMU_FLAGS := -M pc -cpu max -m $(MEM) -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04
LINUX_CONSOLE := ttyS0
endif
# no transparent huge pages: one fault per 4 KiB page on both kernels; panic=-1 with -no-reboot
# ends QEMU should the init die
LINUX_APPEND := console=$(LINUX_CONSOLE) transparent_hugepage=never panic=-1 rdinit=/init

$(LINUX_BENCH_DIR)/bench_vm.o: tests/user/bench_vm.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -DBENCH_LINUX -c $< -o $@
$(LINUX_BENCH_DIR)/linux_ulib.o: tests/bench/linux_ulib.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c $< -o $@
$(LINUX_BENCH_DIR)/%.o: kernel/%.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c $< -o $@
$(LINUX_BENCH_DIR)/init: $(LINUX_BENCH_OBJS)
	$(LD) $(ARCH_LDFLAGS) -static -nostdlib -z noexecstack -e _start -o $@ $^ $(USER_LIBGCC)
$(LINUX_BENCH_DIR)/initramfs.cpio: $(LINUX_BENCH_DIR)/init tests/bench/mkinitramfs.py
	python3 tests/bench/mkinitramfs.py $@ $<
# The thread benchmark (tests/user/bench_threads.c) as the init of the 4-CPU boot.
$(LINUX_BENCH_DIR)/bench_threads.o: tests/user/bench_threads.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -DBENCH_LINUX -c $< -o $@
$(LINUX_BENCH_DIR)/init-threads: $(filter-out %/bench_vm.o,$(LINUX_BENCH_OBJS)) $(LINUX_BENCH_DIR)/bench_threads.o
	$(LD) $(ARCH_LDFLAGS) -static -nostdlib -z noexecstack -e _start -o $@ $^ $(USER_LIBGCC)
$(LINUX_BENCH_DIR)/initramfs-threads.cpio: $(LINUX_BENCH_DIR)/init-threads tests/bench/mkinitramfs.py
	python3 tests/bench/mkinitramfs.py $@ $<
-include $(wildcard $(LINUX_BENCH_DIR)/*.d)

# The Linux kernel and the initramfs of this ARCH (fetches the kernel when it is missing).
linux-bench: deps
	@test -f $(LINUX_DIR)/kernel || tools/install-deps --linux $(ARCH)
	$(MAKE) --no-print-directory $(LINUX_BENCH_DIR)/initramfs.cpio $(LINUX_BENCH_DIR)/initramfs-threads.cpio

# The QEMU command that boots Debian's Linux with the benchmark as init (LOG: the serial log;
# LINUX_INIT=threads: the thread benchmark's initramfs).
LINUX_INIT ?=
print-qemu-linux:
	@echo $(QEMU) $(QEMU_ACCEL) $(LINUX_QEMU_FLAGS) -kernel $(LINUX_DIR)/kernel \
		-initrd $(LINUX_BENCH_DIR)/initramfs$(if $(LINUX_INIT),-$(LINUX_INIT)).cpio -append "'$(LINUX_APPEND)'" \
		-serial file:$(LOG) -display none -monitor none

# compile_commands.json for the current ARCH, written without wrapping the compiler.
compile_commands.json:
	@{ echo '['; sep=''; for src in $(SRCS); do \
	  case $$src in *.S) flags='$(ASFLAGS)';; *) flags='$(CFLAGS)';; esac; \
	  printf '%s  {"directory": "%s", "file": "%s", "command": "%s %s -c %s -o %s"}' \
	    "$$sep" "$(CURDIR)" "$$src" "$(CC)" "$$flags" "$$src" "$(OBJ)/$$src.o"; sep=$$',\n'; \
	  done; echo; echo ']'; } > $@.tmp && mv $@.tmp $@

clean:
	rm -rf build/x86_64* build/i686* build/aarch64* build/host build/test build/bench compile_commands.json
