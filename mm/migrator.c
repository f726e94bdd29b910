/* migrator.c - the migrator's life and its userfaultfd reader.
 *
 * One userfaultfd for the VM, read by one thread. A missing fault is the
 * guest touching a ballooned frame: the reader restores it (mm/reclaim.c)
 * and wakes it. A write-protect fault is a guest write held by a migration
 * entry (mm/migrate.c): timestamped for the longest-hold figure; the move
 * wakes it. Each trap and migration entry gives its frame a new generation
 * (migrator_new_gen), so a message read before it, of an episode that is
 * over, is recognised and dropped. While there is work to come back to, the
 * reader ticks every 100 ms: restores that found no memory, degraded frames
 * to move back onto hugepages (MR_COMPACTION), the owner's tick. */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/clock.h"
#include "mm/copy.h"
#include "mm/migrate.h"
#include "mm/reclaim.h"

void migrator_wake(struct migrator *m, uint32_t idx)
{
	struct uffdio_range r = { (uintptr_t)guest_mem_frame_hva(m->gm, idx), FRAME_SIZE };

	ioctl(m->uffd, UFFDIO_WAKE, &r);
}

void migrator_new_gen(struct migrator *m, struct frame *f)
{
	__atomic_store_n(&f->gen, __atomic_add_fetch(&m->gen_seq, 1, __ATOMIC_ACQ_REL), __ATOMIC_RELEASE);
}

static void count_stale(struct migrator *m)
{
	__atomic_fetch_add(&m->stats.stale_events, 1, __ATOMIC_RELAXED);
}

/* One userfaultfd message, read after the sequence number was seq0. A frame
 * trapped or write-protected since may have been sent it by the episode
 * before: it is dropped, and a wake makes a waiter of the new episode fault
 * again. A missing fault is the guest touching a ballooned frame: restore it
 * and wake it. A write-protect fault is a guest write held by a migration
 * entry: timestamp it for the longest-hold figure (the move wakes it); one
 * read after its move finished is stale. */
void migrator_handle_fault(struct migrator *m, const struct uffd_msg *msg, uint32_t seq0)
{
	uint64_t addr = msg->arg.pagefault.address - (uintptr_t)m->gm->hva;
	uint64_t t = now_ns(), zero = 0;
	struct frame *f;
	uint32_t idx;
	bool stale;

	if (msg->event != UFFD_EVENT_PAGEFAULT || addr >= m->gm->size)
		return;
	idx = (uint32_t)(addr >> FRAME_SHIFT);
	f = &m->gm->ft.frames[idx];
	stale = (int32_t)(__atomic_load_n(&f->gen, __ATOMIC_ACQUIRE) - seq0) > 0;
	if (!(msg->arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP)) {
		int ret = stale ? 1 : frame_fault_restore(m, idx);

		if (stale)
			migrator_wake(m, idx);
		if (ret == 1) {
			count_stale(m);
		} else if (ret < 0) {
			__atomic_fetch_add(&m->stats.restore_failures, 1, __ATOMIC_RELAXED);
			__atomic_store_n(&m->restore_pending[idx], 1, __ATOMIC_RELAXED);
		}
		return;
	}
	if (stale || __atomic_load_n(&f->state, __ATOMIC_ACQUIRE) != FRAME_MIGRATING) {
		count_stale(m);
		return;
	}
	__atomic_compare_exchange_n(&m->fault_time[idx], &zero, t, false, __ATOMIC_RELAXED,
				    __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->stats.writes_held, 1, __ATOMIC_RELAXED);
}

void migrator_read_faults(struct migrator *m)
{
	struct uffd_msg msg[16];

	for (;;) {
		uint32_t seq0 = __atomic_load_n(&m->gen_seq, __ATOMIC_ACQUIRE);
		ssize_t n = read(m->uffd, msg, sizeof(msg));

		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n / (ssize_t)sizeof(msg[0]); i++)
			migrator_handle_fault(m, &msg[i], seq0);
	}
}

