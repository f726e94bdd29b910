/* sandbox.c - the seccomp filter frameshift runs under after set-up.
 *
 * By the time vm_run_main() calls sandbox_install(), guest memory, the pools,
 * the userfaultfd, KVM, the vCPUs, the guest image, the devices and the
 * control socket all exist, and every thread has been started: the vCPUs,
 * the signal thread, the control thread, the migration copy threads and the
 * userfaultfd reader. From then on the VMM only runs vCPUs, serves the
 * control socket, moves frames and tears down, and the filter below allows
 * exactly the system calls that takes. It is installed on every thread at
 * once (SECCOMP_FILTER_FLAG_TSYNC), and threads made later inherit it.
 *
 * What is left out is the point: no execve, no fork (clone only with
 * CLONE_THREAD), no open/openat, no socket/connect/bind, no ptrace, no
 * mount, no new executable memory, and ioctl only for KVM, userfaultfd and
 * isatty(). docs/reliability.md lists the calls and why each is needed.
 *
 * A forbidden call raises SIGSYS (SCMP_ACT_TRAP); the handler writes the
 * call's name and the thread's name to stderr and exits EXIT_SANDBOX (159,
 * what a shell shows for a death by SIGSYS) with _exit, so no core dump of a
 * process that maps all of guest RAM. SCMP_ACT_KILL_PROCESS would say
 * nothing. A thread that blocks SIGSYS (the control thread blocks every
 * signal) cannot run the handler: the kernel then kills the process with
 * SIGSYS directly - still killed, just without the message. */
#include <errno.h>
#include <execinfo.h>
#include <linux/userfaultfd.h>
#include <numa.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "lib/util.h"
#include "vmm/cli.h"
#include "vmm/sandbox.h"
#include "lib/log.h"

#ifdef FRAMESHIFT_SANITIZERS
#include <sanitizer/common_interface_defs.h>
#endif

/* Allowed without conditions. Keep docs/reliability.md in step. */
static const int allowed[] = {
	/* memory: malloc, thread stacks, pools, frame remaps, ballooning */
	SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(madvise), SCMP_SYS(mremap),
	SCMP_SYS(fallocate),       /* pool populate, hole punch on balloon/release */
	SCMP_SYS(set_mempolicy),   /* libnuma numa_set_membind / numa_set_localalloc */
	SCMP_SYS(get_mempolicy),   /* libnuma numa_available */
	/* files we already hold: guest serial out, logs, eventfds, uffd messages */
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(close), SCMP_SYS(lseek),
	SCMP_SYS(fstat), SCMP_SYS(newfstatat), /* stdio's first write; lstat of our socket at exit */
	/* waiting */
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(futex), SCMP_SYS(nanosleep),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(sched_yield), SCMP_SYS(restart_syscall),
	/* time (normally the vDSO; the system calls where it falls back) */
	SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres), SCMP_SYS(gettimeofday),
	/* the control socket: clients, SO_PEERCRED, send timeout; removal at exit */
	SCMP_SYS(accept4), SCMP_SYS(accept), SCMP_SYS(recvfrom), SCMP_SYS(recvmsg),
	SCMP_SYS(sendto), SCMP_SYS(sendmsg), SCMP_SYS(getsockopt), SCMP_SYS(setsockopt),
	SCMP_SYS(shutdown), SCMP_SYS(unlink), SCMP_SYS(geteuid), SCMP_SYS(getuid),
	/* threads and signals: vCPU kicks (pthread_kill), sigwait, cancel, exit */
	SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(exit), SCMP_SYS(exit_group),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigaction),
	SCMP_SYS(rt_sigtimedwait), SCMP_SYS(sigaltstack), SCMP_SYS(tgkill),
	SCMP_SYS(gettid), SCMP_SYS(getpid),
	SCMP_SYS(sched_getaffinity), SCMP_SYS(sched_setaffinity), /* vCPU pinning */
	/* json-c's hash seed, at the control thread's first request */
	SCMP_SYS(getrandom),
};

#ifdef FRAMESHIFT_SANITIZERS
/* Test builds only (--enable-sanitizers): LeakSanitizer's check at exit
 * stops the world with a ptrace-ing helper task and reads /proc/self. The
 * symbolizer is started before the filter (__sanitizer_sandbox_on_notify),
 * so reports need no execve. */
static const int allowed_sanitizer[] = {
	SCMP_SYS(clone), SCMP_SYS(ptrace), SCMP_SYS(wait4), SCMP_SYS(prctl),
	SCMP_SYS(openat), SCMP_SYS(open), SCMP_SYS(getdents), SCMP_SYS(getdents64), SCMP_SYS(readlink),
	SCMP_SYS(getppid), SCMP_SYS(kill), SCMP_SYS(tkill), SCMP_SYS(pipe2),
	SCMP_SYS(dup2), SCMP_SYS(dup), SCMP_SYS(process_vm_readv), SCMP_SYS(uname),
	SCMP_SYS(getrlimit), SCMP_SYS(prlimit64), SCMP_SYS(sched_getparam),
	SCMP_SYS(mprotect), SCMP_SYS(mmap),
};
#endif

