/* migrate.c - the migration engine.
 *
 * migrate_frames() moves a list of guest frames to a target node in batches.
 * migrate_batch() reads as Linux's migrate_pages_batch(): passes over the
 * batch, each pass a script of phases. Each phase has the helper that undoes
 * it for a frame that fails later:
 *
 *   isolate_frames            frame off its node list (MAPPED -> ISOLATED);
 *                             its owner may refuse. Undone by putback_frame
 *   get_target_pages          a pre-touched page from the target node's pool,
 *                             adjacent frames on ascending slots. Undone by
 *                             put_target_page
 *   install_migration_entries userfaultfd write-protect on the frame's guest
 *                             mapping (-> MIGRATING): a guest write to it
 *                             sleeps in the kernel, as in migration_entry_wait();
 *                             reads go on. Undone by remove_migration_entry
 *   copy_pages                2 MiB per frame, non-temporal stores, by the copy
 *                             threads. Nothing to undo: the source is only read
 *   remap_frames              mmap(MAP_FIXED) the new page over the frame's
 *                             guest range; KVM's MMU notifiers drop the old
 *                             second-level entries; MADV_POPULATE_WRITE maps
 *                             the new page before anyone touches it. Undone
 *                             by undo_remap
 *   finish_moves              frame MAPPED on the target list, old page back to
 *                             its pool, held writers woken: they complete on the
 *                             new page. A frame that failed at any phase goes
 *                             through undo_move instead: the undos, latest first
 *
 * A run of adjacent frames takes one system call in install_migration_entries
 * and remap_frames (run_length): one page-table change and one invalidation
 * of KVM's second-level entries for all of them, not one per frame. A run
 * whose call fails is installed frame by frame; a failed remap fails every
 * frame of its run, and each is put back.
 *
 * After undo_move the frame is exactly as before: mapping, contents, list
 * position, no write-protection, held writers woken. Because writes are held
 * from install to finish, the copy is exact and nothing is lost. A ballooned
 * frame has no page to copy: move_ballooned_frame only changes its node.
 *
 * Busy frames (async mode: skipped) get another pass in sync mode, up to
 * MIGRATE_PASSES in all; on the last pass they count as failed.
 *
 * Locking: m->lock serialises migrations; the frame table lock (gm->ft.lock)
 * guards frame state and pool free lists and is dropped while copying. */
#include <errno.h>
#include <linux/userfaultfd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "mm/copy.h"
#include "mm/migrate.h"
#include "mm/reclaim.h"

#define MIGRATE_PASSES 11 /* the first and 10 more, as NR_MAX_MIGRATE_PAGES_RETRY */

static const char *const reason_names[MR_NR_REASONS] = {
	[MR_USER] = "user", [MR_NUMATUNE] = "numatune", [MR_AUTOBALANCE] = "autobalance",
	[MR_COMPACTION] = "compaction", [MR_DRAIN] = "drain",
	[MR_DEMOTION] = "demotion", [MR_PROMOTION] = "promotion",
};
static const char *const step_names[MSTEP_NR] = {
	[MSTEP_ISOLATE] = "isolate", [MSTEP_TARGET] = "target", [MSTEP_UNMAP] = "unmap",
	[MSTEP_COPY] = "copy", [MSTEP_REMAP] = "remap",
};

const char *migrate_reason_name(enum migrate_reason r)
{
	return (unsigned)r < MR_NR_REASONS ? reason_names[r] : "?";
}

const char *migrate_step_name(enum migrate_step s)
{
	return (unsigned)s < MSTEP_NR ? step_names[s] : "?";
}

int migrate_step_parse(const char *name)
{
	for (int s = 0; s < MSTEP_NR; s++)
		if (!strcmp(name, step_names[s]))
			return s;
	return -1;
}

/* ---- fault injection ---- */

static bool inject_fail(struct migrator *m, enum migrate_step step)
{
	struct migrate_inject *in = &m->inject;
	bool fail = false;

	if (in->fail_nth[step] && --in->fail_nth[step] == 0)
		fail = true;
	if (!fail && in->fail_permille[step]) {
		in->rng = in->rng * 6364136223846793005ULL + 1442695040888963407ULL;
		fail = (in->rng >> 33) % 1000 < in->fail_permille[step];
	}
	if (fail)
		m->stats.faults_injected[step]++;
	return fail;
}

/* ---- the migration entry: userfaultfd write-protect ---- */

