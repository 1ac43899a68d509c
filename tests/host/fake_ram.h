/* Fake physical memory for host tests of mm code: implements the arch MMU contract
 * (mm/arch_mmu.h) over a host mapping, with a configurable direct-map limit so that tests can
 * play i686 (RAM above the direct map, reachable only through kmap_frame). Misuse panics: a
 * direct-map access outside the direct map, a kmap of an unaligned or absent frame, kunmaps out of
 * order, more than 4 nested kmaps; a kmap still held after a test fails that test. */
#ifndef TESTS_HOST_FAKE_RAM_H
#define TESTS_HOST_FAKE_RAM_H

#include "kernel/compiler.h"

/* Backs physical [BASE, BASE + SIZE) with fresh memory (reads as zero; host pages are only used
 * once touched); addresses below DIRECT_LIMIT (and inside the window) are in the direct map.
 * Replaces the previous fake RAM. */
void fake_ram_init(paddr_t base, size_t size, paddr_t direct_limit);

/* Returns the host address of PADDR for the test's own checks (no direct-map rules), or NULL
 * outside the window. */
void *fake_ram_ptr(paddr_t paddr);

/* Number of kmap_frame calls for frames outside the direct map, since fake_ram_init. */
unsigned long fake_ram_high_kmaps(void);

#endif
