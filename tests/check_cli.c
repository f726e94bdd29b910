/* check_cli.c - `frameshift run` option parsing, size parsing, the path
 * lookup of `frameshift ctl --get`, how ctl draws a map and how it escapes
 * what it prints. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/escape.h"
#include "lib/util.h"
#include "lib/parse.h"
#include "vmm/cli.h"
#include "vmm/ctl.h"
#include "include/frameshift/guest-abi.h"
#include "tests/unit.h"

#define MAX_ARGS 32
#define OUT_MAX 4096

/* What one cli_parse_run call printed. */
static char out_text[OUT_MAX], err_text[OUT_MAX];

static void slurp(FILE *f, char *buf)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, OUT_MAX - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* cli_parse_run("run", args..., NULL) with stdout and stderr captured. */
static int parse(struct vm_config *cfg, ...)
{
	static char *argv[MAX_ARGS + 1];
	int argc = 0, ret, saved_out, saved_err;
	FILE *out = tmpfile(), *err = tmpfile();
	va_list ap;
	const char *a;

	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(err);
	argv[argc++] = "run";
	va_start(ap, cfg);
	while ((a = va_arg(ap, const char *)) != NULL) {
		ck_assert_int_lt(argc, MAX_ARGS);
		argv[argc++] = (char *)a;
	}
	va_end(ap);
	argv[argc] = NULL;

	fflush(stdout);
	fflush(stderr);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	dup2(fileno(out), STDOUT_FILENO);
	dup2(fileno(err), STDERR_FILENO);
	ret = cli_parse_run(argc, argv, cfg);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	slurp(out, out_text);
	slurp(err, err_text);
	return ret;
}

#define PARSE(cfg, ...) parse(cfg, __VA_ARGS__, (const char *)NULL)

START_TEST(defaults)
{
	struct vm_config cfg;

	memset(&cfg, 0x5a, sizeof(cfg));
	ck_assert_int_eq(PARSE(&cfg, "guest.elf"), 0);
	ck_assert_str_eq(cfg.guest_path, "guest.elf");
	ck_assert_uint_eq(cfg.cpus, 1);
	ck_assert_uint_eq(cfg.copy_threads, 1);
	ck_assert_uint_eq(cfg.mem.size, 64ULL << 20);
	ck_assert_int_eq(cfg.mem.policy.mode, NUMA_BIND);
	ck_assert_uint_eq(cfg.mem.policy.nodemask, 0x1);
	ck_assert_int_eq(cfg.mem.backing, POOL_HUGETLB);
	ck_assert_uint_eq(cfg.mem.sim_nodes, 0);
	ck_assert_uint_eq(cfg.mem.pool_reserve, 4);
	ck_assert_ptr_null((void *)cfg.mem.populate);
	ck_assert_ptr_null(cfg.api_socket);
	ck_assert_ptr_null(cfg.append);
	ck_assert(!cfg.verbose);
	ck_assert_str_eq(err_text, "");
	ck_assert_str_eq(out_text, "");
}
END_TEST

START_TEST(long_options)
{
	struct vm_config cfg;

	ck_assert_int_eq(PARSE(&cfg, "--mem", "128M", "--cpus", "4", "--numa-policy", "interleave:0,1",
			       "--sim-nodes", "2", "--no-hugetlb", "--pool-reserve", "7",
			       "--api-socket", "/tmp/fs.sock", "--append", "test=all verbose",
			       "--copy-threads", "8", "--verbose", "g.elf"), 0);
	ck_assert_str_eq(cfg.guest_path, "g.elf");
	ck_assert_uint_eq(cfg.mem.size, 128ULL << 20);
	ck_assert_uint_eq(cfg.cpus, 4);
	ck_assert_int_eq(cfg.mem.policy.mode, NUMA_INTERLEAVE);
	ck_assert_uint_eq(cfg.mem.policy.nodemask, 0x3);
	ck_assert_uint_eq(cfg.mem.sim_nodes, 2);
	ck_assert_int_eq(cfg.mem.backing, POOL_THP);
	ck_assert_uint_eq(cfg.mem.pool_reserve, 7);
	ck_assert_uint_eq(cfg.copy_threads, 8);
	ck_assert_str_eq(cfg.api_socket, "/tmp/fs.sock");
	ck_assert_str_eq(cfg.append, "test=all verbose");
	ck_assert(cfg.verbose);
	ck_assert_str_eq(err_text, "");
}
END_TEST

