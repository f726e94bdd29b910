/* check_reclaim.c - ballooned frames without KVM: reclaim gives the page back,
 * a touch or a restore brings a zeroed page back, migration moves them free. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

	ck_assert_int_eq(frame_reclaim(&mig, 2, &test_ops, &owner_token), 0);
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
	ck_assert_int_eq(frame_reclaim(&mig, 5, &test_ops, &owner_token), 0);
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

	ck_assert_int_eq(frame_reclaim(&mig, 6, &test_ops, &owner_token), 0);
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
static bool heard_page_mapped, heard_locked, heard_other_done;
static pthread_t other_vcpu;
static bool other_done;

static void *other_vcpu_writes(void *arg)
{
	*(volatile uint8_t *)arg = 0x5a;
	__atomic_store_n(&other_done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Another vCPU writes the frame while the owner is being told: it must not
 * get through before the owner knows the frame is back. */
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
	pthread_create(&other_vcpu, NULL, other_vcpu_writes, hva + 3 * 4096);
	usleep(100000);
	heard_other_done = __atomic_load_n(&other_done, __ATOMIC_ACQUIRE);
}

static const struct frame_ops probing_ops = { .name = "test-probe", .putback = probing_putback };

START_TEST(touch_tells_owner_before_mapping)
{
	uint8_t *hva = guest_mem_frame_hva(&gm, 6);
	pthread_t t;

	ck_assert_int_eq(frame_reclaim(&mig, 6, &probing_ops, &owner_token), 0);
	pthread_create(&t, NULL, touch, hva);
	pthread_join(t, NULL);
	ck_assert_int_eq(putbacks, 1);
	pthread_join(other_vcpu, NULL);
	/* still ballooned, its new page not yet in the guest range, and the
	 * owner's own restore or reclaim cannot slip in (frame table lock) */
	ck_assert_uint_eq(heard_state, FRAME_BALLOONED);
	ck_assert(!heard_page_mapped);
	ck_assert(heard_locked);
	ck_assert(!heard_other_done);
	/* the other vCPU's write waited, then landed on the new page */
	ck_assert_uint_eq(gm.ft.frames[6].state, FRAME_MAPPED);
	ck_assert_ptr_null(gm.ft.frames[6].ops);
	ck_assert_uint_eq(hva[3 * 4096], 0x5a);
	hva[3 * 4096] = 0;
	ck_assert(all_bytes(hva, 0));
	ck_assert_uint_eq(mig.stats.touch_restored, 1);
}
END_TEST

START_TEST(ballooned_frames_move_without_copy)
{
	uint32_t frames[] = { 1, 2, 3 };
	struct migrate_result r;

	ck_assert_int_eq(frame_reclaim(&mig, 2, &test_ops, &owner_token), 0);
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

static int populate_never(struct pool *p, uint32_t slot)
{
	return -ENOSPC;
}

START_TEST(restore_without_pages_fails_cleanly)
{
	ck_assert_int_eq(frame_reclaim(&mig, 0, &test_ops, &owner_token), 0);
	for (unsigned n = 0; n < 2; n++) {
		gm.pools[n].populate = populate_never;
		gm.pools[n].nfree = 0; /* drop the spare pages from the free lists */
	}
	ck_assert_int_eq(frame_restore(&mig, 0), -ENOMEM);
	ck_assert_uint_eq(gm.ft.frames[0].state, FRAME_BALLOONED);
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
	tcase_add_test(tc, touch_tells_owner_before_mapping);
	tcase_add_test(tc, ballooned_frames_move_without_copy);
	tcase_add_test(tc, restore_without_pages_fails_cleanly);
	suite_add_tcase(s, tc);
	return s;
}
