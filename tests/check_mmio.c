/* check_mmio.c - the virtio-mmio transport without KVM: a fake device behind
 * it, guest RAM a plain buffer, and the test as the driver writing its
 * registers and rings (tests/virtio_driver.h). Every register misuse is
 * counted by its kind; a queue set up wrong or broken stops the device
 * (NEEDS_RESET) and leaves guest memory as it was. */
#include <check.h>
#include <libfdt.h>
#include <string.h>

#include "lib/util.h"
#include "virtio/mmio.h"
#include "tests/virtio_driver.h"
#include "tests/unit.h"

#define RAM_SIZE (1u << 20)
#define DESC 0x1000
#define AVAIL (DESC + VDRV_AVAIL_OFF)
#define USED (DESC + VDRV_USED_OFF)
#define BUF 0x10000
#define T_BASE 0xC0000000ULL

static struct vdrv_ram guest;
static struct vdrv_queue drv;
static struct vq_buf bufs[VIRTQ_DEV_MAX_SIZE];

static struct virtio_mmio t;
static unsigned notified[4], driver_oks, resets;
static uint8_t cfg[8];

static unsigned fake_num_queues(struct virtio_mmio *tr, uint64_t f)
{
	return 2;
}

static void fake_cfg_read(struct virtio_mmio *tr, uint32_t off, uint8_t *data, uint32_t len)
{
	memcpy(data, cfg + off, len);
}

static void fake_cfg_write(struct virtio_mmio *tr, uint32_t off, const uint8_t *data, uint32_t len)
{
	memcpy(cfg + off, data, len);
}

static void fake_notify(struct virtio_mmio *tr, unsigned q)
{
	struct vq_chain c = { .buf = bufs, .cap = VIRTQ_DEV_MAX_SIZE };

	notified[q]++;
	while (virtio_mmio_pop(tr, q, &c) > 0)
		virtio_mmio_push(tr, q, c.head, 0);
}

static void fake_driver_ok(struct virtio_mmio *tr)
{
	driver_oks++;
}

static void fake_reset(struct virtio_mmio *tr)
{
	resets++;
}

static const struct virtio_device_ops fake_ops = {
	.name = "fake",
	.device_id = 42,
	.features = 1ULL << 3,
	.queue_num_max = 64,
	.config_size = sizeof(cfg),
	.num_queues = fake_num_queues,
	.config_read = fake_cfg_read,
	.config_write = fake_cfg_write,
	.driver_ok = fake_driver_ok,
	.notify = fake_notify,
	.reset = fake_reset,
};

static void setup(void)
{
	ck_assert_int_eq(vdrv_ram_init(&guest, RAM_SIZE, BUF), 0);
	vdrv_queue_at(&drv, guest.bytes, 0, 8, DESC);
	memset(notified, 0, sizeof(notified));
	driver_oks = resets = 0;
	memset(cfg, 0, sizeof(cfg));
	virtio_mmio_init(&t, &fake_ops, NULL, T_BASE, &guest.mem);
}

static void teardown(void)
{
	virtio_mmio_destroy(&t);
	vdrv_ram_destroy(&guest);
}

#define V1 VIRTIO_BIT(VIRTIO_F_VERSION_1)

START_TEST(identity_and_features)
{
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_MAGIC), 0x74726976);
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_VERSION), 2);
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_DEVICE_ID), 42);
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_VENDOR_ID), VIRTIO_MMIO_VENDOR);
	vdrv_write(&t, VIRTIO_MMIO_REG_DEVICE_FEATURES_SEL, 0);
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_DEVICE_FEATURES), (1u << 3) | (1u << VIRTIO_RING_F_EVENT_IDX));
	vdrv_write(&t, VIRTIO_MMIO_REG_DEVICE_FEATURES_SEL, 1);
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_DEVICE_FEATURES), 1); /* VERSION_1 */
	vdrv_write(&t, VIRTIO_MMIO_REG_DEVICE_FEATURES_SEL, 2);
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_DEVICE_FEATURES), 0);
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_SHM_LEN_LOW), 0xffffffff); /* no shared memory */
	vdrv_negotiate(&t, V1 | (1u << 3));
	ck_assert(vdrv_read(&t, VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_FEATURES_OK);
	ck_assert_uint_eq(t.features, V1 | (1u << 3));
	vdrv_write(&t, VIRTIO_MMIO_REG_DRIVER_FEATURES, 0); /* too late */
	ck_assert_uint_eq(t.errors[VMMIO_ERR_LATE_FEATURES], 1);
	ck_assert_uint_eq(t.features, V1 | (1u << 3));
}
END_TEST