START_TEST(short_and_joined_options)
{
	struct vm_config cfg;

	ck_assert_int_eq(PARSE(&cfg, "-m", "1G", "-c", "64", "-v", "x.elf"), 0);
	ck_assert_uint_eq(cfg.mem.size, 1ULL << 30);
	ck_assert_uint_eq(cfg.cpus, 64);
	ck_assert(cfg.verbose);
	ck_assert_str_eq(cfg.guest_path, "x.elf");

	ck_assert_int_eq(PARSE(&cfg, "-m2M", "-c3", "y.elf"), 0);
	ck_assert_uint_eq(cfg.mem.size, 2ULL << 20);
	ck_assert_uint_eq(cfg.cpus, 3);
	ck_assert(!cfg.verbose);

	ck_assert_int_eq(PARSE(&cfg, "--mem=256MiB", "--cpus=2", "--numa-policy=preferred:1", "z"), 0);
	ck_assert_uint_eq(cfg.mem.size, 256ULL << 20);
	ck_assert_uint_eq(cfg.cpus, 2);
	ck_assert_int_eq(cfg.mem.policy.mode, NUMA_PREFERRED);
	ck_assert_uint_eq(cfg.mem.policy.nodemask, 0x2);

	/* the last of a repeated option wins */
	ck_assert_int_eq(PARSE(&cfg, "--mem", "8M", "--mem", "16M", "-c", "2", "-c", "5", "g"), 0);
	ck_assert_uint_eq(cfg.mem.size, 16ULL << 20);
	ck_assert_uint_eq(cfg.cpus, 5);

	/* "--" ends the options, so a guest may start with a dash */
	ck_assert_int_eq(PARSE(&cfg, "--", "-odd.elf"), 0);
	ck_assert_str_eq(cfg.guest_path, "-odd.elf");
}
END_TEST

START_TEST(limits_accepted)
{
	struct vm_config cfg;

	/* exactly the RAM below the MMIO window, and the most there is */
	ck_assert_int_eq(PARSE(&cfg, "--mem", "3G", "g"), 0);
	ck_assert_uint_eq(cfg.mem.size, FS_LOW_RAM_MAX);
	ck_assert_int_eq(PARSE(&cfg, "--mem", "64G", "g"), 0);
	ck_assert_uint_eq(cfg.mem.size, FS_RAM_MAX);
	ck_assert_int_eq(PARSE(&cfg, "--mem", "2097152", "g"), 0);
	ck_assert_uint_eq(cfg.mem.size, 2ULL << 20);
	ck_assert_int_eq(PARSE(&cfg, "--cpus", "1", "--sim-nodes", "1", "--pool-reserve", "0", "g"), 0);
	ck_assert_uint_eq(cfg.cpus, 1);
	ck_assert_uint_eq(cfg.mem.sim_nodes, 1);
	ck_assert_uint_eq(cfg.mem.pool_reserve, 0);
	ck_assert_int_eq(PARSE(&cfg, "--sim-nodes", "16", "--numa-policy", "bind:0-2,5", "g"), 0);
	ck_assert_uint_eq(cfg.mem.sim_nodes, 16);
	ck_assert_uint_eq(cfg.mem.policy.nodemask, 0x27);
	ck_assert_int_eq(PARSE(&cfg, "--copy-threads", "64", "g"), 0);
	ck_assert_uint_eq(cfg.copy_threads, 64);
	ck_assert_int_eq(PARSE(&cfg, "--pool-reserve", "1048576", "g"), 0);
	ck_assert_uint_eq(cfg.mem.pool_reserve, 1u << 20);
}
END_TEST