/* Retry restoring ballooned frames the guest touched while not even ordinary
 * pages could be had; the touching vCPU sleeps until then. Returns how many
 * still wait. */
static uint32_t retry_restores(struct migrator *m)
{
	uint32_t waiting = 0;

	for (uint32_t i = 0; i < m->gm->ft.nframes; i++) {
		if (!__atomic_load_n(&m->restore_pending[i], __ATOMIC_RELAXED))
			continue;
		if (frame_fault_restore(m, i) >= 0)
			__atomic_store_n(&m->restore_pending[i], 0, __ATOMIC_RELAXED);
		else
			waiting++;
	}
	return waiting;
}

/* Degraded frames of node back onto its hugepages, as many as its pool can
 * give beyond the restore reserve. Returns how many stay degraded. */
static uint32_t compact_node(struct migrator *m, unsigned node)
{
	struct frame_table *ft = &m->gm->ft;
	struct pool *p = &m->gm->pools[node];
	uint32_t frames[MIGRATE_BATCH], slots[MIGRATE_BATCH], n = 0, left = 0;
	bool dry = false;
	struct migrate_result res;

	pthread_mutex_lock(&ft->lock);
	for (uint32_t i = 0; i < ft->nframes; i++) {
		const struct frame *f = &ft->frames[i];

		if (!f->degraded || f->node != node)
			continue;
		if (!dry && n < MIGRATE_BATCH) {
			slots[n] = pool_get_spare_slot(p);
			dry = slots[n] == FRAME_NONE;
			if (!dry) {
				frames[n++] = i;
				continue;
			}
		}
		left++;
	}
	/* the pages wait, populated, on the free list for the move */
	for (uint32_t i = 0; i < n; i++)
		pool_put_slot(p, slots[i]);
	pthread_mutex_unlock(&ft->lock);
	if (n)
		migrate_frames_locked(m, frames, n, node, MIGRATE_ASYNC, MR_COMPACTION, &res);
	return left + n - (n ? res.moved : 0);
}

bool migrator_tick(struct migrator *m)
{
	struct guest_mem *gm = m->gm;
	bool more = retry_restores(m) > 0;

	/* a move in progress has the pages' pool: try at the next tick */
	if (pthread_mutex_trylock(&m->lock) != 0)
		return true;
	for (unsigned node = 0; node < gm->nnodes; node++)
		more |= compact_node(m, node) > 0;
	if (m->owner_tick)
		more |= m->owner_tick(m->owner_tick_arg);
	pthread_mutex_unlock(&m->lock);
	return more;
}

void migrator_set_owner_tick(struct migrator *m, bool (*tick)(void *arg), void *arg)
{
	pthread_mutex_lock(&m->lock);
	m->owner_tick = tick;
	m->owner_tick_arg = arg;
	pthread_mutex_unlock(&m->lock);
}

void migrator_kick(struct migrator *m)
{
	eventfd_write(m->reader_kick_fd, 1);
}

/* The userfaultfd reader: every message, and the periodic work while any
 * is left (every 100 ms). */
static void *uffd_reader(void *arg)
{
	struct migrator *m = arg;
	struct pollfd pfd[3] = { { m->uffd, POLLIN, 0 }, { m->reader_stop_fd, POLLIN, 0 },
				 { m->reader_kick_fd, POLLIN, 0 } };
	bool more = false;
	eventfd_t kicks;

	for (;;) {
		if (poll(pfd, 3, more ? 100 : -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents)
			break;
		if (pfd[2].revents)
			eventfd_read(m->reader_kick_fd, &kicks);
		if (pfd[0].revents)
			migrator_read_faults(m);
		more = migrator_tick(m);
	}
	return NULL;
}

/* ---- set-up ---- */

int uffd_open(int flags, char *err, size_t errlen)
{
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | flags);

	if (fd < 0)
		snprintf(err, errlen, "userfaultfd: %s%s", strerror(errno),
			 errno == EPERM ? " (set vm.unprivileged_userfaultfd=1 or run as root)" : "");
	return fd;
}

