/* vm.c - the life of one VM: set up memory, KVM, guest image and devices, run
 * the vCPU threads, handle every exit in one place, and tear down.
 *
 * The run state (pause, resume, stop) is vmm/run_state.c. */
#include <errno.h>
#include <linux/kvm.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/boot.h"
#include "vmm/control/commands.h"
#include "vmm/control/server.h"
#include "vmm/device.h"
#include "vmm/fdt.h"
#include "include/frameshift/guest-abi.h"
#include "vmm/irq.h"
#include "vmm/kvm.h"
#include "vmm/linux_vm.h"
#include "vmm/sandbox.h"
#include "lib/log.h"
#include "lib/clock.h"
#include "lib/cpus.h"
#include "vmm/vm.h"

/* KVM dirty rings sample guest writes for the balancer and the heat of
 * --tiering (mm/heat.h). */
static bool vm_samples_writes(const struct vm_config *cfg)
{
	return cfg->autobalance || cfg->tiering;
}

/* --autobalance samples writes for BALANCE_SAMPLE_MS of every
 * BALANCE_PERIOD_MS: dirty logging makes the guest's first write to each
 * 4 KiB page fault (~20 us here), so logging all the time would cost a
 * write-heavy guest most of its speed; a 10% duty cycle bounds that. */
#define BALANCE_PERIOD_MS 1000
#define BALANCE_SAMPLE_MS 100
/* --tiering alone logs for 20 ms: its read samples (minor faults) see writes
 * too, and the 100 ms window cost a write-heavy guest 11% of its work per CPU
 * second here, against none measurable at 20 ms (docs/benchmarks.md) */
#define TIERING_SAMPLE_MS 20
/* Re-arm every 5-15 ms within the sample: a page shared by two nodes is then
 * seen written by both, not only by whichever got there first; the jitter
 * keeps a guest that sweeps memory at a steady pace from lining up with it. */
#define BALANCE_REARM_MS 10

static unsigned write_sample_ms(const struct vm_config *cfg)
{
	return cfg->autobalance ? BALANCE_SAMPLE_MS : TIERING_SAMPLE_MS;
}

static void vcpu_io(struct vcpu *v, enum device_space space, uint64_t addr, uint8_t *data,
		    uint32_t len, bool is_write)
{
	static uint64_t unhandled;

	/* writes queued before this access come first, wherever they go */
	coalesced_drain(v->vm);
	if (device_access(v->vm, space, addr, data, len, is_write))
		return;
	log_limited(&unhandled, "vCPU %u: %s %s of %u bytes at 0x%llx: no device there%s",
			v->index, space == DEV_PIO ? "port" : "MMIO", is_write ? "write" : "read",
			len, (unsigned long long)addr, is_write ? "" : " (reads as all ones)");
	if (!is_write)
		memset(data, 0xff, len);
}

/* The first exit seen at CPL3 dates the guest's start of real work (the
 * boot benchmark); it costs a GET_SREGS per exit until then. */
static void vcpu_note_first_user_exit(struct vcpu *v)
{
	struct kvm_sregs s;
	struct vm *vm = v->vm;

	if (vm->first_user_time != 0 || vm->linux_boot || ioctl(v->fd, KVM_GET_SREGS, &s) < 0 || (s.cs.selector & 3) != 3)
		return;
	pthread_mutex_lock(&vm->lock);
	if (vm->first_user_time == 0)
		vm->first_user_time = now_monotonic();
	pthread_mutex_unlock(&vm->lock);
}

