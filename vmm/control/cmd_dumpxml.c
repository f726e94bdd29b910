/* cmd_dumpxml.c - `dumpxml`: the running domain as libvirt domain XML, as
 * virsh dumpxml writes it: the domain the VM was started from (run
 * --domain) with what changed since: <currentMemory> (the balloon's
 * target), the live <numatune>, and where each guest cell's memory lives
 * now (<fs:placement> in frameshift's metadata), and every disk and
 * network device with the MAC each has. It validates against
 * libvirt's schema as its input did (tests/kvm-domain.test checks). */
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "balloon/balloon.h"
#include "vmm/control/commands.h"
#include "vmm/domain/domain.h"
#include "vmm/vm.h"

static xmlNode *child(xmlNode *n, const char *name, const xmlNs *ns)
{
	for (xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name) &&
		    (!ns || (c->ns && !strcmp((const char *)c->ns->href, (const char *)ns->href))))
			return c;
	return NULL;
}

/* The child called name, made (after 'after', else at the end) if missing. */
static xmlNode *child_or_new(xmlNode *n, const char *name, xmlNs *ns, xmlNode *after)
{
	xmlNode *c = child(n, name, ns);

	if (c)
		return c;
	c = xmlNewNode(ns, (const xmlChar *)name);
	if (after)
		xmlAddNextSibling(after, c);
	else
		xmlAddChild(n, c);
	return c;
}

static void set_current_memory(xmlNode *root, uint64_t kib)
{
	xmlNode *cur = child_or_new(root, "currentMemory", NULL, child(root, "memory", NULL));
	char text[32];

	snprintf(text, sizeof(text), "%llu", (unsigned long long)kib);
	xmlNodeSetContent(cur, (const xmlChar *)text);
	xmlSetProp(cur, (const xmlChar *)"unit", (const xmlChar *)"KiB");
}

static void set_numatune(xmlNode *root, const struct numa_policy *pol)
{
	xmlNode *tune = child_or_new(root, "numatune", NULL, NULL);
	xmlNode *mem = child_or_new(tune, "memory", NULL, NULL);
	struct json_object *o = json_object_new_object();
	struct json_object *mode, *nodeset;

	/* the words virsh numatune prints are the attribute values */
	reply_numatune(o, pol);
	json_object_object_get_ex(o, "numa_mode", &mode);
	json_object_object_get_ex(o, "numa_nodeset", &nodeset);
	xmlSetProp(mem, (const xmlChar *)"mode", (const xmlChar *)json_object_get_string(mode));
	xmlSetProp(mem, (const xmlChar *)"nodeset", (const xmlChar *)json_object_get_string(nodeset));
	json_object_put(o);
}

static xmlNode *new_child(xmlNode *parent, const char *name, const char *attr, const char *value)
{
	xmlNode *c = xmlNewChild(parent, NULL, (const xmlChar *)name, NULL);

	if (attr)
		xmlSetProp(c, (const xmlChar *)attr, (const xmlChar *)value);
	return c;
}

/* The n-th child called name, or NULL. */
static xmlNode *nth_child(xmlNode *n, const char *name, unsigned nth)
{
	for (xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && !c->ns && !strcmp((const char *)c->name, name) && !nth--)
			return c;
	return NULL;
}

/* Every disk and network device the VM has: the domain's own <disk> and
 * <interface> elements come first (run --domain puts its options before
 * the command line's), then one written for each --disk or --net given on
 * the command line (a node= has no libvirt word: it is left out). Each
 * interface says the MAC the guest sees, as libvirt's dumpxml does. */
static void set_devices(xmlNode *root, const struct vm_config *cfg)
{
	xmlNode *devices = child_or_new(root, "devices", NULL, NULL);
	char text[32];

	for (unsigned i = 0; i < cfg->ndisks; i++) {
		const struct blk_spec *b = &cfg->disks[i];
		xmlNode *disk;

		if (nth_child(devices, "disk", i))
			continue;
		disk = new_child(devices, "disk", "type", "file");
		xmlSetProp(disk, (const xmlChar *)"device", (const xmlChar *)"disk");
		xmlSetProp(new_child(disk, "driver", "name", "qemu"), (const xmlChar *)"type", (const xmlChar *)"raw");
		new_child(disk, "source", "file", b->path);
		snprintf(text, sizeof(text), "vd%c", 'a' + i);
		xmlSetProp(new_child(disk, "target", "dev", text), (const xmlChar *)"bus", (const xmlChar *)"virtio");
		if (b->readonly)
			new_child(disk, "readonly", NULL, NULL);
		if (b->serial[0])
			xmlNodeSetContent(new_child(disk, "serial", NULL, NULL), (const xmlChar *)b->serial);
	}
	for (unsigned i = 0; i < cfg->nnets; i++) {
		const struct net_spec *n = &cfg->nets[i];
		xmlNode *iface = nth_child(devices, "interface", i);

		if (!iface) {
			iface = new_child(devices, "interface", "type", "ethernet");
			new_child(iface, "target", "dev", n->tap);
			new_child(iface, "model", "type", "virtio");
		}
		snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", n->mac[0], n->mac[1], n->mac[2],
			 n->mac[3], n->mac[4], n->mac[5]);
		xmlSetProp(child_or_new(iface, "mac", NULL, NULL), (const xmlChar *)"address", (const xmlChar *)text);
	}
}

