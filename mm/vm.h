/* The user-memory API of the memory subsystem: mmap/munmap/mprotect with POSIX semantics, device
 * (PhysBorrowed) and cross-address-space (External) mappings, the page-fault entry point, and
 * access to another address space's memory for loaders and tests. The syscall layer calls these
 * with the caller's address space; address-space lifetime and fork are in mm/addrspace.h.
 *
 * PROT_* and MAP_* have Linux's values (identical on x86_64, i686 and aarch64), so transcripts
 * compare with Linux. Every function that returns an error changes nothing, unless it says
 * otherwise. None of them may be called with an address-space lock held. */
#ifndef MM_VM_H
#define MM_VM_H

#include "kernel/compiler.h"

struct addrspace;

#define PROT_NONE   0x0
#define PROT_READ   0x1
#define PROT_WRITE  0x2
#define PROT_EXEC   0x4
#define PROT_MASK   (PROT_READ | PROT_WRITE | PROT_EXEC)

#define MAP_SHARED          0x01
#define MAP_PRIVATE         0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE            0x0f
#define MAP_FIXED           0x10
#define MAP_ANONYMOUS       0x20
#define MAP_NORESERVE       0x4000     /* accepted, no effect: nothing is reserved anyway */
#define MAP_POPULATE        0x8000     /* accepted, no effect yet */
#define MAP_FIXED_NOREPLACE 0x100000
/* Ours (no Linux meaning; Linux leaves these bits unused): */
#define MAP_LAZY            0x10000000  /* scheme file: pages asked from the daemon at fault time */
#define MAP_PHYS_CONTIGUOUS 0x20000000  /* physically contiguous owned frames, mapped at once */

/* Sets up what every address space shares (the zero frame) before the first one exists, so no
 * process pays for it. Returns 0 or -ENOMEM (the first address space then tries again). */
int vm_init(void);

/* The kind of access that faulted; same values as kernel/arch.h's enum trap_access. */
enum vm_access { VM_ACCESS_READ = 0, VM_ACCESS_WRITE = 1, VM_ACCESS_EXEC = 2 };

/* Maps LEN bytes of anonymous memory (MAP_ANONYMOUS required) into AS and stores the address in
 * *OUT. FLAGS: MAP_PRIVATE or MAP_SHARED, plus MAP_FIXED (ADDR exactly, replacing whatever was
 * mapped there), MAP_FIXED_NOREPLACE (ADDR exactly, -EEXIST if anything is there), else ADDR is
 * a hint used when that range is free, and otherwise the highest free range is taken. Nothing
 * is allocated until pages are touched. Returns 0, -EINVAL (LEN 0, no or two mapping types,
 * unknown PROT bits, a fixed ADDR not page aligned; unknown MAP_ flags are ignored like Linux,
 * except with MAP_SHARED_VALIDATE), -EBADF (no MAP_ANONYMOUS: no files yet), -EPERM (fixed below
 * MMU_USER_BASE), -EEXIST, or -ENOMEM (too long, beyond the user half, no free range, out of
 * memory). */
int vm_mmap(struct addrspace *as, uintptr_t addr, size_t len, unsigned prot, unsigned flags,
	    uintptr_t *out);

/* The checks every mmap makes first, in Linux's order, before it looks at a file descriptor:
 * returns 0, -EINVAL (LEN 0, bad mapping type, unknown PROT bits) or -ENOMEM (LEN beyond the
 * user half). */
int vm_mmap_check_args(size_t len, unsigned prot, unsigned flags);

/* Unmaps every page of [ADDR, ADDR + LEN) (LEN rounded up to pages), splitting grants that
 * straddle the ends; frames whose last reference goes are freed after the TLB flush. Unmapped
 * parts are fine (0, like Linux). Returns 0, -EINVAL (ADDR not page aligned, LEN 0, beyond the
 * user half), -ENOMEM (no memory to split a grant; nothing changed) or -EBUSY (the range holds a
 * client buffer lent to this scheme daemon for a request in progress; also for mprotect and
 * MAP_FIXED over it). */
