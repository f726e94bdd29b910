/* check_reclaim.c - ballooned frames without KVM: reclaim gives the page back,
 * a touch or a restore brings a zeroed page back, migration moves them free;
 * a host out of hugepages (sim_host_pages) leaves the guest on ordinary pages
 * until it has them again; stale userfaultfd messages are dropped. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/clock.h"
#include "mm/reclaim.h"
#include "tests/sim_guest.h"
#include "tests/unit.h"

#define NFRAMES 8

static struct guest_mem gm;
static struct migrator mig;
static int putbacks;
static void *putback_owner;

static void owner_putback(struct frame *f, void *owner)
{
	putbacks++;
	putback_owner = owner;
}

static const struct frame_ops test_ops = { .name = "test-balloon", .putback = owner_putback };
static int owner_token;

static void setup(void)
{
	sim_guest_init(&gm, &mig, NFRAMES, 1, 1);
	putbacks = 0;
	putback_owner = NULL;
	for (uint32_t f = 0; f < NFRAMES; f++)
		memset(guest_mem_frame_hva(&gm, f), 0xa0 + f, FRAME_SIZE);
}

static void teardown(void)
{
	migrator_destroy(&mig);
	guest_mem_destroy(&gm);
}

static bool all_bytes(const uint8_t *p, uint8_t v)
{
	for (size_t i = 0; i < FRAME_SIZE; i++)
		if (p[i] != v)
			return false;
	return true;
}

START_TEST(reclaim_returns_the_page)
{
	struct frame *f = &gm.ft.frames[2];
	uint32_t populated = gm.pools[0].npopulated;

	ck_assert_int_eq(frame_reclaim(&mig, 2, &test_ops, &owner_token), 1);
	ck_assert_uint_eq(f->state, FRAME_BALLOONED);
	ck_assert_uint_eq(gm.pools[0].npopulated, populated - 1);
	ck_assert_uint_eq(gm.pools[0].pages_returned, 1);
	ck_assert_uint_eq(gm.ft.node_list[0].count, NFRAMES - 1);
	ck_assert_uint_eq(mig.stats.reclaimed, 1);
	/* the neighbours are untouched */
	ck_assert(all_bytes(guest_mem_frame_hva(&gm, 1), 0xa1));
	ck_assert(all_bytes(guest_mem_frame_hva(&gm, 3), 0xa3));
	/* twice is an error, and so is a frame under migration */
	ck_assert_int_eq(frame_reclaim(&mig, 2, &test_ops, &owner_token), -EINVAL);
	gm.ft.frames[4].state = FRAME_MIGRATING;
	ck_assert_int_eq(frame_reclaim(&mig, 4, &test_ops, &owner_token), -EBUSY);
	gm.ft.frames[4].state = FRAME_MAPPED;
	ck_assert_int_eq(frame_reclaim(&mig, NFRAMES, &test_ops, &owner_token), -EINVAL);
}
END_TEST

START_TEST(restore_gives_zeroed_page)
{
	ck_assert_int_eq(frame_reclaim(&mig, 5, &test_ops, &owner_token), 1);
	ck_assert_int_eq(frame_restore(&mig, 5), 0);
	ck_assert_uint_eq(gm.ft.frames[5].state, FRAME_MAPPED);
	ck_assert_ptr_null(gm.ft.frames[5].ops);
	ck_assert(all_bytes(guest_mem_frame_hva(&gm, 5), 0));
	guest_mem_frame_hva(&gm, 5)[12345] = 0x77; /* writable, and backed by its pool page */
	ck_assert_uint_eq(pool_slot_addr(&gm.pools[0], gm.ft.frames[5].slot)[12345], 0x77);
	ck_assert_int_eq(putbacks, 0); /* an explicit restore does not call the owner */
	ck_assert_uint_eq(gm.ft.node_list[0].count, NFRAMES);
	ck_assert_int_eq(frame_restore(&mig, 5), -EINVAL);
}
END_TEST

static void *touch(void *arg)
{
	return (void *)(uintptr_t)*(volatile uint8_t *)arg;
}

