/* map_misc.c - what a real domain carries that frameshift satisfies by
 * construction (<features>, <clock>, the <on_*> actions) and frameshift's
 * own settings in <metadata>. */
#include <string.h>

#include "vmm/domain/dom.h"

/* The guest always gets ACPI tables, a local APIC and long mode. */
int map_features(struct domain *d, xmlNode *n)
{
	static const struct dom_element children[] = {
		{ "acpi", NULL }, { "apic", NULL }, { "pae", NULL }, { NULL, NULL },
	};

	return dom_children(d, n, children);
}

/* The guest's RTC reads the host's clock in UTC. */
int map_clock(struct domain *d, xmlNode *n)
{
	static const char *const attrs[] = { "offset", NULL };
	static const struct dom_element children[] = { { NULL, NULL } };

	if (dom_attrs(d, n, attrs) < 0)
		return -1;
	if (!dom_attr_is(n, "offset", "utc"))
		return dom_error(d, n, "offset must be 'utc'");
	return dom_children(d, n, children);
}

/* When the guest powers off, reboots or crashes, frameshift ends. */
int map_lifecycle(struct domain *d, xmlNode *n)
{
	char action[32];

	if (dom_text(d, n, action, sizeof(action)) < 0)
		return -1;
	if (!strcmp(action, "destroy"))
		return 0;
	if (!strcmp(action, "restart"))
		return dom_error(d, n, "restart: frameshift does not restart VMs; use destroy");
	return dom_error(d, n, "'%s': frameshift only does destroy", action);
}

static int map_sim_nodes(struct domain *d, xmlNode *n)
{
	return dom_uint(d, n, NULL, 1, MAX_NODES, &d->sim_nodes);
}

static int map_autobalance(struct domain *d, xmlNode *n)
{
	static const char *const attrs[] = { "rate", NULL };

	d->autobalance = true;
	if (dom_attrs(d, n, attrs) < 0)
		return -1;
	return xmlHasProp(n, (const xmlChar *)"rate") ? dom_uint(d, n, "rate", 1, 1u << 20, &d->autobalance_rate)
						       : 0;
}

static int map_copy_threads(struct domain *d, xmlNode *n)
{
	return dom_uint(d, n, NULL, 1, 64, &d->copy_threads);
}

static int map_pool_reserve(struct domain *d, xmlNode *n)
{
	return dom_uint(d, n, NULL, 0, 1u << 20, &d->pool_reserve);
}

/* frameshift's extensions, in their namespace (libvirt keeps each
 * application's metadata apart by namespace):
 *   <metadata><fs:frameshift xmlns:fs="DOMAIN_NS"> sim-nodes, autobalance,
 *   copy-threads, pool-reserve </fs:frameshift></metadata>
 * <placement> is what ctl dumpxml reports (where memory lives now): read
 * back, it changes nothing. Other applications' metadata is theirs. */
int map_metadata(struct domain *d, xmlNode *n)
{
	static const struct dom_element ours[] = {
		{ "sim-nodes", map_sim_nodes }, { "autobalance", map_autobalance },
		{ "copy-threads", map_copy_threads }, { "pool-reserve", map_pool_reserve },
		{ "placement", NULL }, { NULL, NULL },
	};

	for (xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && c->ns && c->ns->href &&
		    !strcmp((const char *)c->ns->href, DOMAIN_NS)) {
			if (strcmp((const char *)c->name, "frameshift"))
				return dom_error(d, c, "frameshift's metadata element is <frameshift>");
			if (dom_children(d, c, ours) < 0)
				return -1;
		}
	return 0;
}
