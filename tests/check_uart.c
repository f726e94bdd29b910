/* check_uart.c - the 8250/16550A model (vmm/uart.c) without KVM: receive
 * FIFO and its interrupt, transmit-empty interrupt and its priority, the
 * divisor latch, and the loopback Linux probes with. */
#include <check.h>

#include "vmm/uart.h"
#include "tests/unit.h"

START_TEST(uart_rx_and_irq)
{
	struct uart u;
	const uint8_t in[] = "ls\r";

	uart_reset(&u);
	ck_assert(!uart_irq_level(&u));
	ck_assert_uint_eq(uart_read(&u, UART_IIR) & 0x0f, UART_IIR_NO_INT);
	/* input with no interrupts enabled: LSR.DR only */
	ck_assert_uint_eq(uart_receive(&u, in, 3), 3);
	ck_assert(uart_read(&u, UART_LSR) & UART_LSR_DR);
	ck_assert(!uart_irq_level(&u));
	/* receive interrupt: needs IER.RDI and OUT2 */
	uart_write(&u, UART_IER, UART_IER_RDI);
	ck_assert(!uart_irq_level(&u));
	uart_write(&u, UART_MCR, UART_MCR_OUT2);
	ck_assert(uart_irq_level(&u));
	ck_assert_uint_eq(uart_read(&u, UART_IIR) & 0x0f, UART_IIR_RDI);
	ck_assert_uint_eq(uart_read(&u, UART_RBR), 'l');
	ck_assert_uint_eq(uart_read(&u, UART_RBR), 's');
	ck_assert(uart_irq_level(&u));
	ck_assert_uint_eq(uart_read(&u, UART_RBR), '\r');
	ck_assert(!(uart_read(&u, UART_LSR) & UART_LSR_DR));
	ck_assert(!uart_irq_level(&u));
	/* a full FIFO takes no more */
	for (unsigned i = 0; i < UART_RX_FIFO; i++)
		ck_assert_uint_eq(uart_receive(&u, in, 1), 1);
	ck_assert_uint_eq(uart_receive(&u, in, 1), 0);
	ck_assert_uint_eq(uart_rx_room(&u), 0);
	uart_write(&u, UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RCVR);
	ck_assert_uint_eq(uart_rx_room(&u), UART_RX_FIFO);
	ck_assert_uint_eq(uart_read(&u, UART_IIR) & 0xc0, 0xc0); /* 16550A FIFO */
}
END_TEST

START_TEST(uart_thre_irq)
{
	struct uart u;

	uart_reset(&u);
	uart_write(&u, UART_MCR, UART_MCR_OUT2);
	/* enabling THRI with THR empty interrupts at once; reading IIR acks it */
	uart_write(&u, UART_IER, UART_IER_THRI);
	ck_assert(uart_irq_level(&u));
	ck_assert_uint_eq(uart_read(&u, UART_IIR) & 0x0f, UART_IIR_THRI);
	ck_assert(!uart_irq_level(&u));
	ck_assert_uint_eq(uart_read(&u, UART_IIR) & 0x0f, UART_IIR_NO_INT);
	/* a transmitted byte empties THR again: THRE anew */
	ck_assert(uart_write(&u, UART_THR, 'x'));
	ck_assert(uart_irq_level(&u));
	/* receive data outranks THRE */
	uart_write(&u, UART_IER, UART_IER_THRI | UART_IER_RDI);
	uart_receive(&u, (const uint8_t *)"y", 1);
	ck_assert_uint_eq(uart_read(&u, UART_IIR) & 0x0f, UART_IIR_RDI);
	ck_assert_uint_eq(uart_read(&u, UART_RBR), 'y');
	ck_assert_uint_eq(uart_read(&u, UART_IIR) & 0x0f, UART_IIR_THRI);
	/* with DLAB set, offsets 0 and 1 are the divisor, nothing is sent */
	uart_write(&u, UART_LCR, UART_LCR_DLAB | 3);
	ck_assert(!uart_write(&u, UART_THR, 1));
	uart_write(&u, UART_IER, 0);
	ck_assert_uint_eq(uart_read(&u, UART_THR), 1);
	uart_write(&u, UART_LCR, 3);
	ck_assert_uint_eq(uart_read(&u, UART_IER), UART_IER_THRI | UART_IER_RDI);
	/* loopback (Linux's probe): bytes come back, MSR mirrors MCR */
	uart_write(&u, UART_MCR, UART_MCR_LOOP | 0x0a);
	ck_assert_uint_eq(uart_read(&u, UART_MSR) & 0xf0, 0x90);
	ck_assert(!uart_write(&u, UART_THR, 'z'));
	ck_assert_uint_eq(uart_read(&u, UART_RBR), 'z');
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("uart");
	TCase *tu = tcase_create("8250");

	tcase_add_test(tu, uart_rx_and_irq);
	tcase_add_test(tu, uart_thre_irq);
	suite_add_tcase(s, tu);
	return s;
}