/* Every exit reason ends here. Returns false when this vCPU must stop. */
static bool vcpu_handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct vm *vm = v->vm;

	v->exits++;
	vcpu_note_first_user_exit(v);
	switch (run->exit_reason) {
	case KVM_EXIT_IO: {
		uint8_t *data = (uint8_t *)run + run->io.data_offset;

		for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size)
			vcpu_io(v, DEV_PIO, run->io.port, data, run->io.size,
				run->io.direction == KVM_EXIT_IO_OUT);
		return true;
	}
	case KVM_EXIT_MMIO:
		vcpu_io(v, DEV_MMIO, run->mmio.phys_addr, run->mmio.data,
			run->mmio.len > 8 ? 8 : run->mmio.len, run->mmio.is_write);
		return true;
	case KVM_EXIT_HLT:
		pthread_mutex_lock(&vm->lock);
		v->halted = true;
		if (++vm->vcpus_halted == vm->ncpus && !vm->exit_set) {
			pthread_mutex_unlock(&vm->lock);
			vm_request_exit(vm, 0, "every vCPU halted");
			return false;
		}
		pthread_cond_broadcast(&vm->cond); /* a pause may be waiting on us */
		pthread_mutex_unlock(&vm->lock);
		log_debug("vCPU %u halted", v->index);
		return false;
	case KVM_EXIT_SHUTDOWN:
		vm_request_exit(vm, EXIT_GUEST_CRASH,
				"vCPU %u: guest shutdown (triple fault)", v->index);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		vm_request_exit(vm, EXIT_SOFTWARE, "vCPU %u: KVM_EXIT_FAIL_ENTRY, hardware reason 0x%llx",
				v->index, (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		vm_request_exit(vm, EXIT_SOFTWARE, "vCPU %u: KVM_EXIT_INTERNAL_ERROR, suberror %u",
				v->index, run->internal.suberror);
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		vm_request_exit(vm, run->system_event.type == KVM_SYSTEM_EVENT_CRASH ? EXIT_GUEST_CRASH : 0,
				"vCPU %u: system event %u", v->index, run->system_event.type);
		return false;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_DIRTY_RING_FULL:
		/* collect our own ring so the guest can go on */
		dirty_ring_harvest(&v->ring, vm->vm_fd, &vm->balance, v->node);
		return true;
	default:
		vm_request_exit(vm, EXIT_SOFTWARE, "vCPU %u: unhandled KVM exit %u (KVM_EXIT_%s)",
				v->index, run->exit_reason, kvm_exit_name(run->exit_reason));
		return false;
	}
}

/* The CPUs of the vCPU's node's host node, read (libnuma reads sysfs) here,
 * in set-up, so that the vCPU thread, which may start while the seccomp
 * filter goes in, opens no file: it only pins itself. Without --cpu-nodes,
 * --emulator-cpus does not move the vCPUs: they take back the process's
 * CPUs from the thread that started them. */
static void vcpu_find_cpus(struct vcpu *v)
{
	int host = v->vm->mem.pools[v->node].host_node;

	CPU_ZERO(&v->cpus);
	if (v->vm->cfg->ncpu_nodes)
		host_node_cpus(host, &v->cpus);
	else if (v->vm->cfg->emulator_pinned)
		v->cpus = v->vm->process_cpus;
}

/* By pid 0 (the caller): the sandbox allows sched_setaffinity for no other. */
static void vcpu_pin(struct vcpu *v)
{
	if (CPU_COUNT(&v->cpus) && sched_setaffinity(0, sizeof(v->cpus), &v->cpus) < 0)
		log_info("vCPU %u: cannot pin its thread (node %u): %s", v->index, v->node, strerror(errno));
}

/* --emulator-cpus (libvirt's emulatorpin): this thread moves there before
 * it starts any other, so every thread of the VMM inherits the CPUs (the
 * control server, the userfaultfd reader, the copy threads, the balance,
 * signal and console threads, and the I/O threads of devices without
 * node=: device_io_node), all but the vCPUs (vcpu_find_cpus). */
static int pin_emulator(struct vm *vm, char *err, size_t errlen)
{
	if (sched_getaffinity(0, sizeof(vm->process_cpus), &vm->process_cpus) < 0) {
		snprintf(err, errlen, "cannot read the process's CPUs: %s", strerror(errno));
		return EXIT_OSERR;
	}
	if (vm->cfg->emulator_pinned &&
	    sched_setaffinity(0, sizeof(vm->cfg->emulator_cpus), &vm->cfg->emulator_cpus) < 0) {
		snprintf(err, errlen, "--emulator-cpus: cannot pin the VMM's threads: %s", strerror(errno));
		return EXIT_USAGE;
	}
	return 0;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	char name[16];

	snprintf(name, sizeof(name), "vcpu%u", v->index);
	pthread_setname_np(pthread_self(), name);
	vcpu_pin(v);
	sandbox_wait(); /* no guest instruction before the seccomp filter */
	while (vcpu_may_run(v)) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				v->run->immediate_exit = 0;
				continue;
			}
			/* a lazy frame's page is made in KVM_RUN's fault: a host
			 * out of hugepages fails it with EFAULT */
			vm_request_exit(v->vm, EXIT_SOFTWARE, "vCPU %u: KVM_RUN failed: %s%s",
					v->index, strerror(errno),
					errno == EFAULT && v->vm->mem.lazy ?
					" (--no-prealloc: did the host run out of hugepages for a frame "
					"the guest touched?)" : "");
			break;
		}
		if (!vcpu_handle_exit(v))
			break;
	}
	return NULL;
}

