/* cmd_domain.c - virsh's vocabulary on the control socket: dommemstat,
 * setmem and dumpxml, and numatune's virsh reply (cmd_migrate.c moves the
 * frames). The names come from libvirt's own headers (only the headers:
 * nothing links libvirt): the VIR_DOMAIN_MEMORY_STAT_* tags, the
 * virDomainNumatuneMemMode values and VIR_DOMAIN_NUMA_MODE/NODESET. Each
 * reply carries "text", what virsh prints, which ctl shows as it is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libvirt/libvirt.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "balloon/balloon.h"
#include "lib/clock.h"
#include "lib/parse.h"
#include "lib/util.h"
#include "vmm/control/commands.h"
#include "vmm/device.h"
#include "vmm/domain/domain.h"
#include "vmm/vm.h"

/* virsh dommemstat's words for libvirt's tags */
static const char *const stat_names[VIR_DOMAIN_MEMORY_STAT_NR] = {
	[VIR_DOMAIN_MEMORY_STAT_SWAP_IN] = "swap_in",
	[VIR_DOMAIN_MEMORY_STAT_SWAP_OUT] = "swap_out",
	[VIR_DOMAIN_MEMORY_STAT_MAJOR_FAULT] = "major_fault",
	[VIR_DOMAIN_MEMORY_STAT_MINOR_FAULT] = "minor_fault",
	[VIR_DOMAIN_MEMORY_STAT_UNUSED] = "unused",
	[VIR_DOMAIN_MEMORY_STAT_AVAILABLE] = "available",
	[VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON] = "actual",
	[VIR_DOMAIN_MEMORY_STAT_RSS] = "rss",
	[VIR_DOMAIN_MEMORY_STAT_USABLE] = "usable",
	[VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE] = "last_update",
	[VIR_DOMAIN_MEMORY_STAT_DISK_CACHES] = "disk_caches",
	[VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGALLOC] = "hugetlb_pgalloc",
	[VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGFAIL] = "hugetlb_pgfail",
};

/* The virtio-balloon statistic behind each libvirt tag the guest reports,
 * and whether it is bytes (libvirt shows KiB) or a count. */
static const struct { int tag; unsigned virtio; bool bytes; } guest_stats[] = {
	{ VIR_DOMAIN_MEMORY_STAT_SWAP_IN, VIRTIO_BALLOON_S_SWAP_IN, true },
	{ VIR_DOMAIN_MEMORY_STAT_SWAP_OUT, VIRTIO_BALLOON_S_SWAP_OUT, true },
	{ VIR_DOMAIN_MEMORY_STAT_MAJOR_FAULT, VIRTIO_BALLOON_S_MAJFLT, false },
	{ VIR_DOMAIN_MEMORY_STAT_MINOR_FAULT, VIRTIO_BALLOON_S_MINFLT, false },
	{ VIR_DOMAIN_MEMORY_STAT_UNUSED, VIRTIO_BALLOON_S_MEMFREE, true },
	{ VIR_DOMAIN_MEMORY_STAT_AVAILABLE, VIRTIO_BALLOON_S_MEMTOT, true },
	{ VIR_DOMAIN_MEMORY_STAT_USABLE, VIRTIO_BALLOON_S_AVAIL, true },
	{ VIR_DOMAIN_MEMORY_STAT_DISK_CACHES, VIRTIO_BALLOON_S_CACHES, true },
	{ VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGALLOC, VIRTIO_BALLOON_S_HTLB_PGALLOC, false },
	{ VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGFAIL, VIRTIO_BALLOON_S_HTLB_PGFAIL, false },
};

/* virsh numatune's words for frameshift's modes (restrictive maps to bind
 * on the way in, docs/domain.md) */
static const char *const numa_mode_names[VIR_DOMAIN_NUMATUNE_MEM_RESTRICTIVE + 1] = {
	[VIR_DOMAIN_NUMATUNE_MEM_STRICT] = "strict",
	[VIR_DOMAIN_NUMATUNE_MEM_PREFERRED] = "preferred",
	[VIR_DOMAIN_NUMATUNE_MEM_INTERLEAVE] = "interleave",
	[VIR_DOMAIN_NUMATUNE_MEM_RESTRICTIVE] = "restrictive",
};

static const char *libvirt_numa_mode(enum numa_mode m)
{
	return numa_mode_names[m == NUMA_INTERLEAVE ? VIR_DOMAIN_NUMATUNE_MEM_INTERLEAVE
			       : m == NUMA_PREFERRED ? VIR_DOMAIN_NUMATUNE_MEM_PREFERRED
						     : VIR_DOMAIN_NUMATUNE_MEM_STRICT];
}

/* "0-1" of "bind:0-1" */
static const char *policy_nodeset(const struct numa_policy *pol, char *buf, size_t len)
{
	numa_policy_format(pol, buf, len);
	return strchr(buf, ':') ? strchr(buf, ':') + 1 : buf;
}

