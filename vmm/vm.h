/* vm.h - one virtual machine: KVM handles, vCPU threads, guest memory, devices,
 * and the run state the control socket drives (pause/resume/quit). */
#ifndef FRAMESHIFT_VMM_VM_H
#define FRAMESHIFT_VMM_VM_H

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include "mm/guest_mem.h"
#include "mm/autobalance.h"
#include "mm/migrate.h"
#include "mm/tier_policy.h"
#include "vmm/coalesced.h"
#include "vmm/dirty_ring.h"
#include "vmm/cli.h"

struct kvm_run;
struct control_server;

struct vcpu {
	struct vm *vm;
	unsigned index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool halted;
	uint64_t exits;
	unsigned node;           /* logical node its thread runs on (--cpu-nodes) */
	cpu_set_t cpus;          /* that node's host CPUs (or the process's, with
				  * --emulator-cpus); empty: not pinned */
	struct dirty_ring ring;  /* with --autobalance */
};

enum vm_run_state { VM_RUNNING, VM_PAUSED, VM_STOPPING };

struct vm {
	const struct vm_config *cfg;
	int kvm_fd, vm_fd;
	int vcpu_mmap_size;
	bool kvm_pre_fault_memory; /* KVM offers it (reported in ctl info, not used) */
	struct guest_mem mem;
	struct migrator migrator;
	struct autobalance balance; /* samples writes with --autobalance or --tiering */
	struct tiering tiering;  /* with --tiering */
	pthread_t balance_thread;
	bool balancing;          /* the balance thread runs */
	struct vcpu *vcpus;
	unsigned ncpus;
	uint64_t entry;
	struct linux_boot *linux_boot; /* --kernel (vmm/linux_vm.c) */
	cpu_set_t process_cpus;  /* the CPUs the process had at start: unpinned vCPUs keep them */
	struct coalesced coalesced; /* writes KVM queues for the devices */

	pthread_mutex_t lock;  /* guards everything below */
	pthread_cond_t cond;
	enum vm_run_state state;
	unsigned vcpus_paused; /* vCPUs parked by a pause */
	unsigned vcpus_halted;
	bool exit_set;
	int exit_status;       /* process exit status once stopping */
	char exit_reason[128];
	double start_time;     /* process start (monotonic s) */
	double first_user_time; /* when the guest first left CPL0 (0 if not yet) */
	struct control_server *control;
};

/* The run state (vmm/run_state.c). */
#define SIG_VCPU_KICK SIGUSR1
/* Ask the VM to stop with a status and a reason; the first call wins. */
void vm_request_exit(struct vm *vm, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Park every vCPU outside KVM_RUN / let them go again. Return 0 or -errno. */
int vm_pause(struct vm *vm);
int vm_resume(struct vm *vm);
/* Make every vCPU leave KVM_RUN soon. Called with vm->lock held. */
void vm_kick_vcpus(struct vm *vm);
/* A vCPU thread waits here while paused; false once the VM is stopping. */
bool vcpu_may_run(struct vcpu *v);

/* The whole life of `frameshift run`: returns the process exit status. */
int vm_run_main(const struct vm_config *cfg);

#endif
