# Build settings for aarch64 (included by the top-level Makefile).
# The kernel ELF is linked at its high virtual address; `objcopy -O binary` of it is an arm64
# Image that is also a PE32+ EFI application (headers in arch/aarch64/head.S). GRUB's arm64-efi
# `linux` command boots it from an ISO, under UEFI firmware on QEMU's virt machine. The grub.cfg
# passes "mem=$(MEM) smp=$(SMP)", so there is one image per memory size and CPU count:
# $(BUILD)/kernel-$(MEM)-smp$(SMP)$(IMAGE_TAG).iso.

CROSS_COMPILE := aarch64-linux-gnu-
# -mgeneral-regs-only: no FP/SIMD in the kernel (it traps). -mstrict-align: no unaligned access,
# which faults on Device memory and with the MMU off. -mcmodel=small without PIC: every symbol
# address is formed PC-relative (adrp), which lets the UEFI stub run at the physical address.
# -mno-outline-atomics: inline LL/SC atomics instead of libgcc helpers we do not link.
ARCH_CFLAGS   := -mgeneral-regs-only -mstrict-align -mcmodel=small -mno-outline-atomics \
	-mbranch-protection=none -fno-asynchronous-unwind-tables -fno-unwind-tables
ARCH_LDFLAGS  := -m aarch64elf --build-id=none
ARCH_INCLUDES := -Iarch/aarch64

ARCH_SRCS := \
	arch/aarch64/head.S \
	arch/aarch64/efi_boot.c \
	arch/aarch64/boot_paging.c \
	arch/aarch64/start.c \
	arch/aarch64/uart.c \
	arch/aarch64/cpu.c \
	arch/aarch64/vectors.S \
	arch/aarch64/trap.c \
	arch/aarch64/mmu.c \
	arch/aarch64/mmu_space.c \
	arch/aarch64/mmu_share.c \
	arch/aarch64/tlb.c \
	arch/aarch64/usercopy.S \
	arch/aarch64/usercopy.c \
	arch/aarch64/context.S \
	arch/aarch64/user.c \
	arch/aarch64/gic.c \
	arch/aarch64/psci.c \
	arch/aarch64/smp.c \
	arch/aarch64/smp_entry.S \
	arch/aarch64/timer.c \
	arch/aarch64/lib.S \
	arch/aarch64/page_ops.c \
	arch/aarch64/regs_test.S \
	arch/aarch64/regs_test.c \
	arch/aarch64/mmu_test.c \
	arch/aarch64/page_ops_test.c \
	arch/aarch64/usercopy_test.c \
	arch/aarch64/context_test.c \
	arch/aarch64/smp_test.c \
	arch/aarch64/timer_test.c \
	arch/aarch64/user_test.c \
	arch/aarch64/user_test_code.S

AARCH64_FIRMWARE := /usr/share/qemu-efi-aarch64/QEMU_EFI.fd
AARCH64_GRUB_DIR := build/deps/grub-arm64/usr/lib/grub/arm64-efi

QEMU := qemu-system-aarch64
IMAGE := $(BUILD)/kernel-$(MEM)-smp$(SMP)$(IMAGE_TAG).iso
# pauth-impdef: pointer authentication with QEMU's cheap hash instead of QARMA (much faster).
# -boot menu=on,splash-time=0: the firmware takes QEMU's boot-menu wait (0 ms) as its boot
# timeout instead of its default of a few seconds (saves about 5 s of the 7 s boot).
QEMU_FLAGS := -M virt -cpu max,pauth-impdef=on -m $(MEM) -bios $(AARCH64_FIRMWARE) \
	-drive file=$(IMAGE),format=raw,if=none,id=cd -device virtio-blk-device,drive=cd \
	-semihosting-config enable=on,target=native -boot menu=on,splash-time=0 -no-reboot

# The boot file: the ELF's loadable sections as one flat image (Image + PE/COFF). The top-level
# Makefile defines KERNEL only after including this file, hence the spelled-out paths.
AARCH64_BOOT_FILE := $(BUILD)/kernel.img
AARCH64_ISO_DIR := $(BUILD)/iso-$(MEM)-smp$(SMP)$(IMAGE_TAG)
$(AARCH64_BOOT_FILE): $(BUILD)/kernel.elf
	$(OBJCOPY) -O binary $< $@

$(IMAGE): $(AARCH64_BOOT_FILE) boot/grub-aarch64.cfg arch/aarch64/build.mk
	@rm -rf $(AARCH64_ISO_DIR) && mkdir -p $(AARCH64_ISO_DIR)/boot/grub
	cp $(AARCH64_BOOT_FILE) $(AARCH64_ISO_DIR)/boot/kernel
	sed -e 's/@MEM@/$(MEM)/g' -e 's/@SMP@/$(SMP)/g' -e 's/@CMDLINE@/$(KCMDLINE)/g' boot/grub-aarch64.cfg > $(AARCH64_ISO_DIR)/boot/grub/grub.cfg
	grub-mkrescue -d $(AARCH64_GRUB_DIR) -o $@ $(AARCH64_ISO_DIR) >$(BUILD)/grub-mkrescue.log 2>&1 \
		|| { cat $(BUILD)/grub-mkrescue.log; exit 1; }