START_TEST(touch_puts_back)
{
	pthread_t t;
	void *val;

	ck_assert_int_eq(frame_reclaim(&mig, 6, &test_ops, &owner_token), 1);
	pthread_create(&t, NULL, touch, guest_mem_frame_hva(&gm, 6) + 4096);
	pthread_join(t, &val);
	ck_assert_uint_eq((uintptr_t)val, 0);
	ck_assert_uint_eq(gm.ft.frames[6].state, FRAME_MAPPED);
	ck_assert_int_eq(putbacks, 1);
	ck_assert_ptr_eq(putback_owner, &owner_token);
	ck_assert_uint_eq(mig.stats.touch_restored, 1);
	ck_assert(all_bytes(guest_mem_frame_hva(&gm, 6), 0));
}
END_TEST

/* What the owner saw when it heard of a touch of frame 6. */
static uint8_t heard_state;
static bool heard_page_mapped, heard_locked;

static void probing_putback(struct frame *f, void *owner)
{
	uint8_t *hva = guest_mem_frame_hva(&gm, frame_index(&gm.ft, f));
	unsigned char vec = 0;

	putbacks++;
	heard_state = f->state;
	mincore(hva, 4096, &vec);
	heard_page_mapped = vec & 1;
	heard_locked = pthread_mutex_trylock(&gm.ft.lock) == EBUSY;
	if (!heard_locked)
		pthread_mutex_unlock(&gm.ft.lock);
}

static const struct frame_ops probing_ops = { .name = "test-probe", .putback = probing_putback };

/* The owner hears of a touch once the new page is mapped, still under the
 * frame table lock, so its own restore or reclaim cannot slip in. */
START_TEST(touch_tells_owner_after_mapping)
{
	uint8_t *hva = guest_mem_frame_hva(&gm, 6);
	pthread_t t;

	ck_assert_int_eq(frame_reclaim(&mig, 6, &probing_ops, &owner_token), 1);
	pthread_create(&t, NULL, touch, hva);
	pthread_join(t, NULL);
	ck_assert_int_eq(putbacks, 1);
	ck_assert_uint_eq(heard_state, FRAME_MAPPED);
	ck_assert(heard_page_mapped);
	ck_assert(heard_locked);
	ck_assert_ptr_null(gm.ft.frames[6].ops);
	ck_assert(all_bytes(hva, 0));
	ck_assert_uint_eq(mig.stats.touch_restored, 1);
}
END_TEST

/* The host runs dry: no pool can populate a page, and the spare pages go. */
static void host_runs_dry(void)
{
	sim_host_pages(0);
	for (unsigned n = 0; n < SIM_GUEST_NODES; n++) {
		gm.pools[n].populate = sim_populate;
		gm.pools[n].nfree = 0;
	}
}

/* A map that fails: the pools' files turn read-only. */
static int pool_fd[SIM_GUEST_NODES];

static void pool_maps_fail(bool fail)
{
	for (unsigned n = 0; n < SIM_GUEST_NODES; n++) {
		if (fail) {
			pool_fd[n] = gm.pools[n].fd;
			gm.pools[n].fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
		} else {
			close(gm.pools[n].fd);
			gm.pools[n].fd = pool_fd[n];
		}
	}
}

/* The page is found but cannot be mapped (nor any other): the frame stays
 * ballooned, its owner is not told, and the guest range still traps. */
START_TEST(owner_marked_only_after_the_map)
{
	uint8_t *hva = guest_mem_frame_hva(&gm, 6);
	pthread_t t;

	ck_assert_int_eq(frame_reclaim(&mig, 6, &test_ops, &owner_token), 1);
	mig.inject.no_small_pages = true;
	pool_maps_fail(true);
	ck_assert_int_lt(frame_fault_restore(&mig, 6), 0);
	pool_maps_fail(false);
	ck_assert_int_eq(putbacks, 0);
	ck_assert_uint_eq(gm.ft.frames[6].state, FRAME_BALLOONED);
	ck_assert_ptr_eq(gm.ft.frames[6].ops, &test_ops);
	/* the next touch gets the frame back, and the owner hears of it once */
	pthread_create(&t, NULL, touch, hva + 4096);
	pthread_join(t, NULL);
	ck_assert_int_eq(putbacks, 1);
	ck_assert_uint_eq(gm.ft.frames[6].state, FRAME_MAPPED);
}
END_TEST

/* A move cannot take the pools' last page: a restore after it still gets a
 * hugepage. */
