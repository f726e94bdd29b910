/* ctl_views.c - how `frameshift ctl` shows a reply to people: the drawn views
 * of the commands people read (info, numastat, map, the VM's state), a
 * reply's "text" as virsh would print it, and JSON for the rest. Every string
 * from a reply is escaped before it reaches a terminal. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "include/frameshift/guest-abi.h"
#include "lib/escape.h"
#include "lib/util.h"
#include "vmm/ctl.h"

#define MAP_ROW 64   /* cells per map row */
#define MAP_GROUP 16 /* a space every this many cells */

/* s, escaped for people when it goes to a terminal: a script reading a pipe
 * gets the value as it is. */
void ctl_put_value(const char *s)
{
	char *e = isatty(STDOUT_FILENO) ? escape_controls(s, false) : NULL;

	puts(e ? e : s);
	free(e);
}

static int64_t jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "?";
}

static bool jbool(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *plural(int64_t n)
{
	return n == 1 ? "" : "s";
}

/* Anyone reading a node split must know when the nodes are not real. */
static void simulated_note(struct json_object *r)
{
	if (jbool(r, "simulated"))
		printf("note: the %lld nodes are simulated: all their memory is on one host node\n",
		       (long long)jint(r, "nodes"));
}

void ctl_show_json(struct json_object *r)
{
	const char *text = json_object_to_json_string_ext(r, JSON_C_TO_STRING_PRETTY |
				JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	char *e = escape_controls(text, true);

	puts(e ? e : "null");
	free(e);
}

static void show_info(struct json_object *r, bool color)
{
	int64_t fsz = jint(r, "frame_size") ? jint(r, "frame_size") : 1;
	struct json_object *pools = jget(r, "pools"), *ctl = jget(r, "control");
	struct json_object *pf = jget(r, "prefault");

	printf("memory:  %lld MiB in %lld frames of %lld MiB\n",
	       (long long)(jint(r, "memory_bytes") >> 20), (long long)jint(r, "frames"),
	       (long long)(fsz >> 20));
	printf("vCPUs:   %lld (%s)\n", (long long)jint(r, "vcpus"), jstr(r, "state"));
	printf("nodes:   %lld%s, policy %s\n", (long long)jint(r, "nodes"),
	       jbool(r, "simulated") ? " (simulated)" : "", jstr(r, "policy"));
	printf("pools (in %lld MiB pages):\n", (long long)(fsz >> 20));
	printf("  %4s %9s %-10s %8s %9s %6s %6s %8s\n", "node", "host node", "backing",
	       "capacity", "populated", "lazy", "free", "returned");
	for (size_t i = 0; pools && i < json_object_array_length(pools); i++) {
		struct json_object *p = json_object_array_get_idx(pools, i);

		printf("  %4lld %9lld %-10s %8lld %9lld %6lld %6lld %8lld\n",
		       (long long)jint(p, "node"), (long long)jint(p, "host_node"),
		       jstr(p, "backing"), (long long)jint(p, "capacity"),
		       (long long)jint(p, "populated"), (long long)jint(p, "lazy"),
		       (long long)jint(p, "free"),
		       (long long)jint(p, "pages_returned"));
	}
	if (pf)
		printf("prefault after a move: MADV_POPULATE_WRITE %s, KVM_PRE_FAULT_MEMORY %s\n",
		       jbool(pf, "populate_write") ? "in use" : "unavailable", jstr(pf, "kvm_pre_fault_memory"));
	if (ctl)
		printf("control: %lld request%s, %lld error%s, %lld client%s\n",
		       (long long)jint(ctl, "requests"), plural(jint(ctl, "requests")),
		       (long long)jint(ctl, "errors"), plural(jint(ctl, "errors")),
		       (long long)jint(ctl, "clients"), plural(jint(ctl, "clients")));
	simulated_note(r);
}

/* "disk0 (virtio-blk): host node 0, threads disk0-io0 ..." per device. */
static void show_device_nodes(struct json_object *devices)
{
	size_t n = devices ? json_object_array_length(devices) : 0;

	if (n)
		printf("\nDevice I/O threads:\n");
	for (size_t i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(devices, i), *threads = jget(d, "threads");
		int64_t node = jint(d, "host_node");
		char where[32] = "any host node";

		if (node >= 0)
			snprintf(where, sizeof(where), "host node %lld", (long long)node);
		printf("  %-6s %-11s %s, threads", jstr(d, "device"), jstr(d, "type"), where);
		for (size_t k = 0; threads && k < json_object_array_length(threads); k++)
			printf(" %s", json_object_get_string(json_object_array_get_idx(threads, k)));
		printf("\n");
	}
}

/* numastat -p style: a column per node and a total. */
static void show_numastat(struct json_object *r, bool color)
{
	struct json_object *nodes = jget(r, "per_node"), *total = jget(r, "total");
	struct json_object *states = jget(r, "states");
	size_t n = nodes ? json_object_array_length(nodes) : 0;
	double mib = (double)jint(r, "frame_size") / (1 << 20);
	char name[16];

	printf("Per-node guest memory usage (in MiBs)\n%-10s", "");
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "Node %lld",
			 (long long)jint(json_object_array_get_idx(nodes, i), "node"));
		printf(" %12s", name);
	}
	printf(" %12s\n%-10s", "Total", "");
	for (size_t i = 0; i <= n; i++)
		printf(" %12s", "------------");
	printf("\n%-10s", "Frames");
	for (size_t i = 0; i < n; i++)
		printf(" %12lld", (long long)jint(json_object_array_get_idx(nodes, i), "frames"));
	printf(" %12lld\n%-10s", (long long)jint(total, "frames"), "MiB");
	for (size_t i = 0; i < n; i++)
		printf(" %12.2f", jint(json_object_array_get_idx(nodes, i), "frames") * mib);
	printf(" %12.2f\n%-10s", jint(total, "frames") * mib, "Tier");
	for (size_t i = 0; i < n; i++) { /* memory tier, 0 fastest; a drained node says so */
		struct json_object *node = json_object_array_get_idx(nodes, i), *d = jget(node, "drained");
		char tier[16];

		snprintf(tier, sizeof(tier), "%lld%s", (long long)jint(node, "tier"),
			 d && json_object_get_boolean(d) ? " drained" : "");
		printf(" %12s", tier);
	}
	printf("\n");
	if (jint(total, "degraded")) { /* on 4 KiB pages while hugepages ran out */
		printf("%-10s", "Degraded");
		for (size_t i = 0; i < n; i++)
			printf(" %12lld", (long long)jint(json_object_array_get_idx(nodes, i), "degraded"));
		printf(" %12lld\n", (long long)jint(total, "degraded"));
	}
	printf("\nFrames by state:");
	if (states) {
		const char *sep = " ";
		json_object_object_foreach(states, state, count) {
			printf("%s%s %lld", sep, state, (long long)json_object_get_int64(count));
			sep = ", ";
		}
	}
	printf(" (%lld in all)\n", (long long)jint(r, "frames"));
	show_device_nodes(jget(r, "devices"));
	simulated_note(r);
}