/* Each bad command line: its arguments and a phrase the message must contain. */
static const struct {
	const char *args[6];
	const char *msg;
} bad[] = {
	{ { NULL }, "no guest image" },
	{ { "-v", NULL }, "no guest image" },
	{ { "a.elf", "b.elf", NULL }, "more than one guest image" },
	{ { "--mem", "3M", "g", NULL }, "multiple of 2M" },
	{ { "--emulator-cpus", "1-", "g", NULL }, "bad --emulator-cpus '1-'" },
	{ { "--emulator-cpus", "0,99999", "g", NULL }, "bad --emulator-cpus" },
	{ { "--mem", "1M", "g", NULL }, "multiple of 2M" },
	{ { "--mem", "0", "g", NULL }, "multiple of 2M" },
	{ { "--mem", "65G", "g", NULL }, "larger than the 64 GiB" },
	{ { "--mem", "65538M", "g", NULL }, "larger than" },
	{ { "--mem", "abc", "g", NULL }, "bad --mem 'abc'" },
	{ { "--mem", "", "g", NULL }, "bad --mem" },
	{ { "--mem", "-2M", "g", NULL }, "bad --mem" },
	{ { "--mem", "99999999999T", "g", NULL }, "bad --mem" },
	{ { "--cpus", "0", "g", NULL }, "bad --cpus '0'" },
	{ { "--cpus", "65", "g", NULL }, "bad --cpus '65'" },
	{ { "--cpus", "x", "g", NULL }, "bad --cpus 'x'" },
	{ { "--cpus", "-1", "g", NULL }, "bad --cpus" },
	{ { "--cpus", "2x", "g", NULL }, "bad --cpus" },
	{ { "--cpus", "", "g", NULL }, "bad --cpus" },
	{ { "--cpus", "4294967297", "g", NULL }, "bad --cpus" },
	{ { "--cpus", " 2", "g", NULL }, "bad --cpus" },
	{ { "--cpus", "+2", "g", NULL }, "bad --cpus" },
	{ { "--copy-threads", "0", "g", NULL }, "bad --copy-threads '0'" },
	{ { "--copy-threads", "65", "g", NULL }, "bad --copy-threads '65'" },
	{ { "--copy-threads", "x", "g", NULL }, "bad --copy-threads 'x'" },
	{ { "--sim-nodes", "0", "g", NULL }, "bad --sim-nodes '0'" },
	{ { "--sim-nodes", "17", "g", NULL }, "bad --sim-nodes '17'" },
	{ { "--numa-policy", "bogus", "g", NULL }, "bad NUMA policy 'bogus'" },
	{ { "--numa-policy", "bind:16", "g", NULL }, "bad node list" },
	{ { "--numa-policy", "preferred:0,1", "g", NULL }, "exactly one node" },
	{ { "--pool-reserve", "-1", "g", NULL }, "bad --pool-reserve" },
	{ { "--pool-reserve", "1048577", "g", NULL }, "bad --pool-reserve" },
	{ { "--bogus", "g", NULL }, "unknown option '--bogus'" },
	{ { "-x", "g", NULL }, "unknown option '-x'" },
	{ { "-vx", "g", NULL }, "unknown option '-" },
	/* an unknown option first in a group must be named, not argv[0] */
	{ { "-xv", "g", NULL }, "unknown option '-x" },
	{ { "--no-hugetlb=yes", "g", NULL }, "--no-hugetlb" },
	{ { "--mem", NULL }, "'--mem' needs a value" },
	{ { "--cpus", NULL }, "'--cpus' needs a value" },
	{ { "-v", "--append", NULL }, "'--append' needs a value" },
	{ { "-m", NULL }, "needs a value" },
	{ { "--disk", "x.img,bogus", "g", NULL }, "unknown option 'bogus'" },
	{ { "--disk", ",readonly", "g", NULL }, "want PATH" },
	{ { "--disk", "x.img,serial=123456789012345678901", "g", NULL }, "longer than 20" },
	{ { "--net", "tap0", "g", NULL }, "want tap=NAME" },
	{ { "--net", "tap=a,mac=01:00:00:00:00:00", "g", NULL }, "bad mac" },
};

START_TEST(usage_errors)
{
	static char *argv[MAX_ARGS];
	struct vm_config cfg;
	int argc = 0, saved_err, ret;
	char args[256] = "";
	FILE *err = tmpfile();

	ck_assert_ptr_nonnull(err);
	argv[argc++] = "run";
	for (int i = 0; bad[_i].args[i]; i++) {
		argv[argc++] = (char *)bad[_i].args[i];
		strcat(args, " ");
		strcat(args, bad[_i].args[i]);
	}
	argv[argc] = NULL;
	fflush(stderr);
	saved_err = dup(STDERR_FILENO);
	dup2(fileno(err), STDERR_FILENO);
	ret = cli_parse_run(argc, argv, &cfg);
	fflush(stderr);
	dup2(saved_err, STDERR_FILENO);
	close(saved_err);
	slurp(err, err_text);

	ck_assert_msg(ret == EXIT_USAGE, "'run%s' returned %d", args, ret);
	ck_assert_int_eq(EXIT_USAGE, 64);
	ck_assert_msg(strncmp(err_text, "frameshift run: ", 16) == 0, "'run%s': stderr '%s'", args, err_text);
	ck_assert_msg(strstr(err_text, bad[_i].msg) != NULL, "'run%s': stderr '%s' lacks \"%s\"",
		      args, err_text, bad[_i].msg);
	ck_assert_msg(strstr(err_text, "--help") != NULL, "'run%s': no hint", args);
}
END_TEST

