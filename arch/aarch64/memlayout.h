/* The aarch64 kernel's virtual address layout (48-bit VAs, 4 KiB granule) and the two physical
 * addresses of QEMU's virt machine it relies on. TTBR0 (the low half) is for user space and
 * holds nothing in the kernel; TTBR1 (the high half) holds everything below. */
#ifndef ARCH_AARCH64_MEMLAYOUT_H
#define ARCH_AARCH64_MEMLAYOUT_H

#include "arch/aarch64/sysreg.h"   /* UL() */

/* Every byte of RAM from the firmware memory map, at DIRECT_MAP_BASE + physical address;
 * 2 MiB / 1 GiB blocks, never executable. Covers up to 256 TiB of physical address space. */
#define DIRECT_MAP_BASE  UL(0xffff000000000000)

/* Device windows: a 1 GiB region for MMIO mappings. The PL011 UART is its first 2 MiB block, the
 * GIC its second. */
#define DEVICE_VBASE     UL(0xffffffffc0000000)

/* The kernel image, linked here; the Image/PE headers are its first page. */
#define KERNEL_VBASE     UL(0xffffffff80000000)

/* QEMU virt: the PL011 UART (the console) and the start of RAM. */
#define UART_PHYS        UL(0x09000000)
#define UART_VIRT        (DEVICE_VBASE + (UART_PHYS & (UL(0x200000) - 1)))

/* QEMU virt: the GICv2 distributor and CPU interface, in the 2 MiB block at GIC_PHYS, mapped
 * as the second block of the device window. */
#define GIC_PHYS         UL(0x08000000)
#define GIC_VBASE        (DEVICE_VBASE + UL(0x200000))
#define GICD_PHYS        UL(0x08000000)
#define GICC_PHYS        UL(0x08010000)
#define GICD_VIRT        (GIC_VBASE + (GICD_PHYS - GIC_PHYS))
#define GICC_VIRT        (GIC_VBASE + (GICC_PHYS - GIC_PHYS))

#endif