/* Map colours: a background per node so the split shows at a glance; the
 * letters stay readable without colour. */
static const char *cell_color(char c)
{
	static const char *const node_bg[] = {
		"\033[30;41m", "\033[30;42m", "\033[30;43m", "\033[30;44m",
		"\033[30;45m", "\033[30;46m", "\033[30;101m", "\033[30;102m",
		"\033[30;103m", "\033[30;104m", "\033[30;105m", "\033[30;106m",
	};
	int node = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

	if (node >= 0)
		return node_bg[node % ARRAY_SIZE(node_bg)];
	if (c == '.')
		return "\033[2m";
	return "\033[1;7m"; /* something in flight or ballooned: stand out */
}

static void put_cell(char c, bool color)
{
	if (color)
		printf("%s%c\033[0m", cell_color(c), c);
	else
		putchar(c);
}

/* Rows of MAP_ROW cells; a row that repeats the one above is not drawn again
 * but counted on it ("x64 rows"), so a large guest with long runs on one node
 * stays a screenful: 16 GiB on two nodes is a few rows, not 128. Rows are
 * labelled with guest-physical addresses; none spans the MMIO hole, so RAM
 * above 4 GiB starts a row at 0x100000000. */
void ctl_show_map(struct json_object *r, bool color)
{
	struct json_object *map = jget(r, "map"), *legend = jget(r, "legend");
	const char *cells = map ? json_object_get_string(map) : "";
	size_t count = map ? (size_t)json_object_get_string_len(map) : 0;
	uint64_t fsz = jint(r, "frame_size"), first = jint(r, "first");
	uint64_t end = fs_ram_offset_gpa((first + count - 1) * fsz) + fsz;
	uint64_t hole = fsz ? FS_LOW_RAM_MAX / fsz : 0; /* the first frame above the hole */
	int width = 8;

	while (width < 16 && end >> (4 * width))
		width++;
	if (!count) /* never from a working server; keeps the arithmetic below sane */
		return;
	printf("guest memory map: frames %llu-%llu of %lld, %llu MiB each, %d per row\n",
	       (unsigned long long)first, (unsigned long long)(first + count - 1),
	       (long long)jint(r, "frames"), (unsigned long long)(fsz >> 20), MAP_ROW);
	for (size_t row = 0; row < count; ) {
		size_t len = count - row < MAP_ROW ? count - row : MAP_ROW, same = 1;
		uint64_t f = first + row;

		if (f < hole && f + len > hole)
			len = (size_t)(hole - f);
		while (len == MAP_ROW && row + (same + 1) * MAP_ROW <= count &&
		       !(f < hole && f + (same + 1) * MAP_ROW > hole) &&
		       !memcmp(cells + row, cells + row + same * MAP_ROW, MAP_ROW))
			same++;
		printf("0x%0*llx ", width, (unsigned long long)fs_ram_offset_gpa(f * fsz));
		for (size_t i = 0; i < len; i++) {
			if (i % MAP_GROUP == 0)
				putchar(' ');
			put_cell(cells[row + i], color);
		}
		if (same > 1)
			printf("  x%zu rows", same);
		putchar('\n');
		row += same * len;
	}
	printf("legend:");
	if (legend) {
		json_object_object_foreach(legend, c, what) {
			printf("  ");
			put_cell(c[0], color);
			printf(" %s", json_object_get_string(what));
		}
	}
	putchar('\n');
	simulated_note(r);
}

