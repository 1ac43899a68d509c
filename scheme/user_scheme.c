/* User schemes: the request/response channel between clients and a scheme daemon (a user
 * process), and the daemon's end of it (SYS_SCHEME_CREATE / RECV / REPLY). Contracts in
 * scheme/scheme.h; user-visible semantics in scheme/README.md.
 *
 * A request is a struct scheme_request holding the packet. A blocking request (OPEN, READ, WRITE,
 * FSIZE, MMAP_PREP) lives on its client's kernel stack while the client sleeps on the request's
 * wait queue; a notice (CLOSE, MUNMAP: tag 0, nobody waits) is kmalloc'd and freed when the
 * daemon receives it. A file's CLOSE notice is allocated when it is opened (kept in f->priv), so
 * that closing - also by the exit of a process killed for lack of memory - never loses it; a
 * MUNMAP notice that finds no memory takes one of NOTICE_POOL requests set aside at boot, which
 * go back to the pool when the daemon receives them (or dies), so a notice is lost only when
 * more than NOTICE_POOL of them are in flight while memory is out. Each request goes through: queued (u->head..tail, FIFO) -> received
 * (u->taken, blocking ones only) -> answered (done, client woken). A client whose process ends
 * while it waits (proc_ending) withdraws its request: off the queue or u->taken, borrow ended,
 * finished with -EINTR; one the daemon holds out of every list (a receive copying it out) is
 * marked cancelled and finished by that receive. The daemon's death (its scheme
 * fd closed, explicitly or by exit) fails every queued and received blocking request with -EIO,
 * drops the notices, and unregisters the name; files still open keep the struct scheme alive.
 *
 * READ and WRITE lend the client's buffer pages to the daemon for the time of the request: a
 * pinned External grant in the daemon's space (vm_borrow_pinned), made by the client before it
 * queues the request and removed (vm_borrow_end) by whoever completes the request - the daemon's
 * reply, or its death - before the client wakes, so the daemon can never touch the buffer after
 * the answer. Every mm call is made with scheme_lock released (lock order in mm/addrspace.h).
 *
 * A notice is work its sender does not wait for: the daemon may still be handling it (a CLOSE
 * that deletes a file and unmaps its pages) while the sender - or its parent, after the sender's
 * exit - counts frames or runs the checker. So each scheme counts its notices from the moment
 * they are queued until the daemon comes back to SYS_SCHEME_RECV after receiving them (or
 * dies), and scheme_notices_pending lets proc_settle wait for them. */
#include "scheme/scheme_internal.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/proc.h"
#include "kernel/string.h"
#include "mm/addrspace.h"
#include "mm/kheap.h"
#include "mm/vm.h"
#include "mm/vm_internal.h"

_Atomic unsigned long scheme_notices_lost;

struct scheme_request {
	struct scheme_packet pkt;
	struct scheme_request *next;       /* scheme_lock: in u->head or u->taken */
	struct proc *client;               /* NULL for a notice */
	struct wait_queue wq;              /* the client sleeps here */
	bool done;                         /* scheme_lock */
	long result;                       /* scheme_lock: valid once done */
	struct addrspace *answer_as;       /* MMAP_PREP answer: the daemon's space, a reference */
	/* the lent buffer (borrow_len 0: none) */
	struct addrspace *daemon_as;       /* a reference, taken by the client */
	struct addrspace *client_as;
	uintptr_t borrow_addr, client_page;
	size_t borrow_len;
	bool pooled;                       /* a notice from notice_pool: back there, not freed */
	bool cancelled;                    /* scheme_lock: the client's process ends and RQ was in
					    * the daemon's hands (scheme_recv finishes it) */
};

#define NOTICE_POOL 64
static struct scheme_request *notice_pool;   /* scheme_lock: spare notices, linked by next */

