/* check_migrate.c - the migration engine without KVM: guest RAM on shmem
 * pools of 2 simulated nodes, written and checked through its host mapping. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mm/migrate.h"
#include "tests/sim_guest.h"
#include "tests/unit.h"

#define NFRAMES 8

static struct guest_mem gm;
static struct migrator mig;

static void setup(void)
{
	sim_guest_init(&gm, &mig, NFRAMES, 2, 2);
}

static void teardown(void)
{
	migrator_destroy(&mig);
	guest_mem_destroy(&gm);
}

/* Fill each frame with a pattern unique to (frame, word, seed). */
static void fill(uint64_t seed)
{
	for (uint32_t f = 0; f < NFRAMES; f++) {
		uint64_t *w = (uint64_t *)guest_mem_frame_hva(&gm, f);

		for (size_t i = 0; i < FRAME_SIZE / 8; i++)
			w[i] = (f * 0x100000001b3ULL) ^ (i * 0x9e3779b97f4a7c15ULL) ^ seed;
	}
}

static uint64_t checksum(void)
{
	uint64_t sum = 0;
	const uint64_t *w = (const uint64_t *)gm.hva;

	for (size_t i = 0; i < gm.size / 8; i++)
		sum = sum * 31 + w[i];
	return sum;
}

static uint32_t all[NFRAMES] = { 0, 1, 2, 3, 4, 5, 6, 7 };

static void assert_all_on(unsigned node)
{
	uint32_t per_node[MAX_NODES], per_state[FRAME_NR_STATES];

	frame_table_count(&gm.ft, per_node, per_state);
	ck_assert_uint_eq(per_node[node], NFRAMES);
	ck_assert_uint_eq(per_state[FRAME_MAPPED], NFRAMES);
	ck_assert_uint_eq(gm.ft.node_list[node].count, NFRAMES);
}

START_TEST(moves_keep_contents)
{
	struct migrate_result r;
	uint64_t sum;

	fill(1);
	sum = checksum();
	ck_assert_int_eq(migrate_frames(&mig, all, NFRAMES, 1, MIGRATE_SYNC, MR_USER, &r), 0);
	ck_assert_uint_eq(r.moved, NFRAMES);
	ck_assert_uint_eq(r.failed + r.skipped, 0);
	ck_assert_uint_eq(r.bytes, NFRAMES * FRAME_SIZE);
	assert_all_on(1);
	ck_assert_uint_eq(checksum(), sum);
	/* the guest range now shows node 1's pages: a write lands in its pool */
	for (uint32_t f = 0; f < NFRAMES; f++) {
		struct frame *fr = &gm.ft.frames[f];

		guest_mem_frame_hva(&gm, f)[100] ^= 0xff;
		ck_assert_uint_eq(pool_slot_addr(&gm.pools[1], fr->slot)[100],
				  guest_mem_frame_hva(&gm, f)[100]);
	}
	fill(2);
	sum = checksum();
	ck_assert_int_eq(migrate_frames(&mig, all, NFRAMES, 0, MIGRATE_ASYNC, MR_NUMATUNE, &r), 0);
	ck_assert_uint_eq(r.moved, NFRAMES);
	assert_all_on(0);
	ck_assert_uint_eq(checksum(), sum);
	/* already there: skipped, nothing copied */
	ck_assert_int_eq(migrate_frames(&mig, all, 2, 0, MIGRATE_SYNC, MR_USER, &r), 0);
	ck_assert_uint_eq(r.skipped, 2);
	ck_assert_uint_eq(r.moved, 0);
	ck_assert_uint_eq(mig.stats.reason[MR_USER].moved, NFRAMES);
	ck_assert_uint_eq(mig.stats.reason[MR_NUMATUNE].moved, NFRAMES);
	ck_assert_uint_eq(mig.stats.reason[MR_USER].skipped, 2);
	ck_assert_uint_eq(mig.stats.node_in[1], NFRAMES);
	ck_assert_uint_eq(mig.stats.node_out[1], NFRAMES);
}
END_TEST