static void show_map(struct json_object *r, bool color)
{
	ctl_show_map(r, color);
}

static void show_state(struct json_object *r, bool color)
{
	printf("VM %s\n", jstr(r, "state"));
}

static const struct ctl_view {
	const char *cmd;
	void (*show)(struct json_object *reply, bool color);
} views[] = {
	{ "info", show_info },
	{ "numastat", show_numastat },
	{ "map", show_map },
	{ "pause", show_state },
	{ "resume", show_state },
	{ "quit", show_state },
};

/* A reply's "text" is what the command's virsh namesake prints (dumpxml,
 * dommemstat): shown as it is, each line escaped. */
static bool show_text(struct json_object *r)
{
	struct json_object *t;
	char *copy, *rest, *line;

	if (!json_object_object_get_ex(r, "text", &t) || !(copy = strdup(json_object_get_string(t))))
		return false;
	for (rest = copy; (line = strsep(&rest, "\n"));)
		if (*line || rest)
			ctl_put_value(line);
	free(copy);
	return true;
}

void ctl_show_reply(struct json_object *r, const char *cmd, bool json, bool color)
{
	if (!json && show_text(r))
		return;
	if (!json)
		for (size_t i = 0; i < ARRAY_SIZE(views); i++)
			if (!strcmp(views[i].cmd, cmd)) {
				struct json_object *p = json_escaped_copy(r);

				views[i].show(p ? p : r, color);
				json_object_put(p);
				return;
			}
	ctl_show_json(r);
}