START_TEST(restore_has_a_reserve)
{
	uint32_t frames[] = { 0, 1, 2, 3 };
	struct migrate_result r;

	ck_assert_int_eq(frame_reclaim(&mig, 7, &test_ops, &owner_token), 1);
	sim_host_pages(2); /* node 1: its spare page and 2 more */
	gm.pools[1].populate = sim_populate;
	gm.pools[0].populate = sim_populate;
	ck_assert_int_eq(migrate_frames(&mig, frames, 4, 1, MIGRATE_SYNC, MR_USER, &r), 0);
	ck_assert_uint_eq(r.moved, 3 - POOL_RESTORE_RESERVE);
	ck_assert_uint_eq(gm.pools[1].nfree, POOL_RESTORE_RESERVE);
	gm.pools[0].nfree = 0; /* node 0's spare pages gone too */
	ck_assert_int_eq(frame_restore(&mig, 7), 0);
	ck_assert_uint_eq(gm.ft.frames[7].degraded, 0);
	ck_assert_uint_eq(gm.ft.frames[7].node, 1);
	ck_assert_uint_eq(mig.stats.degraded, 0);
}
END_TEST

static uint64_t frame_sum(uint32_t idx)
{
	const uint64_t *w = (const uint64_t *)guest_mem_frame_hva(&gm, idx);
	uint64_t sum = 0;

	for (size_t i = 0; i < FRAME_SIZE / 8; i++)
		sum = sum * 31 + w[i];
	return sum;
}

static void *touch_and_fill(void *arg)
{
	uint64_t *w = arg;

	for (size_t i = 0; i < FRAME_SIZE / 8; i++)
		w[i] = i * 0x9e3779b97f4a7c15ULL;
	return NULL;
}

/* Out of hugepages, a touch goes on, on ordinary pages (degraded, counted);
 * once the host has pages again the reader moves the frame back onto one,
 * contents intact. */
START_TEST(degraded_frame_returns_to_hugepages)
{
	uint32_t per_node[MAX_NODES];
	uint8_t *hva = guest_mem_frame_hva(&gm, 3);
	uint64_t sum;
	pthread_t t;

	ck_assert_int_eq(frame_reclaim(&mig, 3, &test_ops, &owner_token), 1);
	host_runs_dry();
	pthread_create(&t, NULL, touch_and_fill, hva);
	pthread_join(t, NULL);
	ck_assert_uint_eq(gm.ft.frames[3].state, FRAME_MAPPED);
	ck_assert_uint_eq(gm.ft.frames[3].degraded, 1);
	ck_assert_uint_eq(gm.ft.frames[3].slot, FRAME_NONE);
	ck_assert_int_eq(putbacks, 1);
	ck_assert_uint_eq(mig.stats.degraded, 1);
	ck_assert_uint_eq(frame_table_count_degraded(&gm.ft, per_node), 1);
	ck_assert_uint_eq(per_node[0], 1);
	sum = frame_sum(3);

	sim_host_pages(8);
	for (int i = 0; i < 200 && __atomic_load_n(&gm.ft.frames[3].degraded, __ATOMIC_ACQUIRE); i++)
		usleep(10000);
	/* the move clears the flag before it counts itself: let it finish */
	pthread_mutex_lock(&mig.lock);
	pthread_mutex_lock(&gm.ft.lock);
	ck_assert_uint_eq(gm.ft.frames[3].degraded, 0);
	ck_assert_uint_ne(gm.ft.frames[3].slot, FRAME_NONE);
	ck_assert_uint_eq(gm.ft.frames[3].node, 0);
	pthread_mutex_unlock(&gm.ft.lock);
	ck_assert_uint_eq(frame_sum(3), sum);
	/* the guest range is the pool page again */
	hva[100] ^= 0xff;
	ck_assert_uint_eq(pool_slot_addr(&gm.pools[0], gm.ft.frames[3].slot)[100], hva[100]);
	ck_assert_uint_eq(mig.stats.reason[MR_COMPACTION].moved, 1);
	ck_assert_uint_eq(frame_table_count_degraded(&gm.ft, per_node), 0);
	/* and the restore reserve is back */
	ck_assert_uint_ge(gm.pools[0].nfree, POOL_RESTORE_RESERVE);
	pthread_mutex_unlock(&mig.lock);
}
END_TEST

/* A frame a deflate restored onto ordinary pages (no touch, so no message
 * for the reader) goes back onto a hugepage too. */
