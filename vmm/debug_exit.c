/* debug_exit.c - a write to the debug-exit port ends the VM, and its low byte
 * becomes frameshift's exit status: how test guests report PASS (0) or FAIL. */
#include <string.h>

#include "vmm/device.h"
#include "include/frameshift/guest-abi.h"
#include "vmm/vm.h"

static void debug_exit_io(struct device *dev, struct vm *vm, uint64_t offset, uint8_t *data,
			  uint32_t len, bool is_write)
{
	uint32_t value = 0;

	if (!is_write) {
		memset(data, 0xff, len);
		return;
	}
	memcpy(&value, data, len < sizeof(value) ? len : sizeof(value));
	vm_request_exit(vm, (int)(value & 0xff), "guest wrote %u to the debug-exit port", value);
}

static struct device debug_exit_dev = {
	.name = "debug-exit",
	.space = DEV_PIO,
	.base = FS_PORT_DEBUG_EXIT,
	.len = 4,
	.io = debug_exit_io,
};
DEVICE_REGISTER(debug_exit_dev)
