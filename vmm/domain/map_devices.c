/* map_devices.c - <devices>: the virtio balloon, the serial console, and
 * the one place that refuses devices frameshift does not have. */
#include <string.h>

#include "vmm/domain/dom.h"

/* Devices that wait for frameshift's disk and network options: refused
 * here, with the reason, until they map onto them. */
static int map_pending_device(struct domain *d, xmlNode *n)
{
	return dom_error(d, n, "frameshift has no disks or network interfaces yet");
}

/* on, or absent: frameshift's balloon always offers the feature */
static int feature_on(struct domain *d, xmlNode *n, const char *attr, const char *feature)
{
	if (xmlHasProp(n, (const xmlChar *)attr) && !dom_attr_is(n, attr, "on"))
		return dom_error(d, n, "%s must be 'on': frameshift's balloon always offers %s", attr, feature);
	return 0;
}

/* The guest's statistics are fetched when asked for (ctl dommemstat,
 * balloon-stats), so a period changes nothing; it is checked only. */
static int map_stats(struct domain *d, xmlNode *n)
{
	static const char *const attrs[] = { "period", NULL };
	unsigned period;

	return dom_attrs(d, n, attrs) < 0 || dom_uint(d, n, "period", 0, 86400, &period) < 0 ? -1 : 0;
}

static int map_memballoon(struct domain *d, xmlNode *n)
{
	static const char *const attrs[] = { "model", "autodeflate", "freePageReporting", NULL };
	static const struct dom_element children[] = {
		{ "stats", map_stats },
		/* frameshift places its devices on virtio-mmio itself */
		{ "address", NULL }, { "alias", NULL },
		{ NULL, NULL },
	};

	if (dom_attrs(d, n, attrs) < 0)
		return -1;
	if (!dom_attr_is(n, "model", "virtio"))
		return dom_error(d, n, "model must be 'virtio' (frameshift always has its virtio balloon)");
	if (feature_on(d, n, "autodeflate", "DEFLATE_ON_OOM") < 0 ||
	    feature_on(d, n, "freePageReporting", "free page reporting") < 0)
		return -1;
	return dom_children(d, n, children);
}

/* The 8250 UART on ttyS0, whose output is frameshift's standard output. */
static int map_serial(struct domain *d, xmlNode *n)
{
	static const char *const attrs[] = { "type", NULL };
	static const struct dom_element children[] = {
		{ "target", NULL }, { "source", NULL }, { "alias", NULL }, { NULL, NULL },
	};

	if (dom_attrs(d, n, attrs) < 0)
		return -1;
	if (!dom_attr_is(n, "type", "pty") && !dom_attr_is(n, "type", "stdio"))
		return dom_error(d, n, "type must be pty or stdio: the serial port is frameshift's standard output");
	return dom_children(d, n, children);
}

int map_devices(struct domain *d, xmlNode *n)
{
	static const struct dom_element children[] = {
		{ "emulator", NULL },
		{ "memballoon", map_memballoon },
		{ "serial", map_serial }, { "console", map_serial },
		{ "disk", map_pending_device }, { "interface", map_pending_device },
		{ NULL, NULL },
	};

	return dom_children(d, n, children);
}
