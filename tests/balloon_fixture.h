/* balloon_fixture.h - what the balloon unit tests (check_balloon.c, the host
 * side and bad PFNs; check_balloon_device.c, the device) share: guest RAM as
 * a guest_mem on shmem pools of 2 simulated nodes (tests/sim_guest.h) with
 * the real migrator (its userfaultfd reader restores a ballooned frame the
 * "guest" touches), the balloon over it, and the driver the tests play
 * (tests/virtio_driver.h) through the MMIO registers, with rings and PFN
 * arrays in frame 0. Frames 1..NFRAMES-1 hold a pattern, so any page the
 * device zeroes or gives back that it should not shows up. Uses Check: a
 * step that goes wrong fails the test. */
#ifndef FRAMESHIFT_TESTS_BALLOON_FIXTURE_H
#define FRAMESHIFT_TESTS_BALLOON_FIXTURE_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>

#include "balloon/balloon.h"
#include "mm/migrate.h"
#include "tests/virtio_driver.h"

#define NFRAMES 16
/* balloon_tcase_high_ram's guest: 3 GiB + 8 MiB, frames 1536..1539 above
 * the MMIO hole, at GPA 4 GiB.. */
#define HIGH_RAM_FRAMES (1536 + 4)
#define PPF BALLOON_PAGES_PER_FRAME /* 512 */
#define RING(q) (0x10000ULL + (q) * 0x4000ULL) /* queue q's rings */
#define ARRAYS 0x40000ULL                      /* 16 KiB per request slot */
#define QNUM 16

#define F(bit) VIRTIO_BIT(bit)
#define ALL_FEATURES (F(VIRTIO_F_VERSION_1) | F(VIRTIO_BALLOON_F_MUST_TELL_HOST) | \
		      F(VIRTIO_BALLOON_F_STATS_VQ) | F(VIRTIO_BALLOON_F_DEFLATE_ON_OOM) | \
		      F(VIRTIO_BALLOON_F_REPORTING))

extern struct guest_mem gm;
extern struct migrator mig;
extern struct balloon *b;
extern struct virtio_mmio *t;

/* the driver's queues: inflate, deflate, stats, reporting */
extern struct vdrv_queue q_infl, q_defl, q_stats, q_rep;

/* A test case of s, named name, whose every test runs on a fresh guest,
 * balloon and queues: of NFRAMES frames, of HIGH_RAM_FRAMES, or of
 * NFRAMES + 1 with --no-prealloc (the last frame never touched). */
TCase *balloon_tcase(Suite *s, const char *name);
TCase *balloon_tcase_high_ram(Suite *s, const char *name);
TCase *balloon_tcase_lazy(Suite *s, const char *name);

/* Where guest address gpa lies in this process. */
uint8_t *hva(uint64_t gpa);

/* Does page pfn still hold its pattern? (reads only mapped frames: reading
 * a ballooned one would fault it back) */
bool page_is_pattern(uint32_t pfn);

/* Hash of frames 1.. that are mapped (frame 0 holds the rings). */
uint64_t ram_hash(void);

/* The balloon's counters and state, as balloon_get_status gives them. */
void status(struct balloon_status *s);

/* ---- the driver ---- */

/* Queue n, fresh, with its rings at RING(n). */
void start_queue(struct vdrv_queue *q, unsigned n);

/* The queues features f give: inflate, deflate, then stats and reporting
 * numbered over the negotiated ones. */
void start_queues(uint64_t f);

/* Negotiate f, start its queues, DRIVER_OK. */
void start(uint64_t f);

/* Where q's next request puts its PFN array. */
uint64_t array_slot(const struct vdrv_queue *q);

/* Send one request of n PFNs on q; expect it to be used. */
void send(struct vdrv_queue *q, const uint32_t *pfns, unsigned n);

/* PFNs first.. first+n-1 on q, in requests of at most BALLOON_PFNS_MAX, as
 * Linux's driver sends them. */
void send_range(struct vdrv_queue *q, uint32_t first, unsigned n);

#endif