/* Features the device refuses: FEATURES_OK does not stick, and DRIVER_OK
 * without it is refused too. */
static const uint64_t refused_features[] = {
	1u << 3,        /* a legacy driver: no VERSION_1 */
	V1 | (1u << 5), /* a feature that was not offered */
};

START_TEST(features_refused)
{
	ck_assert(!vdrv_negotiate(&t, refused_features[_i]));
	ck_assert(!(vdrv_read(&t, VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_FEATURES_OK));
	ck_assert_uint_eq(t.errors[VMMIO_ERR_FEATURES], 1);
	vdrv_driver_ok(&t);
	ck_assert(!(vdrv_read(&t, VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_DRIVER_OK));
	ck_assert_uint_eq(t.errors[VMMIO_ERR_STATUS], 1);
	ck_assert_uint_eq(driver_oks, 0);
}
END_TEST

START_TEST(register_access_width)
{
	uint16_t v16 = 0xffff;
	uint32_t v32 = 0xffffffff;

	virtio_mmio_access(&t, VIRTIO_MMIO_REG_MAGIC, (uint8_t *)&v16, 2, false);
	ck_assert_uint_eq(v16, 0);
	virtio_mmio_access(&t, VIRTIO_MMIO_REG_MAGIC + 1, (uint8_t *)&v32, 4, false);
	ck_assert_uint_eq(v32, 0);
	ck_assert_uint_eq(t.errors[VMMIO_ERR_ACCESS], 2);
	vdrv_write(&t, VIRTIO_MMIO_REG_MAGIC, 1);
	ck_assert_uint_eq(t.errors[VMMIO_ERR_READ_ONLY], 1);
	ck_assert_uint_eq(vdrv_read(&t, 0x0e0), 0);
	ck_assert_uint_eq(t.errors[VMMIO_ERR_OFFSET], 1);
	/* config: inside is fine, past the end is not */
	v32 = 0x11223344;
	virtio_mmio_access(&t, VIRTIO_MMIO_REG_CONFIG + 4, (uint8_t *)&v32, 4, true);
	ck_assert_uint_eq(cfg[4], 0x44);
	virtio_mmio_access(&t, VIRTIO_MMIO_REG_CONFIG + 6, (uint8_t *)&v32, 4, false);
	ck_assert_uint_eq(v32, 0);
	virtio_mmio_access(&t, VIRTIO_MMIO_REG_CONFIG + 0xf00, (uint8_t *)&v32, 4, true);
	ck_assert_uint_eq(t.errors[VMMIO_ERR_CONFIG], 2);
}
END_TEST

START_TEST(queue_size_not_power_of_two)
{
	vdrv_negotiate(&t, V1);
	vdrv_ram_snapshot(&guest);
	vdrv_set_queue(&t, 0, 12, DESC, AVAIL, USED);
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_QUEUE_READY), 0);
	ck_assert(vdrv_read(&t, VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	ck_assert_uint_eq(t.errors[VMMIO_ERR_QUEUE_SETUP], 1);
	ck_assert_uint_eq(t.vq[0].errors[VQ_ERR_SIZE], 1);
	ck_assert(vdrv_ram_unchanged(&guest));
	/* a reset clears NEEDS_RESET, and a good set-up works */
	vdrv_write(&t, VIRTIO_MMIO_REG_STATUS, 0);
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_STATUS), 0);
	ck_assert_uint_eq(resets, 2); /* vdrv_negotiate's and this one */
	vdrv_negotiate(&t, V1);
	vdrv_set_queue(&t, 0, 8, DESC, AVAIL, USED);
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_QUEUE_READY), 1);
	ck_assert_uint_eq(t.errors[VMMIO_ERR_QUEUE_SETUP], 1); /* counters survive */
}
END_TEST

