/* serial.c - an 8250/16550A UART on COM1 (register model in uart.c).
 *
 * Bytes written to THR go to stdout a line at a time (a line per write keeps
 * output from several vCPUs whole); a line left unfinished (a prompt) goes
 * out once it has sat for a flush period. THR writes queue in KVM's ring
 * while the THR-empty interrupt is off (vmm/coalesced.h): Linux's console
 * then costs one exit per byte (its read of LSR) instead of two.
 * Test guest: stdin, unless it is a terminal, feeds the receive FIFO, which
 * the guest polls (no interrupt): how a test asks integrity.elf to finish.
 * --kernel: a thread feeds stdin into the receive FIFO (the terminal in raw
 * mode, Ctrl-C still stops the VMM), and the interrupt line drives IRQ 4, so
 * `console=ttyS0` is an interactive console. */
#include <pthread.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "vmm/coalesced.h"
#include "vmm/device.h"
#include "include/frameshift/guest-abi.h"
#include "vmm/irq.h"
#include "vmm/uart.h"
#include "lib/log.h"
#include "vmm/vm.h"

/* How long an unfinished line, or a write queued in KVM's ring while the
 * guest makes no exit, may wait to go out. */
#define SERIAL_FLUSH_MS 10

struct serial {
	pthread_mutex_t lock;
	struct uart uart;
	struct vm *vm;
	bool irq;             /* --kernel (an in-kernel irqchip): IRQ 4 and input */
	bool irq_level;
	bool coalescing;      /* THR writes queue in KVM's ring */
	bool coalesce_failed; /* KVM refused: THR writes exit as before */
	char line[256];
	size_t len;
	size_t len_seen;      /* the flusher's last look at len */
	bool tty_raw;
	struct termios saved;
	pthread_t flusher;
	bool flusher_started;
	bool stop;            /* the flusher's end (atomic) */
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

/* With s->lock held: follow the UART's interrupt level on IRQ 4. */
static void serial_update_irq(struct serial *s)
{
	bool level = uart_irq_level(&s->uart);

	if (s->irq && level != s->irq_level) {
		s->irq_level = level;
		vm_irq_line(s->vm, IRQ_SERIAL, level);
	}
}

/* With s->lock held: THR writes queue in KVM's ring while nothing waits on
 * them: not with the THR-empty interrupt on (the driver waits for it after
 * each burst it writes) and not in loopback (the byte comes back as input). */
static void serial_update_coalescing(struct serial *s)
{
	bool want = !(s->uart.ier & UART_IER_THRI) && !(s->uart.mcr & UART_MCR_LOOP);

	if (want == s->coalescing || s->coalesce_failed)
		return;
	if (coalesced_set(s->vm, DEV_PIO, FS_PORT_SERIAL + UART_THR, 1, want) < 0)
		s->coalesce_failed = true; /* left as it is; the flusher drains the ring */
	else
		s->coalescing = want;
}

static void serial_io(struct device *dev, struct vm *vm, uint64_t offset, uint8_t *data,
		      uint32_t len, bool is_write)
{
	struct serial *s = dev->priv;

	pthread_mutex_lock(&s->lock);
	if (is_write) {
		if (uart_write(&s->uart, (unsigned)offset, data[0])) {
			s->line[s->len++] = (char)data[0];
			if (data[0] == '\n' || s->len == sizeof(s->line))
				serial_flush(s);
		}
		serial_update_coalescing(s);
	} else {
		memset(data, 0, len);
		data[0] = uart_read(&s->uart, (unsigned)offset);
	}
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static void *serial_input_thread(void *arg)
{
	struct serial *s = arg;
	uint8_t buf[64];
	ssize_t n;

	pthread_setname_np(pthread_self(), "fs-serial-in");
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0) {
		size_t off = 0;

		while (off < (size_t)n) {
			pthread_mutex_lock(&s->lock);
			off += uart_receive(&s->uart, buf + off, (size_t)n - off);
			serial_update_irq(s);
			pthread_mutex_unlock(&s->lock);
			if (off < (size_t)n) { /* FIFO full: let the guest drain it */
				struct timespec ts = { 0, 1000000 };

				nanosleep(&ts, NULL);
			}
		}
	}
	return NULL;
}

/* Drains the ring when the guest makes no exit that would, and sends out a
 * line left unfinished for a whole period (one still growing waits). */
static void *serial_flusher_thread(void *arg)
{
	struct serial *s = arg;
	const struct timespec period = { 0, SERIAL_FLUSH_MS * 1000000L };

	pthread_setname_np(pthread_self(), "fs-serial-out");
	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		nanosleep(&period, NULL);
		coalesced_drain(s->vm);
		pthread_mutex_lock(&s->lock);
		if (s->len && s->len == s->len_seen)
			serial_flush(s);
		s->len_seen = s->len;
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

static int serial_init(struct device *dev, struct vm *vm)
{
	struct serial *s = dev->priv;
	pthread_t thr;

	uart_reset(&s->uart);
	s->vm = vm;
	s->irq = vm_has_irqchip(vm);
	s->stop = false;
	s->flusher_started = pthread_create(&s->flusher, NULL, serial_flusher_thread, s) == 0;
	if (!s->flusher_started) {
		log_info("serial: cannot start the output thread");
		return -1;
	}
	pthread_mutex_lock(&s->lock);
	serial_update_coalescing(s);
	pthread_mutex_unlock(&s->lock);
	/* a terminal stays the user's: a background VM reading it would stop */
	if (!s->irq && isatty(STDIN_FILENO))
		return 0;
	if (s->irq && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &s->saved) == 0) {
		struct termios raw = s->saved;

		/* keystrokes go to the guest as typed; ISIG stays: Ctrl-C ends the VM */
		raw.c_iflag &= ~(tcflag_t)(ICRNL | IXON | INLCR | IGNCR);
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | IEXTEN);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		s->tty_raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
	}
	if (pthread_create(&thr, NULL, serial_input_thread, s)) {
		log_info("serial: cannot start the input thread");
		return -1;
	}
	pthread_detach(thr);
	return 0;
}

static void serial_exit(struct device *dev, struct vm *vm)
{
	struct serial *s = dev->priv;

	if (s->flusher_started) {
		__atomic_store_n(&s->stop, true, __ATOMIC_RELEASE);
		pthread_join(s->flusher, NULL);
		s->flusher_started = false;
	}
	coalesced_drain(vm); /* the vCPUs are gone: what they queued last */
	pthread_mutex_lock(&s->lock);
	serial_flush(s);
	if (s->tty_raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &s->saved);
	s->tty_raw = false;
	pthread_mutex_unlock(&s->lock);
}

static struct device serial_dev = {
	.name = "serial-8250",
	.space = DEV_PIO,
	.base = FS_PORT_SERIAL,
	.len = 8,
	.init = serial_init,
	.io = serial_io,
	.exit = serial_exit,
	.priv = &com1,
};
DEVICE_REGISTER(serial_dev)