void reply_numatune(struct json_object *reply, const struct numa_policy *pol)
{
	char buf[96], text[160];
	const char *nodeset = policy_nodeset(pol, buf, sizeof(buf));

	json_add_str(reply, VIR_DOMAIN_NUMA_MODE, libvirt_numa_mode(pol->mode));
	json_add_str(reply, VIR_DOMAIN_NUMA_NODESET, nodeset);
	snprintf(text, sizeof(text), "%-15s: %s\n%-15s: %s", VIR_DOMAIN_NUMA_MODE, libvirt_numa_mode(pol->mode),
		 VIR_DOMAIN_NUMA_NODESET, nodeset);
	json_add_str(reply, "text", text);
}

struct balloon *control_find_balloon(void)
{
	for (struct device *d = device_first(); d; d = d->next)
		if (!strcmp(d->name, "virtio-balloon"))
			return d->priv;
	return NULL;
}

/* Guest RAM the host backs now, in KiB: frames not given back by the
 * balloon (frameshift's view of the guest's resident memory). */
static uint64_t resident_kib(const struct balloon_status *s)
{
	return (s->ram_bytes - (uint64_t)s->c.frames_isolated * FRAME_SIZE) >> 10;
}

static void add_stat(struct json_object *stats, char *text, size_t len, int tag, uint64_t v)
{
	size_t off = strlen(text);

	json_add_int(stats, stat_names[tag], (int64_t)v);
	snprintf(text + off, len - off, "%s%s %llu", off ? "\n" : "", stat_names[tag], (unsigned long long)v);
}

/* dommemstat [wait_ms]: the balloon's size and the guest's statistics by
 * libvirt's tags; asks the guest for fresh ones, waiting up to wait_ms. */
static int cmd_dommemstat(struct control_req *r)
{
	struct balloon *b = control_find_balloon();
	struct json_object *stats;
	struct balloon_status s;
	char text[1024] = "";
	int64_t wait_ms;

	if (!b)
		return control_error(r, "this VM has no balloon");
	if (control_arg_int(r, "wait_ms", 0, 0, 10000, &wait_ms) < 0)
		return -1;
	uint64_t seq = balloon_request_stats(b);
	if (wait_ms)
		balloon_wait_stats(b, seq, (unsigned)wait_ms);
	balloon_get_status(b, &s);
	stats = json_object_new_object();
	add_stat(stats, text, sizeof(text), VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON,
		 (s.ram_bytes - ((uint64_t)s.actual << VIRTIO_BALLOON_PFN_SHIFT)) >> 10);
	for (size_t i = 0; i < ARRAY_SIZE(guest_stats); i++)
		if (s.stats.have & (1u << guest_stats[i].virtio)) {
			uint64_t v = s.stats.val[guest_stats[i].virtio];

			add_stat(stats, text, sizeof(text), guest_stats[i].tag, guest_stats[i].bytes ? v >> 10 : v);
		}
	if (s.stats.time > 0)
		add_stat(stats, text, sizeof(text), VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE,
			 (uint64_t)(time(NULL) - (time_t)(now_monotonic() - s.stats.time)));
	add_stat(stats, text, sizeof(text), VIR_DOMAIN_MEMORY_STAT_RSS, resident_kib(&s));
	json_object_object_add(r->reply, "stats", stats);
	json_add_str(r->reply, "text", text);
	return 0;
}

/* setmem SIZE: the guest's memory, as virsh setmem (a bare number is KiB). */
static int cmd_setmem(struct control_req *r)
{
	struct balloon *b = control_find_balloon();
	struct json_object *v;
	const char *size;
	uint64_t bytes;

	if (!b)
		return control_error(r, "this VM has no balloon");
	if (!json_object_object_get_ex(r->args, "size", &v) && !json_object_object_get_ex(r->args, "action", &v))
		return control_error(r, "setmem needs a size, e.g. setmem 196608 (KiB) or setmem 192M");
	size = json_object_get_string(v);
	if (parse_size(size, &bytes) < 0)
		return control_error(r, "bad size \"%.32s\" (KiB, or with a suffix: 192M)", size);
	if (strspn(size, "0123456789") == strlen(size))
		bytes <<= 10;
	if (balloon_set_target(b, bytes) < 0)
		return control_error(r, "setmem %.32s: want a multiple of 4 KiB, at most the guest's RAM", size);
	json_add_int(r->reply, "target_kib", (int64_t)(bytes >> 10));
	json_add_str(r->reply, "text", "");
	return 0;
}

static const struct control_arg dommemstat_args[] = { { "wait_ms", json_type_int }, { NULL, 0 } };
static const struct control_arg setmem_args[] = {
	{ "size", json_type_string }, { "action", json_type_string }, { NULL, 0 },
};

const struct control_cmd domain_commands[] = {
	{ "dommemstat", dommemstat_args, cmd_dommemstat },
	{ "setmem", setmem_args, cmd_setmem },
	{ "dumpxml", NULL, cmd_dumpxml },
	{ NULL, NULL, NULL },
};