START_TEST(disks_and_nets)
{
	struct vm_config cfg;

	ck_assert_int_eq(PARSE(&cfg, "--disk", "a.img,readonly,serial=S-1", "--disk", "b.img", "--net",
			       "tap=t0", "--net", "tap=t1,mac=02:00:00:00:00:09", "g"), 0);
	ck_assert_uint_eq(cfg.ndisks, 2);
	ck_assert_str_eq(cfg.disks[0].path, "a.img");
	ck_assert(cfg.disks[0].readonly && !cfg.disks[1].readonly);
	ck_assert_str_eq(cfg.disks[0].serial, "S-1");
	ck_assert_uint_eq(cfg.nnets, 2);
	ck_assert_str_eq(cfg.nets[1].tap, "t1");
	ck_assert_uint_eq(cfg.nets[0].mac[5], 0x56);
	ck_assert_uint_eq(cfg.nets[1].mac[5], 0x09);
	ck_assert_int_eq(PARSE(&cfg, "--disk", "a", "--disk", "b", "--disk", "c", "--disk", "d", "--disk", "e", "g"),
			 EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(err_text, "more than 4 --disk"));
	ck_assert_int_eq(PARSE(&cfg, "--net", "tap=a", "--net", "tap=b", "--net", "tap=c", "g"), EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(err_text, "more than 2 --net"));
}
END_TEST

/* --emulator-cpus (libvirt's emulatorpin): the CPUs, any number of them */
START_TEST(emulator_cpus)
{
	struct vm_config cfg;

	ck_assert_int_eq(PARSE(&cfg, "g"), 0);
	ck_assert(!cfg.emulator_pinned);
	ck_assert_int_eq(PARSE(&cfg, "--emulator-cpus", "0-2,5", "g"), 0);
	ck_assert(cfg.emulator_pinned);
	ck_assert_int_eq(CPU_COUNT(&cfg.emulator_cpus), 4);
	ck_assert(CPU_ISSET(2, &cfg.emulator_cpus) && CPU_ISSET(5, &cfg.emulator_cpus));
	ck_assert(!CPU_ISSET(3, &cfg.emulator_cpus));
}
END_TEST

START_TEST(help)
{
	struct vm_config cfg;

	ck_assert_int_eq(PARSE(&cfg, "--help"), 1);
	ck_assert_ptr_nonnull(strstr(out_text, "usage: frameshift run"));
	ck_assert_ptr_nonnull(strstr(out_text, "--numa-policy"));
	ck_assert_str_eq(err_text, "");
	ck_assert_int_eq(PARSE(&cfg, "-h"), 1);
	ck_assert_ptr_nonnull(strstr(out_text, "usage: frameshift run"));
	/* --help wins over what would otherwise be an error */
	ck_assert_int_eq(PARSE(&cfg, "--cpus", "2", "--help", "a", "b"), 1);
	ck_assert_str_eq(err_text, "");
}
END_TEST

START_TEST(reparse_is_clean)
{
	/* cli_parse_run must not carry getopt state from one call into the next
	 * (an unknown option in the middle of a group of short options) */
	struct vm_config cfg;

	ck_assert_int_eq(PARSE(&cfg, "-xv", "g"), EXIT_USAGE);
	ck_assert_int_eq(PARSE(&cfg, "g"), 0);
	ck_assert_str_eq(cfg.guest_path, "g");
	ck_assert_msg(!cfg.verbose, "'-v' from the previous command line leaked in");
	ck_assert_str_eq(err_text, "");

	ck_assert_int_eq(PARSE(&cfg, "-hv"), 1);
	ck_assert_int_eq(PARSE(&cfg, "g"), 0);
	ck_assert_msg(!cfg.verbose, "'-v' from the previous command line leaked in");
}
END_TEST

