# Build, boot and test the kernel.
#   make run   [ARCH=x86_64|i686|aarch64] [MEM=256M]   build the GRUB image, boot it in QEMU, run the self-tests
#   make test  [ARCH=...]                               every arch (or one) under every memory size, plus host tests
#   make debug ARCH=...                                 QEMU halted with a gdb stub; see the printed gdb command
#   make bench [ARCH=...]                               benchmarks (not tests)
#   make clean
# QEMU runs under TCG (software emulation). KVM=1 opts in to KVM on hosts with real VT-x/AMD-V.

SHELL := /bin/bash

ARCH ?= x86_64
MEM  ?= 256M
KVM  ?= 0

ifeq ($(filter $(ARCH),x86_64 i686 aarch64),)
$(error ARCH must be x86_64, i686 or aarch64, not '$(ARCH)')
endif

BUILD := build/$(ARCH)
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
	-DARCH_$(ARCH) -DKERNEL
ASFLAGS := $(filter-out -std=c11 -Wstrict-prototypes -Wmissing-prototypes,$(CFLAGS)) -D__ASSEMBLY__
LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments \
	-T linker/$(ARCH).ld $(ARCH_LDFLAGS)

GENERIC_SRCS := $(wildcard kernel/*.c mm/*.c scheme/*.c tests/ktest/*.c)
SRCS := $(ARCH_SRCS) $(GENERIC_SRCS)
OBJS := $(patsubst %,$(OBJ)/%.o,$(SRCS))
KERNEL := $(BUILD)/kernel.elf

.PHONY: all kernel image run test debug bench clean deps host-test print-qemu compile_commands.json
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

QEMU_ACCEL := $(if $(filter 1,$(KVM)),-accel kvm,-accel tcg)

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
	tests/run-tests.sh $(TEST_ARCHES)

host-test:
	$(MAKE) --no-print-directory -f tests/host/host.mk

bench: deps
	@echo "make bench: no benchmarks yet (they arrive with the frame allocator)"; exit 1

# compile_commands.json for the current ARCH, written without wrapping the compiler.
compile_commands.json:
	@{ echo '['; sep=''; for src in $(SRCS); do \
	  case $$src in *.S) flags='$(ASFLAGS)';; *) flags='$(CFLAGS)';; esac; \
	  printf '%s  {"directory": "%s", "file": "%s", "command": "%s %s -c %s -o %s"}' \
	    "$$sep" "$(CURDIR)" "$$src" "$(CC)" "$$flags" "$$src" "$(OBJ)/$$src.o"; sep=$$',\n'; \
	  done; echo; echo ']'; } > $@.tmp && mv $@.tmp $@

clean:
	rm -rf build/x86_64 build/i686 build/aarch64 build/host build/test compile_commands.json
