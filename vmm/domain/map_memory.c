/* map_memory.c - <memory>, <currentMemory>, <memoryBacking> and <memtune>:
 * guest RAM (--mem), the balloon's target at start (--current-memory) and
 * its backing (2 MiB hugepages, or --no-hugetlb without <hugepages>). */
#include <stdlib.h>
#include <string.h>

#include "include/frameshift/guest-abi.h"
#include "vmm/domain/dom.h"

int map_memory(struct domain *d, xmlNode *n)
{
	static const char *const attrs[] = { "unit", NULL };

	if (dom_attrs(d, n, attrs) < 0 || dom_size(d, n, &d->memory) < 0)
		return -1;
	if (d->memory == 0 || d->memory % FRAME_SIZE)
		return dom_error(d, n, "%llu bytes is not a non-zero multiple of 2 MiB (frameshift's frame)",
				 (unsigned long long)d->memory);
	if (d->memory > FS_RAM_MAX)
		return dom_error(d, n, "%llu MiB is more than the %llu MiB of guest RAM frameshift's boot page "
				 "tables map", (unsigned long long)(d->memory >> 20), (unsigned long long)(FS_RAM_MAX >> 20));
	return 0;
}

int map_current_memory(struct domain *d, xmlNode *n)
{
	if (dom_size(d, n, &d->current_memory) < 0)
		return -1;
	if (d->current_memory == 0 || d->current_memory % 4096)
		return dom_error(d, n, "must be a non-zero multiple of 4 KiB (the balloon's page)");
	return 0;
}

/* <page size='2' unit='M'/>: frameshift's frames are 2 MiB hugepages. */
static int map_page(struct domain *d, xmlNode *n)
{
	static const char *const attrs[] = { "size", "unit", NULL };
	char *size = dom_attr(n, "size"), *unit = dom_attr(n, "unit");
	uint64_t bytes = 0;
	int ret;

	if (dom_attrs(d, n, attrs) < 0) {
		ret = -1;
	} else if (!size) {
		ret = dom_error(d, n, "needs a size");
	} else {
		ret = dom_size_of(d, n, size, unit, &bytes);
		if (ret == 0 && bytes != FRAME_SIZE)
			ret = dom_error(d, n, "size %s%s: frameshift backs guest RAM with 2 MiB pages only "
					"(size='2' unit='M')", size, unit ? unit : " KiB");
	}
	xmlFree(size);
	xmlFree(unit);
	return ret;
}

static int map_hugepages(struct domain *d, xmlNode *n)
{
	static const struct dom_element children[] = { { "page", map_page }, { NULL, NULL } };

	d->hugepages = true;
	return dom_children(d, n, children);
}

/* <allocation mode='immediate'> is frameshift's default; 'ondemand' is
 * --no-prealloc. Its threads= has no meaning here: one thread populates. */
static int map_allocation(struct domain *d, xmlNode *n)
{
	static const char *const attrs[] = { "mode", NULL };
	char *mode = dom_attr(n, "mode");
	int ret = 0;

	if (dom_attrs(d, n, attrs) < 0)
		ret = -1;
	else if (mode && !strcmp(mode, "ondemand"))
		d->ondemand = true;
	else if (mode && strcmp(mode, "immediate"))
		ret = dom_error(d, n, "mode '%s': 'immediate' or 'ondemand'", mode);
	xmlFree(mode);
	return ret;
}

int map_memory_backing(struct domain *d, xmlNode *n)
{
	static const struct dom_element children[] = {
		{ "hugepages", map_hugepages },
		{ "allocation", map_allocation },
		/* frames are never shared or swapped: hugetlb pages are neither */
		{ "nosharepages", NULL }, { "locked", NULL },
		{ NULL, NULL },
	};

	return dom_children(d, n, children);
}

static int map_hard_limit(struct domain *d, xmlNode *n)
{
	d->hard_limit_line = (int)xmlGetLineNo(n);
	return dom_size(d, n, &d->hard_limit);
}

int map_memtune(struct domain *d, xmlNode *n)
{
	static const struct dom_element children[] = {
		{ "hard_limit", map_hard_limit },
		{ NULL, NULL },
	};

	return dom_children(d, n, children);
}