int vm_munmap(struct addrspace *as, uintptr_t addr, size_t len);

/* Sets the protection of [ADDR, ADDR + LEN) to PROT, splitting grants at the ends and merging
 * compatible neighbours after. Removing rights flushes the TLB before returning; a page mapping
 * the zero frame or a CoW-shared frame stays read-only whatever PROT says (the write fault
 * copies). All or nothing: returns 0 (also for LEN 0), -EINVAL (ADDR not aligned, unknown PROT
 * bits), -ENOMEM (a page of the range is not mapped, or no memory to split), or -EACCES (PROT
 * exceeds what an External borrow was given). */
int vm_mprotect(struct addrspace *as, uintptr_t addr, size_t len, unsigned prot);

/* Maps the device range [PHYS, PHYS + LEN) into AS (a PhysBorrowed grant, MAP_SHARED semantics
 * across fork) with cache attribute CACHE (MMU_CACHE_*); ADDR and FLAGS as for vm_mmap
 * (MAP_ANONYMOUS not needed). Pages are mapped on first touch. Returns 0 and the address in *OUT,
 * -EPERM if any frame of the range is owned by the frame allocator (has a pageinfo) or is usable
 * RAM of the boot memory map (kernel image, frame metadata), -EINVAL
 * (PHYS not aligned, range wraps, bad CACHE), or vm_mmap's other errors. */
int vm_map_phys(struct addrspace *as, uintptr_t addr, paddr_t phys, size_t len, unsigned prot,
		unsigned flags, unsigned cache, uintptr_t *out);

/* Borrows [SRC_ADDR, SRC_ADDR + LEN) of SRC into DST (an External grant): afterwards both map
 * the same frames and see each other's writes. The source pages are populated with frames of
 * their own first (breaking CoW with a copy, replacing the zero frame), and every page of the
 * new grant is mapped at once. ADDR and FLAGS place the grant as for vm_mmap, except that
 * MAP_FIXED behaves like MAP_FIXED_NOREPLACE. Returns 0 and the address in *OUT, -EINVAL
 * (unaligned SRC_ADDR, LEN 0, a source page that is device memory or a scheme mapping),
 * -EFAULT (a source page is not mapped), -EACCES (PROT exceeds the source's), -EEXIST, or
 * -ENOMEM (pages of the source populated so far stay populated, which changes no contents). */
int vm_borrow(struct addrspace *dst, uintptr_t addr, size_t len, unsigned prot, unsigned flags,
	      struct addrspace *src, uintptr_t src_addr, uintptr_t *out);

/* Resolves a page fault at ADDR in AS for ACCESS (enum vm_access): finds the grant, checks its
 * protection and lets the provider map the page. Returns 0 (retry the access), -EFAULT (no
 * grant, or the access is not allowed: the caller delivers the fault upcall or kills the
 * context), -ENOMEM (out of memory: the caller kills the context; AS stays consistent and
 * addrspace_destroy frees everything); -EFAULT also for a hole of a scheme-file mapping and,
 * with MAP_LAZY, when the daemon answers an error or is gone. Treat any error other than
 * -ENOMEM like -EFAULT. May block (a MAP_LAZY page is asked from its daemon). Callable from
 * kernel mode too (a fault inside arch_copy_from_user/to_user), as long as no address-space
 * lock is held. */
int vm_fault(struct addrspace *as, uintptr_t addr, enum vm_access access);

/* Returns 0 when every byte of [ADDR, ADDR + LEN) lies in grants of AS whose protection allows
 * ACCESS, else -EFAULT (also for ranges that wrap or leave the user half). The syscall layer
 * calls it before arch_copy_from_user/to_user: a PROT_NONE page may still have a present
 * kernel-only entry (to keep its data), which x86 kernel-mode accesses would not fault on. */
int vm_user_check(struct addrspace *as, uintptr_t addr, size_t len, enum vm_access access);

