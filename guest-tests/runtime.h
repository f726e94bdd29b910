/* runtime.h - internals shared by the runtime's C and assembly files. */
#ifndef FRAMESHIFT_GUEST_RUNTIME_H
#define FRAMESHIFT_GUEST_RUNTIME_H

#include "guest.h"

/* Our GDT: null, kernel code, kernel data, user data, user code, then one
 * 16-byte TSS descriptor per vCPU. */
#define KERNEL_CS	0x08
#define KERNEL_DS	0x10
#define USER_DS		(0x18 | 3)
#define USER_CS		(0x20 | 3)
#define GDT_TSS		0x28
#define GDT_ENTRIES	(GDT_TSS / 8 + 2 * GUEST_MAX_CPUS)

/* IF=0, IOPL=0 (bit 1 is reserved-one). Port I/O at CPL3 goes through the TSS
 * I/O bitmap instead: this KVM clears IOPL when it enters CPL3. */
#define USER_RFLAGS	0x0002
#define IO_PORTS	0x400	/* CPL3 may use ports 0-0x3ff: COM1, debug exit */

#define KSTACK_SHIFT	13	/* 8 KiB: CPL0 only runs setup and the fatal exception path */
#define KSTACK_SIZE	(1 << KSTACK_SHIFT)
#define ISTACK_SIZE	4096	/* #DF stack */
#define USTACK_SIZE	32768

#define NR_EXCEPTIONS	32

#ifndef __ASSEMBLER__

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
	uint8_t io_bitmap[IO_PORTS / 8 + 1];	/* 0 = allowed; ends in 0xff */
} __attribute__((packed));

/* FS points at this vCPU's struct percpu (CPL0 sets FS_BASE once). */
struct percpu {
	struct percpu *self;
	unsigned cpu;
	uint8_t pad[0x28 - 0x0c];
	uint64_t stack_guard;	/* %fs:0x28: libfdt is built with -fstack-protector */
	struct tss tss;
} __attribute__((aligned(64)));

/* What the exception stubs in entry.S push, lowest address first. */
struct exc_frame {
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;	/* pushed by the CPU */
};

extern uint64_t boot_fdt;
extern unsigned boot_ncpus;
extern const uint64_t exc_stubs[NR_EXCEPTIONS];
__attribute__((noreturn)) void halt_forever(void);

uint64_t cpu_init(uint64_t fdt, unsigned cpu, unsigned ncpus);
__attribute__((noreturn)) void exception_handler(const struct exc_frame *f);
__attribute__((noreturn)) void guest_main_cpu(unsigned cpu);
void env_init(struct guest_env *env, const void *fdt, unsigned ncpus);

static inline unsigned this_cpu(void)
{
	unsigned cpu;

	asm volatile("movl %%fs:%c1, %0" : "=r"(cpu) : "i"(__builtin_offsetof(struct percpu, cpu)));
	return cpu;
}

#endif /* __ASSEMBLER__ */
#endif
