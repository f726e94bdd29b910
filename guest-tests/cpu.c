/* cpu.c - the CPL0 part of the runtime: GDT, TSS, IDT, and the fatal
 * exception handler. Everything here runs emulated (~1 us an instruction), so
 * it does as little as it can; this file and what it calls are built without
 * SSE in case the emulator lacks it. */
#pragma GCC target("general-regs-only")

#include "runtime.h"

#define MSR_FS_BASE 0xc0000100

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, reserved;
};

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

uint8_t kernel_stacks[GUEST_MAX_CPUS][KSTACK_SIZE] __attribute__((aligned(16)));
static uint8_t ist_stacks[GUEST_MAX_CPUS][ISTACK_SIZE] __attribute__((aligned(16)));
static uint8_t user_stacks[GUEST_MAX_CPUS][USTACK_SIZE] __attribute__((aligned(16)));
static struct percpu percpu[GUEST_MAX_CPUS];

static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16))) = {
	[KERNEL_CS / 8] = 0x00af9a000000ffff,	/* 64-bit code, DPL0 */
	[KERNEL_DS / 8] = 0x00cf92000000ffff,
	[USER_DS / 8]   = 0x00cff2000000ffff,	/* DPL3 */
	[USER_CS / 8]   = 0x00affa000000ffff,
};
static struct idt_gate idt[NR_EXCEPTIONS] __attribute__((aligned(16)));
static int idt_ready;

uint64_t boot_fdt;
unsigned boot_ncpus;

static const char *const exc_names[NR_EXCEPTIONS] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD error",
	"#VE virtualization", "#CP control protection", "reserved 22", "reserved 23",
	"reserved 24", "reserved 25", "reserved 26", "reserved 27",
	"#HV hypervisor injection", "#VC VMM communication", "#SX security", "reserved 31",
};

static void build_idt(void)
{
	unsigned vec;

	for (vec = 0; vec < NR_EXCEPTIONS; vec++) {
		uint64_t handler = exc_stubs[vec];

		idt[vec] = (struct idt_gate){
			.off_lo = handler, .sel = KERNEL_CS,
			.ist = vec == 8 ? 1 : 0,	/* #DF on its own stack */
			.type = 0x8e,	/* present 64-bit interrupt gate, DPL0: IF stays 0 */
			.off_mid = handler >> 16, .off_hi = handler >> 32,
		};
	}
}


/* The vCPU's TSS: RSP0 for exceptions taken at CPL3, IST1 for #DF, and the
 * I/O bitmap (all zero in .bss: ports open) for port I/O at CPL3. */
static void set_tss(unsigned cpu)
{
	struct tss *tss = &percpu[cpu].tss;
	uint64_t base = (uint64_t)tss, limit = sizeof(*tss) - 1;
	uint64_t *desc = &gdt[GDT_TSS / 8 + 2 * cpu];

	tss->rsp[0] = (uint64_t)(kernel_stacks[cpu] + KSTACK_SIZE);
	tss->ist[0] = (uint64_t)(ist_stacks[cpu] + ISTACK_SIZE);
	tss->iomap_base = __builtin_offsetof(struct tss, io_bitmap);
	tss->io_bitmap[IO_PORTS / 8] = 0xff;	/* the CPU may read one byte past */
	desc[0] = (limit & 0xffff) | (base & 0xffffff) << 16 |
		  0x89ULL << 40 |	/* present, available 64-bit TSS */
		  (limit >> 16) << 48 | (base >> 24 & 0xff) << 56;
	desc[1] = base >> 32;
}

/* Called from _start on the vCPU's kernel stack; returns the RSP to enter
 * guest_main_cpu() with (16-byte aligned minus 8, as after a call). */
uint64_t cpu_init(uint64_t fdt, unsigned cpu, unsigned ncpus)
{
	struct percpu *pc = &percpu[cpu];
	struct desc_ptr gdtr = { sizeof(gdt) - 1, (uint64_t)gdt };
	struct desc_ptr idtr = { sizeof(idt) - 1, (uint64_t)idt };
	uint64_t fs = (uint64_t)pc;

	pc->self = pc;
	pc->cpu = cpu;
	pc->stack_guard = 0x5fa7c0de2b4d1e37ULL ^ cpu;
	asm volatile("lgdt %0" : : "m"(gdtr));
	/* CS and SS come from our GDT at the iretq; loading user selectors into
	 * the data registers now keeps the iretq from nulling them (FS matters). */
	asm volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%fs; mov %0, %%gs"
		     : : "r"(USER_DS));
	asm volatile("wrmsr" : : "c"(MSR_FS_BASE), "a"((uint32_t)fs), "d"((uint32_t)(fs >> 32)));

	if (cpu == 0) {
		build_idt();
		boot_fdt = fdt;
		boot_ncpus = ncpus;
		__atomic_store_n(&idt_ready, 1, __ATOMIC_RELEASE);
	} else {
		while (!__atomic_load_n(&idt_ready, __ATOMIC_ACQUIRE))
			cpu_relax();
	}
	set_tss(cpu);
	asm volatile("ltr %w0" : : "r"(GDT_TSS + 16 * cpu));
	asm volatile("lidt %0" : : "m"(idtr));
	return (uint64_t)(user_stacks[cpu] + USTACK_SIZE) - 8;
}

void exception_handler(const struct exc_frame *f)
{
	uint64_t cr2 = 0;

	/* halt_forever() at CPL3: its hlt faults, so halt here at CPL0. */
	if (f->vector == 13 && f->rip == (uint64_t)halt_forever)
		halt_forever();
	if (f->vector == 14)
		asm volatile("mov %%cr2, %0" : "=r"(cr2));
	printf("EXCEPTION %s (vector %lu) error 0x%lx at rip 0x%lx rsp 0x%lx rflags 0x%lx cpl %lu cr2 0x%lx on vCPU %u\n",
	       exc_names[f->vector], f->vector, f->error, f->rip, f->rsp, f->rflags,
	       f->cs & 3, cr2, this_cpu());
	guest_exit(GUEST_EXIT_EXCEPTION);
}