static void kick_handler(int sig)
{
	(void)sig; /* only here to make KVM_RUN return EINTR */
}

static int vcpu_create(struct vm *vm, struct vcpu *v, unsigned index,
		       const struct kvm_cpuid2 *cpuid, char *err, size_t errlen)
{
	v->vm = vm;
	v->index = index;
	v->node = vm->cfg->ncpu_nodes ? vm->cfg->cpu_nodes[index % vm->cfg->ncpu_nodes] : 0;
	vcpu_find_cpus(v);
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, index);
	if (v->fd < 0) {
		snprintf(err, errlen, "KVM_CREATE_VCPU %u: %s", index, strerror(errno));
		return -1;
	}
	v->run = mmap(NULL, (size_t)vm->vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		snprintf(err, errlen, "mmap of vCPU %u's kvm_run: %s", index, strerror(errno));
		return -1;
	}
	if (kvm_set_vcpu_cpuid(v->fd, cpuid, index) < 0) {
		snprintf(err, errlen, "setting up vCPU %u's CPUID: %s", index, strerror(errno));
		return -1;
	}
	if (vm_samples_writes(vm->cfg) && dirty_ring_map(&v->ring, v->fd) < 0) {
		snprintf(err, errlen, "mapping vCPU %u's dirty ring: %s", index, strerror(errno));
		return -1;
	}
	return 0;
}


static int vcpu_set_boot_state(struct vcpu *v, char *err, size_t errlen)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (v->vm->linux_boot)
		return linux_vcpu_boot(v, err, errlen);
	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		goto fail;
	boot_vcpu_state(&sregs, &regs, v->vm->entry, v->index, v->vm->ncpus);
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0 || ioctl(v->fd, KVM_SET_REGS, &regs) < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "setting vCPU %u's registers: %s", v->index, strerror(errno));
	return -1;
}

/* Load the guest ELF, boot tables and device tree into guest RAM. */
static int vm_load_guest(struct vm *vm, char *err, size_t errlen)
{
	struct fdt_params fp = {
		.mem_size = vm->mem.size,
		.ncpus = vm->ncpus,
		.bootargs = vm->cfg->append,
		.sim_nodes = vm->mem.simulated ? vm->mem.nnodes : 0,
	};
	int khz = ioctl(vm->vcpus[0].fd, KVM_GET_TSC_KHZ, 0);
	unsigned k = vm->mem.guest_nodes;

	/* guest NUMA: K equal slices of RAM by frame; a vCPU belongs to the
	 * guest node with its --cpu-nodes number (wrapped), else i % K */
	for (unsigned v = 0; v < k; v++) {
		uint32_t first = FRAME_NONE, end = 0;

		for (uint32_t i = 0; i < vm->mem.ft.nframes; i++)
			if (guest_mem_vnode(&vm->mem, i) == v) {
				first = first == FRAME_NONE ? i : first;
				end = i + 1;
			}
		fdt_add_ram(&fp, (uint64_t)first * FRAME_SIZE, (uint64_t)(end - first) * FRAME_SIZE, v);
	}
	for (unsigned i = 0; k && i < vm->ncpus && i < FDT_MAX_CPUS; i++)
		fp.cpu_node[i] = vm->cfg->ncpu_nodes ? vm->vcpus[i].node % k : i % k;
	struct elf_source img;
	int ret;

	if (vm->linux_boot)
		return linux_vm_load(vm, k ? &fp : NULL, err, errlen);
	fp.tsc_khz = khz > 0 ? (uint32_t)khz : 0;
	boot_write_tables(vm->mem.hva, &fp);
	if (elf_open(vm->cfg->guest_path, ELF_MAX_FILE, &img, err, errlen) < 0)
		return -1;
	ret = elf_load(&img, vm->mem.hva, vm->mem.size, &vm->entry, &fp, err, errlen);
	close(img.fd);
	if (ret < 0) {
		size_t n = strlen(err);

		snprintf(err + n, errlen - n, " (%s)", vm->cfg->guest_path);
		return -1;
	}
	ret = fdt_build(vm->mem.hva + FS_BOOT_FDT, FS_BOOT_FDT_MAX, &fp);
	if (ret < 0) {
		snprintf(err, errlen, "building the device tree: error %d", ret);
		return -1;
	}
	return 0;
}