/* Writes LEN bytes from SRC at ADDR of AS through the kernel's own mapping of the frames,
 * whatever the grants' protection says (like ptrace's poke; for loaders and tests): pages are
 * populated and CoW broken as a write fault would, but entries keep the grant's rights. AS need
 * not be active. Returns 0, -EFAULT (a page outside any Allocated/AllocatedShared/External grant;
 * bytes before it were written) or -ENOMEM. */
int vm_space_write(struct addrspace *as, uintptr_t addr, const void *src, size_t len);

/* Reads LEN bytes at ADDR of AS into DST the same way; unpopulated pages read as zeroes and
 * stay unpopulated. Returns 0 or -EFAULT (a page outside every grant, or device memory). */
int vm_space_read(struct addrspace *as, uintptr_t addr, void *dst, size_t len);

/* ---- Scheme files (issue 5; mm/fmap.c) ----
 * Maps [OFFSET, OFFSET + LEN) of the scheme file F (a user scheme's) into AS; ADDR, LEN, PROT
 * and the MAP_ flags as for vm_mmap (MAP_ANONYMOUS not allowed), OFFSET page aligned.
 *   MAP_SHARED: an FmapBorrowed grant holding a reference on F. Without MAP_LAZY the kernel asks
 *     the daemon once (scheme_mmap_prep for the whole range, before taking any lock) and maps
 *     every page it answered at once, taking a frame reference per entry; a page of the answered
 *     range that is not inside a grant of the daemon stays a hole whose accesses fault (a page
 *     past the end of the file). With MAP_LAZY nothing is asked until a page faults; then that
 *     page alone is asked (the faulting context blocks), and an error answer or a dead daemon
 *     fails the fault (-EFAULT). Every range the daemon prepared gets exactly one
 *     scheme_munmap_notify with the same offsets when it goes (munmap, MAP_FIXED over it, exit),
 *     split as the unmap splits; pages of one lazy mapping that go together and follow each
 *     other in the file get one notice. A fork prepares the child's copies again (mm/fmap.c).
 *   MAP_PRIVATE: an Allocated grant with cow_file_ref = F: pages show the file's frames
 *     read-only (so writes through shared mappings and the daemon show) until the process writes
 *     one, which copies it (CoW; mprotect never makes a file frame writable); same
 *     asking/holes/notify rules.
 * The daemon may answer with pages of its MAP_SHARED anonymous memory (populated if untouched),
 * of its own file mappings (present pages), or device memory (MAP_SHARED only: mapped without
 * references, like PhysBorrowed); a page of its private memory is refused (-EINVAL, and the
 * prep gets its notice). MAP_FIXED: the old pages are gone even if a later step fails. Returns
 * 0 and the address in *OUT, -EINVAL (bad arguments, not a user scheme's file, an answer the
 * kernel cannot map), -EACCES (file opened write-only; PROT_WRITE on a MAP_SHARED mapping of a
 * file not opened for writing, which also caps later mprotects), the daemon's error, -EIO (the
 * daemon died), or vm_mmap's errors. May block; no lock may be held. */
struct scheme_file;
int vm_mmap_file(struct addrspace *as, uintptr_t addr, size_t len, unsigned prot, unsigned flags,
		 struct scheme_file *f, uint64_t offset, uintptr_t *out);

/* MAP_PHYS_CONTIGUOUS (mm/contig.c): maps LEN bytes of physically contiguous, zeroed frames
 * owned by the allocator (an AllocatedShared grant: MAP_SHARED semantics across fork), all
 * present at once. Returns 0 and the address in *OUT, -EINVAL, -ENOMEM (no run that long). */
int vm_mmap_contig(struct addrspace *as, uintptr_t addr, size_t len, unsigned prot, unsigned flags,
		   uintptr_t *out);

/* Stores the physical address that user address ADDR of AS maps in *PHYS (the page must be
 * present with a frame of a MAP_PHYS_CONTIGUOUS or device grant). Returns 0, -EFAULT (not
 * mapped) or -EINVAL (memory whose frames may move or be CoW-copied: private anonymous). */
int vm_virt_to_phys(struct addrspace *as, uintptr_t addr, paddr_t *phys);

#endif
