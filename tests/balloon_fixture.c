/* balloon_fixture.c - the guest, balloon and driver the balloon unit tests
 * share (balloon_fixture.h). */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "tests/balloon_fixture.h"
#include "tests/sim_guest.h"

#define BASE 0xC0000000ULL

struct guest_mem gm;
struct migrator mig;
struct balloon *b;
struct virtio_mmio *t;
struct vdrv_queue q_infl, q_defl, q_stats, q_rep;

/* No Check assertion here: it is called per word, and each assertion
 * costs a write to Check's log. */
uint8_t *hva(uint64_t gpa)
{
	return guest_mem_gpa_to_hva(&gm, gpa, 1);
}

static uint64_t word_pattern(uint64_t gpa)
{
	return gpa * 0x9e3779b97f4a7c15ULL + 1;
}

/* Frames 1..NFRAMES-1 (a larger guest's others stay untouched) */
static void fill_frames(void)
{
	for (uint64_t gpa = FRAME_SIZE; gpa < NFRAMES * FRAME_SIZE; gpa += 8)
		*(uint64_t *)hva(gpa) = word_pattern(gpa);
}

bool page_is_pattern(uint32_t pfn)
{
	uint64_t gpa = (uint64_t)pfn << 12;

	for (uint64_t off = 0; off < 4096; off += 8)
		if (*(uint64_t *)hva(gpa + off) != word_pattern(gpa + off))
			return false;
	return true;
}

/* Hash of frames 1.. that are mapped (frame 0 holds the rings). */
uint64_t ram_hash(void)
{
	uint64_t h = 0;

	for (uint32_t f = 1; f < NFRAMES; f++) {
		const uint64_t *w = (const uint64_t *)guest_mem_frame_hva(&gm, f);

		if (gm.ft.frames[f].state != FRAME_MAPPED)
			continue;
		for (size_t i = 0; i < FRAME_SIZE / 8; i++)
			h = (h ^ w[i]) * 0x100000001b3ULL;
	}
	return h;
}

static void setup_guest(uint32_t nframes, pool_populate_fn populate, bool lazy)
{
	struct guest_mem_config cfg;
	char err[256] = "";

	ck_assert_msg(sim_guest_config(&cfg, (uint64_t)nframes * FRAME_SIZE, SIM_GUEST_NODES, "interleave:0,1",
				       1, err, sizeof(err)) == 0, "%s", err);
	cfg.populate = populate;
	cfg.lazy = lazy;
	ck_assert_msg(sim_guest_build_config(&gm, &mig, &cfg, 1, err, sizeof(err)) == 0, "%s", err);
	b = balloon_create(&gm, &mig, BASE);
	ck_assert_ptr_nonnull(b);
	t = balloon_transport(b);
	fill_frames();
	/* where a test that does not call start() finds them */
	vdrv_queue_at(&q_infl, gm.hva, 0, QNUM, RING(0));
	vdrv_queue_at(&q_defl, gm.hva, 1, QNUM, RING(1));
	vdrv_queue_at(&q_stats, gm.hva, 2, QNUM, RING(2));
	vdrv_queue_at(&q_rep, gm.hva, 3, QNUM, RING(3));
}

static void setup(void)
{
	setup_guest(NFRAMES, NULL, false);
}

/* --no-prealloc: a frame's page comes with its first touch; frame NFRAMES,
 * past the pattern, is never touched */
static void setup_lazy(void)
{
	setup_guest(NFRAMES + 1, NULL, true);
}

/* pages come on first touch: only frames 0..NFRAMES-1 and what a test
 * touches take memory */
static void setup_high_ram(void)
{
	setup_guest(HIGH_RAM_FRAMES, sim_populate_lazy, false);
}

static void teardown(void)
{
	migrator_stop_reader(&mig); /* as the VM does: no putback after the balloon */
	balloon_destroy(b);
	migrator_destroy(&mig);
	guest_mem_destroy(&gm);
}

static TCase *tcase_with(Suite *s, const char *name, void (*setup_fn)(void))
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup_fn, teardown);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return tc;
}

TCase *balloon_tcase(Suite *s, const char *name)
{
	return tcase_with(s, name, setup);
}

TCase *balloon_tcase_high_ram(Suite *s, const char *name)
{
	return tcase_with(s, name, setup_high_ram);
}

TCase *balloon_tcase_lazy(Suite *s, const char *name)
{
	return tcase_with(s, name, setup_lazy);
}

void status(struct balloon_status *s)
{
	balloon_get_status(b, s);
}

/* ---- the driver ---- */

/* Queue n, fresh, with its rings at RING(n). */
void start_queue(struct vdrv_queue *q, unsigned n)
{
	vdrv_queue_start(t, q, gm.hva, n, QNUM, RING(n));
}

/* The queues features f give: inflate, deflate, then stats and reporting
 * numbered over the negotiated ones. */
void start_queues(uint64_t f)
{
	unsigned n = 0;

	start_queue(&q_infl, n++);
	start_queue(&q_defl, n++);
	if (f & F(VIRTIO_BALLOON_F_STATS_VQ))
		start_queue(&q_stats, n++);
	if (f & F(VIRTIO_BALLOON_F_REPORTING))
		start_queue(&q_rep, n++);
}

/* Negotiate f, start its queues, DRIVER_OK. */
void start(uint64_t f)
{
	ck_assert(vdrv_negotiate(t, f));
	start_queues(f);
	vdrv_driver_ok(t);
	ck_assert_uint_eq(vdrv_read(t, VIRTIO_MMIO_REG_STATUS), 0xf);
}

uint64_t array_slot(const struct vdrv_queue *q)
{
	return ARRAYS + (q->index * QNUM + q->avail_idx % QNUM) * 0x4000ULL;
}

/* Send one request of n PFNs on q; expect it to be used. */
void send(struct vdrv_queue *q, const uint32_t *pfns, unsigned n)
{
	uint64_t arr = array_slot(q);

	memcpy(hva(arr), pfns, n * 4);
	vdrv_add_buf(q, arr, n * 4, 0);
	vdrv_notify(t, q);
	ck_assert_uint_eq(vdrv_used_new(q), 1);
}

/* PFNs first.. first+n-1 on q, in requests of at most BALLOON_PFNS_MAX, as
 * Linux's driver sends them. */
void send_range(struct vdrv_queue *q, uint32_t first, unsigned n)
{
	uint32_t pfns[BALLOON_PFNS_MAX];

	for (unsigned done = 0, k; done < n; done += k) {
		k = n - done < BALLOON_PFNS_MAX ? n - done : BALLOON_PFNS_MAX;
		for (unsigned i = 0; i < k; i++)
			pfns[i] = first + done + i;
		send(q, pfns, k);
	}
}