START_TEST(bad_arguments)
{
	struct migrate_result r;
	uint32_t bad[] = { 0, NFRAMES };

	ck_assert_int_eq(migrate_frames(&mig, all, 1, 2, MIGRATE_SYNC, MR_USER, &r), -EINVAL);
	ck_assert_int_eq(migrate_frames(&mig, bad, 2, 1, MIGRATE_SYNC, MR_USER, &r), -EINVAL);
	assert_all_on(0); /* rejected before anything moved */
}
END_TEST

/* An injected failure at each step puts every affected frame back. */
static void check_fault_at(enum migrate_step step, uint32_t nth, uint32_t want_failed)
{
	struct migrate_result r;
	uint64_t sum;
	uint32_t per_node[MAX_NODES], per_state[FRAME_NR_STATES];

	fill(step + 10);
	sum = checksum();
	mig.inject.fail_nth[step] = nth;
	ck_assert_int_eq(migrate_frames(&mig, all, NFRAMES, 1, MIGRATE_ASYNC, MR_USER, &r), 0);
	ck_assert_uint_eq(r.failed + r.skipped, want_failed);
	ck_assert_uint_eq(r.moved, NFRAMES - want_failed);
	ck_assert_uint_eq(r.moved + r.failed + r.skipped, r.requested);
	ck_assert_uint_eq(mig.stats.faults_injected[step], 1);
	ck_assert_uint_eq(checksum(), sum);
	frame_table_count(&gm.ft, per_node, per_state);
	ck_assert_uint_eq(per_state[FRAME_MAPPED], NFRAMES);
	ck_assert_uint_eq(per_node[0], want_failed);
	ck_assert_uint_eq(gm.ft.node_list[0].count, want_failed);
	ck_assert_uint_eq(gm.ft.node_list[1].count, NFRAMES - want_failed);
	/* no page leaked: every populated page backs a frame or is free */
	ck_assert_uint_eq(gm.pools[0].npopulated + gm.pools[1].npopulated,
			  gm.pools[0].nfree + gm.pools[1].nfree + NFRAMES);
	/* the frame that failed still works: writes reach its page on node 0 */
	for (uint32_t f = 0; f < NFRAMES; f++) {
		struct frame *fr = &gm.ft.frames[f];

		guest_mem_frame_hva(&gm, f)[7] = 0x5a;
		ck_assert_uint_eq(pool_slot_addr(&gm.pools[fr->node], fr->slot)[7], 0x5a);
	}
}

START_TEST(fault_isolate) { check_fault_at(MSTEP_ISOLATE, 3, 1); }
END_TEST
START_TEST(fault_target) { check_fault_at(MSTEP_TARGET, 4, 1); }
END_TEST
START_TEST(fault_unmap) { check_fault_at(MSTEP_UNMAP, 2, 1); }
END_TEST
START_TEST(fault_copy) { check_fault_at(MSTEP_COPY, 5, 1); }
END_TEST
START_TEST(fault_remap) { check_fault_at(MSTEP_REMAP, 8, 1); }
END_TEST

/* The target pool runs dry mid-batch: the frames without a page stay put,
 * and the pool's restore reserve stays too. */
static int populate_never(struct pool *p, uint32_t slot)
{
	return -ENOSPC;
}

START_TEST(target_pool_exhausted)
{
	struct migrate_result r;
	uint64_t sum;
	uint32_t spare = gm.pools[1].nfree;

	ck_assert_uint_lt(spare, NFRAMES);
	gm.pools[1].populate = populate_never;
	fill(77);
	sum = checksum();
	ck_assert_int_eq(migrate_frames(&mig, all, NFRAMES, 1, MIGRATE_SYNC, MR_USER, &r), 0);
	spare -= POOL_RESTORE_RESERVE;
	ck_assert_uint_eq(r.moved, spare);
	ck_assert_uint_eq(r.failed, NFRAMES - spare);
	ck_assert_uint_eq(checksum(), sum);
	ck_assert_uint_eq(gm.ft.node_list[0].count, NFRAMES - spare);
	ck_assert_uint_eq(mig.stats.putbacks, NFRAMES - spare);
	ck_assert_uint_eq(gm.pools[1].nfree, POOL_RESTORE_RESERVE);
}
END_TEST