/* One KVM memslot per RAM range (guest_mem_slot), with flags (dirty logging
 * or none); the slot number is what a dirty ring entry names. */
static int vm_set_memslots(struct vm *vm, uint32_t flags)
{
	for (unsigned n = 0; n < GUEST_MEM_SLOTS; n++) {
		struct guest_mem_slot s = guest_mem_slot(&vm->mem, n);
		int ret = s.size ? kvm_set_memory(vm->vm_fd, n, s.gpa, s.size, vm->mem.hva + s.offset,
						  flags) : 0;

		if (ret < 0)
			return ret;
	}
	return 0;
}

static int vm_setup(struct vm *vm, char *err, size_t errlen)
{
	struct kvm_cpuid2 *cpuid;

	/* a bad --kernel/--initrd is a usage error before anything is set up */
	if (vm->cfg->kernel_path && linux_vm_prepare(vm->cfg, &vm->linux_boot, err, errlen) < 0)
		return EXIT_USAGE;
	if (guest_mem_init(&vm->mem, &vm->cfg->mem, err, errlen) < 0)
		return EXIT_OSERR;
	if (migrator_init(&vm->migrator, &vm->mem, vm->cfg->copy_threads, err, errlen) < 0)
		return EXIT_OSERR;
	if (kvm_open_vm(&vm->kvm_fd, &vm->vm_fd, err, errlen) < 0)
		return EXIT_OSERR;
	if (vm->linux_boot && irqchip_create(vm->vm_fd, err, errlen) < 0)
		return EXIT_OSERR;
	if (!kvm_disable_slot_zap_all(vm->vm_fd))
		log_debug("KVM_X86_QUIRK_SLOT_ZAP_ALL cannot be disabled on this kernel");
	vm->kvm_pre_fault_memory = kvm_has_pre_fault_memory(vm->vm_fd);
	for (unsigned i = 0; i < vm->cfg->ncpu_nodes; i++)
		if (vm->cfg->cpu_nodes[i] >= vm->mem.nnodes) {
			snprintf(err, errlen, "--cpu-nodes names node %u but there %s only %u",
				 vm->cfg->cpu_nodes[i], vm->mem.nnodes == 1 ? "is" : "are", vm->mem.nnodes);
			return EXIT_USAGE;
		}
	if (vm_samples_writes(vm->cfg)) {
		int ret = dirty_ring_enable(vm->vm_fd);

		if (ret < 0) {
			snprintf(err, errlen, "--%s needs KVM dirty rings (KVM_CAP_DIRTY_LOG_RING): %s",
				 vm->cfg->autobalance ? "autobalance" : "tiering", strerror(-ret));
			return EXIT_OSERR;
		}
		if (autobalance_init(&vm->balance, &vm->migrator, vm->cfg->autobalance_rate) < 0) {
			snprintf(err, errlen, "out of memory");
			return EXIT_OSERR;
		}
		/* --tiering alone: the balancer samples writes for the heat, moves nothing */
		autobalance_set_enabled(&vm->balance, vm->cfg->autobalance);
	}
	if (vm->cfg->tiering) {
		if (tiering_init(&vm->tiering, &vm->migrator, vm->cfg->tiering_rate) < 0) {
			snprintf(err, errlen, "out of memory");
			return EXIT_OSERR;
		}
		vm->balance.heat = &vm->tiering.heat;
		if (vm->cfg->tiering_sample >= 0)
			vm->tiering.sample_frames = (uint32_t)vm->cfg->tiering_sample;
		vm->tiering.write_sample_ms = write_sample_ms(vm->cfg);
		tiering_set_enabled(&vm->tiering, true);
	}
	if (vm_set_memslots(vm, 0) < 0) {
		snprintf(err, errlen, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		return EXIT_OSERR;
	}
	vm->vcpu_mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	cpuid = kvm_supported_cpuid(vm->kvm_fd);
	vm->vcpus = calloc(vm->ncpus, sizeof(*vm->vcpus));
	if (vm->vcpu_mmap_size <= 0 || !cpuid || !vm->vcpus) {
		snprintf(err, errlen, "KVM_GET_VCPU_MMAP_SIZE / KVM_GET_SUPPORTED_CPUID failed");
		free(cpuid);
		return EXIT_OSERR;
	}
	for (unsigned i = 0; i < vm->ncpus; i++)
		vm->vcpus[i].fd = -1;
	for (unsigned i = 0; i < vm->ncpus; i++)
		if (vcpu_create(vm, &vm->vcpus[i], i, cpuid, err, errlen) < 0) {
			free(cpuid);
			return EXIT_OSERR;
		}
	free(cpuid);
	coalesced_setup(vm);
	if (vm_load_guest(vm, err, errlen) < 0)
		return EXIT_USAGE;
	for (unsigned i = 0; i < vm->ncpus; i++)
		if (vcpu_set_boot_state(&vm->vcpus[i], err, errlen) < 0)
			return EXIT_OSERR;
	/* before the devices', which add theirs (the balloon) */
	if (control_register_vm(vm) < 0) {
		snprintf(err, errlen, "cannot register the control commands");
		return EXIT_SOFTWARE;
	}
	for (struct device *d = device_first(); d; d = d->next)
		if (d->init && d->init(d, vm) < 0) {
			snprintf(err, errlen, "device %s failed to start", d->name);
			return EXIT_SOFTWARE;
		}
	return 0;
}

static void vm_teardown(struct vm *vm)
{
	control_stop(&vm->control);
	/* devices' own threads end while the reader still serves their faults
	 * (a copy into a ballooned frame waits for it) */
	for (struct device *d = device_first(); d; d = d->next)
		if (d->quiesce && d->priv)
			d->quiesce(d, vm);
	/* the reader calls the devices' hooks (a pending restore's putback):
	 * it stops before they go */
	migrator_stop_reader(&vm->migrator);
	for (struct device *d = device_first(); d; d = d->next)
		if (d->exit)
			d->exit(d, vm);
	control_unregister_vm();
	for (unsigned i = 0; vm->vcpus && i < vm->ncpus; i++) {
		dirty_ring_unmap(&vm->vcpus[i].ring);
		if (vm->vcpus[i].run)
			munmap(vm->vcpus[i].run, (size_t)vm->vcpu_mmap_size);
		if (vm->vcpus[i].fd >= 0)
			close(vm->vcpus[i].fd);
	}
	free(vm->vcpus);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	autobalance_destroy(&vm->balance);
	tiering_destroy(&vm->tiering);
	migrator_destroy(&vm->migrator);
	guest_mem_destroy(&vm->mem);
	linux_boot_free(vm->linux_boot);
}

/* Sleep ms unless the VM stops first; false if it is stopping. */
static bool balance_sleep(struct vm *vm, unsigned ms)
{
	struct timespec until;
	bool running;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&vm->lock);
	while (vm->state != VM_STOPPING && pthread_cond_timedwait(&vm->cond, &vm->lock, &until) == 0)
		;
	running = vm->state != VM_STOPPING;
	pthread_mutex_unlock(&vm->lock);
	return running;
}