/* Does madvise know MADV_POPULATE_WRITE? A kernel before 5.14 says EINVAL;
 * then a remapped frame is left to fault in on its first access. */
static bool populate_write_works(void)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bool ok;

	if (p == MAP_FAILED)
		return false;
	ok = madvise(p, (size_t)page, MADV_POPULATE_WRITE) == 0;
	munmap(p, (size_t)page);
	return ok;
}

int migrator_init(struct migrator *m, struct guest_mem *gm, unsigned copy_threads,
		  char *err, size_t errlen)
{
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_WP_HUGETLBFS_SHMEM };

	memset(m, 0, sizeof(*m));
	m->gm = gm;
	m->reader_stop_fd = -1;
	m->reader_kick_fd = -1;
	m->small_fd = -1;
	m->copy_threads = copy_threads ? copy_threads : 1;
	m->inject.rng = 0x9e3779b97f4a7c15ULL;
	m->populate_write = populate_write_works();
	pthread_mutex_init(&m->lock, NULL);
	m->uffd = uffd_open(O_NONBLOCK, err, errlen);
	if (m->uffd < 0)
		return -1;
	if (ioctl(m->uffd, UFFDIO_API, &api) < 0) {
		snprintf(err, errlen, "this kernel cannot write-protect hugetlb/shmem memory with "
			 "userfaultfd (UFFD_FEATURE_WP_HUGETLBFS_SHMEM, Linux 5.19+): %s", strerror(errno));
		goto fail;
	}
	m->small_fd = memfd_create("frameshift-small-pages", MFD_CLOEXEC);
	if (m->small_fd < 0 || ftruncate(m->small_fd, (off_t)gm->size) < 0) {
		snprintf(err, errlen, "cannot create the ordinary-page file: %s", strerror(errno));
		goto fail;
	}
	m->fault_time = calloc(gm->ft.nframes, sizeof(*m->fault_time));
	m->restore_pending = calloc(gm->ft.nframes, 1);
	m->copy = copy_pool_create(m->copy_threads);
	m->reader_stop_fd = eventfd(0, EFD_CLOEXEC);
	m->reader_kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!m->fault_time || !m->restore_pending || !m->copy || m->reader_stop_fd < 0 ||
	    m->reader_kick_fd < 0 ||
	    pthread_create(&m->reader, NULL, uffd_reader, m)) {
		snprintf(err, errlen, "cannot start the migration threads");
		goto fail;
	}
	m->reader_running = true;
	pthread_setname_np(m->reader, "fs-uffd");
	copy_engine_method(); /* pick the copy method before any thread races to */
	return 0;
fail:
	if (m->reader_stop_fd >= 0)
		close(m->reader_stop_fd);
	m->reader_stop_fd = -1;
	if (m->reader_kick_fd >= 0)
		close(m->reader_kick_fd);
	m->reader_kick_fd = -1;
	if (m->small_fd >= 0)
		close(m->small_fd);
	m->small_fd = -1;
	copy_pool_destroy(m->copy);
	m->copy = NULL;
	free(m->fault_time);
	m->fault_time = NULL;
	free(m->restore_pending);
	m->restore_pending = NULL;
	close(m->uffd);
	m->uffd = -1;
	return -1;
}

void migrator_stop_reader(struct migrator *m)
{
	if (!m->reader_running)
		return;
	eventfd_write(m->reader_stop_fd, 1);
	pthread_join(m->reader, NULL);
	m->reader_running = false;
}

void migrator_destroy(struct migrator *m)
{
	if (m->uffd < 0)
		return;
	migrator_stop_reader(m);
	close(m->reader_stop_fd);
	close(m->reader_kick_fd);
	close(m->small_fd);
	copy_pool_destroy(m->copy);
	free(m->fault_time);
	free(m->restore_pending);
	close(m->uffd);
	m->uffd = -1;
}