void user_scheme_init(void)
{
	for (unsigned i = 0; i < NOTICE_POOL; i++) {
		struct scheme_request *rq = kzalloc(sizeof(*rq));
		if (!rq)
			panic("user_scheme_init: no memory for notice %u of %u", i, NOTICE_POOL);
		rq->pooled = true;
		rq->next = notice_pool;
		notice_pool = rq;
	}
}

/* Frees the notice RQ, or gives it back to the pool. No lock may be held. */
static void notice_free(struct scheme_request *rq)
{
	if (!rq->pooled) {
		kfree(rq);
		return;
	}
	memset(rq, 0, sizeof(*rq));
	rq->pooled = true;
	unsigned long irq = spin_lock_irqsave(&scheme_lock);
	rq->next = notice_pool;
	notice_pool = rq;
	spin_unlock_irqrestore(&scheme_lock, irq);
}

struct user_scheme {
	struct proc *owner;                /* the daemon */
	struct addrspace *as;              /* scheme_lock: the daemon's, a reference; NULL once dead */
	bool dead;                         /* scheme_lock */
	struct scheme_request *head, *tail;   /* scheme_lock: queued, oldest first */
	struct scheme_request *taken;      /* scheme_lock: received, not answered */
	struct wait_queue recv_wq;         /* the daemon waits here for requests */
	uint32_t next_tag;                 /* scheme_lock */
	long owner_pid;                    /* the daemon's process (for scheme_notices_pending) */
	unsigned notices;                  /* scheme_lock: notices queued, or received and the
					    * daemon not back in scheme_recv since */
	unsigned notices_in_hand;          /* scheme_lock: of those, received (one per receive) */
	struct user_scheme *next_live;     /* scheme_lock: in live_schemes until the daemon dies */
};

static struct user_scheme *live_schemes;      /* scheme_lock: every user scheme not dead */

/* ---- The daemon's end: a file of an unregistered kernel scheme whose priv is the scheme ---- */

static void daemon_end_close(struct scheme_file *f);
static const struct scheme_ops daemon_end_ops = { .close = daemon_end_close };
static struct scheme daemon_end_scheme = {
	.name = "(scheme fd)", .ops = &daemon_end_ops, .refcount = 1,
};

bool scheme_file_forks(const struct scheme_file *f)
{
	return f->scheme != &daemon_end_scheme;
}

/* Returns the user scheme whose daemon end is END, or NULL when END is another file. */
static struct scheme *end_scheme(struct scheme_file *end)
{
	return end->scheme == &daemon_end_scheme ? end->priv : NULL;
}

/* Appends RQ to U's queue and wakes the daemon. */
static void enqueue_locked(struct user_scheme *u, struct scheme_request *rq)
{
	spin_assert_held(&scheme_lock);
	rq->next = NULL;
	if (u->tail)
		u->tail->next = rq;
	else
		u->head = rq;
	u->tail = rq;
	wait_queue_wake_all(&u->recv_wq);
}

/* Ends RQ's borrow, then records RESULT (and ANSWER_AS) and wakes the client. RQ is in no list;
 * no lock held. */
static void request_finish(struct scheme_request *rq, long result, struct addrspace *answer_as)
{
	if (rq->borrow_len)
		vm_borrow_end(rq->daemon_as, rq->borrow_addr, rq->client_as, rq->client_page,
			      rq->borrow_len);
	unsigned long irq = spin_lock_irqsave(&scheme_lock);
	rq->result = result;
	rq->answer_as = answer_as;
	rq->done = true;
	wait_queue_wake_all(&rq->wq);
	spin_unlock_irqrestore(&scheme_lock, irq);
}

/* Takes RQ off U's queue or its received list; returns false when it is in neither (a reply,
 * a receive or the daemon's death holds it right now, and will finish it). */