/* <fs:placement><fs:cell id='V'><fs:node id='N' frames='K'/>... per guest
 * cell (one cell 0 without a guest topology), counted now. */
static void set_placement(xmlNode *root, struct guest_mem *gm)
{
	xmlNode *meta = child_or_new(root, "metadata", NULL, child(root, "uuid", NULL));
	xmlNode *fs, *old, *placement;
	xmlNs *ns = NULL;
	uint32_t count[MAX_NODES][MAX_NODES] = { { 0 } };
	unsigned cells = gm->guest_nodes ? gm->guest_nodes : 1;
	char num[16];

	for (fs = meta->children; fs; fs = fs->next)
		if (fs->type == XML_ELEMENT_NODE && fs->ns && !strcmp((const char *)fs->ns->href, DOMAIN_NS))
			break;
	if (!fs) {
		fs = xmlNewChild(meta, NULL, (const xmlChar *)"frameshift", NULL);
		ns = xmlNewNs(fs, (const xmlChar *)DOMAIN_NS, (const xmlChar *)"fs");
		xmlSetNs(fs, ns);
	}
	ns = fs->ns;
	while ((old = child(fs, "placement", ns))) {
		xmlUnlinkNode(old);
		xmlFreeNode(old);
	}
	pthread_mutex_lock(&gm->ft.lock);
	for (uint32_t i = 0; i < gm->ft.nframes; i++)
		count[guest_mem_vnode(gm, i)][gm->ft.frames[i].node]++;
	pthread_mutex_unlock(&gm->ft.lock);
	placement = xmlNewChild(fs, ns, (const xmlChar *)"placement", NULL);
	for (unsigned v = 0; v < cells; v++) {
		xmlNode *cell = xmlNewChild(placement, ns, (const xmlChar *)"cell", NULL);

		snprintf(num, sizeof(num), "%u", v);
		xmlSetProp(cell, (const xmlChar *)"id", (const xmlChar *)num);
		for (unsigned n = 0; n < gm->nnodes; n++) {
			xmlNode *node;

			if (!count[v][n])
				continue;
			node = xmlNewChild(cell, ns, (const xmlChar *)"node", NULL);
			snprintf(num, sizeof(num), "%u", n);
			xmlSetProp(node, (const xmlChar *)"id", (const xmlChar *)num);
			snprintf(num, sizeof(num), "%u", count[v][n]);
			xmlSetProp(node, (const xmlChar *)"frames", (const xmlChar *)num);
		}
	}
}

int cmd_dumpxml(struct control_req *r)
{
	struct vm *vm = r->priv;
	struct balloon *b = control_find_balloon();
	struct numa_policy pol;
	xmlDoc *doc;
	xmlBuffer *buf;
	const char *text = NULL;

	if (!vm->cfg->domain_xml)
		return control_error(r, "dumpxml needs a VM started with run --domain FILE.xml");
	doc = xmlReadMemory(vm->cfg->domain_xml, (int)strlen(vm->cfg->domain_xml), "domain.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS);
	if (!doc)
		return control_error(r, "cannot read the domain back");
	if (b) {
		struct balloon_status s;

		balloon_get_status(b, &s);
		set_current_memory(xmlDocGetRootElement(doc),
				   (s.ram_bytes - ((uint64_t)s.num_pages << VIRTIO_BALLOON_PFN_SHIFT)) >> 10);
	}
	pthread_mutex_lock(&vm->mem.ft.lock);
	pol = vm->mem.policy;
	pthread_mutex_unlock(&vm->mem.ft.lock);
	set_numatune(xmlDocGetRootElement(doc), &pol);
	set_placement(xmlDocGetRootElement(doc), &vm->mem);
	set_devices(xmlDocGetRootElement(doc), vm->cfg);
	/* the <domain> element alone, as virsh dumpxml writes it: no XML
	 * declaration, no comments around it */
	buf = xmlBufferCreate();
	if (buf && xmlNodeDump(buf, doc, xmlDocGetRootElement(doc), 0, 1) > 0)
		text = (const char *)xmlBufferContent(buf);
	xmlFreeDoc(doc);
	if (!text) {
		xmlBufferFree(buf);
		return control_error(r, "out of memory");
	}
	json_add_str(r->reply, "text", text);
	xmlBufferFree(buf);
	return 0;
}