#ifdef FRAMESHIFT_SANITIZERS
#define SANITIZER_NOTE " (a sanitizer build: LeakSanitizer's calls, openat among them, are allowed too)"
#else
#define SANITIZER_NOTE ""
#endif

/* ioctl request types: KVM (KVM_RUN, KVM_GET_SREGS, ...) and userfaultfd
 * (UFFDIO_REGISTER, UFFDIO_WRITEPROTECT, ...). Plus TCGETS alone, for
 * isatty() in stdio: not the other 'T' requests (TIOCSTI pushes input into
 * a terminal). */
#define IOC_TYPE_MASK 0xff00u
static const unsigned ioctl_types[] = { KVMIO, UFFDIO };

#define NAMES 512 /* x86-64 system call numbers are below this */
static char *names[NAMES];

static size_t put_str(char *buf, size_t off, size_t cap, const char *s)
{
	while (*s && off < cap)
		buf[off++] = *s++;
	return off;
}

static size_t put_uint(char *buf, size_t off, size_t cap, unsigned long v)
{
	char tmp[24];
	size_t n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < sizeof(tmp));
	while (n && off < cap)
		buf[off++] = tmp[--n];
	return off;
}

/* Async-signal-safe: only write, prctl and _exit, all allowed. */
static void sigsys_handler(int sig, siginfo_t *si, void *uc)
{
	char buf[256], thread[17] = "";
	size_t off = 0, cap = sizeof(buf);
	int nr = si->si_syscall;

	(void)sig;
	(void)uc;
	prctl(PR_GET_NAME, thread, 0, 0, 0);
	off = put_str(buf, off, cap, "frameshift: sandbox: forbidden system call ");
	if (nr >= 0 && nr < NAMES && names[nr]) {
		off = put_str(buf, off, cap, names[nr]);
		off = put_str(buf, off, cap, " (");
		off = put_uint(buf, off, cap, (unsigned long)nr);
		off = put_str(buf, off, cap, ")");
	} else {
		off = put_uint(buf, off, cap, (unsigned long)(unsigned)nr);
	}
	off = put_str(buf, off, cap, " in thread ");
	off = put_str(buf, off, cap, thread[0] ? thread : "?");
	off = put_str(buf, off, cap, "; stopping (frameshift run --no-seccomp to debug)\n");
	if (write(STDERR_FILENO, buf, off) < 0)
		off = 0;
	_exit(EXIT_SANDBOX);
}

/* ---- the self-test (tests/sandbox.test) ---- */

static pthread_mutex_t st_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t st_cond = PTHREAD_COND_INITIALIZER;
static bool st_go;

static int forbidden_execve(void)
{
	static char *const argv[] = { "frameshift-sandbox-selftest", NULL };

	/* a path that cannot exist: unconfined, this fails with ENOENT */
	execve("/nonexistent/frameshift-sandbox-selftest", argv, argv + 1);
	return errno;
}

/* A thread started before the filter: TSYNC must cover it too. */
static void *selftest_thread(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "fs-selftest");
	pthread_mutex_lock(&st_lock);
	while (!st_go)
		pthread_cond_wait(&st_cond, &st_lock);
	pthread_mutex_unlock(&st_lock);
	return (void *)(intptr_t)forbidden_execve();
}

static void selftest_not_stopped(const char *what, int err)
{
	log_info("sandbox selftest: %s was not stopped (it returned: %s)", what, strerror(err));
	_exit(EXIT_SOFTWARE);
}

/* ---- installing ---- */

/* Work that would make forbidden calls if it first happened under the
 * filter: done now, once. */
static void prepare(void)
{
	void *frame;

	/* pthread_cancel() (the signal thread, at exit) loads libgcc_s for the
	 * unwinder on first use: openat and mmap(PROT_EXEC). backtrace() takes
	 * the same path now. */
	backtrace(&frame, 1);
	/* libnuma reads a node's CPU list from sysfs the first time it is
	 * asked; a vCPU thread pinning itself would ask under the filter */
	if (numa_available() >= 0) {
		struct bitmask *cpus = numa_allocate_cpumask();

		for (int n = 0; cpus && n <= numa_max_node(); n++)
			numa_node_to_cpus(n, cpus);
		if (cpus)
			numa_free_cpumask(cpus);
	}
#ifdef FRAMESHIFT_SANITIZERS
	/* start the symbolizer and cache /proc/self/maps while we may */
	__sanitizer_sandbox_on_notify(NULL);
#endif
}