START_TEST(deflated_degraded_frame_returns)
{
	ck_assert_int_eq(frame_reclaim(&mig, 2, &test_ops, &owner_token), 1);
	host_runs_dry();
	ck_assert_int_eq(frame_restore(&mig, 2), 0);
	ck_assert_uint_eq(gm.ft.frames[2].degraded, 1);
	sim_host_pages(8);
	for (int i = 0; i < 200 && __atomic_load_n(&gm.ft.frames[2].degraded, __ATOMIC_ACQUIRE); i++)
		usleep(10000);
	/* the move clears the flag before it counts itself: let it finish */
	pthread_mutex_lock(&mig.lock);
	pthread_mutex_lock(&gm.ft.lock);
	ck_assert_uint_eq(gm.ft.frames[2].degraded, 0);
	ck_assert_uint_eq(gm.ft.frames[2].state, FRAME_MAPPED);
	pthread_mutex_unlock(&gm.ft.lock);
	ck_assert_uint_eq(mig.stats.reason[MR_COMPACTION].moved, 1);
	pthread_mutex_unlock(&mig.lock);
	ck_assert(all_bytes(guest_mem_frame_hva(&gm, 2), 0));
}
END_TEST

/* A degraded frame can be ballooned again: its ordinary pages go. */
START_TEST(degraded_frame_reclaims)
{
	uint32_t per_node[MAX_NODES];

	ck_assert_int_eq(frame_reclaim(&mig, 3, &test_ops, &owner_token), 1);
	host_runs_dry();
	ck_assert_int_eq(frame_restore(&mig, 3), 0);
	ck_assert_uint_eq(gm.ft.frames[3].degraded, 1);
	ck_assert(all_bytes(guest_mem_frame_hva(&gm, 3), 0));
	/* its ordinary pages go back, no hugepage */
	ck_assert_int_eq(frame_reclaim(&mig, 3, &test_ops, &owner_token), 0);
	ck_assert_uint_eq(gm.ft.frames[3].degraded, 0);
	ck_assert_uint_eq(frame_table_count_degraded(&gm.ft, per_node), 0);
}
END_TEST

static bool touched;

static void *touch_and_say(void *arg)
{
	touch(arg);
	__atomic_store_n(&touched, true, __ATOMIC_RELEASE);
	return NULL;
}

/* With the reader stopped, frame f is ballooned and a thread touches it:
 * the touch waits, its message queued for nobody. */
static void balloon_and_touch(uint32_t f, pthread_t *t)
{
	migrator_stop_reader(&mig);
	touched = false;
	ck_assert_int_eq(frame_reclaim(&mig, f, &test_ops, &owner_token), 1);
	pthread_create(t, NULL, touch_and_say, guest_mem_frame_hva(&gm, f));
}

/* A deflate restores frame f (the toucher goes on), then it is ballooned
 * again. */
static void deflate_and_balloon_again(uint32_t f)
{
	ck_assert_int_eq(frame_restore(&mig, f), 0);
	for (int i = 0; i < 200 && !__atomic_load_n(&touched, __ATOMIC_ACQUIRE); i++)
		usleep(10000);
	ck_assert_int_eq(frame_reclaim(&mig, f, &test_ops, &owner_token), 1);
}

/* A touch still unread when a deflate restores the frame goes with the
 * deflate's wake: when the frame is ballooned again, it does not come back
 * as a restore nobody asked for. */
START_TEST(unread_touch_goes_with_the_restore)
{
	pthread_t t;

	balloon_and_touch(4, &t);
	usleep(50000); /* its message is queued */
	deflate_and_balloon_again(4);
	migrator_read_faults(&mig); /* as the reader would, now */
	ck_assert_uint_eq(gm.ft.frames[4].state, FRAME_BALLOONED);
	ck_assert_int_eq(putbacks, 0);
	ck_assert_uint_eq(mig.stats.touch_restored, 0);
	pthread_join(t, NULL);
}
END_TEST

/* A touch the reader read before the frame was restored and ballooned
 * again, but acts on after: stale by the frame's generation, dropped. */
START_TEST(touch_read_before_reballoon_is_dropped)
{
	struct uffd_msg msg;
	uint32_t seq0;
	pthread_t t;

	balloon_and_touch(4, &t);
	seq0 = __atomic_load_n(&mig.gen_seq, __ATOMIC_ACQUIRE);
	for (int i = 0; i < 200 && read(mig.uffd, &msg, sizeof(msg)) != sizeof(msg); i++)
		usleep(10000);
	deflate_and_balloon_again(4);
	migrator_handle_fault(&mig, &msg, seq0);
	ck_assert_uint_eq(gm.ft.frames[4].state, FRAME_BALLOONED);
	ck_assert_int_eq(putbacks, 0);
	ck_assert_uint_eq(mig.stats.stale_events, 1);
	pthread_join(t, NULL);
}
END_TEST

