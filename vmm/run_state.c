/* run_state.c - the run state of a VM: RUNNING <-> PAUSED (the control
 * socket), and either -> STOPPING (the guest ended, a fatal exit, `quit`, or a
 * signal). A pause parks each vCPU thread outside KVM_RUN: the thread is
 * kicked out with immediate_exit + a signal and waits on vm->cond.
 *
 * Apart from vm.c so that what drives the run state (control commands,
 * devices) calls into this file, not into the VM's life that calls them. */
#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>

#include "vmm/vm.h"

void vm_request_exit(struct vm *vm, int status, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&vm->lock);
	if (!vm->exit_set) {
		vm->exit_set = true;
		vm->exit_status = status;
		va_start(ap, fmt);
		vsnprintf(vm->exit_reason, sizeof(vm->exit_reason), fmt, ap);
		va_end(ap);
	}
	vm->state = VM_STOPPING;
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
}

void vm_kick_vcpus(struct vm *vm)
{
	for (unsigned i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (!v->run || v->halted)
			continue;
		v->run->immediate_exit = 1;
		pthread_kill(v->thread, SIG_VCPU_KICK);
	}
}

static unsigned vm_vcpus_active(const struct vm *vm)
{
	return vm->ncpus - vm->vcpus_halted;
}

int vm_pause(struct vm *vm)
{
	int ret = 0;

	pthread_mutex_lock(&vm->lock);
	if (vm->state == VM_PAUSED)
		ret = -EALREADY;
	else if (vm->state == VM_STOPPING)
		ret = -ESHUTDOWN;
	if (ret)
		goto out;
	vm->state = VM_PAUSED;
	vm_kick_vcpus(vm);
	while (vm->state == VM_PAUSED && vm->vcpus_paused < vm_vcpus_active(vm))
		pthread_cond_wait(&vm->cond, &vm->lock);
	if (vm->state != VM_PAUSED)
		ret = -ESHUTDOWN;
out:
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

int vm_resume(struct vm *vm)
{
	int ret = 0;

	pthread_mutex_lock(&vm->lock);
	if (vm->state != VM_PAUSED) {
		ret = vm->state == VM_STOPPING ? -ESHUTDOWN : -EALREADY;
	} else {
		vm->state = VM_RUNNING;
		pthread_cond_broadcast(&vm->cond);
	}
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

bool vcpu_may_run(struct vcpu *v)
{
	struct vm *vm = v->vm;
	bool run;

	pthread_mutex_lock(&vm->lock);
	while (vm->state == VM_PAUSED) {
		vm->vcpus_paused++;
		pthread_cond_broadcast(&vm->cond);
		pthread_cond_wait(&vm->cond, &vm->lock);
		vm->vcpus_paused--;
	}
	run = vm->state == VM_RUNNING;
	pthread_mutex_unlock(&vm->lock);
	return run;
}