/* Queue set-ups QueueReady refuses, each on its own: the queue, its size,
 * its rings, and the error its virtqueue counts. */
static const struct bad_setup {
	unsigned q;
	uint32_t num;
	uint64_t desc, avail, used;
	enum vq_error error;
} bad_setups[] = {
	{ 0, 128, DESC, AVAIL, USED, VQ_ERR_SIZE },     /* above QueueNumMax */
	{ 1, 0x10008, DESC, AVAIL, USED, VQ_ERR_SIZE }, /* does not fit 16 bits */
	{ 0, 8, DESC + 4, AVAIL, USED, VQ_ERR_ALIGN },
	{ 1, 8, DESC, AVAIL, USED + 2, VQ_ERR_ALIGN },
	{ 0, 8, 0x100000000ULL, AVAIL, USED, VQ_ERR_RING_ADDR },
};

START_TEST(bad_queue_setup)
{
	const struct bad_setup *b = &bad_setups[_i];

	vdrv_negotiate(&t, V1);
	vdrv_write(&t, VIRTIO_MMIO_REG_QUEUE_SEL, b->q);
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_QUEUE_NUM_MAX), 64);
	vdrv_ram_snapshot(&guest);
	vdrv_set_queue(&t, b->q, b->num, b->desc, b->avail, b->used);
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_QUEUE_READY), 0);
	ck_assert(vdrv_read(&t, VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	ck_assert_uint_eq(t.vq[b->q].errors[b->error], 1);
	ck_assert_uint_eq(t.errors[VMMIO_ERR_QUEUE_SETUP], 1);
	ck_assert(vdrv_ram_unchanged(&guest));
}
END_TEST

START_TEST(queue_that_does_not_exist)
{
	vdrv_negotiate(&t, V1);
	vdrv_write(&t, VIRTIO_MMIO_REG_QUEUE_SEL, 2);
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_QUEUE_NUM_MAX), 0);
	vdrv_set_queue(&t, 2, 8, DESC, AVAIL, USED);
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_QUEUE_READY), 0);
	ck_assert_uint_ge(t.errors[VMMIO_ERR_QUEUE_SEL], 1);
	vdrv_set_queue(&t, 7, 8, DESC, AVAIL, USED);
	ck_assert_uint_ge(t.errors[VMMIO_ERR_QUEUE_SEL], 2);
}
END_TEST

START_TEST(queue_changed_while_ready)
{
	vdrv_negotiate(&t, V1);
	vdrv_set_queue(&t, 0, 8, DESC, AVAIL, USED);
	vdrv_write(&t, VIRTIO_MMIO_REG_QUEUE_DESC_LOW, 0x8000);
	vdrv_write(&t, VIRTIO_MMIO_REG_QUEUE_NUM, 4);
	ck_assert_uint_eq(t.errors[VMMIO_ERR_QUEUE_LIVE], 2);
	ck_assert_uint_eq(t.vq[0].desc_gpa, DESC);
	ck_assert_uint_eq(t.vq[0].num, 8);
}
END_TEST