/* A write to a frame under migration waits and then lands, once, on the
 * new page; the old page never sees it. */
struct writer {
	volatile uint64_t *addr;
	volatile int done;
};

static void *write_once(void *arg)
{
	struct writer *w = arg;

	*w->addr += 1;
	w->done = 1;
	return NULL;
}

static pthread_t writer_thread;
static struct writer writer;
static uint32_t old_slot;

static void hold_write(struct migrator *m, enum migrate_step step, const uint32_t *frames,
		       uint32_t n, void *arg)
{
	if (step != MSTEP_UNMAP)
		return;
	old_slot = gm.ft.frames[3].slot;
	writer.addr = (volatile uint64_t *)(guest_mem_frame_hva(&gm, 3) + 4096);
	pthread_create(&writer_thread, NULL, write_once, &writer);
	usleep(100 * 1000);
	ck_assert_msg(!writer.done, "a write went through a migration entry");
}

START_TEST(held_write_lands_once_on_new_page)
{
	struct migrate_result r;
	uint64_t before;

	fill(5);
	before = *(uint64_t *)(guest_mem_frame_hva(&gm, 3) + 4096);
	mig.trace = hold_write;
	ck_assert_int_eq(migrate_frames(&mig, &all[3], 1, 1, MIGRATE_SYNC, MR_USER, &r), 0);
	mig.trace = NULL;
	pthread_join(writer_thread, NULL);
	ck_assert_uint_eq(r.moved, 1);
	ck_assert_uint_ge(r.writes_held, 1);
	ck_assert(r.max_hold > 0.05);
	ck_assert_uint_eq(*(uint64_t *)(guest_mem_frame_hva(&gm, 3) + 4096), before + 1);
	ck_assert_uint_eq(*(uint64_t *)(pool_slot_addr(&gm.pools[1], gm.ft.frames[3].slot) + 4096),
			  before + 1);
	ck_assert_uint_eq(*(uint64_t *)(pool_slot_addr(&gm.pools[0], old_slot) + 4096), before);
}
END_TEST

/* The reader reads the held write's message during the move... */
static struct uffd_msg held_msg;
static uint32_t held_seq0;

static void hold_write_and_read(struct migrator *m, enum migrate_step step, const uint32_t *frames,
				uint32_t n, void *arg)
{
	hold_write(m, step, frames, n, arg);
	if (step != MSTEP_UNMAP)
		return;
	held_seq0 = __atomic_load_n(&m->gen_seq, __ATOMIC_ACQUIRE);
	ck_assert_int_eq(read(m->uffd, &held_msg, sizeof(held_msg)), sizeof(held_msg));
}

/* ... and acts on it only after the move finished: stale, dropped; it does
 * not count as a hold of the frame's next move. */
START_TEST(held_write_read_late_is_dropped)
{
	struct migrate_result r;

	migrator_stop_reader(&mig);
	mig.trace = hold_write_and_read;
	ck_assert_int_eq(migrate_frames(&mig, &all[3], 1, 1, MIGRATE_SYNC, MR_USER, &r), 0);
	mig.trace = NULL;
	pthread_join(writer_thread, NULL);
	ck_assert_uint_eq(r.moved, 1);
	migrator_handle_fault(&mig, &held_msg, held_seq0);
	ck_assert_uint_eq(mig.stats.stale_events, 1);
	ck_assert_uint_eq(mig.fault_time[3], 0);
	usleep(100 * 1000);
	ck_assert_int_eq(migrate_frames(&mig, &all[3], 1, 0, MIGRATE_SYNC, MR_USER, &r), 0);
	ck_assert_uint_eq(r.moved, 1);
	ck_assert(r.max_hold < 0.05);
	ck_assert(mig.stats.max_hold < 0.05);
}
END_TEST