static void balance_harvest(struct vm *vm)
{
	for (unsigned i = 0; i < vm->ncpus; i++)
		dirty_ring_harvest(&vm->vcpus[i].ring, vm->vm_fd, &vm->balance, vm->vcpus[i].node);
}

/* Each period: log writes for a sample window, read every vCPU's dirty
 * ring into the write samples, and let mm/autobalance decide and move.
 * Reading the rings is plain shared memory: the guest is not stopped. */
static void *balance_thread(void *arg)
{
	struct vm *vm = arg;
	unsigned seed = (unsigned)getpid();
	unsigned sample_ms = write_sample_ms(vm->cfg);

	pthread_setname_np(pthread_self(), "fs-balance");
	while (balance_sleep(vm, BALANCE_PERIOD_MS - sample_ms)) {
		vm_set_memslots(vm, KVM_MEM_LOG_DIRTY_PAGES);
		for (unsigned t = 0, dt; t < sample_ms; t += dt) {
			dt = BALANCE_REARM_MS / 2 + (unsigned)rand_r(&seed) % BALANCE_REARM_MS;
			if (!balance_sleep(vm, dt))
				goto out;
			balance_harvest(vm);
		}
		vm_set_memslots(vm, 0);
		balance_harvest(vm);
		autobalance_tick(&vm->balance, BALANCE_PERIOD_MS / 1000.0);
		if (vm->cfg->tiering)
			tiering_period(&vm->tiering, BALANCE_PERIOD_MS / 1000.0);
	}
out:
	return NULL;
}