/* Once the reader is stopped, no owner hook runs: the VM stops it before
 * its devices (the owners) go, though a restore is pending. */
START_TEST(no_owner_hook_after_the_reader_stops)
{
	pthread_t t;

	ck_assert_int_eq(frame_reclaim(&mig, 5, &test_ops, &owner_token), 1);
	host_runs_dry();
	mig.inject.no_small_pages = true;
	pthread_create(&t, NULL, touch, guest_mem_frame_hva(&gm, 5));
	for (int i = 0; i < 200 && !mig.stats.restore_failures; i++)
		usleep(10000);
	ck_assert_uint_ge(mig.stats.restore_failures, 1);
	migrator_stop_reader(&mig);
	mig.inject.no_small_pages = false; /* the pending restore could now go */
	usleep(300000);
	ck_assert_int_eq(putbacks, 0);
	ck_assert_uint_eq(gm.ft.frames[5].state, FRAME_BALLOONED);
	/* let the toucher go */
	ck_assert_int_eq(frame_fault_restore(&mig, 5), 0);
	pthread_join(t, NULL);
}
END_TEST

START_TEST(ballooned_frames_move_without_copy)
{
	uint32_t frames[] = { 1, 2, 3 };
	struct migrate_result r;

	ck_assert_int_eq(frame_reclaim(&mig, 2, &test_ops, &owner_token), 1);
	ck_assert_int_eq(migrate_frames(&mig, frames, 3, 1, MIGRATE_SYNC, MR_USER, &r), 0);
	ck_assert_uint_eq(r.moved, 3);
	ck_assert_uint_eq(r.nocopy, 1);
	ck_assert_uint_eq(r.bytes, 2 * FRAME_SIZE);
	ck_assert_uint_eq(gm.ft.frames[2].node, 1);
	ck_assert_uint_eq(gm.ft.frames[2].state, FRAME_BALLOONED);
	ck_assert(all_bytes(guest_mem_frame_hva(&gm, 1), 0xa1));
	/* its page now comes from node 1 */
	ck_assert_int_eq(frame_restore(&mig, 2), 0);
	ck_assert_uint_eq(gm.ft.frames[2].node, 1);
	ck_assert_uint_eq(gm.ft.node_list[1].count, 3);
}
END_TEST

/* With neither a hugepage nor ordinary pages, a restore fails cleanly. */
START_TEST(restore_without_any_page_fails_cleanly)
{
	ck_assert_int_eq(frame_reclaim(&mig, 0, &test_ops, &owner_token), 1);
	host_runs_dry();
	mig.inject.no_small_pages = true;
	ck_assert_int_eq(frame_restore(&mig, 0), -ENOMEM);
	ck_assert_uint_eq(gm.ft.frames[0].state, FRAME_BALLOONED);
	ck_assert_ptr_eq(gm.ft.frames[0].ops, &test_ops);
}
END_TEST

/* copy-baseline reads every mapped frame's page while the balloon may punch
 * pages out (finding 5): it must look at a frame's state and copy its page
 * under the frame table lock. Else a punched page is read back in, and the
 * host holds memory the pool counts as returned, which only the kernel's
 * view of the pool file shows (SEEK_DATA finds data in the hole). */
static volatile bool baseline_stop;

static void *baseline_loop(void *arg)
{
	double secs;

	/* the pause lets the test's thread take the lock: glibc mutexes are
	 * not fair, and a loop that relocks at once starves it on 2 cores */
	while (!baseline_stop) {
		migrate_copy_baseline(&mig, 1, &secs);
		usleep(20);
	}
	return arg;
}

static bool slot_has_data(const struct pool *p, uint32_t slot)
{
	off_t start = (off_t)pool_slot_offset(slot);
	off_t data = lseek(p->fd, start, SEEK_DATA);

	return data >= 0 && data < start + (off_t)FRAME_SIZE;
}