static int uffd_wp(struct migrator *m, uint8_t *hva, size_t len, bool protect)
{
	struct uffdio_writeprotect wp = {
		.range = { (uintptr_t)hva, len },
		.mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0, /* clearing also wakes */
	};

	return ioctl(m->uffd, UFFDIO_WRITEPROTECT, &wp) < 0 ? -errno : 0;
}

/* From here a guest write to the n frames at hva sleeps in the kernel until
 * the entry is removed or the frame is remapped; reads go on. */
static int install_migration_entry(struct migrator *m, uint8_t *hva, uint32_t n)
{
	struct uffdio_register reg = {
		.range = { (uintptr_t)hva, (size_t)n * FRAME_SIZE },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	int ret;

	if (ioctl(m->uffd, UFFDIO_REGISTER, &reg) < 0)
		return -errno;
	ret = uffd_wp(m, hva, reg.range.len, true);
	if (ret < 0) {
		struct uffdio_range r = reg.range;

		ioctl(m->uffd, UFFDIO_UNREGISTER, &r);
	}
	return ret;
}

/* Undoes install_migration_entry, for a frame that stays where it was. */
static void remove_migration_entry(struct migrator *m, uint8_t *hva)
{
	struct uffdio_range r = { (uintptr_t)hva, FRAME_SIZE };

	uffd_wp(m, hva, FRAME_SIZE, false);
	ioctl(m->uffd, UFFDIO_UNREGISTER, &r); /* also wakes any waiter */
}

/* ---- one batch, in passes ---- */

/* One frame on its way through a pass. */
struct move {
	uint32_t idx;
	uint8_t src_node;
	uint32_t src_slot;
	uint32_t dst_slot;    /* FRAME_NONE until get_target_pages takes one */
	bool src_small;       /* degraded: the source is its ordinary pages */
	int err;              /* the first failure; later phases skip the frame */
	bool entry_installed; /* the migration entry is in place */
	bool remap_tried;     /* the guest mapping may no longer be the source page */
};

/* One pass over a batch: the frames on their way, and the busy ones left for
 * the next pass. */
struct batch {
	struct migrator *m;
	unsigned target;
	enum migrate_mode mode;
	bool last_pass;       /* busy frames count as failed, not retried */
	struct migrate_result *res;
	struct move mv[MIGRATE_BATCH];
	uint32_t nmoves;
	uint32_t retry[MIGRATE_BATCH];
	uint32_t nretry;
};

static void trace(struct batch *b, enum migrate_step step)
{
	uint32_t idx[MIGRATE_BATCH];

	if (!b->m->trace)
		return;
	for (uint32_t i = 0; i < b->nmoves; i++)
		idx[i] = b->mv[i].idx;
	b->m->trace(b->m, step, idx, b->nmoves, b->m->trace_arg);
}

/* How many moves from i (which has not failed) on make a run: none failed,
 * adjacent frames of one kind (hugepage or degraded) and, for a remap, on
 * adjacent target slots. A run takes one system call per phase, so one
 * page-table change and one secondary-MMU invalidation (KVM flushing every
 * vCPU's TLB) for all its frames rather than one per frame. */
static uint32_t run_length(const struct batch *b, uint32_t i, bool adjacent_slots)
{
	const struct move *first = &b->mv[i];
	uint32_t n = 1;

	for (; i + n < b->nmoves; n++) {
		const struct move *mv = &b->mv[i + n];

		if (mv->err || mv->idx != first->idx + n || mv->src_small != first->src_small ||
		    (adjacent_slots && mv->dst_slot != first->dst_slot + n))
			break;
	}
	return n;
}

static int compare_slots(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* A frame that did not move in this pass: in sync mode a busy one gets the
 * next pass, unless this is the last; anything else counts as failed. */
static void retry_or_fail(struct batch *b, uint32_t idx, int err)
{
	if (b->mode == MIGRATE_SYNC && !b->last_pass && (err == -EAGAIN || err == -EBUSY))
		b->retry[b->nretry++] = idx;
	else
		b->res->failed++;
}

/* A ballooned frame has no page to copy: moving it only changes the node its
 * page will come back from. Called with the frame table lock. */
static void move_ballooned_frame(struct batch *b, struct frame *f)
{
	b->m->stats.node_out[f->node]++;
	b->m->stats.node_in[b->target]++;
	f->node = (uint8_t)b->target;
	b->res->moved++;
	b->res->nocopy++;
}

/* Take a frame off its node list. Returns 0, -EAGAIN (busy: skip or retry),
 * 1 if it is already on the target (nothing to do; a degraded frame is not:
 * its hugepage is still to come) or -EPERM if it cannot move (not MAPPED).
 * Called with the frame table lock. */
static int isolate_frame(struct frame_table *ft, struct frame *f, unsigned target)
{
	if (((f->state == FRAME_MAPPED && !f->degraded) || f->state == FRAME_BALLOONED) &&
	    f->node == target)
		return 1;
	if (f->state == FRAME_ISOLATED || f->state == FRAME_MIGRATING)
		return -EAGAIN;
	if (f->state != FRAME_MAPPED)
		return -EPERM;
	if (f->ops && f->ops->isolate) {
		int ret = f->ops->isolate(f, f->owner);

		if (ret < 0)
			return ret == -EBUSY ? -EAGAIN : ret;
	}
	frame_list_del(ft, &ft->node_list[f->node], f);
	f->state = FRAME_ISOLATED;
	return 0;
}

/* Undoes isolate_frame: MAPPED again at the tail of its node's list, and its
 * owner is told. Called with the frame table lock. */
static void putback_frame(struct frame_table *ft, struct frame *f)
{
	f->state = FRAME_MAPPED;
	frame_list_add_tail(ft, &ft->node_list[f->node], f);
	if (f->ops && f->ops->putback)
		f->ops->putback(f, f->owner);
}

/* Phase 1, with the frame table lock: each frame is moved at once
 * (ballooned), isolated, or counted as skipped, retried or failed. */
static void isolate_frames(struct batch *b, const uint32_t *frames, uint32_t n)
{
	struct frame_table *ft = &b->m->gm->ft;

	for (uint32_t i = 0; i < n; i++) {
		struct frame *f = &ft->frames[frames[i]];
		int ret;

		if (f->state == FRAME_BALLOONED && f->node != b->target) {
			move_ballooned_frame(b, f);
			continue;
		}
		ret = inject_fail(b->m, MSTEP_ISOLATE) ? -EAGAIN : isolate_frame(ft, f, b->target);
		if (ret == 1 || (ret == -EAGAIN && b->mode == MIGRATE_ASYNC))
			b->res->skipped++;
		else if (ret < 0)
			retry_or_fail(b, frames[i], ret);
		else
			b->mv[b->nmoves++] = (struct move){ .idx = frames[i], .src_node = f->node,
							    .src_slot = f->slot, .dst_slot = FRAME_NONE,
							    .src_small = f->degraded };
	}
}

/* The target pages in ascending order over the moves, which come in frame
 * order: adjacent frames then get adjacent slots wherever the pool's spare
 * pages are, so that remap_frames maps a run with one mmap. */
static void sort_target_slots(struct batch *b)
{
	uint32_t slots[MIGRATE_BATCH], n = 0;

	for (uint32_t i = 0; i < b->nmoves; i++)
		if (b->mv[i].dst_slot != FRAME_NONE)
			slots[n++] = b->mv[i].dst_slot;
	qsort(slots, n, sizeof(slots[0]), compare_slots);
	for (uint32_t i = 0, k = 0; i < b->nmoves; i++)
		if (b->mv[i].dst_slot != FRAME_NONE)
			b->mv[i].dst_slot = slots[k++];
}

/* Phase 2, with the frame table lock: a page of the target pool per frame,
 * never of its restore reserve. A lazy source gets its page first
 * (--no-prealloc): then the copy reads the guest's data through the pool,
 * and a guest write that would have made the page lands in it, or waits
 * behind the entry, rather than in a page the remap drops. */
static void get_target_pages(struct batch *b)
{
	struct guest_mem *gm = b->m->gm;
	struct pool *dst = &gm->pools[b->target];

	for (uint32_t i = 0; i < b->nmoves; i++) {
		struct move *mv = &b->mv[i];

		if (inject_fail(b->m, MSTEP_TARGET))
			mv->err = -ENOMEM;
		else if (!mv->src_small &&
			 pool_slot_make_page(&gm->pools[mv->src_node], mv->src_slot) < 0)
			mv->err = -ENOMEM;
		else if ((mv->dst_slot = pool_get_spare_slot(dst)) == FRAME_NONE)
			mv->err = -ENOMEM;
	}
	sort_target_slots(b);
}

/* Undoes get_target_pages. Called with the frame table lock. */
static void put_target_page(struct batch *b, const struct move *mv)
{
	if (mv->dst_slot != FRAME_NONE)
		pool_put_slot(&b->m->gm->pools[b->target], mv->dst_slot);
}

/* Phase 3: from here guest writes to these frames wait. */
static void install_migration_entries(struct batch *b)
{
	struct guest_mem *gm = b->m->gm;

	for (uint32_t i = 0; i < b->nmoves; i++) {
		struct move *mv = &b->mv[i];

		if (mv->err)
			continue;
		/* before the entry: a held write read from here on is this move's */
		migrator_new_gen(b->m, &gm->ft.frames[mv->idx]);
		if (inject_fail(b->m, MSTEP_UNMAP))
			mv->err = -EIO;
	}
	for (uint32_t i = 0, n = 1; i < b->nmoves; i += n) {
		n = 1;
		if (b->mv[i].err)
			continue;
		n = run_length(b, i, false);
		if (install_migration_entry(b->m, guest_mem_frame_hva(gm, b->mv[i].idx), n) == 0) {
			for (uint32_t k = i; k < i + n; k++)
				b->mv[k].entry_installed = true;
			continue;
		}
		/* the run failed as a whole: each frame alone, for its own error */
		for (uint32_t k = i; k < i + n; k++) {
			struct move *mv = &b->mv[k];

			mv->err = install_migration_entry(b->m, guest_mem_frame_hva(gm, mv->idx), 1);
			mv->entry_installed = !mv->err;
		}
	}
	pthread_mutex_lock(&gm->ft.lock);
	for (uint32_t i = 0; i < b->nmoves; i++)
		if (b->mv[i].entry_installed)
			gm->ft.frames[b->mv[i].idx].state = FRAME_MIGRATING;
	pthread_mutex_unlock(&gm->ft.lock);
	trace(b, MSTEP_UNMAP);
}

/* Phase 4: all copy threads copy the frames still on their way. */
static void copy_pages(struct batch *b)
{
	struct guest_mem *gm = b->m->gm;
	struct copy_pair pairs[MIGRATE_BATCH];
	uint32_t npairs = 0;

	for (uint32_t i = 0; i < b->nmoves; i++) {
		const struct move *mv = &b->mv[i];

		if (mv->err)
			continue;
		/* a degraded frame is read where the guest sees it: its writes
		 * are held, reads go on */
		pairs[npairs++] = (struct copy_pair){
			.dst = pool_slot_addr(&gm->pools[b->target], mv->dst_slot),
			.src = mv->src_small ? guest_mem_frame_hva(gm, mv->idx) :
					       pool_slot_addr(&gm->pools[mv->src_node], mv->src_slot),
			.fail = inject_fail(b->m, MSTEP_COPY),
		};
	}
	copy_frames(b->m->copy, pairs, npairs);
	for (uint32_t i = 0, p = 0; i < b->nmoves; i++)
		if (!b->mv[i].err)
			b->mv[i].err = pairs[p++].err;
	trace(b, MSTEP_COPY);
}

/* The new page of frame idx into this process's page tables, writable,
 * before the guest is let at it: MAP_FIXED leaves the range empty, and the
 * first guest access after the wake would fault through the host and then
 * KVM (docs/migration.md, "No refault after the remap"). Best effort: a
 * failure leaves only that refault. */
static void prefault_frames(struct migrator *m, uint32_t idx, uint32_t n)
{
	if (m->populate_write)
		madvise(guest_mem_frame_hva(m->gm, idx), (size_t)n * FRAME_SIZE, MADV_POPULATE_WRITE);
}

/* Phase 5: the guest range shows the new pages, already mapped; a run of
 * frames on adjacent slots with one mmap. */
static void remap_frames(struct batch *b)
{
	for (uint32_t i = 0; i < b->nmoves; i++) {
		struct move *mv = &b->mv[i];

		if (mv->err)
			continue;
		if (inject_fail(b->m, MSTEP_REMAP)) {
			mv->remap_tried = true;
			mv->err = -ENOMEM;
		}
	}
	for (uint32_t i = 0, n = 1; i < b->nmoves; i += n) {
		int err;

		n = 1;
		if (b->mv[i].err)
			continue;
		n = run_length(b, i, true);
		err = guest_mem_map_pages(b->m->gm, b->mv[i].idx, n, b->target, b->mv[i].dst_slot);
		for (uint32_t k = i; k < i + n; k++) {
			b->mv[k].remap_tried = true;
			b->mv[k].err = err;
		}
		if (!err)
			prefault_frames(b->m, b->mv[i].idx, n);
	}
	trace(b, MSTEP_REMAP);
}

/* Undoes remap_frames: a failed MAP_FIXED may have dropped the old mapping,
 * so map the source page (or ordinary pages) again. The fresh mapping is
 * neither registered nor write-protected, so this removes the migration
 * entry too; wake the held writers. */
static void undo_remap(struct migrator *m, const struct move *mv)
{
	if (frame_map_backing(m, &m->gm->ft.frames[mv->idx]) < 0)
		abort(); /* cannot restore guest RAM: stopping beats corrupting */
	migrator_wake(m, mv->idx);
}

/* Put back a move that failed at any phase: undo the phases it went through,
 * latest first. Called with the frame table lock. */
static void undo_move(struct batch *b, const struct move *mv)
{
	struct migrator *m = b->m;

	__atomic_store_n(&m->fault_time[mv->idx], 0, __ATOMIC_RELAXED);
	if (mv->remap_tried)
		undo_remap(m, mv);
	else if (mv->entry_installed)
		remove_migration_entry(m, guest_mem_frame_hva(m->gm, mv->idx));
	put_target_page(b, mv);
	putback_frame(&m->gm->ft, &m->gm->ft.frames[mv->idx]);
	m->stats.putbacks++;
}

/* The frame now lives on the target node. Called with the frame table lock. */
static void finish_frame(struct batch *b, const struct move *mv)
{
	struct migrator *m = b->m;
	struct guest_mem *gm = m->gm;
	struct frame *f = &gm->ft.frames[mv->idx];
	uint64_t t = __atomic_exchange_n(&m->fault_time[mv->idx], 0, __ATOMIC_RELAXED);

	f->node = (uint8_t)b->target;
	f->slot = mv->dst_slot;
	f->state = FRAME_MAPPED;
	f->degraded = 0;
	frame_list_add_tail(&gm->ft, &gm->ft.node_list[b->target], f);
	if (mv->src_small)
		frame_drop_small_pages(m, mv->idx);
	else
		pool_put_slot(&gm->pools[mv->src_node], mv->src_slot);
	migrator_wake(m, mv->idx);
	if (t) {
		double hold = (double)(now_ns() - t) * 1e-9;

		if (hold > b->res->max_hold)
			b->res->max_hold = hold;
	}
	b->res->moved++;
	b->res->bytes += FRAME_SIZE;
	m->stats.node_out[mv->src_node]++;
	m->stats.node_in[b->target]++;
}

/* Phase 6: each move finishes, or is undone and counted. */
static void finish_moves(struct batch *b)
{
	struct frame_table *ft = &b->m->gm->ft;

	pthread_mutex_lock(&ft->lock);
	for (uint32_t i = 0; i < b->nmoves; i++) {
		const struct move *mv = &b->mv[i];

		if (!mv->err) {
			finish_frame(b, mv);
		} else {
			undo_move(b, mv);
			retry_or_fail(b, mv->idx, mv->err);
		}
	}
	pthread_mutex_unlock(&ft->lock);
}

/* One pass: the phases in order. Isolation and the target pages share one
 * hold of the frame table lock. */
static void migrate_pass(struct batch *b, const uint32_t *frames, uint32_t n)
{
	struct frame_table *ft = &b->m->gm->ft;

	b->nmoves = b->nretry = 0;
	pthread_mutex_lock(&ft->lock);
	isolate_frames(b, frames, n);
	get_target_pages(b);
	pthread_mutex_unlock(&ft->lock);
	trace(b, MSTEP_TARGET);
	install_migration_entries(b);
	copy_pages(b);
	remap_frames(b);
	finish_moves(b);
}

/* Move up to MIGRATE_BATCH frames. A pass leaves busy frames (sync mode) to
 * the next, after a pause that grows; the last pass leaves none. */
static void migrate_batch(struct migrator *m, const uint32_t *frames, uint32_t n,
			  unsigned target, enum migrate_mode mode, struct migrate_result *res)
{
	struct batch b = { .m = m, .target = target, .mode = mode, .res = res };
	uint32_t busy[MIGRATE_BATCH];

	for (unsigned pass = 0; pass < MIGRATE_PASSES && n; pass++) {
		if (pass) {
			memcpy(busy, b.retry, n * sizeof(busy[0]));
			frames = busy;
			res->retries += n;
			usleep(1000u << (pass - 1 < 4 ? pass - 1 : 4));
		}
		b.last_pass = pass + 1 == MIGRATE_PASSES;
		migrate_pass(&b, frames, n);
		n = b.nretry;
	}
}

int migrate_frames_locked(struct migrator *m, const uint32_t *frames, uint32_t n,
				 unsigned target, enum migrate_mode mode, enum migrate_reason reason,
				 struct migrate_result *res)
{
	struct guest_mem *gm = m->gm;
	uint64_t t0 = now_ns(), held0;

	memset(res, 0, sizeof(*res));
	if (target >= gm->nnodes || (unsigned)reason >= MR_NR_REASONS ||
	    guest_mem_node_drained(gm, target))
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++)
		if (frames[i] >= gm->ft.nframes)
			return -EINVAL;
	res->requested = n;
	held0 = __atomic_load_n(&m->stats.writes_held, __ATOMIC_RELAXED);
	for (uint32_t done = 0; done < n; done += MIGRATE_BATCH)
		migrate_batch(m, frames + done, n - done < MIGRATE_BATCH ? n - done : MIGRATE_BATCH,
			      target, mode, res);
	res->seconds = (double)(now_ns() - t0) * 1e-9;
	res->writes_held = (uint32_t)(__atomic_load_n(&m->stats.writes_held, __ATOMIC_RELAXED) - held0);
	m->stats.reason[reason].requested += res->requested;
	m->stats.reason[reason].moved += res->moved;
	m->stats.reason[reason].skipped += res->skipped;
	m->stats.reason[reason].failed += res->failed;
	m->stats.reason[reason].bytes += res->bytes;
	m->stats.nocopy += res->nocopy;
	if (res->max_hold > m->stats.max_hold)
		m->stats.max_hold = res->max_hold;
	return 0;
}

void migrate_result_add(struct migrate_result *sum, const struct migrate_result *part)
{
	sum->requested += part->requested;
	sum->moved += part->moved;
	sum->skipped += part->skipped;
	sum->failed += part->failed;
	sum->retries += part->retries;
	sum->nocopy += part->nocopy;
	sum->bytes += part->bytes;
	sum->seconds += part->seconds;
	sum->writes_held += part->writes_held;
	if (part->max_hold > sum->max_hold)
		sum->max_hold = part->max_hold;
}

int migrate_frames(struct migrator *m, const uint32_t *frames, uint32_t n, unsigned target,
		   enum migrate_mode mode, enum migrate_reason reason, struct migrate_result *res)
{
	int ret;

	pthread_mutex_lock(&m->lock);
	ret = migrate_frames_locked(m, frames, n, target, mode, reason, res);
	pthread_mutex_unlock(&m->lock);
	return ret;
}

uint64_t migrate_copy_baseline(struct migrator *m, unsigned target, double *seconds)
{
	struct guest_mem *gm = m->gm;
	struct pool *dst = &gm->pools[target];
	uint64_t bytes = 0, t0;
	uint32_t slot;

	*seconds = 0;
	if (target >= gm->nnodes)
		return 0;
	pthread_mutex_lock(&m->lock);
	pthread_mutex_lock(&gm->ft.lock);
	slot = pool_get_slot(dst);
	pthread_mutex_unlock(&gm->ft.lock);
	if (slot == FRAME_NONE) {
		pthread_mutex_unlock(&m->lock);
		return 0;
	}
	t0 = now_ns();
	for (uint32_t i = 0; i < gm->ft.nframes; i++) {
		const struct frame *f = &gm->ft.frames[i];

		/* under the lock: reclaim may punch a page out of the pool */
		pthread_mutex_lock(&gm->ft.lock);
		if (f->state == FRAME_MAPPED && !f->degraded && f->node != target &&
		    !pool_slot_is_lazy(&gm->pools[f->node], f->slot)) {
			copy_chunk(pool_slot_addr(dst, slot), pool_slot_addr(&gm->pools[f->node], f->slot),
				FRAME_SIZE);
			bytes += FRAME_SIZE;
		}
		pthread_mutex_unlock(&gm->ft.lock);
	}
	*seconds = (double)(now_ns() - t0) * 1e-9;
	pthread_mutex_lock(&gm->ft.lock);
	pool_put_slot(dst, slot);
	pthread_mutex_unlock(&gm->ft.lock);
	pthread_mutex_unlock(&m->lock);
	return bytes;
}
