/* map_devices.c - <devices>: raw disks (--disk), tap interfaces (--net),
 * the virtio balloon, the serial console, and the one place that refuses
 * devices frameshift does not have. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/domain/dom.h"

static const struct dom_element no_children[] = { { NULL, NULL } };
static const char *const no_attrs[] = { NULL };

/* An attribute's value for a --disk or --net option, into *out (NULL before;
 * xmlFree'd by the caller): present, not empty, without the ',' that would
 * end it there. */
static int option_value(struct domain *d, xmlNode *n, const char *attr, char **out)
{
	if (*out)
		return dom_error(d, n, "given twice");
	*out = dom_attr(n, attr);
	if (!*out || !**out)
		return dom_error(d, n, "needs %s", attr);
	if (strchr(*out, ','))
		return dom_error(d, n, "%s '%.64s' has a ',', which a frameshift option cannot carry", attr, *out);
	return 0;
}

/* <driver name='qemu' type='raw'/>: frameshift reads and writes the image
 * file as it is, so only a raw image means the same to it and to QEMU. */
static int map_disk_driver(struct domain *d, xmlNode *n)
{
	static const char *const attrs[] = { "name", "type", NULL };
	char *type;
	int ret = 0;

	if (dom_attrs(d, n, attrs) < 0 || dom_children(d, n, no_children) < 0)
		return -1;
	if (xmlHasProp(n, (const xmlChar *)"name") && !dom_attr_is(n, "name", "qemu"))
		return dom_error(d, n, "name must be 'qemu'");
	type = dom_attr(n, "type");
	if (type && strcmp(type, "raw"))
		ret = dom_error(d, n, "type '%.32s': frameshift's disks are raw images (qemu-img convert -O raw "
				"makes one)", type);
	xmlFree(type);
	return ret;
}

static int map_disk_source(struct domain *d, xmlNode *n)
{
	/* index: what libvirt numbers a running domain's sources with */
	static const char *const attrs[] = { "file", "index", NULL };

	if (dom_attrs(d, n, attrs) < 0 || dom_children(d, n, no_children) < 0)
		return -1;
	return option_value(d, n, "file", &d->dev.source);
}

/* Disks are attached in document order, and the guest finds them so: the
 * i-th is vda, vdb, ... (libvirt's dev is the name the guest should see). */
static int map_disk_target(struct domain *d, xmlNode *n)
{
	static const char *const attrs[] = { "dev", "bus", NULL };
	char want[8];

	if (dom_attrs(d, n, attrs) < 0 || dom_children(d, n, no_children) < 0)
		return -1;
	if (d->dev.target)
		return dom_error(d, n, "given twice");
	if (xmlHasProp(n, (const xmlChar *)"bus") && !dom_attr_is(n, "bus", "virtio"))
		return dom_error(d, n, "bus must be 'virtio' (frameshift's disks are virtio-blk)");
	snprintf(want, sizeof(want), "vd%c", 'a' + d->ndisks);
	if (!dom_attr_is(n, "dev", want))
		return dom_error(d, n, "dev must be '%s': frameshift attaches disks in document order, and the "
				 "guest names them vda, vdb, ... so", want);
	d->dev.target = true;
	return 0;
}

static int map_disk_readonly(struct domain *d, xmlNode *n)
{
	d->dev.readonly = true;
	return dom_attrs(d, n, no_attrs) < 0 ? -1 : dom_children(d, n, no_children);
}

/* what the disk answers to GET_ID; --disk checks its characters */
static int map_disk_serial(struct domain *d, xmlNode *n)
{
	if (dom_attrs(d, n, no_attrs) < 0 || dom_text(d, n, d->dev.serial, sizeof(d->dev.serial)) < 0)
		return -1;
	if (strchr(d->dev.serial, ','))
		return dom_error(d, n, "'%s' has a ',', which a frameshift option cannot carry", d->dev.serial);
	return 0;
}

static void dev_clear(struct domain *d)
{
	xmlFree(d->dev.source);
	xmlFree(d->dev.tap);
	xmlFree(d->dev.mac);
	memset(&d->dev, 0, sizeof(d->dev));
}

/* <disk type='file' device='disk'>: --disk SOURCE[,readonly][,serial=S],
 * checked by the parser --disk has (its message after the element's). */