static bool request_unlink_locked(struct user_scheme *u, struct scheme_request *rq)
{
	spin_assert_held(&scheme_lock);
	struct scheme_request *prev = NULL;
	for (struct scheme_request **pp = &u->head; *pp; prev = *pp, pp = &(*pp)->next) {
		if (*pp == rq) {
			*pp = rq->next;
			if (u->tail == rq)
				u->tail = prev;
			rq->next = NULL;
			return true;
		}
	}
	for (struct scheme_request **pp = &u->taken; *pp; pp = &(*pp)->next) {
		if (*pp == rq) {
			*pp = rq->next;
			rq->next = NULL;
			return true;
		}
	}
	return false;
}

/* Sends the blocking request RQ (the caller filled op, id, offset, size, flags, path; this sets
 * tag, caller_pid and buf) to S and waits for the answer. With LEN > 0 the client's buffer [UBUF, UBUF + LEN) is lent to
 * the daemon with PROT and pkt.buf points at it there. Returns the answer, -EIO (dead daemon),
 * -EDEADLK (the caller is the daemon), -EFAULT (bad buffer), -ENOMEM, or -EINTR when the
 * caller's process ends first (proc_ending): the request is then withdrawn - off the queue, or
 * off the daemon's received list, whose later reply to its tag gets -EINVAL - and its borrow
 * ended, before the client's stack (where RQ lives) can go. */
static long user_call(struct scheme *s, struct scheme_request *rq, uintptr_t ubuf, size_t len,
		      unsigned prot)
{
	struct user_scheme *u = s->user;
	struct proc *me = proc_current();
	unsigned long irq = spin_lock_irqsave(&scheme_lock);
	long err = u->dead ? -EIO : u->owner == me ? -EDEADLK : 0;
	struct addrspace *das = err ? NULL : u->as;
	if (das)
		addrspace_get(das);
	spin_unlock_irqrestore(&scheme_lock, irq);
	if (err)
		return err;

	rq->client = me;
	rq->pkt.caller_pid = me->pid;
	rq->daemon_as = das;
	if (len) {
		uintptr_t first = ALIGN_DOWN(ubuf, FRAME_SIZE);
		if (!me->as || ubuf + len < ubuf || ubuf + len > arch_mmu_user_top()) {
			err = -EFAULT;
		} else {
			size_t span = ALIGN_UP(ubuf + len, FRAME_SIZE) - first;
			uintptr_t at;
			err = vm_borrow_pinned(das, me->as, first, span, prot, &at);
			if (err && err != -ENOMEM && err != -EIO)
				err = -EFAULT;
			if (!err) {
				rq->client_as = me->as;
				rq->client_page = first;
				rq->borrow_addr = at;
				rq->borrow_len = span;
				rq->pkt.buf = at + (ubuf - first);
			}
		}
		if (err) {
			addrspace_put(das);
			return err;
		}
	}

	irq = spin_lock_irqsave(&scheme_lock);
	if (u->dead) {
		spin_unlock_irqrestore(&scheme_lock, irq);
		request_finish(rq, -EIO, NULL);
	} else {
		if (++u->next_tag == 0)
			u->next_tag = 1;            /* 0 means "no answer wanted" */
		rq->pkt.tag = u->next_tag;
		enqueue_locked(u, rq);
		while (!rq->done) {
			if (proc_ending() && !rq->cancelled) {
				if (request_unlink_locked(u, rq)) {
					spin_unlock_irqrestore(&scheme_lock, irq);
					request_finish(rq, -EINTR, NULL);   /* ends the borrow */
					irq = spin_lock_irqsave(&scheme_lock);
					continue;
				}
				rq->cancelled = true;   /* in flight: its holder finishes it soon */
			}
			proc_sleep(&rq->wq, &scheme_lock);
		}
		spin_unlock_irqrestore(&scheme_lock, irq);
	}
	addrspace_put(das);
	return rq->result;
}

/* Queues a notice (tag 0) for S, in SPARE (zeroed, or NULL: one is allocated); never blocks.
 * Dropped when the daemon is dead, counted in scheme_notices_lost when there is no memory for it. */
