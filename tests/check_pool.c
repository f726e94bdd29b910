/* check_pool.c - the per-node page pools (mm/pool.c) on plain shmem: no
 * hugepages, no NUMA, no KVM; check_guest_mem.c tests guest RAM built from
 * them. */
#include <check.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "mm/pool.h"
#include "tests/sim_guest.h"
#include "tests/unit.h"

START_TEST(pool_init_shmem)
{
	struct pool p;

	ck_assert_int_eq(pool_init(&p, 3, -1, POOL_SHMEM, 4), 0);
	ck_assert_int_ge(p.fd, 0);
	ck_assert_ptr_nonnull(p.view);
	ck_assert_uint_eq(p.node, 3);
	ck_assert_int_eq(p.host_node, -1);
	ck_assert_int_eq(p.backing, POOL_SHMEM);
	ck_assert_uint_eq(p.capacity, 4);
	ck_assert_uint_eq(p.nfree, 0);
	ck_assert_uint_eq(p.npopulated, 0);
	ck_assert_uint_eq(p.populate_failures, 0);
	ck_assert_uint_eq(p.pages_returned, 0);
	ck_assert_ptr_eq((void *)p.populate, (void *)pool_populate_host);
	for (uint32_t s = 0; s < 4; s++)
		ck_assert_uint_eq(p.populated[s], 0);
	/* nothing allocated yet */
	ck_assert_uint_eq(pool_file_bytes(&p), 0);
	ck_assert_ptr_eq(pool_slot_addr(&p, 2), p.view + 2 * FRAME_SIZE);
	ck_assert_uint_eq(pool_slot_offset(3), 3 * FRAME_SIZE);
	pool_destroy(&p);
	ck_assert_ptr_null(p.view);
	ck_assert_int_eq(p.fd, -1);
	ck_assert_ptr_null(p.free_stack);
	ck_assert_ptr_null(p.populated);
	/* destroying twice is harmless */
	pool_destroy(&p);
}
END_TEST

START_TEST(backing_names)
{
	ck_assert_str_eq(pool_backing_name(POOL_HUGETLB), "hugetlb-2M");
	ck_assert_str_eq(pool_backing_name(POOL_THP), "shmem-thp");
	ck_assert_str_eq(pool_backing_name(POOL_SHMEM), "shmem");
	ck_assert_str_eq(pool_backing_name((enum pool_backing)9), "?");
}
END_TEST

START_TEST(fill_and_get_distinct)
{
	struct pool p;
	uint32_t got[6];

	ck_assert_int_eq(pool_init(&p, 0, -1, POOL_SHMEM, 6), 0);
	ck_assert_uint_eq(pool_fill(&p, 3), 3);
	ck_assert_uint_eq(p.npopulated, 3);
	ck_assert_uint_eq(p.nfree, 3);
	ck_assert_uint_eq(pool_file_bytes(&p), 3 * FRAME_SIZE);
	for (uint32_t s = 0; s < 3; s++)
		ck_assert_uint_eq(p.populated[s], 1);
	ck_assert_uint_eq(p.populated[3], 0);

	for (int i = 0; i < 6; i++) {
		got[i] = pool_get_slot(&p);
		ck_assert_uint_lt(got[i], 6);
		ck_assert_uint_eq(p.populated[got[i]], 1);
		for (int j = 0; j < i; j++)
			ck_assert_uint_ne(got[i], got[j]);
		/* fresh pages are zero and writable */
		ck_assert(all_bytes_are(pool_slot_addr(&p, got[i]), FRAME_SIZE, 0));
		memset(pool_slot_addr(&p, got[i]), 0x40 + i, FRAME_SIZE);
	}
	/* the last three were populated on demand */
	ck_assert_uint_eq(p.npopulated, 6);
	ck_assert_uint_eq(p.nfree, 0);
	ck_assert_uint_eq(pool_file_bytes(&p), 6 * FRAME_SIZE);
	/* each slot kept its own data */
	for (int i = 0; i < 6; i++)
		ck_assert(all_bytes_are(pool_slot_addr(&p, got[i]), FRAME_SIZE, (uint8_t)(0x40 + i)));
	/* full: no more slots, no more pages */
	ck_assert_uint_eq(pool_get_slot(&p), FRAME_NONE);
	ck_assert_uint_eq(pool_fill(&p, 1), 0);
	ck_assert_uint_eq(p.npopulated, 6);
	ck_assert_uint_eq(p.populate_failures, 0);
	pool_destroy(&p);
}
END_TEST

