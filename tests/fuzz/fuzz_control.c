/* fuzz_control.c - the control protocol (vmm/control/): every line of the
 * input goes through control_handle_line(), as the server hands it a line.
 *
 * The VM is built once without KVM, as tests/check_control.c builds it: real
 * guest memory on four simulated nodes over shmem (no hugepages), and a real
 * migrator (userfaultfd), so migrate, numatune and copy-baseline really move
 * and copy frames. Each frame carries a mark in its first and last 8 bytes.
 *
 * Properties, after every line: the reply is one line of JSON, an object with
 * a boolean "ok" (and a string "error" when not ok). After every input: every
 * frame is MAPPED on a node below nnodes and still holds its mark (moves
 * keep guest memory exactly), and the node lists hold every frame once.
 * Between inputs the run state is reset (quit and pause are sticky). */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "mm/guest_mem.h"
#include "mm/migrate.h"
#include "mm/policy.h"
#include "vmm/cli.h"
#include "vmm/control/commands.h"
#include "vmm/control/dispatch.h"
#include "vmm/vm.h"
#include "tests/fuzz/fuzz.h"

#define NODES 4
#define GUEST_SIZE (16ULL << 20)
#define MAX_LINES 64 /* per input: bounds the time one input takes */

static struct vm vm;
static struct vm_config cfg;

static uint64_t mark(uint32_t idx, int end)
{
	return 0xf5f5000000000000ULL | ((uint64_t)end << 32) | idx;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct guest_mem_config gcfg = {
		.size = GUEST_SIZE, .backing = POOL_SHMEM, .sim_nodes = NODES, .pool_reserve = 1,
	};
	char err[512] = "";

	(void)argc;
	(void)argv;
	if (numa_policy_parse("interleave:0-3", &gcfg.policy, err, sizeof(err)) < 0)
		abort();
	vm.cfg = &cfg;
	vm.kvm_fd = vm.vm_fd = -1;
	vm.ncpus = 0; /* no vCPU threads: pause and resume need none */
	pthread_mutex_init(&vm.lock, NULL);
	pthread_cond_init(&vm.cond, NULL);
	if (guest_mem_init(&vm.mem, &gcfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_control: guest_mem_init: %s\n", err);
		exit(1);
	}
	if (migrator_init(&vm.migrator, &vm.mem, 2, err, sizeof(err)) < 0) {
		/* no migrate without it: skip (77) rather than test half */
		fprintf(stderr, "SKIP: fuzz_control needs userfaultfd: %s\n", err);
		exit(77);
	}
	if (control_register_vm(&vm) < 0)
		abort();
	for (uint32_t i = 0; i < guest_mem_nframes(&vm.mem); i++) {
		uint8_t *f = guest_mem_frame_hva(&vm.mem, i);
		uint64_t a = mark(i, 0), b = mark(i, 1);

		memcpy(f, &a, 8);
		memcpy(f + FRAME_SIZE - 8, &b, 8);
	}
	return 0;
}

static void check_reply(const char *line, size_t len, char *reply)
{
	struct json_object *r, *ok, *e;
	enum json_tokener_error jerr;

	FUZZ_ASSERT(reply, "no reply to %.*s", (int)len, line);
	FUZZ_ASSERT(!strchr(reply, '\n'), "reply spans lines: %s", reply);
	r = json_tokener_parse_verbose(reply, &jerr);
	FUZZ_ASSERT(r && json_object_is_type(r, json_type_object), "reply is not an object: %s", reply);
	FUZZ_ASSERT(json_object_object_get_ex(r, "ok", &ok) && json_object_is_type(ok, json_type_boolean),
		    "no boolean ok: %s", reply);
	if (!json_object_get_boolean(ok))
		FUZZ_ASSERT(json_object_object_get_ex(r, "error", &e) &&
			    json_object_is_type(e, json_type_string) && json_object_get_string_len(e) > 0,
			    "error reply without a message: %s", reply);
	json_object_put(r);
}

static void check_memory(void)
{
	struct frame_table *ft = &vm.mem.ft;
	uint32_t listed = 0;

	pthread_mutex_lock(&ft->lock);
	for (unsigned n = 0; n < vm.mem.nnodes; n++) {
		uint32_t count = 0;

		for (struct frame *f = frame_list_first(ft, &ft->node_list[n]); f; f = frame_list_next(ft, f)) {
			FUZZ_ASSERT(f->node == n, "frame %u on node %u's list says node %u",
				    frame_index(ft, f), n, f->node);
			FUZZ_ASSERT(++count <= ft->nframes, "node %u's list loops", n);
		}
		FUZZ_ASSERT(count == ft->node_list[n].count, "node %u: list has %u, count says %u",
			    n, count, ft->node_list[n].count);
		listed += count;
	}
	FUZZ_ASSERT(listed == ft->nframes, "%u of %u frames on node lists", listed, ft->nframes);
	for (uint32_t i = 0; i < ft->nframes; i++) {
		const struct frame *f = &ft->frames[i];
		const uint8_t *p = guest_mem_frame_hva(&vm.mem, i);
		uint64_t a, b;

		FUZZ_ASSERT(f->state == FRAME_MAPPED, "frame %u is %s after the input", i,
			    frame_state_name(f->state));
		FUZZ_ASSERT(f->node < vm.mem.nnodes, "frame %u on node %u", i, f->node);
		memcpy(&a, p, 8);
		memcpy(&b, p + FRAME_SIZE - 8, 8);
		FUZZ_ASSERT(a == mark(i, 0) && b == mark(i, 1),
			    "frame %u lost its contents (%016llx %016llx)", i,
			    (unsigned long long)a, (unsigned long long)b);
	}
	pthread_mutex_unlock(&ft->lock);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	unsigned lines = 0;

	pthread_mutex_lock(&vm.lock);
	vm.state = VM_RUNNING;
	vm.exit_set = false;
	pthread_mutex_unlock(&vm.lock);

	while (p < end && lines++ < MAX_LINES) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		/* an exact-size copy, so ASan sees any read past the line */
		char *line = malloc(len ? len : 1);

		if (!line)
			abort();
		memcpy(line, p, len);
		char *reply = control_handle_line(line, len, -1, NULL);
		FUZZ_LOG("%.*s\n  -> %.300s\n", (int)len, line, reply ? reply : "(null)");
		check_reply(line, len, reply);
		free(reply);
		free(line);
		p += len + (nl != NULL);
	}
	check_memory();
	return 0;
}