static int map_disk(struct domain *d, xmlNode *n)
{
	static const char *const attrs[] = { "type", "device", NULL };
	static const struct dom_element children[] = {
		{ "driver", map_disk_driver }, { "source", map_disk_source }, { "target", map_disk_target },
		{ "readonly", map_disk_readonly }, { "serial", map_disk_serial },
		/* frameshift places its devices on virtio-mmio itself */
		{ "address", NULL }, { "alias", NULL },
		{ NULL, NULL },
	};
	struct blk_spec spec;
	char err[256];
	int ret;

	if (dom_attrs(d, n, attrs) < 0)
		return -1;
	if (!dom_attr_is(n, "type", "file"))
		return dom_error(d, n, "type must be 'file': frameshift's disks are raw image files");
	if (xmlHasProp(n, (const xmlChar *)"device") && !dom_attr_is(n, "device", "disk"))
		return dom_error(d, n, "device must be 'disk' (frameshift has virtio-blk disks only)");
	if (d->ndisks == BLK_MAX_DISKS)
		return dom_error(d, n, "more than %d disks (frameshift's most)", BLK_MAX_DISKS);
	dev_clear(d);
	ret = dom_children(d, n, children);
	if (ret == 0 && !d->dev.source)
		ret = dom_error(d, n, "needs a <source file='IMAGE'/>");
	if (ret == 0 && !d->dev.target)
		ret = dom_error(d, n, "needs a <target dev='vd%c' bus='virtio'/>", 'a' + d->ndisks);
	if (ret == 0 && asprintf(&d->disks[d->ndisks], "%s%s%s%s", d->dev.source,
				 d->dev.readonly ? ",readonly" : "", d->dev.serial[0] ? ",serial=" : "",
				 d->dev.serial) < 0) {
		d->disks[d->ndisks] = NULL;
		ret = dom_error(d, n, "out of memory");
	}
	if (ret == 0 && blk_spec_parse(d->disks[d->ndisks], d->ndisks, &spec, err, sizeof(err)) < 0)
		ret = dom_error(d, n, "%s", err);
	if (ret == 0)
		d->ndisks++;
	dev_clear(d);
	return ret;
}

static int map_iface_target(struct domain *d, xmlNode *n)
{
	/* managed='no': the tap exists already; frameshift opens it either way
	 * (and makes it when it is absent and may) */
	static const char *const attrs[] = { "dev", "managed", NULL };

	if (dom_attrs(d, n, attrs) < 0 || dom_children(d, n, no_children) < 0)
		return -1;
	return option_value(d, n, "dev", &d->dev.tap);
}

static int map_iface_mac(struct domain *d, xmlNode *n)
{
	static const char *const attrs[] = { "address", NULL };

	if (dom_attrs(d, n, attrs) < 0 || dom_children(d, n, no_children) < 0)
		return -1;
	return option_value(d, n, "address", &d->dev.mac);
}

static int map_iface_model(struct domain *d, xmlNode *n)
{
	static const char *const attrs[] = { "type", NULL };

	if (dom_attrs(d, n, attrs) < 0 || dom_children(d, n, no_children) < 0)
		return -1;
	if (!dom_attr_is(n, "type", "virtio"))
		return dom_error(d, n, "type must be 'virtio' (frameshift's network device is virtio-net)");
	d->dev.virtio_model = true;
	return 0;
}

/* <interface type='ethernet'>: --net tap=TAP[,mac=M], checked by the
 * parser --net has. The model must be said: libvirt's default is not
 * virtio, and a guest with another driver would not find its device. */
static int map_interface(struct domain *d, xmlNode *n)
{
	static const char *const attrs[] = { "type", NULL };
	static const struct dom_element children[] = {
		{ "target", map_iface_target }, { "mac", map_iface_mac }, { "model", map_iface_model },
		{ "address", NULL }, { "alias", NULL },
		{ NULL, NULL },
	};
	struct net_spec spec;
	char err[256];
	int ret;

	if (dom_attrs(d, n, attrs) < 0)
		return -1;
	if (!dom_attr_is(n, "type", "ethernet"))
		return dom_error(d, n, "type must be 'ethernet', a tap of the host's (frameshift has no libvirt "
				 "networks or bridges of its own)");
	if (d->nnets == NET_MAX)
		return dom_error(d, n, "more than %d interfaces (frameshift's most)", NET_MAX);
	dev_clear(d);
	ret = dom_children(d, n, children);
	if (ret == 0 && !d->dev.tap)
		ret = dom_error(d, n, "needs a <target dev='TAP'/>");
	if (ret == 0 && !d->dev.virtio_model)
		ret = dom_error(d, n, "needs <model type='virtio'/>: frameshift's network device is virtio-net");
	if (ret == 0 && asprintf(&d->nets[d->nnets], "tap=%s%s%s", d->dev.tap, d->dev.mac ? ",mac=" : "",
				 d->dev.mac ? d->dev.mac : "") < 0) {
		d->nets[d->nnets] = NULL;
		ret = dom_error(d, n, "out of memory");
	}
	if (ret == 0 && net_spec_parse(d->nets[d->nnets], d->nnets, &spec, err, sizeof(err)) < 0)
		ret = dom_error(d, n, "%s", err);
	if (ret == 0)
		d->nnets++;
	dev_clear(d);
	return ret;
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
		{ "disk", map_disk }, { "interface", map_interface },
		{ NULL, NULL },
	};

	return dom_children(d, n, children);
}