START_TEST(fill_stops_at_capacity)
{
	struct pool p;

	ck_assert_int_eq(pool_init(&p, 0, -1, POOL_SHMEM, 4), 0);
	ck_assert_uint_eq(pool_fill(&p, 0), 0);
	ck_assert_uint_eq(p.npopulated, 0);
	ck_assert_uint_eq(pool_fill(&p, 100), 4);
	ck_assert_uint_eq(p.npopulated, 4);
	ck_assert_uint_eq(p.nfree, 4);
	ck_assert_uint_eq(pool_fill(&p, 1), 0);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_ne(pool_get_slot(&p), FRAME_NONE);
	ck_assert_uint_eq(pool_get_slot(&p), FRAME_NONE);
	pool_destroy(&p);
}
END_TEST

START_TEST(put_reuses)
{
	struct pool p;
	uint32_t a, b, c;

	ck_assert_int_eq(pool_init(&p, 0, -1, POOL_SHMEM, 4), 0);
	a = pool_get_slot(&p);
	b = pool_get_slot(&p);
	ck_assert_uint_ne(a, FRAME_NONE);
	ck_assert_uint_ne(b, FRAME_NONE);
	ck_assert_uint_ne(a, b);
	ck_assert_uint_eq(p.npopulated, 2);
	memset(pool_slot_addr(&p, a), 0x5a, 4096);

	pool_put_slot(&p, a);
	ck_assert_uint_eq(p.nfree, 1);
	c = pool_get_slot(&p);
	ck_assert_uint_eq(c, a); /* reused, no new page */
	ck_assert_uint_eq(p.npopulated, 2);
	ck_assert_uint_eq(p.populated[a], 1);
	ck_assert_uint_eq(pool_file_bytes(&p), 2 * FRAME_SIZE);
	/* the page stayed populated: its data is still there */
	ck_assert(all_bytes_are(pool_slot_addr(&p, c), 4096, 0x5a));
	pool_destroy(&p);
}
END_TEST

START_TEST(injected_populate_fails)
{
	struct pool p;
	uint32_t a, b;

	ck_assert_int_eq(pool_init(&p, 1, -1, POOL_SHMEM, 8), 0);
	sim_host_pages(2);
	p.populate = sim_populate;

	ck_assert_uint_eq(pool_fill(&p, 5), 2);
	ck_assert_uint_eq(sim_populate_calls, 3); /* stopped at the first failure */
	ck_assert_uint_eq(p.npopulated, 2);
	ck_assert_uint_eq(p.nfree, 2);
	ck_assert_uint_eq(p.populate_failures, 1);
	/* the failed slot is still a hole */
	ck_assert_uint_eq(p.populated[2], 0);
	ck_assert_uint_eq(pool_file_bytes(&p), 2 * FRAME_SIZE);

	a = pool_get_slot(&p);
	b = pool_get_slot(&p);
	ck_assert_uint_ne(a, FRAME_NONE);
	ck_assert_uint_ne(b, FRAME_NONE);
	ck_assert_uint_ne(a, b);
	ck_assert_uint_eq(pool_get_slot(&p), FRAME_NONE);
	ck_assert_uint_eq(p.populate_failures, 2);
	ck_assert_uint_eq(pool_get_slot(&p), FRAME_NONE);
	ck_assert_uint_eq(p.populate_failures, 3);
	ck_assert_uint_eq(p.npopulated, 2);
	ck_assert_uint_eq(p.nfree, 0);

	/* a slot put back is still handed out while the host is dry */
	pool_put_slot(&p, b);
	ck_assert_uint_eq(pool_get_slot(&p), b);
	ck_assert_uint_eq(p.populate_failures, 3);
	ck_assert_uint_eq(pool_fill(&p, 1), 0);
	ck_assert_uint_eq(p.populate_failures, 4);

	/* the host recovers */
	sim_host_pages(100);
	ck_assert_uint_eq(pool_fill(&p, 2), 2);
	ck_assert_uint_eq(p.npopulated, 4);
	ck_assert_uint_eq(p.populate_failures, 4);
	pool_destroy(&p);
}
END_TEST