/* How many of frame f's pages the kernel's page tables map in this process
 * now (/proc/self/pagemap, bit 63: present). Reading it touches nothing. */
static unsigned pages_present(uint32_t f)
{
	size_t psz = (size_t)sysconf(_SC_PAGESIZE), n = FRAME_SIZE / psz;
	uint64_t *e = calloc(n, sizeof(*e));
	int fd = open("/proc/self/pagemap", O_RDONLY);
	unsigned present = 0;

	ck_assert(e && fd >= 0);
	ck_assert_int_eq(pread(fd, e, n * sizeof(*e),
			       (off_t)((uintptr_t)guest_mem_frame_hva(&gm, f) / psz * sizeof(*e))),
			 (ssize_t)(n * sizeof(*e)));
	for (size_t i = 0; i < n; i++)
		present += (unsigned)(e[i] >> 63);
	close(fd);
	free(e);
	return present;
}

static unsigned present_at_remap[2];

static void count_present_at_remap(struct migrator *m, enum migrate_step step,
				   const uint32_t *frames, uint32_t n, void *arg)
{
	(void)m; (void)arg;
	if (step == MSTEP_REMAP)
		for (uint32_t i = 0; i < n && i < 2; i++)
			present_at_remap[i] = pages_present(frames[i]);
}

/* A moved frame's new page is in the host page tables, writable, when the
 * remap phase ends, before held writers wake: nobody refaults it. */
START_TEST(moved_frame_mapped_before_wake)
{
	unsigned want = (unsigned)(FRAME_SIZE / (size_t)sysconf(_SC_PAGESIZE));
	struct migrate_result r;

	/* frameshift needs Linux 5.19 (userfaultfd write-protect on hugetlb and
	 * shmem), which has it (5.14) */
	ck_assert_msg(mig.populate_write, "MADV_POPULATE_WRITE probed as missing");

	/* untouched since set-up: the check can tell a mapped frame apart */
	ck_assert_uint_eq(pages_present(0), 0);
	mig.trace = count_present_at_remap;
	ck_assert_int_eq(migrate_frames(&mig, all, 2, 1, MIGRATE_SYNC, MR_USER, &r), 0);
	mig.trace = NULL;
	ck_assert_uint_eq(r.moved, 2);
	ck_assert_uint_eq(present_at_remap[0], want);
	ck_assert_uint_eq(present_at_remap[1], want);
	ck_assert_uint_eq(pages_present(0), want);
	ck_assert_uint_eq(pages_present(2), 0); /* did not move */
}
END_TEST

/* --no-prealloc: frames on node 0 with lazy slots, node 1's pool holding a
 * page for each. */
