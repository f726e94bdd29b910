/* uart.h - an 8250/16550A UART register model, free of I/O: the guest's
 * register accesses, a receive FIFO fed by the host, and the interrupt line
 * (IER/IIR/LSR interplay) as a level. vmm/serial.c wires it to COM1, stdin,
 * stdout and (with an in-kernel irqchip) IRQ 4; tests/check_uart.c tests it. */
#ifndef FRAMESHIFT_VMM_UART_H
#define FRAMESHIFT_VMM_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_RX_FIFO 256

/* register offsets */
#define UART_RBR 0 /* read, DLAB=0 */
#define UART_THR 0 /* write, DLAB=0 */
#define UART_IER 1
#define UART_IIR 2 /* read */
#define UART_FCR 2 /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_IER_RDI  0x01
#define UART_IER_THRI 0x02
#define UART_IER_RLSI 0x04
#define UART_IER_MSI  0x08
#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI  0x00
#define UART_IIR_THRI 0x02
#define UART_IIR_RDI  0x04
#define UART_IIR_FIFO 0xc0
#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLEAR_RCVR 0x02
#define UART_LCR_DLAB 0x80
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10
#define UART_LSR_DR   0x01
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

struct uart {
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm, msr;
	bool thri_pending;       /* THR empty interrupt not yet acknowledged */
	uint8_t rx[UART_RX_FIFO];
	unsigned rx_head, rx_len;
};

void uart_reset(struct uart *u);
/* A guest write of val at register off. Returns true if val is a byte the
 * guest transmitted (THR): the caller sends it out. */
bool uart_write(struct uart *u, unsigned off, uint8_t val);
uint8_t uart_read(struct uart *u, unsigned off);
/* Host input: queue up to len bytes; returns how many fit. */
size_t uart_receive(struct uart *u, const uint8_t *buf, size_t len);
/* Room left in the receive FIFO. */
size_t uart_rx_room(const struct uart *u);
/* Whether the interrupt line is up: an enabled condition pending and OUT2
 * set (the PC wiring gates IRQ 4 with OUT2). */
bool uart_irq_level(const struct uart *u);

#endif