static int build(scmp_filter_ctx ctx, unsigned *nrules)
{
	int rc = 0;

#define ADD(action, nr, ...)                                                     \
	do {                                                                     \
		if (rc == 0 && (rc = seccomp_rule_add(ctx, action, nr, __VA_ARGS__)) == 0) \
			(*nrules)++;                                             \
	} while (0)

	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
		ADD(SCMP_ACT_ALLOW, allowed[i], 0);
#ifdef FRAMESHIFT_SANITIZERS
	for (size_t i = 0; i < ARRAY_SIZE(allowed_sanitizer); i++)
		ADD(SCMP_ACT_ALLOW, allowed_sanitizer[i], 0);
#else
	/* threads, never processes; clone3's flags sit in memory a filter cannot
	 * read, so it fails with ENOSYS and glibc falls back to clone */
	ADD(SCMP_ACT_ALLOW, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	/* no new executable memory */
	ADD(SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	ADD(SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	/* thread names: pthread_setname_np on ourselves, and the SIGSYS handler */
	ADD(SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1, SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
	ADD(SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1, SCMP_A0(SCMP_CMP_EQ, PR_GET_NAME));
#endif
	ADD(SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	for (size_t i = 0; i < ARRAY_SIZE(ioctl_types); i++)
		ADD(SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
		    SCMP_A1(SCMP_CMP_MASKED_EQ, IOC_TYPE_MASK, ioctl_types[i] << 8));
	ADD(SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TCGETS));
	/* --kernel: the serial console puts the terminal back at exit (tcsetattr) */
	ADD(SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TCSETS));
#undef ADD
	return rc;
}

int sandbox_install(bool enabled, char *err, size_t errlen)
{
	const char *st = getenv("FRAMESHIFT_SANDBOX_SELFTEST");
	struct sigaction sa = { .sa_sigaction = sigsys_handler, .sa_flags = SA_SIGINFO };
	scmp_filter_ctx ctx;
	pthread_t helper;
	bool have_helper = false, audit;
	unsigned nrules = 0;
	int rc;

	if (st && !*st)
		st = NULL;
	if (st && strcmp(st, "1") && strcmp(st, "execve") && strcmp(st, "thread") && strcmp(st, "openat")) {
		snprintf(err, errlen, "FRAMESHIFT_SANDBOX_SELFTEST=%s: want execve, thread or openat", st);
		return -1;
	}
	if (st && !strcmp(st, "thread")) {
		if (pthread_create(&helper, NULL, selftest_thread, NULL)) {
			snprintf(err, errlen, "sandbox selftest: cannot start a thread");
			return -1;
		}
		have_helper = true;
	}

	if (!enabled) {
		log_info("sandbox off (--no-seccomp): no seccomp filter");
	} else {
		prepare();
		for (int nr = 0; nr < NAMES; nr++)
			if (!names[nr])
				names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		sigemptyset(&sa.sa_mask);
		audit = getenv("FRAMESHIFT_SANDBOX_AUDIT") && !strcmp(getenv("FRAMESHIFT_SANDBOX_AUDIT"), "1");
		ctx = seccomp_init(audit ? SCMP_ACT_LOG : SCMP_ACT_TRAP);
		if (!ctx) {
			snprintf(err, errlen, "sandbox: seccomp_init failed (run with --no-seccomp to go without)");
			return -1;
		}
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
		if (rc == 0)
			rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
		if (rc == 0)
			rc = build(ctx, &nrules);
		if (rc == 0 && sigaction(SIGSYS, &sa, NULL) < 0)
			rc = -errno;
		if (rc == 0)
			rc = seccomp_load(ctx);
		seccomp_release(ctx);
		if (rc < 0) {
			snprintf(err, errlen, "sandbox: cannot install the seccomp filter: %s "
				 "(run with --no-seccomp to go without)", strerror(-rc));
			return -1;
		}
		if (audit)
			log_info("sandbox: audit mode (FRAMESHIFT_SANDBOX_AUDIT=1): calls outside the filter's "
				 "%u rules run, and the kernel logs each (dmesg: audit type=1326)", nrules);
		else
			log_debug("sandbox: seccomp filter on every thread, %u rules; anything else stops the VMM%s",
				  nrules, SANITIZER_NOTE);
	}

	if (!st)
		return 0;
	if (!strcmp(st, "openat")) {
		FILE *f = fopen("/etc/hostname", "r");
		int e = f ? 0 : errno;

		if (f)
			fclose(f);
		selftest_not_stopped("openat", e);
	}
	if (have_helper) {
		void *ret;

		pthread_mutex_lock(&st_lock);
		st_go = true;
		pthread_cond_broadcast(&st_cond);
		pthread_mutex_unlock(&st_lock);
		pthread_join(helper, &ret);
		selftest_not_stopped("execve in a thread started before the filter", (int)(intptr_t)ret);
	}
	selftest_not_stopped("execve", forbidden_execve());
	return 0;
}
