/* acpi_sleep.c - the sleep control and status registers of hardware-reduced
 * ACPI (ACPI 6.5, 4.8.3.7), which the FADT points at: one I/O port for both,
 * as in Cloud Hypervisor. They are how a Linux guest's `poweroff` ends the
 * VM: Linux writes WAK_STS to the status register, SLP_TYP (from the DSDT's
 * \_S5) | SLP_EN to the control register, then polls for WAK_STS, which a
 * powered-off machine never sets. Only a --kernel VM has ACPI. */
#include <string.h>

#include "vmm/acpi.h"
#include "vmm/device.h"
#include "vmm/irq.h"
#include "lib/log.h"
#include "vmm/vm.h"

static uint64_t bad_sleep_types;

static void acpi_sleep_io(struct device *dev, struct vm *vm, uint64_t offset, uint8_t *data,
			  uint32_t len, bool is_write)
{
	uint64_t *bad = dev->priv;
	unsigned slp_typ;

	if (!vm_has_irqchip(vm)) { /* the test guest has no ACPI */
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	if (!is_write) {
		memset(data, 0, len);
		return;
	}
	if (!(data[0] & ACPI_SLP_EN)) /* clearing WAK_STS before the sleep */
		return;
	slp_typ = (data[0] & ACPI_SLP_TYP_MASK) >> ACPI_SLP_TYP_SHIFT;
	if (slp_typ == ACPI_SLP_TYP_S5)
		vm_request_exit(vm, 0, "guest powered off (ACPI S5)");
	else /* the DSDT declares no other sleep state */
		log_limited(bad, "ACPI sleep type %u requested, but only S5 (%u) exists: ignored",
				slp_typ, ACPI_SLP_TYP_S5);
}

static struct device acpi_sleep_dev = {
	.name = "acpi-sleep", .space = DEV_PIO, .base = ACPI_SLEEP_PORT, .len = 1,
	.io = acpi_sleep_io, .priv = &bad_sleep_types,
};
DEVICE_REGISTER(acpi_sleep_dev)
