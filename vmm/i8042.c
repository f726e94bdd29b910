/* i8042.c - enough of a PS/2 keyboard controller (ports 0x60, 0x64) for
 * Linux: the controller commands its i8042 driver probes with (self test,
 * read/write the command byte, interface test, port enable/disable), ACKs
 * for keyboard commands, and the CPU reset line: command 0xFE, or clearing
 * bit 0 of the output port, ends the VM with status 0 (`reboot`, and with
 * panic=-1 a panic; `poweroff` goes through ACPI S5, vmm/acpi_sleep.c).
 * Only a --kernel VM has it. */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "vmm/device.h"
#include "vmm/irq.h"
#include "lib/log.h"
#include "vmm/vm.h"

#define I8042_DATA 0x60
#define I8042_CMD  0x64
#define ST_OBF 0x01
#define ST_SYS 0x04
#define ST_CMD 0x08
#define CTR_KBDINT 0x01

struct i8042 {
	pthread_mutex_t lock;
	uint8_t ctr, status, pending_cmd, outp;
	uint8_t buf[8];
	unsigned head, len;
};

static struct i8042 kbc = { .lock = PTHREAD_MUTEX_INITIALIZER, .ctr = 0x45, .outp = 0x01 };

static void push(struct i8042 *k, uint8_t v)
{
	if (k->len < sizeof(k->buf))
		k->buf[(k->head + k->len++) % sizeof(k->buf)] = v;
}

static void guest_reset(struct vm *vm)
{
	vm_request_exit(vm, 0, "guest reset through the i8042 (reboot)");
}

static void i8042_io(struct device *dev, struct vm *vm, uint64_t offset, uint8_t *data,
		     uint32_t len, bool is_write)
{
	struct i8042 *k = dev->priv;
	unsigned port = (unsigned)(dev->base + offset);
	bool irq = false, reset = false;
	uint8_t v = data[0];

	if (!vm_has_irqchip(vm)) { /* the test guest has no keyboard controller */
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&k->lock);
	if (!is_write) {
		memset(data, 0, len);
		if (port == I8042_CMD) {
			data[0] = (uint8_t)(ST_SYS | (k->len ? ST_OBF : 0) | k->status);
		} else if (k->len) {
			data[0] = k->buf[k->head];
			k->head = (k->head + 1) % sizeof(k->buf);
			k->len--;
		}
	} else if (port == I8042_CMD) {
		k->status |= ST_CMD;
		k->pending_cmd = 0;
		switch (v) {
		case 0x20: push(k, k->ctr); break;          /* read command byte */
		case 0x60: case 0xd1: case 0xd2: k->pending_cmd = v; break;
		case 0xa9: case 0xab: push(k, 0x00); break;  /* interface tests pass */
		case 0xaa: push(k, 0x55); break;             /* self test passed */
		case 0xd0: push(k, k->outp); break;          /* read output port */
		case 0xfe: reset = true; break;              /* pulse reset */
		default: break;                              /* enable/disable ports, ... */
		}
	} else {
		k->status &= (uint8_t)~ST_CMD;
		switch (k->pending_cmd) {
		case 0x60: k->ctr = v; break;
		case 0xd1:
			k->outp = v;
			reset = !(v & 1);
			break;
		case 0xd2: push(k, v); irq = true; break;    /* as if from the keyboard */
		default:                                     /* to the keyboard */
			push(k, 0xfa);
			if (v == 0xff)
				push(k, 0xaa);
			else if (v == 0xf2) {
				push(k, 0xab);
				push(k, 0x83);
			}
			irq = true;
			break;
		}
		k->pending_cmd = 0;
	}
	irq = irq && (k->ctr & CTR_KBDINT);
	pthread_mutex_unlock(&k->lock);
	if (irq)
		vm_irq_pulse(vm, IRQ_I8042_KBD);
	if (reset)
		guest_reset(vm);
}

static struct device i8042_data_dev = {
	.name = "i8042-data", .space = DEV_PIO, .base = I8042_DATA, .len = 1,
	.io = i8042_io, .priv = &kbc,
};
static struct device i8042_cmd_dev = {
	.name = "i8042-cmd", .space = DEV_PIO, .base = I8042_CMD, .len = 1,
	.io = i8042_io, .priv = &kbc,
};
DEVICE_REGISTER(i8042_data_dev)
DEVICE_REGISTER(i8042_cmd_dev)
