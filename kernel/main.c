/* kernel_main: what happens after the arch boot code has a console and the kernel runs at its
 * linked address. */
#include "kernel/arch.h"
#include "kernel/kprintf.h"
#include "kernel/ktest.h"
#include "kernel/boot_info.h"
#include "kernel/cmdline.h"
#include "mm/mm.h"
#include "kernel/bench.h"
#include "kernel/proc.h"
#include "scheme/memory.h"
#include "scheme/scheme.h"
#include "kernel/smp.h"

/* The boot information, kept for the self-tests and, later, the memory subsystem. */
struct boot_info *boot_info;

static void print_memory_map(const struct boot_info *bi)
{
	kprintf("boot: loader %s, command line \"%s\"\n", bi->loader ? bi->loader : "?", bi->cmdline);
	for (unsigned i = 0; i < bi->mem_count; i++) {
		const struct boot_mem_range *r = &bi->mem[i];
		kprintf("boot: mem 0x%012llx-0x%012llx %s\n", (unsigned long long)r->base,
			(unsigned long long)(r->base + r->size - 1), boot_mem_type_name(r->type));
	}
	paddr_t usable = boot_mem_usable_total(bi);
	kprintf("boot: %u ranges, usable %llu KiB (%llu MiB)\n", bi->mem_count,
		(unsigned long long)(usable >> 10), (unsigned long long)(usable >> 20));
}

void kernel_main(struct boot_info *bi)
{
	boot_info = bi;
	kprintf("kernel: %s\n", ARCH_NAME);
	print_memory_map(bi);
	mm_init(bi);
	memory_scheme_init();
	user_scheme_init();
	smp_init();         /* the other CPUs park; only this one schedules (kernel/smp.h) */
	proc_init();

#if BENCH
	bench_run_all();
	arch_exit(0);
#else
	static char filter[128];            /* ktest=word,word: only the tests naming one */
	if (!cmdline_get(bi->cmdline, "ktest", filter, sizeof(filter)))
		filter[0] = 0;
	int failed = ktest_run_all(filter);
	arch_exit(failed ? 1 : 0);
#endif
}