START_TEST(release_punches_hole)
{
	struct pool p;
	uint32_t s, other, again;
	uint8_t *addr;

	ck_assert_int_eq(pool_init(&p, 0, -1, POOL_SHMEM, 4), 0);
	s = pool_get_slot(&p);
	other = pool_get_slot(&p);
	ck_assert_uint_ne(s, FRAME_NONE);
	ck_assert_uint_ne(other, FRAME_NONE);
	addr = pool_slot_addr(&p, s);
	memset(addr, 0xcc, FRAME_SIZE);
	memset(pool_slot_addr(&p, other), 0x33, FRAME_SIZE);
	ck_assert_uint_eq(p.npopulated, 2);
	ck_assert_uint_eq(pool_file_bytes(&p), 2 * FRAME_SIZE);

	ck_assert_int_eq(pool_release_slot(&p, s), 1);
	ck_assert_uint_eq(p.npopulated, 1);
	ck_assert_uint_eq(p.pages_returned, 1);
	ck_assert_uint_eq(p.populated[s], 0);
	/* the host got the page back ... */
	ck_assert_uint_eq(pool_file_bytes(&p), FRAME_SIZE);
	/* ... and the slot reads zero through the pool view */
	ck_assert(all_bytes_are(addr, FRAME_SIZE, 0));
	/* the neighbour is untouched */
	ck_assert(all_bytes_are(pool_slot_addr(&p, other), FRAME_SIZE, 0x33));

	/* the hole is populated again on demand (lowest hole first) */
	again = pool_get_slot(&p);
	ck_assert_uint_eq(again, s);
	ck_assert_uint_eq(p.populated[s], 1);
	ck_assert_uint_eq(p.npopulated, 2);
	ck_assert_uint_eq(pool_file_bytes(&p), 2 * FRAME_SIZE);
	ck_assert(all_bytes_are(addr, FRAME_SIZE, 0));
	memset(addr, 0x11, FRAME_SIZE);
	ck_assert(all_bytes_are(addr, FRAME_SIZE, 0x11));
	ck_assert_uint_eq(p.pages_returned, 1);
	pool_destroy(&p);
}
END_TEST

START_TEST(release_error_keeps_counters)
{
	struct pool p;
	uint32_t s;
	int fd;

	ck_assert_int_eq(pool_init(&p, 0, -1, POOL_SHMEM, 2), 0);
	s = pool_get_slot(&p);
	ck_assert_uint_ne(s, FRAME_NONE);
	fd = p.fd;
	p.fd = -1; /* fallocate fails with EBADF */
	ck_assert_int_eq(pool_release_slot(&p, s), -EBADF);
	p.fd = fd;
	ck_assert_uint_eq(p.npopulated, 1);
	ck_assert_uint_eq(p.pages_returned, 0);
	ck_assert_uint_eq(p.populated[s], 1);
	pool_destroy(&p);
}
END_TEST

/* --no-prealloc: a lazy slot allocates nothing until a page is made for it,
 * is never filled or handed out as a free slot, and keeps its state when
 * the host has no page to give. */