START_TEST(sizes_ok)
{
	static const struct {
		const char *s;
		uint64_t v;
	} ok[] = {
		{ "64M", 64ULL << 20 }, { "1G", 1ULL << 30 }, { "512K", 512ULL << 10 },
		{ "2MiB", 2ULL << 20 }, { "4096", 4096 }, { "0", 0 }, { "64m", 64ULL << 20 },
		{ "1g", 1ULL << 30 }, { "3k", 3072 }, { "2T", 2ULL << 40 }, { "1GiB", 1ULL << 30 },
		{ "8MB", 8ULL << 20 }, { "4096B", 4096 }, { "16777215T", 16777215ULL << 40 },
		{ "18446744073709551615", UINT64_MAX },
	};

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		uint64_t v = 0x1234;

		ck_assert_msg(parse_size(ok[i].s, &v) == 0, "'%s' rejected", ok[i].s);
		ck_assert_msg(v == ok[i].v, "'%s' -> %llu, want %llu", ok[i].s,
			      (unsigned long long)v, (unsigned long long)ok[i].v);
	}
}
END_TEST

static const char *const bad_sizes[] = {
	"", "-1", "12Q", "M", "99999999999T", "16777216T", "18446744073709551616",
	"64MM", "64 M", "1.5G", "0x10", "G1", "-0", "4096iB", "2Mi B", "64Mx", "iB", "B",
	" -1", "\t-2097152",
};

START_TEST(sizes_bad)
{
	uint64_t v = 0x1234;

	ck_assert_msg(parse_size(bad_sizes[_i], &v) == -1, "'%s' accepted as %llu", bad_sizes[_i],
		      (unsigned long long)v);
	ck_assert_uint_eq(v, 0x1234);
}
END_TEST

/* A reply with every kind of value a --get path may reach or stop at. */
static const char ctl_reply[] =
	"{\"ok\":true,\"state\":\"running\",\"frames\":16,\"share\":1.0,"
	"\"per_node\":[{\"node\":0,\"frames\":9},{\"node\":1,\"frames\":7}],"
	"\"host\":{\"frames_isolated\":96,\"a.b\":1},\"none\":null,\"empty\":[]}";

/* path -> the value found, as plain JSON ("null" for a JSON null) */
static const struct {
	const char *path, *json;
} ctl_found[] = {
	{ "ok", "true" },
	{ "state", "\"running\"" },
	{ "frames", "16" },
	{ "share", "1.0" },
	{ "per_node.1.frames", "7" },
	{ "per_node.0", "{\"node\":0,\"frames\":9}" },
	{ "host.frames_isolated", "96" },
	{ "none", "null" },
	{ "empty", "[]" },
};

START_TEST(ctl_get_found)
{
	struct json_object *reply = json_tokener_parse(ctl_reply), *v = reply;

	ck_assert_ptr_nonnull(reply);
	ck_assert_msg(ctl_path_get(reply, ctl_found[_i].path, &v), "'%s' not found",
		      ctl_found[_i].path);
	ck_assert_str_eq(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), ctl_found[_i].json);
	json_object_put(reply);
}
END_TEST

static const char *const ctl_missing[] = {
	"", "nope", "Frames", "per_node.2", "per_node.-1", "per_node.+1", "per_node. 1",
	"per_node.1x", "per_node.x", "per_node.1.frames.0", "state.0", "frames.x", "none.x",
	"empty.0", "host.a.b", "per_node.", ".state", "state.", "host..frames_isolated",
	"per_node.18446744073709551617",
};

START_TEST(ctl_get_missing)
{
	struct json_object *reply = json_tokener_parse(ctl_reply), *v = reply;

	ck_assert_ptr_nonnull(reply);
	ck_assert_msg(!ctl_path_get(reply, ctl_missing[_i], &v), "'%s' found", ctl_missing[_i]);
	ck_assert_ptr_eq(v, reply); /* untouched */
	json_object_put(reply);
}
END_TEST

/* What ctl_show_map printed for a map reply of `count` frames from frame
 * `first` of first + count, cells[i] being frame first + i's character. */
static char map_text[1 << 16];

