# Build settings for x86_64 and i686 (included by the top-level Makefile). Shared sources live
# in arch/x86/, the few that differ per mode in arch/x86/64/ and arch/x86/32/.
# The boot image is a GRUB (BIOS) ISO whose grub.cfg passes "mem=$(MEM) smp=$(SMP)" to the kernel,
# so there is one image per memory size and CPU count: $(BUILD)/kernel-$(MEM)-smp$(SMP)$(IMAGE_TAG).iso.

ifeq ($(ARCH),x86_64)
X86_MODE      := 64
CROSS_COMPILE :=
ARCH_CFLAGS   := -m64 -mcmodel=kernel -mno-red-zone -mgeneral-regs-only
ARCH_LDFLAGS  := -m elf_x86_64
QEMU          := qemu-system-x86_64
else
X86_MODE      := 32
CROSS_COMPILE := i686-linux-gnu-
ARCH_CFLAGS   := -m32 -march=i686 -mgeneral-regs-only
ARCH_LDFLAGS  := -m elf_i386
QEMU          := qemu-system-i386
endif
ARCH_CFLAGS   += -fno-asynchronous-unwind-tables -fno-unwind-tables
ARCH_INCLUDES := -Iarch/x86/$(X86_MODE) -Iarch/x86

ARCH_SRCS := \
	arch/x86/multiboot2_header.S \
	arch/x86/acpi.c \
	arch/x86/apic.c \
	arch/x86/boot.c \
	arch/x86/context.c \
	arch/x86/cpu.c \
	arch/x86/features.c \
	arch/x86/gdt.c \
	arch/x86/idt.c \
	arch/x86/kmap.c \
	arch/x86/mmu.c \
	arch/x86/mmu_walk.c \
	arch/x86/mmu_share.c \
	arch/x86/multiboot2.c \
	arch/x86/page_ops.c \
	arch/x86/paging.c \
	arch/x86/pic.c \
	arch/x86/serial.c \
	arch/x86/smp.c \
	arch/x86/timer.c \
	arch/x86/trap.c \
	arch/x86/trampoline.S \
	arch/x86/usercopy.c \
	arch/x86/$(X86_MODE)/entry.S \
	arch/x86/$(X86_MODE)/trap_entry.S \
	arch/x86/$(X86_MODE)/context.S \
	arch/x86/$(X86_MODE)/regs.c \
	arch/x86/$(X86_MODE)/setjmp.S \
	arch/x86/$(X86_MODE)/probe.S \
	arch/x86/$(X86_MODE)/usercopy.S \
	arch/x86/$(X86_MODE)/trap_frame_print.c
# Self-tests (KTEST) of the arch code and their assembly helpers.
ARCH_SRCS += \
	arch/x86/context_test.c \
	arch/x86/mmu_test.c \
	arch/x86/paging_test.c \
	arch/x86/regs_test.c \
	arch/x86/smp_test.c \
	arch/x86/timer_test.c \
	arch/x86/user_test.c \
	arch/x86/usercopy_test.c \
	arch/x86/$(X86_MODE)/arch_test_asm.S \
	arch/x86/$(X86_MODE)/regs_test_asm.S
ifeq ($(X86_MODE),32)
ARCH_SRCS += arch/x86/32/divdi3.c
endif

IMAGE := $(BUILD)/kernel-$(MEM)-smp$(SMP)$(IMAGE_TAG).iso
QEMU_FLAGS := -M pc -cpu max -m $(MEM) -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -cdrom $(IMAGE) -boot d

# The ISO: the kernel without debug sections (GRUB would copy them into RAM) and a grub.cfg
# for this MEM. (The top-level Makefile defines KERNEL only after including this file, hence
# the spelled-out path in the prerequisites.)
X86_ISO_DIR := $(BUILD)/iso-$(MEM)-smp$(SMP)$(IMAGE_TAG)
$(IMAGE): $(BUILD)/kernel.elf boot/grub-x86.cfg arch/x86/build.mk
	@rm -rf $(X86_ISO_DIR) && mkdir -p $(X86_ISO_DIR)/boot/grub
	$(OBJCOPY) --strip-debug $(KERNEL) $(X86_ISO_DIR)/boot/kernel.elf
	sed -e 's/@MEM@/$(MEM)/g' -e 's/@SMP@/$(SMP)/g' -e 's/@CMDLINE@/$(KCMDLINE)/g' boot/grub-x86.cfg > $(X86_ISO_DIR)/boot/grub/grub.cfg
	grub-mkrescue -d /usr/lib/grub/i386-pc -o $@ $(X86_ISO_DIR) >$(BUILD)/grub-mkrescue.log 2>&1 \
		|| { cat $(BUILD)/grub-mkrescue.log; exit 1; }
