/* guest.h - what a test-guest program sees of the runtime.
 *
 * A program is one .c file that defines program_main() and is listed in
 * guest-tests/local.mk. The runtime boots every vCPU, drops it to CPL3 (this
 * KVM emulates CPL0 code slowly but runs CPL3 natively) and calls
 * program_main() on all vCPUs at once, each on its own 32 KiB stack, with
 * interrupts off and ports 0-0x3ff open (through the TSS I/O bitmap: this KVM
 * clears IOPL at CPL3). All guest RAM is identity mapped and writable. When
 * every vCPU has returned, the VM ends with the first non-zero return value,
 * or 0 (PASS). A CPU exception prints its details and ends the VM with
 * GUEST_EXIT_EXCEPTION.
 *
 * Programs run at CPL3: no hlt, cli, or other privileged instructions.
 * Every port I/O is a VM exit (~55 us): print sparingly.
 */
#ifndef FRAMESHIFT_GUEST_H
#define FRAMESHIFT_GUEST_H

#include "include/frameshift/guest-abi.h"

#define GUEST_MAX_CPUS   64
#define GUEST_MAX_RANGES 64
/* the most chunks any guest has: a bound for a program's per-chunk arrays */
#define GUEST_MAX_CHUNKS (FS_IDENTITY_MAP_END / FS_FRAME_SIZE + GUEST_MAX_RANGES)
#define GUEST_ARGS_MAX   1024

/* Debug-exit codes (the VMM's exit status). */
#define GUEST_PASS           0
#define GUEST_FAIL           1	/* a program found a problem */
#define GUEST_EXIT_EXCEPTION 3	/* a CPU exception */
#define GUEST_EXIT_PANIC     4	/* the runtime could not go on */

#ifndef __ASSEMBLER__
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>	/* guest-tests/string.c implements the parts libfdt needs */

struct mem_range {
	uint64_t start, size;
	uint32_t node;		/* numa-node-id of the /memory node */
};

/* The piece of free memory inside one 2 MiB frame (several if reservations
 * cut the frame). frame_idx numbers the frames holding free memory 0..nframes-1
 * in address order; the frame's number proper (the VMM's) is gpa_frame(gpa). */
struct mem_chunk {
	uint64_t gpa, size;
	uint32_t frame_idx;
	uint32_t node;
};

/* Built once from the device tree before any program_main() runs. All lists
 * are sorted by address; free ranges and chunks are 4 KiB aligned. */
struct guest_env {
	unsigned ncpus;		/* vCPUs running program_main (entry RDX) */
	unsigned fdt_cpus;	/* /cpus/cpu@N nodes in the device tree */
	unsigned sim_nodes;	/* /chosen frameshift,simulated-nodes, 0 if absent */
	const void *fdt;	/* the blob itself, for libfdt (<libfdt.h>) */
	const char *bootargs;	/* /chosen bootargs, "" if absent */

	unsigned nmem;		/* RAM from the /memory nodes */
	struct mem_range mem[GUEST_MAX_RANGES];
	/* RAM minus the reservation map, the guest image and the FDT */
	unsigned nfree;
	struct mem_range free[GUEST_MAX_RANGES];
	uint64_t free_bytes;
	unsigned nframes;	/* frames holding free memory */
	unsigned nchunks;
	/* in guest RAM the runtime takes for it (no longer free) just above
	 * the image: it grows with the guest's RAM, the image does not */
	struct mem_chunk *chunks;

	char args[GUEST_ARGS_MAX]; /* private: bootargs split into words */
};

int program_main(struct guest_env *env, unsigned cpu);

/* bootargs are space-separated key=value words; the last one for a key wins.
 * env_arg: the value ("" for a bare "key"), NULL if absent.
 * env_arg_u64: decimal or 0x hex, optional K/M/G suffix; panics on junk. */
const char *env_arg(const struct guest_env *env, const char *key);
uint64_t env_arg_u64(const struct guest_env *env, const char *key, uint64_t def);

/* The chunks [*first, *end) of the frames that belong to vCPU cpu when the
 * frames are dealt out in contiguous, nearly equal runs. */
void env_cpu_chunks(const struct guest_env *env, unsigned cpu,
		    unsigned *first, unsigned *end);

/* Wait until every vCPU has called it (reusable). */
void cpu_barrier(void);

/* End the VM now with this code (0 = PASS), from any vCPU. */
__attribute__((noreturn)) void guest_exit(int code);
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

/* Serial console; one call prints atomically with respect to other vCPUs.
 * Formats: %s %c %d %u %x %p with l/ll/z, width and 0 padding; lines are
 * truncated at 255 characters. */
__attribute__((format(printf, 1, 2))) int printf(const char *fmt, ...);
__attribute__((format(printf, 3, 4))) int snprintf(char *buf, size_t size, const char *fmt, ...);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* Has a byte come in on COM1 (frameshift's stdin, when that is not a
 * terminal)? One port read, so one VM exit. */
bool console_input(void);

/* The VMM's frame index of a RAM address, and a frame's first address: RAM
 * beyond 3 GiB lies above 4 GiB (guest-abi.h), so frames are not gpa >> 21. */
static inline uint64_t gpa_frame(uint64_t gpa)
{
	return fs_gpa_ram_offset(gpa, 1, FS_RAM_MAX) >> FS_FRAME_SHIFT;
}

static inline uint64_t frame_gpa(uint64_t frame)
{
	return fs_ram_offset_gpa(frame << FS_FRAME_SHIFT);
}

static inline void cpu_relax(void)
{
	asm volatile("pause" ::: "memory");
}

/* CR4.TSD is clear, so rdtsc works at CPL3. */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

#endif /* __ASSEMBLER__ */
#endif