static void setup_lazy(void)
{
	struct guest_mem_config cfg;
	char err[256];

	ck_assert_int_eq(sim_guest_config(&cfg, NFRAMES * FRAME_SIZE, 2, "bind:0", NFRAMES, err,
					  sizeof(err)), 0);
	cfg.lazy = true;
	ck_assert_msg(sim_guest_build_config(&gm, &mig, &cfg, 2, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(gm.pools[0].nlazy, NFRAMES);
	ck_assert_uint_eq(gm.pools[0].npopulated, 0);
	ck_assert_uint_eq(gm.pools[1].nfree, NFRAMES);
}

/* Half the frames touched by the guest, half never: all move with their
 * contents, each source getting its page before the copy reads it. */
START_TEST(lazy_frames_move)
{
	struct migrate_result r;
	uint64_t sum;

	for (uint32_t f = 0; f < NFRAMES; f += 2)
		memset(guest_mem_frame_hva(&gm, f), 0x30 + (int)f, FRAME_SIZE);
	sum = checksum(); /* (its reads give shmem pages; the slots stay lazy) */
	ck_assert_int_eq(migrate_frames(&mig, all, NFRAMES, 1, MIGRATE_SYNC, MR_USER, &r), 0);
	ck_assert_uint_eq(r.moved, NFRAMES);
	assert_all_on(1);
	ck_assert_uint_eq(checksum(), sum);
	ck_assert_uint_eq(gm.pools[0].nlazy, 0);
	ck_assert_uint_eq(gm.pools[0].npopulated, NFRAMES); /* the sources, now free */
	ck_assert_uint_eq(gm.pools[0].nfree, NFRAMES);
}
END_TEST

/* The host has no page for a lazy source: nothing moves, nothing is lost,
 * the frames stay lazy on node 0 and node 1 keeps its pages. */
START_TEST(lazy_source_without_page_stays)
{
	struct migrate_result r;
	uint64_t sum;

	memset(guest_mem_frame_hva(&gm, 3), 0x77, FRAME_SIZE);
	sum = checksum();
	gm.pools[0].populate = sim_populate;
	sim_host_pages(0);
	ck_assert_int_eq(migrate_frames(&mig, all, NFRAMES, 1, MIGRATE_SYNC, MR_USER, &r), 0);
	ck_assert_uint_eq(r.moved, 0);
	ck_assert_uint_eq(r.failed, NFRAMES);
	assert_all_on(0);
	ck_assert_uint_eq(checksum(), sum);
	ck_assert_uint_eq(gm.pools[0].nlazy, NFRAMES);
	ck_assert_uint_eq(gm.pools[1].nfree, NFRAMES);
	ck_assert_uint_eq(guest_mem_frame_hva(&gm, 3)[FRAME_SIZE - 1], 0x77);
}
END_TEST

/* ---- runs: adjacent frames move with one call per phase ----
 * The test binary is linked with --wrap=mmap and --wrap=ioctl
 * (tests/local.mk): these count the engine's fixed mappings and userfaultfd
 * registrations, and fail one where a test asks. */
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int __real_ioctl(int fd, unsigned long req, void *arg);

static unsigned fixed_maps, registers;
static bool fail_fixed_map, fail_register;

/* A failing MAP_FIXED drops the old mapping first, as the kernel may */
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (flags & MAP_FIXED) {
		fixed_maps++;
		if (fail_fixed_map) {
			fail_fixed_map = false;
			__real_mmap(addr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			errno = ENOMEM;
			return MAP_FAILED;
		}
	}
	return __real_mmap(addr, len, prot, flags, fd, off);
}

int __wrap_ioctl(int fd, unsigned long req, void *arg)
{
	if (req == UFFDIO_REGISTER) {
		registers++;
		if (fail_register) {
			fail_register = false;
			errno = EINVAL;
			return -1;
		}
	}
	return __real_ioctl(fd, req, arg);
}

/* How many mappings (/proc/self/maps lines) guest RAM is now. */
static unsigned guest_mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	uintptr_t lo = (uintptr_t)gm.hva, hi = lo + gm.size, a, b;
	char line[512];
	unsigned n = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &a, &b) == 2 && a < hi && b > lo)
			n++;
	fclose(f);
	return n;
}

static void counters_reset(void)
{
	fixed_maps = registers = 0;
	fail_fixed_map = fail_register = false;
}

/* Eight adjacent frames: one write-protect registration and one mmap; their
 * new pages sit on adjacent slots, so the kernel shows guest RAM as one
 * mapping of node 1's pool (it was one per frame, from set-up). */