static void user_notice(struct scheme *s, unsigned op, uint64_t id, uint64_t offset,
			uint64_t size, unsigned flags, struct scheme_request *spare)
{
	struct user_scheme *u = s->user;
	struct proc *me = proc_current();
	unsigned long irq = spin_lock_irqsave(&scheme_lock);
	if (u->dead) {
		kfree(spare);
	} else {
		struct scheme_request *rq = spare ? spare : kzalloc(sizeof(*rq));
		if (!rq && notice_pool) {
			rq = notice_pool;
			notice_pool = rq->next;
			rq->next = NULL;
		}
		if (rq) {
			rq->pkt = (struct scheme_packet){
				.tag = 0, .op = op, .id = id, .offset = offset, .size = size,
				.flags = flags, .caller_pid = me ? me->pid : 0,
			};
			enqueue_locked(u, rq);
			u->notices++;
		} else {
			atomic_fetch_add(&scheme_notices_lost, 1);
		}
	}
	spin_unlock_irqrestore(&scheme_lock, irq);
}

/* ---- Client side (called by scheme/scheme.c and mm/fmap.c) ---- */

int user_scheme_open(struct scheme *s, const char *path, size_t path_len, unsigned flags,
		     struct scheme_file *f)
{
	struct scheme_request rq = { .pkt = { .op = SCHEME_OP_OPEN, .flags = flags,
					      .path_len = (uint32_t)path_len } };
	memcpy(rq.pkt.path, path, path_len);
	struct scheme_request *close_rq = kzalloc(sizeof(*close_rq));
	if (!close_rq)
		return -ENOMEM;
	long r = user_call(s, &rq, 0, 0, 0);
	if (r < 0) {
		kfree(close_rq);
		return (int)r;
	}
	f->id = (uint64_t)r;
	f->priv = close_rq;                     /* its CLOSE notice (user_scheme_close) */
	return 0;
}

long user_scheme_io(struct scheme_file *f, unsigned op, uint64_t offset, uintptr_t ubuf,
		    size_t len)
{
	len = MIN(len, (size_t)SCHEME_IO_MAX);
	struct scheme_request rq = { .pkt = { .op = op, .id = f->id, .offset = offset,
					      .size = len } };
	/* READ: the daemon fills the buffer; WRITE: it only reads it */
	unsigned prot = op == SCHEME_OP_READ ? PROT_READ | PROT_WRITE : PROT_READ;
	return user_call(f->scheme, &rq, ubuf, len, prot);
}

long user_scheme_fsize(struct scheme_file *f)
{
	struct scheme_request rq = { .pkt = { .op = SCHEME_OP_FSIZE, .id = f->id } };
	return user_call(f->scheme, &rq, 0, 0, 0);
}

void user_scheme_close(struct scheme_file *f)
{
	user_notice(f->scheme, SCHEME_OP_CLOSE, f->id, 0, 0, 0, f->priv);
	f->priv = NULL;
}

int scheme_mmap_prep(struct scheme_file *f, uint64_t offset, size_t size, unsigned flags,
		     struct addrspace **src_as, uintptr_t *src_addr)
{
	if (!f->scheme->user)
		return -EINVAL;
	struct scheme_request rq = { .pkt = { .op = SCHEME_OP_MMAP_PREP, .id = f->id,
					      .offset = offset, .size = size, .flags = flags } };
	long r = user_call(f->scheme, &rq, 0, 0, 0);
	if ((unsigned long)r >= (unsigned long)-4095)
		return (int)r;
	*src_as = rq.answer_as;
	*src_addr = (uintptr_t)r;
	return 0;
}

void scheme_munmap_notify(struct scheme_file *f, uint64_t offset, size_t size, unsigned flags)
{
	if (f->scheme->user)
		user_notice(f->scheme, SCHEME_OP_MUNMAP, f->id, offset, size, flags, NULL);
}

/* ---- The daemon's side ---- */