START_TEST(queue_ready_before_features_ok)
{
	vdrv_write(&t, VIRTIO_MMIO_REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	vdrv_set_queue(&t, 0, 8, DESC, AVAIL, USED);
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_QUEUE_READY), 0);
	ck_assert(vdrv_read(&t, VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
}
END_TEST

START_TEST(notify_before_driver_ok)
{
	vdrv_negotiate(&t, V1);
	vdrv_set_queue(&t, 0, 8, DESC, AVAIL, USED);
	vdrv_set_desc(&drv, 0, BUF, 8, 0, 0);
	vdrv_publish(&drv, 0);
	vdrv_ram_snapshot(&guest);
	vdrv_write(&t, VIRTIO_MMIO_REG_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(t.errors[VMMIO_ERR_NOTIFY_EARLY], 1);
	ck_assert_uint_eq(notified[0], 0);
	ck_assert(vdrv_ram_unchanged(&guest)); /* nothing consumed, nothing used */
	ck_assert(!(vdrv_read(&t, VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET));
	vdrv_driver_ok(&t);
	ck_assert_uint_eq(driver_oks, 1);
	vdrv_write(&t, VIRTIO_MMIO_REG_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(notified[0], 1);
	ck_assert_uint_eq(*vdrv_used16(&drv, VIRTQ_USED_IDX), 1);
}
END_TEST

START_TEST(notify_bad_queue)
{
	vdrv_negotiate(&t, V1);
	vdrv_set_queue(&t, 0, 8, DESC, AVAIL, USED);
	vdrv_driver_ok(&t);
	vdrv_write(&t, VIRTIO_MMIO_REG_QUEUE_NOTIFY, 1); /* exists, not ready */
	vdrv_write(&t, VIRTIO_MMIO_REG_QUEUE_NOTIFY, 5); /* does not exist */
	ck_assert_uint_eq(t.errors[VMMIO_ERR_NOTIFY_QUEUE], 2);
	ck_assert_uint_eq(notified[0] + notified[1], 0);
}
END_TEST

START_TEST(broken_queue_needs_reset)
{
	vdrv_negotiate(&t, V1);
	vdrv_set_queue(&t, 0, 8, DESC, AVAIL, USED);
	vdrv_driver_ok(&t);
	vdrv_set_desc(&drv, 0, BUF, 8, VIRTQ_DESC_F_NEXT, 0); /* a loop */
	vdrv_publish(&drv, 0);
	vdrv_ram_snapshot(&guest);
	vdrv_write(&t, VIRTIO_MMIO_REG_QUEUE_NOTIFY, 0);
	ck_assert(vdrv_ram_unchanged(&guest));
	ck_assert(vdrv_read(&t, VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	ck_assert(vdrv_read(&t, VIRTIO_MMIO_REG_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
	ck_assert_uint_eq(t.errors[VMMIO_ERR_QUEUE_BROKEN], 1);
	ck_assert_uint_eq(t.vq[0].errors[VQ_ERR_LOOP], 1);
	ck_assert_str_eq(t.needs_reset_why, "queue 0: descriptor chain longer than the queue (a loop)");
	/* the device stays stopped: later notifications are refused */
	vdrv_write(&t, VIRTIO_MMIO_REG_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(notified[0], 1);
	ck_assert_uint_eq(t.errors[VMMIO_ERR_NOTIFY_STOPPED], 1);
	/* the driver's status writes do not clear NEEDS_RESET */
	vdrv_driver_ok(&t);
	ck_assert(vdrv_read(&t, VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	vdrv_write(&t, VIRTIO_MMIO_REG_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_INTERRUPT_STATUS), 0);
}
END_TEST

START_TEST(status_bits_cannot_be_cleared)
{
	vdrv_negotiate(&t, V1);
	vdrv_driver_ok(&t);
	vdrv_write(&t, VIRTIO_MMIO_REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	ck_assert_uint_eq(t.errors[VMMIO_ERR_STATUS], 1);
	ck_assert(vdrv_read(&t, VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_DRIVER_OK);
}
END_TEST

static int irqs;
static void count_irq(struct virtio_mmio *tr, void *arg)
{
	irqs++;
}

START_TEST(config_change_and_interrupts)
{
	t.irq.raise = count_irq;
	irqs = 0;
	vdrv_negotiate(&t, V1);
	vdrv_set_queue(&t, 0, 8, DESC, AVAIL, USED);
	vdrv_driver_ok(&t);
	pthread_mutex_lock(&t.lock);
	virtio_mmio_config_changed(&t);
	pthread_mutex_unlock(&t.lock);
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_CONFIG_GENERATION), 1);
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	ck_assert_int_eq(irqs, 1);
	vdrv_set_desc(&drv, 0, BUF, 8, 0, 0);
	vdrv_publish(&drv, 0);
	vdrv_write(&t, VIRTIO_MMIO_REG_QUEUE_NOTIFY, 0);
	pthread_mutex_lock(&t.lock);
	virtio_mmio_signal_used(&t, 0);
	pthread_mutex_unlock(&t.lock);
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG | VIRTIO_MMIO_INT_VRING);
	ck_assert_int_eq(irqs, 2);
	vdrv_write(&t, VIRTIO_MMIO_REG_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_INTERRUPT_STATUS), 0);
}
END_TEST

START_TEST(reset_forgets_driver_state)
{
	vdrv_negotiate(&t, V1 | VIRTIO_BIT(VIRTIO_RING_F_EVENT_IDX));
	vdrv_set_queue(&t, 0, 8, DESC, AVAIL, USED);
	vdrv_driver_ok(&t);
	ck_assert(t.vq[0].event_idx);
	vdrv_write(&t, VIRTIO_MMIO_REG_STATUS, 0);
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_STATUS), 0);
	vdrv_write(&t, VIRTIO_MMIO_REG_QUEUE_SEL, 0);
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_QUEUE_READY), 0);
	ck_assert_uint_eq(t.features, 0);
	ck_assert_uint_eq(resets, 2); /* vdrv_negotiate's and this one */
}
END_TEST

/* ---- bounded work per guest access ---- */

/* Queue 0 of 64 entries, with `chains` one-buffer chains made available. */
static void post_chains(unsigned chains)
{
	vdrv_negotiate(&t, V1);
	vdrv_queue_start(&t, &drv, guest.bytes, 0, 64, DESC);
	vdrv_driver_ok(&t);
	for (unsigned i = 0; i < chains; i++)
		vdrv_add_buf(&drv, BUF + i * 16, 16, 0);
}

/* Every chain made available was used, once, in order: none lost. */
static void expect_all_used(unsigned chains)
{
	ck_assert_uint_eq(*vdrv_used16(&drv, VIRTQ_USED_IDX), chains);
	for (unsigned i = 0; i < chains; i++)
		ck_assert_uint_eq(*(uint32_t *)vdrv_used16(&drv, VIRTQ_USED_RING(i)), i);
}

/* More chains than the budget in one notification: one budget is served,
 * the rest stay on the ring, an interrupt asks the driver back, and each
 * later access serves the next budget. */
START_TEST(notify_serves_one_budget)
{
	const unsigned chains = 2 * VIRTIO_MMIO_BUDGET + 5;

	t.irq.raise = count_irq;
	irqs = 0;
	post_chains(chains);
	vdrv_notify(&t, &drv);
	ck_assert_uint_eq(vdrv_used_new(&drv), VIRTIO_MMIO_BUDGET);
	ck_assert_uint_eq(t.budget_cuts, 1);
	ck_assert_int_eq(irqs, 1);
	/* the driver's interrupt handler reads InterruptStatus: the next budget */
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	ck_assert_uint_eq(vdrv_used_new(&drv), VIRTIO_MMIO_BUDGET);
	ck_assert_int_eq(irqs, 2);
	vdrv_write(&t, VIRTIO_MMIO_REG_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	ck_assert_uint_eq(vdrv_used_new(&drv), 5);
	/* nothing left: no more interrupts, no more work */
	ck_assert_uint_eq(vdrv_read(&t, VIRTIO_MMIO_REG_INTERRUPT_STATUS), 0);
	ck_assert_int_eq(irqs, 2);
	ck_assert_uint_eq(t.budget_cuts, 2);
	ck_assert_uint_eq(notified[0], 3);
	expect_all_used(chains);
}
END_TEST

static unsigned stop_after, stop_asks;
static bool stop_after_some(void *arg)
{
	return ++stop_asks > stop_after;
}

/* The VMM stopping: no chain is popped after the request, and (were the VM
 * to go on) none is lost. A reset forgets what was left. */
START_TEST(stopping_pops_no_more)
{
	stop_after = 3;
	stop_asks = 0;
	t.stop = (struct virtio_stop){ stop_after_some, NULL };
	post_chains(10);
	vdrv_notify(&t, &drv);
	ck_assert_uint_eq(vdrv_used_new(&drv), 3);
	ck_assert(t.backlog & 1);
	stop_after = UINT32_MAX;
	vdrv_read(&t, VIRTIO_MMIO_REG_INTERRUPT_STATUS);
	ck_assert_uint_eq(vdrv_used_new(&drv), 7);
	expect_all_used(10);
	post_chains(2 * VIRTIO_MMIO_BUDGET + 1);
	vdrv_notify(&t, &drv);
	ck_assert(t.backlog & 1);
	vdrv_write(&t, VIRTIO_MMIO_REG_STATUS, 0);
	ck_assert_uint_eq(t.backlog, 0);
}
END_TEST

START_TEST(fdt_node)
{
	char buf[1024];
	const fdt64_t *reg;
	int node, len;

	ck_assert_int_eq(fdt_create(buf, sizeof(buf)), 0);
	ck_assert_int_eq(fdt_finish_reservemap(buf), 0);
	ck_assert_int_eq(fdt_begin_node(buf, ""), 0);
	ck_assert_int_eq(virtio_mmio_fdt_node(buf, T_BASE, 0x1000), 0);
	ck_assert_int_eq(fdt_end_node(buf), 0);
	ck_assert_int_eq(fdt_finish(buf), 0);
	node = fdt_path_offset(buf, "/virtio_mmio@c0000000");
	ck_assert_int_ge(node, 0);
	ck_assert_int_eq(fdt_node_check_compatible(buf, node, "virtio,mmio"), 0);
	reg = fdt_getprop(buf, node, "reg", &len);
	ck_assert_int_eq(len, 16);
	ck_assert_uint_eq(fdt64_to_cpu(reg[0]), T_BASE);
	ck_assert_uint_eq(fdt64_to_cpu(reg[1]), 0x1000);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("mmio");
	TCase *tr = tcase_create("mmio");

	tcase_add_checked_fixture(tr, setup, teardown);
	tcase_add_test(tr, identity_and_features);
	tcase_add_loop_test(tr, features_refused, 0, (int)ARRAY_SIZE(refused_features));
	tcase_add_test(tr, register_access_width);
	tcase_add_test(tr, queue_size_not_power_of_two);
	tcase_add_loop_test(tr, bad_queue_setup, 0, (int)ARRAY_SIZE(bad_setups));
	tcase_add_test(tr, queue_that_does_not_exist);
	tcase_add_test(tr, queue_changed_while_ready);
	tcase_add_test(tr, queue_ready_before_features_ok);
	tcase_add_test(tr, notify_before_driver_ok);
	tcase_add_test(tr, notify_bad_queue);
	tcase_add_test(tr, broken_queue_needs_reset);
	tcase_add_test(tr, status_bits_cannot_be_cleared);
	tcase_add_test(tr, config_change_and_interrupts);
	tcase_add_test(tr, reset_forgets_driver_state);
	tcase_add_test(tr, notify_serves_one_budget);
	tcase_add_test(tr, stopping_pops_no_more);
	tcase_add_test(tr, fdt_node);
	suite_add_tcase(s, tr);
	return s;
}