START_TEST(copy_baseline_never_reads_a_returned_page)
{
	pthread_t t;
	int leaked = 0;
	/* a time, not a count: ASan or a loaded host must not turn it into a
	 * timeout; without the lock it failed 5 runs of 6 within 3 s here */
	double end = now_monotonic() + 5;

	baseline_stop = false;
	ck_assert_int_eq(pthread_create(&t, NULL, baseline_loop, NULL), 0);
	for (int i = 0; !leaked && now_monotonic() < end; i++) {
		uint32_t k = (uint32_t)i % NFRAMES, slot = gm.ft.frames[k].slot;

		ck_assert_int_eq(frame_reclaim(&mig, k, &test_ops, &owner_token), 1);
		/* nothing but this loop's restore populates the slot again */
		leaked = slot_has_data(&gm.pools[0], slot);
		usleep(500); /* a baseline that copied frame k unlocked is still at it */
		leaked |= slot_has_data(&gm.pools[0], slot);
		ck_assert_int_eq(frame_restore(&mig, k), 0);
	}
	baseline_stop = true;
	pthread_join(t, NULL);
	ck_assert_msg(!leaked, "copy-baseline read a returned page back into the pool file");
}
END_TEST

/* --no-prealloc: the guest touched frames 0-3 only */
static void setup_lazy(void)
{
	struct guest_mem_config cfg;
	char err[256];

	ck_assert_int_eq(sim_guest_config(&cfg, NFRAMES * FRAME_SIZE, 2, "bind:0", 1, err, sizeof(err)), 0);
	cfg.lazy = true;
	ck_assert_msg(sim_guest_build_config(&gm, &mig, &cfg, 1, err, sizeof(err)) == 0, "%s", err);
	for (uint32_t f = 0; f < 4; f++)
		memset(guest_mem_frame_hva(&gm, f), 0xa0 + f, FRAME_SIZE);
}

/* A lazy frame the guest touched gives its page back and counts; one it
 * never touched has none to give and does not; either comes back as a
 * zeroed page the pool populated. */
START_TEST(lazy_reclaim_counts_real_pages)
{
	struct pool *p = &gm.pools[0];
	uint64_t bytes = pool_file_bytes(p);

	ck_assert_uint_eq(bytes, 4 * FRAME_SIZE); /* touched (node 0 has no room for a reserve) */
	ck_assert_int_eq(frame_reclaim(&mig, 1, &test_ops, &owner_token), 1);
	ck_assert_uint_eq(p->pages_returned, 1);
	ck_assert_uint_eq(p->nlazy, NFRAMES - 1);
	ck_assert_uint_eq(pool_file_bytes(p), bytes - FRAME_SIZE);
	/* never touched: ballooned, but no hugepage went back */
	ck_assert_int_eq(frame_reclaim(&mig, 6, &test_ops, &owner_token), 0);
	ck_assert_uint_eq(p->pages_returned, 1);
	ck_assert_uint_eq(p->nlazy, NFRAMES - 2);
	ck_assert_uint_eq(pool_file_bytes(p), bytes - FRAME_SIZE);
	ck_assert_uint_eq(mig.stats.reclaimed, 2);
	ck_assert_int_eq(frame_restore(&mig, 6), 0);
	ck_assert_uint_eq(p->populated[gm.ft.frames[6].slot], POOL_SLOT_PAGE);
	ck_assert(all_bytes(guest_mem_frame_hva(&gm, 6), 0));
	ck_assert(all_bytes(guest_mem_frame_hva(&gm, 2), 0xa2));
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("reclaim");
	TCase *tc = tcase_create("frames");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, reclaim_returns_the_page);
	tcase_add_test(tc, restore_gives_zeroed_page);
	tcase_add_test(tc, touch_puts_back);
	tcase_add_test(tc, touch_tells_owner_after_mapping);
	tcase_add_test(tc, owner_marked_only_after_the_map);
	tcase_add_test(tc, restore_has_a_reserve);
	tcase_add_test(tc, degraded_frame_returns_to_hugepages);
	tcase_add_test(tc, deflated_degraded_frame_returns);
	tcase_add_test(tc, degraded_frame_reclaims);
	tcase_add_test(tc, unread_touch_goes_with_the_restore);
	tcase_add_test(tc, touch_read_before_reballoon_is_dropped);
	tcase_add_test(tc, no_owner_hook_after_the_reader_stops);
	tcase_add_test(tc, ballooned_frames_move_without_copy);
	tcase_add_test(tc, restore_without_any_page_fails_cleanly);
	tcase_add_test(tc, copy_baseline_never_reads_a_returned_page);
	suite_add_tcase(s, tc);
	tc = tcase_create("lazy");
	tcase_add_checked_fixture(tc, setup_lazy, teardown);
	tcase_add_test(tc, lazy_reclaim_counts_real_pages);
	suite_add_tcase(s, tc);
	return s;
}