int scheme_create_user(const char *name, size_t len, struct scheme_file **out)
{
	struct proc *me = proc_current();
	if (!scheme_name_valid(name, len))
		return -EINVAL;
	if (!me->as || !scheme_ns_allows(me->ns, name, len))
		return -EPERM;
	struct scheme *s = kzalloc(sizeof(*s));
	struct user_scheme *u = kzalloc(sizeof(*u));
	struct scheme_file *end = kzalloc(sizeof(*end));
	if (!s || !u || !end) {
		kfree(s);
		kfree(u);
		kfree(end);
		return -ENOMEM;
	}
	memcpy(s->name, name, len);
	s->user = u;
	atomic_init(&s->refcount, 2);             /* the registry's and the daemon end's */
	u->owner = me;
	u->owner_pid = me->pid;
	u->as = me->as;
	end->flags = O_RDWR;
	end->priv = s;
	atomic_init(&end->refcount, 1);

	unsigned long irq = spin_lock_irqsave(&scheme_lock);
	int err = scheme_register_locked(s);
	if (!err) {
		addrspace_get(u->as);
		scheme_get(&daemon_end_scheme);
		end->scheme = &daemon_end_scheme;
		u->next_live = live_schemes;
		live_schemes = u;
	}
	spin_unlock_irqrestore(&scheme_lock, irq);
	if (err) {
		kfree(s);
		kfree(u);
		kfree(end);
		return err;
	}
	*out = end;
	return 0;
}

/* The daemon's end went (close or exit): the scheme dies. Runs in the daemon's context with no
 * lock held (only fd tables hold a daemon's end, never a grant), so it may end borrows. */
static void daemon_end_close(struct scheme_file *end)
{
	struct scheme *s = end->priv;
	struct user_scheme *u = s->user;
	unsigned long irq = spin_lock_irqsave(&scheme_lock);
	if (unlikely(u->dead))
		panic("scheme %s died twice", s->name);
	u->dead = true;
	scheme_unregister_locked(s);
	for (struct user_scheme **pp = &live_schemes; *pp; pp = &(*pp)->next_live) {
		if (*pp == u) {
			*pp = u->next_live;
			break;
		}
	}
	u->notices = 0;                          /* dropped below, or being handled: not waited for */
	u->notices_in_hand = 0;
	struct scheme_request *queued = u->head, *taken = u->taken;
	u->head = u->tail = u->taken = NULL;
	struct addrspace *das = u->as;
	u->as = NULL;
	spin_unlock_irqrestore(&scheme_lock, irq);

	struct scheme_request *lists[2] = { queued, taken };
	for (unsigned i = 0; i < 2; i++) {
		for (struct scheme_request *rq = lists[i], *next; rq; rq = next) {
			next = rq->next;
			if (rq->client)
				request_finish(rq, -EIO, NULL);
			else
				notice_free(rq);     /* a notice nobody will read */
		}
	}
	addrspace_put(das);
	scheme_put(s);                           /* the registry's reference */
	scheme_put(s);                           /* the daemon end's */
}

void user_scheme_free(struct scheme *s)
{
	struct user_scheme *u = s->user;
	if (unlikely(!u->dead || u->head || u->taken))
		panic("user scheme %s freed alive (dead %d)", s->name, u->dead);
	kfree(u);
	s->user = NULL;
}

