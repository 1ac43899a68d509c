/* The scheme ABI shared by the kernel and user programs: open flags, seek origins, and the
 * packet a scheme daemon receives for each request (SYS_SCHEME_RECV) and answers by tag
 * (SYS_SCHEME_REPLY). Fixed-size fields only, so the layout is the same on every arch and in
 * both worlds (static-asserted in scheme/scheme.c).
 *
 * A daemon creates its scheme with SYS_SCHEME_CREATE("name"), then loops: RECV a packet, do the
 * work, REPLY(tag, result). Results are >= 0 or -errno, as for the syscall the client made; the
 * result of OPEN is the id the kernel passes back in later packets for that open file. */
#ifndef SCHEME_SCHEME_ABI_H
#define SCHEME_SCHEME_ABI_H

#include <stdint.h>

/* open flags (Linux values) */
#define O_RDONLY    0x0000
#define O_WRONLY    0x0001
#define O_RDWR      0x0002
#define O_ACCMODE   0x0003
#define O_CREAT     0x0040
#define O_EXCL      0x0080
#define O_TRUNC     0x0200

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

enum scheme_op {
	SCHEME_OP_OPEN = 1,      /* path[0..path_len), flags = O_*            -> id */
	SCHEME_OP_CLOSE,         /* id; the last reference to the open file    -> 0 (not waited for) */
	SCHEME_OP_READ,          /* id, offset, buf, size: fill buf            -> bytes read */
	SCHEME_OP_WRITE,         /* id, offset, buf, size: take from buf       -> bytes written */
	SCHEME_OP_FSIZE,         /* id                                         -> size in bytes */
	SCHEME_OP_MMAP_PREP,     /* id, offset, size, flags (MAP_*)            -> address in the daemon */
	SCHEME_OP_MUNMAP,        /* id, offset, size, flags (0)                -> 0 (not waited for) */
};

#define SCHEME_PATH_MAX 256

struct scheme_packet {
	uint32_t tag;            /* answer with this; 0 = no answer wanted (CLOSE, MUNMAP) */
	uint32_t op;             /* enum scheme_op */
	uint64_t id;             /* the daemon's id of the open file (OPEN: 0) */
	uint64_t offset;         /* byte offset in the file */
	uint64_t size;           /* bytes */
	uint64_t buf;            /* READ/WRITE: the client's buffer, borrowed into the daemon here */
	uint32_t flags;          /* OPEN: O_*; MMAP_PREP: MAP_* of the client's mmap */
	int32_t caller_pid;      /* the client */
	uint32_t path_len;
	uint32_t reserved;
	char path[SCHEME_PATH_MAX];   /* OPEN: the part after "name:", not NUL-terminated */
};

#endif