START_TEST(a_run_moves_with_one_call_per_phase)
{
	struct migrate_result r;
	uint64_t sum;

	fill(21);
	sum = checksum();
	/* node 1's pages made beforehand, as many as it holds: a stack, they
	 * come out highest first */
	pool_fill(&gm.pools[1], NFRAMES);
	ck_assert_uint_ge(gm.pools[1].nfree, NFRAMES);
	ck_assert_uint_gt(guest_mappings(), 1);
	counters_reset();
	ck_assert_int_eq(migrate_frames(&mig, all, NFRAMES, 1, MIGRATE_SYNC, MR_USER, &r), 0);
	ck_assert_uint_eq(r.moved, NFRAMES);
	ck_assert_uint_eq(registers, 1);
	ck_assert_uint_eq(fixed_maps, 1);
	ck_assert_uint_eq(guest_mappings(), 1);
	for (uint32_t f = 1; f < NFRAMES; f++)
		ck_assert_uint_eq(gm.ft.frames[f].slot, gm.ft.frames[0].slot + f);
	ck_assert_uint_eq(checksum(), sum);
	/* two runs: frames 0-2 and 5-7 */
	uint32_t two[] = { 0, 1, 2, 5, 6, 7 };

	counters_reset();
	ck_assert_int_eq(migrate_frames(&mig, two, 6, 0, MIGRATE_SYNC, MR_USER, &r), 0);
	ck_assert_uint_eq(r.moved, 6);
	ck_assert_uint_eq(registers, 2);
	ck_assert_uint_eq(fixed_maps, 2);
	ck_assert_uint_eq(checksum(), sum);
}
END_TEST

/* The mmap of a run fails after dropping the old mappings: every frame of
 * the run is put back, mapped on its old page, contents intact. */
START_TEST(a_failed_run_remap_puts_every_frame_back)
{
	struct migrate_result r;
	uint64_t sum;

	fill(22);
	sum = checksum();
	counters_reset();
	fail_fixed_map = true;
	ck_assert_int_eq(migrate_frames(&mig, all, NFRAMES, 1, MIGRATE_ASYNC, MR_USER, &r), 0);
	ck_assert_uint_eq(r.moved, 0);
	ck_assert_uint_eq(r.failed, NFRAMES);
	ck_assert_uint_eq(mig.stats.putbacks, NFRAMES);
	assert_all_on(0);
	ck_assert_uint_eq(checksum(), sum);
	ck_assert_uint_eq(gm.pools[0].npopulated + gm.pools[1].npopulated,
			  gm.pools[0].nfree + gm.pools[1].nfree + NFRAMES);
	for (uint32_t f = 0; f < NFRAMES; f++) {
		guest_mem_frame_hva(&gm, f)[9] = 0xa5;
		ck_assert_uint_eq(pool_slot_addr(&gm.pools[0], gm.ft.frames[f].slot)[9], 0xa5);
	}
}
END_TEST

/* The run's registration fails: each frame is tried alone, and moves. */
START_TEST(a_failed_run_entry_is_tried_frame_by_frame)
{
	struct migrate_result r;
	uint64_t sum;

	fill(23);
	sum = checksum();
	counters_reset();
	fail_register = true;
	ck_assert_int_eq(migrate_frames(&mig, all, NFRAMES, 1, MIGRATE_ASYNC, MR_USER, &r), 0);
	ck_assert_uint_eq(registers, 1 + NFRAMES);
	ck_assert_uint_eq(r.moved, NFRAMES);
	assert_all_on(1);
	ck_assert_uint_eq(checksum(), sum);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("migrate");
	TCase *tc = tcase_create("engine");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, moves_keep_contents);
	tcase_add_test(tc, bad_arguments);
	tcase_add_test(tc, fault_isolate);
	tcase_add_test(tc, fault_target);
	tcase_add_test(tc, fault_unmap);
	tcase_add_test(tc, fault_copy);
	tcase_add_test(tc, fault_remap);
	tcase_add_test(tc, target_pool_exhausted);
	tcase_add_test(tc, held_write_lands_once_on_new_page);
	tcase_add_test(tc, held_write_read_late_is_dropped);
	tcase_add_test(tc, moved_frame_mapped_before_wake);
	suite_add_tcase(s, tc);
	tc = tcase_create("lazy");
	tcase_add_checked_fixture(tc, setup_lazy, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, lazy_frames_move);
	tcase_add_test(tc, lazy_source_without_page_stays);
	suite_add_tcase(s, tc);
	tc = tcase_create("runs");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, a_run_moves_with_one_call_per_phase);
	tcase_add_test(tc, a_failed_run_remap_puts_every_frame_back);
	tcase_add_test(tc, a_failed_run_entry_is_tried_frame_by_frame);
	suite_add_tcase(s, tc);
	return s;
}