int scheme_recv(struct scheme_file *end, uintptr_t upkt)
{
	struct scheme *s = end_scheme(end);
	if (!s)
		return -EBADF;
	struct user_scheme *u = s->user;
	struct proc *me = proc_current();
	if (vm_user_check(me->as, upkt, sizeof(struct scheme_packet), VM_ACCESS_WRITE))
		return -EFAULT;
	unsigned long irq = spin_lock_irqsave(&scheme_lock);
	if (u->notices_in_hand) {                /* back for more: done with a notice */
		u->notices_in_hand--;
		u->notices--;
	}
	spin_unlock_irqrestore(&scheme_lock, irq);
	for (;;) {
		irq = spin_lock_irqsave(&scheme_lock);
		while (!u->head && !u->dead && !proc_ending())
			proc_sleep(&u->recv_wq, &scheme_lock);
		struct scheme_request *rq = u->head;
		if (rq) {
			u->head = rq->next;
			if (!u->head)
				u->tail = NULL;
			rq->next = NULL;
		}
		bool dead = u->dead;
		spin_unlock_irqrestore(&scheme_lock, irq);
		if (!rq)
			return dead ? -EIO : -EINTR;

		/* RQ is in no list now; only this daemon could complete it, and it is here (a
		 * client whose process ends meanwhile marks it cancelled and waits for us) */
		bool faulted = arch_copy_to_user(upkt, &rq->pkt, sizeof(rq->pkt)) != 0;
		if (!rq->client && !faulted) {
			irq = spin_lock_irqsave(&scheme_lock);
			if (!u->dead)
				u->notices_in_hand++;     /* counted in u->notices until the next receive */
			spin_unlock_irqrestore(&scheme_lock, irq);
			notice_free(rq);
			return 0;
		}
		irq = spin_lock_irqsave(&scheme_lock);
		bool cancelled = rq->client && rq->cancelled;
		if (cancelled) {
			/* in no list: finished below */
		} else if (faulted) {
			rq->next = u->head;       /* back in front: the order stays FIFO */
			u->head = rq;
			if (!u->tail)
				u->tail = rq;
		} else {
			rq->next = u->taken;
			u->taken = rq;
		}
		spin_unlock_irqrestore(&scheme_lock, irq);
		if (cancelled) {
			request_finish(rq, -EINTR, NULL);
			if (!faulted)
				continue;         /* delivered a withdrawn request: take the next */
		}
		return faulted ? -EFAULT : 0;
	}
}

bool scheme_notices_pending(long pid)
{
	bool pending = false;
	unsigned long irq = spin_lock_irqsave(&scheme_lock);
	for (struct user_scheme *u = live_schemes; u && !pending; u = u->next_live)
		pending = u->notices && u->owner_pid != pid;
	spin_unlock_irqrestore(&scheme_lock, irq);
	return pending;
}

/* Returns whether RESULT is a possible answer to the request RQ. */
static bool result_valid(const struct scheme_request *rq, long result)
{
	if ((unsigned long)result >= (unsigned long)-4095)
		return true;                      /* -errno, for every request */
	switch (rq->pkt.op) {
	case SCHEME_OP_READ:
	case SCHEME_OP_WRITE:
		return result >= 0 && (uint64_t)result <= rq->pkt.size;
	case SCHEME_OP_MMAP_PREP: {
		uintptr_t addr = (uintptr_t)result, top = arch_mmu_user_top();
		return IS_ALIGNED(addr, FRAME_SIZE) && addr >= MMU_USER_BASE && addr < top &&
		       rq->pkt.size <= top - addr;
	}
	default:                                  /* OPEN (an id), FSIZE (bytes) */
		return result >= 0;
	}
}

int scheme_reply(struct scheme_file *end, uint32_t tag, long result)
{
	struct scheme *s = end_scheme(end);
	if (!s)
		return -EBADF;
	struct user_scheme *u = s->user;
	unsigned long irq = spin_lock_irqsave(&scheme_lock);
	struct scheme_request **pp = &u->taken;
	while (tag && *pp && (*pp)->pkt.tag != tag)
		pp = &(*pp)->next;
	struct scheme_request *rq = tag ? *pp : NULL;
	int err = !rq ? -EINVAL : !result_valid(rq, result) ? -EINVAL : 0;
	struct addrspace *answer_as = NULL;
	if (!err) {
		*pp = rq->next;
		rq->next = NULL;
		if (rq->pkt.op == SCHEME_OP_MMAP_PREP && (unsigned long)result < (unsigned long)-4095) {
			answer_as = u->as;
			addrspace_get(answer_as);
		}
	}
	spin_unlock_irqrestore(&scheme_lock, irq);
	if (!err)
		request_finish(rq, result, answer_as);
	return err;
}