static void show_map_from(const char *cells, size_t count, size_t first)
{
	size_t frames = first + count;
	struct json_object *r = json_object_new_object();
	FILE *out = tmpfile();
	int saved_out = dup(STDOUT_FILENO);
	size_t n;

	ck_assert_ptr_nonnull(out);
	json_object_object_add(r, "frames", json_object_new_int64((int64_t)frames));
	json_object_object_add(r, "frame_size", json_object_new_int64(2 << 20));
	json_object_object_add(r, "first", json_object_new_int64((int64_t)first));
	json_object_object_add(r, "map", json_object_new_string_len(cells, (int)count));
	fflush(stdout);
	dup2(fileno(out), STDOUT_FILENO);
	ctl_show_map(r, false);
	fflush(stdout);
	dup2(saved_out, STDOUT_FILENO);
	close(saved_out);
	rewind(out);
	n = fread(map_text, 1, sizeof(map_text) - 1, out);
	map_text[n] = '\0';
	fclose(out);
	json_object_put(r);
}

static void show_map_of(const char *cells, size_t frames)
{
	show_map_from(cells, frames, 0);
}

static unsigned count_lines(const char *text, size_t *longest)
{
	unsigned lines = 0;

	*longest = 0;
	for (const char *l = text, *nl; *l; l = nl + 1) {
		nl = strchr(l, '\n');
		ck_assert_ptr_nonnull(nl);
		if ((size_t)(nl - l) > *longest)
			*longest = (size_t)(nl - l);
		lines++;
	}
	return lines;
}

/* A 16 GiB guest (8192 frames) half on each node, one frame migrating: the
 * rows that repeat the row above are counted, not drawn again; rows are
 * labelled with guest addresses, and a run of rows stops at the MMIO hole
 * (frame 1536 is GPA 4 GiB). */
START_TEST(map_large_guest_is_a_screenful)
{
	static char cells[8192];
	size_t longest;

	memset(cells, '0', 4096);
	memset(cells + 4096, '1', 4096);
	cells[100] = 'M';
	show_map_of(cells, sizeof(cells));
	ck_assert_uint_eq(count_lines(map_text, &longest), 7); /* header, 5 rows, legend */
	ck_assert_uint_le(longest, 100);
	ck_assert_str_eq(map_text,
		"guest memory map: frames 0-8191 of 8192, 2 MiB each, 64 per row\n"
		"0x000000000  0000000000000000 0000000000000000 0000000000000000 0000000000000000\n"
		"0x008000000  0000000000000000 0000000000000000 0000M00000000000 0000000000000000\n"
		"0x010000000  0000000000000000 0000000000000000 0000000000000000 0000000000000000  x22 rows\n"
		"0x100000000  0000000000000000 0000000000000000 0000000000000000 0000000000000000  x40 rows\n"
		"0x240000000  1111111111111111 1111111111111111 1111111111111111 1111111111111111  x64 rows\n"
		"legend:\n");
}
END_TEST

/* A map from a frame below the hole: the row ends at the hole, and the next
 * starts at 4 GiB, not at the hole's address. */
START_TEST(map_rows_break_at_the_hole)
{
	char cells[100];

	memset(cells, '0', sizeof(cells));
	show_map_from(cells, sizeof(cells), 1500);
	ck_assert_str_eq(map_text,
		"guest memory map: frames 1500-1599 of 1600, 2 MiB each, 64 per row\n"
		"0x0bb800000  0000000000000000 0000000000000000 0000\n"
		"0x100000000  0000000000000000 0000000000000000 0000000000000000 0000000000000000\n"
		"legend:\n");
}
END_TEST

/* Rows that differ are all drawn; a short last row is never counted as a
 * repeat of a full one. */
START_TEST(map_rows_that_differ)
{
	char cells[200];

	for (size_t i = 0; i < sizeof(cells); i++)
		cells[i] = i / 64 % 2 ? '1' : '0';
	show_map_of(cells, sizeof(cells));
	ck_assert_str_eq(map_text,
		"guest memory map: frames 0-199 of 200, 2 MiB each, 64 per row\n"
		"0x00000000  0000000000000000 0000000000000000 0000000000000000 0000000000000000\n"
		"0x08000000  1111111111111111 1111111111111111 1111111111111111 1111111111111111\n"
		"0x10000000  0000000000000000 0000000000000000 0000000000000000 0000000000000000\n"
		"0x18000000  11111111\n"
		"legend:\n");
}
END_TEST

