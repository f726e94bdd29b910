/* check_coalesced.c - the walk of KVM's coalesced-write ring (vmm/coalesced.c)
 * without KVM: writes come out oldest first, across the ring's wrap, each
 * slot freed (first moved on) only after its write was handed over, an
 * empty ring gives nothing, and a first index out of range reads nothing. */
#include <check.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/coalesced.h"
#include "tests/unit.h"

struct seen {
	struct kvm_coalesced_mmio_ring *ring;
	uint64_t addr[512];
	uint8_t byte[512];
	uint32_t first_at_call[512];
	unsigned n;
};

static void record(void *arg, const struct kvm_coalesced_mmio *w)
{
	struct seen *s = arg;

	s->addr[s->n] = w->phys_addr;
	s->byte[s->n] = w->data[0];
	s->first_at_call[s->n] = s->ring->first;
	s->n++;
}

static struct kvm_coalesced_mmio_ring *new_ring(void)
{
	struct kvm_coalesced_mmio_ring *r = calloc(1, 4096);

	ck_assert_ptr_nonnull(r);
	return r;
}

/* KVM's side: one write of byte b to port 0x3f8 at last */
static void produce(struct kvm_coalesced_mmio_ring *r, uint32_t slots, uint8_t b)
{
	struct kvm_coalesced_mmio *w = &r->coalesced_mmio[r->last];

	memset(w, 0, sizeof(*w));
	w->phys_addr = 0x3f8;
	w->len = 1;
	w->pio = 1;
	w->data[0] = b;
	r->last = (r->last + 1) % slots;
}

START_TEST(coalesced_order_and_wrap)
{
	struct kvm_coalesced_mmio_ring *r = new_ring();
	uint32_t slots = coalesced_ring_slots();
	struct seen s = { .ring = r };

	/* one page of 24-byte entries after the two indices */
	ck_assert_uint_eq(slots, (4096 - 8) / 24);
	ck_assert_uint_eq(coalesced_ring_drain(r, slots, record, &s), 0);
	/* start near the end so that the writes wrap */
	r->first = r->last = slots - 3;
	for (unsigned i = 0; i < 10; i++)
		produce(r, slots, (uint8_t)('a' + i));
	ck_assert_uint_eq(coalesced_ring_drain(r, slots, record, &s), 10);
	ck_assert_uint_eq(s.n, 10);
	for (unsigned i = 0; i < 10; i++) {
		ck_assert_uint_eq(s.byte[i], 'a' + i);
		ck_assert_uint_eq(s.addr[i], 0x3f8);
		/* the slot is still KVM's-to-keep while it is read */
		ck_assert_uint_eq(s.first_at_call[i], (slots - 3 + i) % slots);
	}
	ck_assert_uint_eq(r->first, r->last);
	ck_assert_uint_eq(r->first, 7);
	/* a full ring (last one behind first) gives all slots - 1 writes */
	s.n = 0;
	for (unsigned i = 0; i < slots - 1; i++)
		produce(r, slots, (uint8_t)i);
	ck_assert_uint_eq(coalesced_ring_drain(r, slots, record, &s), slots - 1);
	for (unsigned i = 0; i < slots - 1; i++)
		ck_assert_uint_eq(s.byte[i], (uint8_t)i);
	free(r);
}
END_TEST

START_TEST(coalesced_bad_index)
{
	struct kvm_coalesced_mmio_ring *r = new_ring();
	uint32_t slots = coalesced_ring_slots();
	struct seen s = { .ring = r };

	r->first = slots + 5;
	r->last = 3;
	ck_assert_uint_eq(coalesced_ring_drain(r, slots, record, &s), 0);
	ck_assert_uint_eq(s.n, 0);
	free(r);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("coalesced");
	TCase *tc = tcase_create("ring");

	tcase_add_test(tc, coalesced_order_and_wrap);
	tcase_add_test(tc, coalesced_bad_index);
	suite_add_tcase(s, tc);
	return s;
}