START_TEST(lazy_slot_page_on_demand)
{
	struct pool p;
	uint32_t lazy, filled, touched;

	ck_assert_int_eq(pool_init(&p, 0, -1, POOL_SHMEM, 4), 0);
	p.populate = sim_populate;
	sim_host_pages(1);
	lazy = pool_get_lazy_slot(&p);
	ck_assert_uint_eq(lazy, 0);
	ck_assert_uint_eq(p.populated[lazy], POOL_SLOT_LAZY);
	ck_assert_uint_eq(p.nlazy, 1);
	ck_assert_uint_eq(p.npopulated, 0);
	ck_assert_uint_eq(sim_populate_calls, 0);
	ck_assert_uint_eq(pool_file_bytes(&p), 0);
	ck_assert_uint_eq(pool_holes(&p), 3);
	/* filling skips it */
	ck_assert_uint_eq(pool_fill(&p, 1), 1);
	filled = pool_get_slot(&p);
	ck_assert_uint_eq(filled, 1);
	/* the host is dry: the slot stays lazy */
	ck_assert_int_eq(pool_slot_make_page(&p, lazy), -ENOMEM);
	ck_assert_uint_eq(p.populated[lazy], POOL_SLOT_LAZY);
	ck_assert_uint_eq(p.nlazy, 1);
	ck_assert_uint_eq(p.populate_failures, 1);
	sim_host_pages(1);
	ck_assert_int_eq(pool_slot_make_page(&p, lazy), 0);
	ck_assert_uint_eq(p.populated[lazy], POOL_SLOT_PAGE);
	ck_assert_uint_eq(p.nlazy, 0);
	ck_assert_uint_eq(p.npopulated, 2);
	ck_assert_uint_eq(pool_file_bytes(&p), 2 * FRAME_SIZE);
	/* a slot with a page needs nothing more */
	ck_assert_int_eq(pool_slot_make_page(&p, lazy), 0);
	ck_assert_uint_eq(sim_populate_calls, 1);
	/* a lazy slot the guest touched gives its page back on release */
	touched = pool_get_lazy_slot(&p);
	ck_assert_uint_eq(touched, 2);
	memset(pool_slot_addr(&p, touched), 0x42, FRAME_SIZE);
	ck_assert_uint_eq(pool_file_bytes(&p), 3 * FRAME_SIZE);
	ck_assert_int_eq(pool_release_slot(&p, touched), 1);
	ck_assert_uint_eq(p.nlazy, 0);
	ck_assert_uint_eq(p.npopulated, 2);
	ck_assert_uint_eq(p.populated[touched], POOL_SLOT_HOLE);
	ck_assert_uint_eq(pool_file_bytes(&p), 2 * FRAME_SIZE);
	ck_assert_uint_eq(p.pages_returned, 1);
	/* one never touched had no page: none goes back, none is counted */
	touched = pool_get_lazy_slot(&p);
	ck_assert_uint_ne(touched, FRAME_NONE);
	ck_assert_int_eq(pool_release_slot(&p, touched), 0);
	ck_assert_uint_eq(p.populated[touched], POOL_SLOT_HOLE);
	ck_assert_uint_eq(p.pages_returned, 1);
	ck_assert_uint_eq(pool_file_bytes(&p), 2 * FRAME_SIZE);
	pool_destroy(&p);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tp = tcase_create("pool");

	tcase_add_test(tp, pool_init_shmem);
	tcase_add_test(tp, backing_names);
	tcase_add_test(tp, fill_and_get_distinct);
	tcase_add_test(tp, fill_stops_at_capacity);
	tcase_add_test(tp, put_reuses);
	tcase_add_test(tp, injected_populate_fails);
	tcase_add_test(tp, release_punches_hole);
	tcase_add_test(tp, release_error_keeps_counters);
	tcase_add_test(tp, lazy_slot_page_on_demand);
	suite_add_tcase(s, tp);
	return s;
}