/* text -> as ctl shows it to people, and inside its JSON output */
static const struct {
	const char *in, *text, *json;
} escapes[] = {
	{ "plain", "plain", "plain" },
	{ "a\033[2Jb", "a\\x1b[2Jb", NULL },          /* C0: ESC */
	{ "\t\n", "\\x09\\x0a", "\t\n" },             /* json-c's layout */
	{ "x\177y", "x\\x7fy", "x\\u007fy" },         /* DEL */
	{ "\302\233", "\\xc2\\x9b", "\\u009b" },       /* U+009B CSI */
	{ "\302\200\302\237", "\\xc2\\x80\\xc2\\x9f", "\\u0080\\u009f" },
	{ "\233", "\\x9b", "\\u009b" },               /* CSI to an 8-bit terminal */
	{ "\302\240\303\251\342\202\254\360\237\230\200", /* NBSP, é, €, an emoji */
	  "\302\240\303\251\342\202\254\360\237\230\200", "\302\240\303\251\342\202\254\360\237\230\200" },
	{ "\342\202", "\\xe2\\x82", "\\u00e2\\u0082" }, /* cut short */
	{ "\300\257", "\\xc0\\xaf", "\\u00c0\\u00af" }, /* overlong '/' */
	{ "\340\202\233", "\\xe0\\x82\\x9b", NULL },       /* overlong U+009B */
	{ "\355\240\200", "\\xed\\xa0\\x80", NULL },       /* a surrogate */
	{ "\360\202\202\254", "\\xf0\\x82\\x82\\xac", NULL }, /* overlong */
	{ "\364\220\200\200", "\\xf4\\x90\\x80\\x80", NULL }, /* U+110000 */
	{ "\365\200\200\200", "\\xf5\\x80\\x80\\x80", NULL }, /* past U+10FFFF */
};

START_TEST(escape_for_people)
{
	char *text = escape_controls(escapes[_i].in, false);
	char *json = escape_controls(escapes[_i].in, true);

	ck_assert_str_eq(text, escapes[_i].text);
	if (escapes[_i].json)
		ck_assert_str_eq(json, escapes[_i].json);
	free(text);
	free(json);
}
END_TEST

/* Keys are escaped as well as values, at every depth. */
START_TEST(escaped_copy)
{
	struct json_object *r = json_tokener_parse(
		"{\"a\\u001b\":[\"\\u0007\",1,{\"k\":\"\\u009b\"}],\"n\":null}");
	struct json_object *c = json_escaped_copy(r);

	ck_assert_str_eq(json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN),
			 "{\"a\\\\x1b\":[\"\\\\x07\",1,{\"k\":\"\\\\xc2\\\\x9b\"}],\"n\":null}");
	json_object_put(c);
	json_object_put(r);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("run");
	TCase *ts = tcase_create("size");

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, long_options);
	tcase_add_test(tc, short_and_joined_options);
	tcase_add_test(tc, limits_accepted);
	tcase_add_loop_test(tc, usage_errors, 0, (int)ARRAY_SIZE(bad));
	tcase_add_test(tc, help);
	tcase_add_test(tc, reparse_is_clean);
	tcase_add_test(tc, disks_and_nets);
	tcase_add_test(tc, emulator_cpus);
	suite_add_tcase(s, tc);

	tcase_add_test(ts, sizes_ok);
	tcase_add_loop_test(ts, sizes_bad, 0, (int)ARRAY_SIZE(bad_sizes));
	suite_add_tcase(s, ts);

	TCase *tg = tcase_create("ctl_get");
	tcase_add_loop_test(tg, ctl_get_found, 0, (int)ARRAY_SIZE(ctl_found));
	tcase_add_loop_test(tg, ctl_get_missing, 0, (int)ARRAY_SIZE(ctl_missing));
	tcase_add_test(tg, map_large_guest_is_a_screenful);
	tcase_add_test(tg, map_rows_that_differ);
	tcase_add_test(tg, map_rows_break_at_the_hole);
	suite_add_tcase(s, tg);

	TCase *te = tcase_create("escape");
	tcase_add_loop_test(te, escape_for_people, 0, (int)ARRAY_SIZE(escapes));
	tcase_add_test(te, escaped_copy);
	suite_add_tcase(s, te);
	return s;
}
