/* serial.c - enough of an 8250 UART on COM1 for text out: bytes written to
 * THR go to stdout a line at a time (a line per write keeps output from
 * several vCPUs whole); LSR always reports an empty transmitter. */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "vmm/device.h"
#include "vmm/guest-abi.h"

#define UART_THR 0
#define UART_LCR 3
#define UART_LSR 5
#define UART_LCR_DLAB 0x80
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

struct serial {
	pthread_mutex_t lock;
	uint8_t regs[8];
	char line[256];
	size_t len;
};

static struct serial com1 = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void serial_flush(struct serial *s)
{
	size_t off = 0;

	while (off < s->len) {
		ssize_t n = write(STDOUT_FILENO, s->line + off, s->len - off);

		if (n <= 0)
			break; /* stdout gone: drop the text, keep the guest running */
		off += (size_t)n;
	}
	s->len = 0;
}

static void serial_io(struct device *dev, struct vm *vm, uint64_t offset, uint8_t *data,
		      uint32_t len, bool is_write)
{
	struct serial *s = dev->priv;

	pthread_mutex_lock(&s->lock);
	if (is_write) {
		bool dlab = s->regs[UART_LCR] & UART_LCR_DLAB;

		if (offset == UART_THR && !dlab) {
			s->line[s->len++] = (char)data[0];
			if (data[0] == '\n' || s->len == sizeof(s->line))
				serial_flush(s);
		} else if (offset != UART_LSR) {
			s->regs[offset] = data[0];
		}
	} else {
		memset(data, 0, len);
		data[0] = offset == UART_LSR ? UART_LSR_THRE | UART_LSR_TEMT : s->regs[offset];
	}
	pthread_mutex_unlock(&s->lock);
}

static void serial_exit(struct device *dev, struct vm *vm)
{
	struct serial *s = dev->priv;

	pthread_mutex_lock(&s->lock);
	serial_flush(s);
	pthread_mutex_unlock(&s->lock);
}

static struct device serial_dev = {
	.name = "serial-8250",
	.space = DEV_PIO,
	.base = FS_PORT_SERIAL,
	.len = 8,
	.io = serial_io,
	.exit = serial_exit,
	.priv = &com1,
};
DEVICE_REGISTER(serial_dev)