/* SIGINT/SIGTERM/SIGHUP end the VM cleanly; they are taken by this thread only. */
static void *signal_thread(void *arg)
{
	struct vm *vm = arg;
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigwait(&set, &sig) == 0)
		vm_request_exit(vm, 128 + sig, "stopped by signal %s", strsignal(sig));
	return NULL;
}

int vm_run_main(const struct vm_config *cfg)
{
	struct vm vm = { .cfg = cfg, .kvm_fd = -1, .vm_fd = -1, .ncpus = cfg->cpus,
			 .migrator = { .uffd = -1 } };
	struct sigaction sa = { .sa_handler = kick_handler };
	char err[512] = "";
	sigset_t set;
	pthread_t sigthr;
	unsigned started = 0;
	int status;

	vm.start_time = now_monotonic();
	pthread_mutex_init(&vm.lock, NULL);
	pthread_cond_init(&vm.cond, NULL);
	sigaction(SIG_VCPU_KICK, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	status = pin_emulator(&vm, err, sizeof(err));
	if (!status)
		status = vm_setup(&vm, err, sizeof(err));
	if (status) {
		log_info("%s", err);
		vm_teardown(&vm);
		return status;
	}
	log_info("%llu MiB guest RAM on %u %snode%s (%s), %u vCPU%s, %s",
		 (unsigned long long)(vm.mem.size >> 20), vm.mem.nnodes,
		 vm.mem.simulated ? "simulated " : "", vm.mem.nnodes == 1 ? "" : "s",
		 pool_backing_name(cfg->mem.backing), vm.ncpus, vm.ncpus == 1 ? "" : "s",
		 cfg->guest_path ? cfg->guest_path : cfg->kernel_path);
	pthread_create(&sigthr, NULL, signal_thread, &vm);
	for (; started < vm.ncpus; started++)
		if (pthread_create(&vm.vcpus[started].thread, NULL, vcpu_thread, &vm.vcpus[started])) {
			vm.ncpus = started; /* pause and kick only see threads that exist */
			vm_request_exit(&vm, EXIT_OSERR, "cannot start vCPU thread %u", started);
			break;
		}
	if (vm_samples_writes(cfg) && started == vm.ncpus)
		vm.balancing = !pthread_create(&vm.balance_thread, NULL, balance_thread, &vm);
	/* after the vCPU threads exist, so a `pause` has threads to kick */
	if (cfg->api_socket && control_start(&vm.control, cfg->api_socket, err, sizeof(err)) < 0)
		vm_request_exit(&vm, EXIT_OSERR, "%s", err);
	/* every thread exists: drop to the seccomp filter (vmm/sandbox.c); then
	 * the vCPUs, waiting in sandbox_wait(), run the guest */
	if (sandbox_install(!cfg->no_seccomp, err, sizeof(err)) < 0)
		vm_request_exit(&vm, EXIT_OSERR, "%s", err);

	pthread_mutex_lock(&vm.lock);
	while (vm.state != VM_STOPPING)
		pthread_cond_wait(&vm.cond, &vm.lock);
	vm_kick_vcpus(&vm);
	pthread_mutex_unlock(&vm.lock);
	for (unsigned i = 0; i < started; i++)
		pthread_join(vm.vcpus[i].thread, NULL);
	if (vm.balancing)
		pthread_join(vm.balance_thread, NULL);
	pthread_cancel(sigthr);
	pthread_join(sigthr, NULL);

	if (vm.first_user_time)
		log_debug("first CPL3 exit %.3f ms after start", (vm.first_user_time - vm.start_time) * 1e3);
	vm_teardown(&vm);
	log_info("%s; exit status %d", vm.exit_reason, vm.exit_status);
	return vm.exit_status;
}
