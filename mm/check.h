/* The memory invariant checker: compares the page tables of every live address space with the
 * grants and with every frame's pageinfo. Tests call it after each VM test and assert 0. */
#ifndef MM_CHECK_H
#define MM_CHECK_H

/* Checks, printing one "check: ..." line per problem (the first 32; the rest are only counted):
 *  - each grant tree: links, order without overlap, AVL heights and balance, count;
 *  - each address space's pinned-borrow count equals its pinned External grants;
 *  - each page-table frame (arch_mmu_walk_tables): typed PAGEINFO_PAGE_TABLE with its level,
 *    and as many as mmu_space.table_frames says;
 *  - each present entry: inside a grant; rights within the grant's protection (user access
 *    exactly when the protection is not PROT_NONE) and its cache attribute; a frame with a
 *    pageinfo for owned grants, never the zero frame outside private grants, and for device
 *    grants base + offset without a pageinfo;
 *  - each frame of every section: its refcount equals the number of entries mapping it (plus
 *    the zero frame's permanent reference); no mapped frame is free or of a kernel type; no
 *    user frame is left without references (a leak); a frame mapped more than once has the
 *    shared bit exactly when a shared or External grant maps it, and a CoW frame (bit clear)
 *    is nowhere writable (a frame that private file mappings map may keep the shared bit of
 *    the file's frame it was); the zero frame is never writable;
 *  - each scheme-file grant (mm/fmap.c): a live file reference, a map_id, a page-aligned
 *    offset; an FmapBorrowed grant's pin_refcount equals its entries that hold a frame
 *    reference; no file-grant entry maps the zero frame; a private file mapping never maps a
 *    frame with count > 1 writable.
 * Returns the number of problems. Must run while nothing changes address spaces (the tests'
 * quiescent points): it takes each address space's lock in turn, not all at once. Its own
 * allocations bypass the failure-injection switch. */
int vm_check_all(void);

#endif
