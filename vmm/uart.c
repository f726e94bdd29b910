/* uart.c - the 8250/16550A register model (see uart.h). Priorities of IIR
 * follow the 16550A: receive data > THR empty > modem status. */
#include <string.h>

#include "vmm/uart.h"

void uart_reset(struct uart *u)
{
	memset(u, 0, sizeof(*u));
	u->msr = 0xb0; /* DCD, DSR, CTS: a cable with someone on the other end */
	u->dll = 12;   /* 9600 baud */
}

static uint8_t uart_iir(const struct uart *u)
{
	uint8_t fifo = (u->fcr & UART_FCR_ENABLE) ? UART_IIR_FIFO : 0;

	if ((u->ier & UART_IER_RDI) && u->rx_len)
		return fifo | UART_IIR_RDI;
	if ((u->ier & UART_IER_THRI) && u->thri_pending)
		return fifo | UART_IIR_THRI;
	return fifo | UART_IIR_NO_INT;
}

bool uart_irq_level(const struct uart *u)
{
	return (u->mcr & UART_MCR_OUT2) && !(uart_iir(u) & UART_IIR_NO_INT);
}

static void rx_push(struct uart *u, uint8_t c)
{
	if (u->rx_len < UART_RX_FIFO)
		u->rx[(u->rx_head + u->rx_len++) % UART_RX_FIFO] = c;
}

bool uart_write(struct uart *u, unsigned off, uint8_t val)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (off & 7) {
	case UART_THR:
		if (dlab) {
			u->dll = val;
			return false;
		}
		/* transmitted at once: THR is empty again, so THRE fires anew */
		u->thri_pending = true;
		if (u->mcr & UART_MCR_LOOP) {
			rx_push(u, val);
			return false;
		}
		return true;
	case UART_IER:
		if (dlab) {
			u->dlm = val;
			return false;
		}
		/* enabling THRI with THR empty raises it at once (what Linux's
		 * 8250 driver waits for when it starts transmitting) */
		if ((val & UART_IER_THRI) && !(u->ier & UART_IER_THRI))
			u->thri_pending = true;
		u->ier = val & 0x0f;
		return false;
	case UART_FCR:
		u->fcr = val & (UART_FCR_ENABLE | 0xc0);
		if (val & UART_FCR_CLEAR_RCVR)
			u->rx_head = u->rx_len = 0;
		return false;
	case UART_LCR:
		u->lcr = val;
		return false;
	case UART_MCR:
		u->mcr = val & 0x1f;
		return false;
	case UART_SCR:
		u->scr = val;
		return false;
	default: /* LSR, MSR: read only */
		return false;
	}
}

uint8_t uart_read(struct uart *u, unsigned off)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	uint8_t v;

	switch (off & 7) {
	case UART_RBR:
		if (dlab)
			return u->dll;
		if (!u->rx_len)
			return 0;
		v = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % UART_RX_FIFO;
		u->rx_len--;
		return v;
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		v = uart_iir(u);
		/* reading IIR acknowledges a THR-empty interrupt it reports */
		if ((v & 0x0f) == UART_IIR_THRI)
			u->thri_pending = false;
		return v;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		return UART_LSR_THRE | UART_LSR_TEMT | (u->rx_len ? UART_LSR_DR : 0);
	case UART_MSR:
		if (u->mcr & UART_MCR_LOOP) /* loopback: outputs show as inputs */
			return (uint8_t)((u->mcr & 0x0c) << 4 | (u->mcr & 0x01) << 5 | (u->mcr & 0x02) << 3);
		return u->msr;
	default:
		return u->scr;
	}
}

size_t uart_rx_room(const struct uart *u)
{
	return UART_RX_FIFO - u->rx_len;
}

size_t uart_receive(struct uart *u, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	while (n < len && u->rx_len < UART_RX_FIFO)
		rx_push(u, buf[n++]);
	return n;
}
