/* sandbox.c - the seccomp filter frameshift runs under after set-up.
 *
 * By the time vm_run_main() calls sandbox_install(), guest memory, the pools,
 * the userfaultfd, KVM, the vCPUs, the guest image, the devices and the
 * control socket all exist, and every thread has been started: the vCPUs,
 * the signal thread, the control thread, the migration copy threads and the
 * userfaultfd reader. The vCPU threads wait in sandbox_wait() until the
 * filter is on, so no guest instruction runs before it. From then on the VMM
 * only runs vCPUs, serves the control socket, moves frames and tears down,
 * and the filter below allows exactly the system calls that takes. It is
 * installed on every thread at once (SECCOMP_FILTER_FLAG_TSYNC), and threads
 * made later inherit it.
 *
 * What is left out is the point: no execve, no fork (clone only with
 * CLONE_THREAD), no call that takes a path (open, stat, unlink: the control
 * socket is removed by a process forked before the filter, see
 * sandbox_unlink_later), no socket/connect/bind, no ptrace, no mount, no new
 * executable memory, signals and CPU affinity only for our own threads, and
 * ioctl only for KVM, userfaultfd and the terminal's TCGETS/TCSETS.
 * docs/reliability.md lists the calls and why each is needed.
 *
 * A forbidden call kills the process with SIGSYS (SCMP_ACT_KILL_PROCESS): no
 * handler runs, so code that has taken over the VMM cannot catch it. The
 * kernel's audit log names the call and the thread (dmesg: audit type=1326
 * ... comm="vcpu0" ... syscall=59); FRAMESHIFT_SANDBOX_AUDIT=1 logs such calls
 * and lets them run, to find what a change needs. */
#include <errno.h>
#include <execinfo.h>
#include <malloc.h>
#include <linux/userfaultfd.h>
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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
	SCMP_SYS(fstat),           /* a pool file's blocks: did a lazy frame have a page? */
	SCMP_SYS(set_mempolicy),   /* libnuma numa_set_membind / numa_set_localalloc */
	SCMP_SYS(get_mempolicy),   /* libnuma numa_available */
	/* files we already hold: guest serial, logs, eventfds, uffd messages;
	 * writev is glibc's for a fatal message (assert, malloc) */
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(writev), SCMP_SYS(close),
	/* the free_hugepages counters guest_mem_init opened (ctl drain) */
	SCMP_SYS(pread64),
	/* waiting */
	SCMP_SYS(poll), SCMP_SYS(futex), SCMP_SYS(nanosleep), SCMP_SYS(clock_nanosleep),
	SCMP_SYS(restart_syscall),
	/* time (normally the vDSO; the system call where it falls back) */
	SCMP_SYS(clock_gettime),
	/* the control socket: clients, SO_PEERCRED, replies; the unlinker */
	SCMP_SYS(accept4), SCMP_SYS(sendto), SCMP_SYS(getsockopt),
	SCMP_SYS(shutdown), SCMP_SYS(geteuid),
	/* threads: start (threads are made after the filter too), sigwait,
	 * masks, handler return, raise/abort, exit */
	SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(exit), SCMP_SYS(exit_group),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigtimedwait),
	SCMP_SYS(gettid), SCMP_SYS(getpid),
	/* json-c's hash seed, at the control thread's first request */
	SCMP_SYS(getrandom),
	/* virtio-blk's I/O threads on the --disk images opened at set-up:
	 * reads and writes into guest RAM, the guest's flush (blk/io.c);
	 * discard and write-zeroes use fallocate, above */
	SCMP_SYS(preadv), SCMP_SYS(pwritev), SCMP_SYS(fdatasync),
};

#ifdef FRAMESHIFT_SANITIZERS
/* Test builds only (--enable-sanitizers): LeakSanitizer's check at exit
 * stops the world with a ptrace-ing helper task that installs its own signal
 * handlers, and reads /proc/self; ASan reads each new thread's stack bounds
 * (pthread_getattr_np: sched_getaffinity of that thread). The symbolizer is
 * started before the filter (__sanitizer_sandbox_on_notify), so reports need
 * no execve. The last two lines are what the plain build no longer allows,
 * still allowed here: the sanitizer runtime ran the suite with them. */
static const int allowed_sanitizer[] = {
	SCMP_SYS(clone), SCMP_SYS(ptrace), SCMP_SYS(wait4), SCMP_SYS(prctl),
	SCMP_SYS(openat), SCMP_SYS(open), SCMP_SYS(getdents), SCMP_SYS(getdents64), SCMP_SYS(readlink),
	SCMP_SYS(fstat), SCMP_SYS(newfstatat),
	SCMP_SYS(getppid), SCMP_SYS(kill), SCMP_SYS(tkill), SCMP_SYS(pipe2),
	SCMP_SYS(dup2), SCMP_SYS(dup), SCMP_SYS(process_vm_readv), SCMP_SYS(uname),
	SCMP_SYS(getrlimit), SCMP_SYS(prlimit64), SCMP_SYS(sched_getparam),
	SCMP_SYS(sched_getaffinity), SCMP_SYS(mprotect), SCMP_SYS(mmap),
	SCMP_SYS(readv), SCMP_SYS(lseek), SCMP_SYS(ppoll), SCMP_SYS(sched_yield), SCMP_SYS(sigaltstack),
	SCMP_SYS(clock_getres), SCMP_SYS(gettimeofday), SCMP_SYS(getuid),
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

/* int arguments: the kernel reads the low 32 bits of the register */
#define INT_ARG 0xffffffffu

/* glibc's cancellation signal (SIGRTMIN is the first one it leaves to us) */
#define SIGCANCEL __SIGRTMIN

/* ---- the vCPUs' start gate ---- */

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static bool gate_open;

static void open_gate(void)
{
	pthread_mutex_lock(&gate_lock);
	gate_open = true;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
}

/* ---- the self-test (tests/sandbox.test) ---- */

static const char *selftest(void)
{
	const char *st = getenv("FRAMESHIFT_SANDBOX_SELFTEST");

	return st && *st ? st : NULL;
}

/* Each makes one call the filter forbids, harmless when it runs: a path
 * that cannot exist, signal 0, a pid that cannot exist. Returns its errno. */
#define NO_PATH "/nonexistent/frameshift-sandbox-selftest"
#define NO_PID 0x3ffffff0 /* above PID_MAX_LIMIT */

static int forbidden_execve(void)
{
	static char *const argv[] = { "frameshift-sandbox-selftest", NULL };

	execve(NO_PATH, argv, argv + 1);
	return errno;
}

static int forbidden_openat(void)
{
	FILE *f = fopen("/etc/hostname", "r");

	if (!f)
		return errno;
	fclose(f);
	return 0;
}

static int forbidden_unlink(void)
{
	return unlink(NO_PATH) < 0 ? errno : 0;
}

static int forbidden_stat(void)
{
	struct stat st;

	return lstat("/", &st) < 0 ? errno : 0;
}

static int forbidden_tgkill(void)
{
	/* init's main thread, signal 0: only asks whether it may be signalled */
	return syscall(SYS_tgkill, 1, 1, 0) < 0 ? errno : 0;
}

static int forbidden_affinity(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	return sched_setaffinity(NO_PID, sizeof(set), &set) < 0 ? errno : 0;
}

static int forbidden_sigaction(void)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };

	return sigaction(SIGSYS, &sa, NULL) < 0 ? errno : 0;
}

static const struct {
	const char *name;
	int (*call)(void);
} selftests[] = {
	{ "execve", forbidden_execve },
	{ "openat", forbidden_openat },
	{ "unlink", forbidden_unlink },
	{ "stat", forbidden_stat },
	{ "tgkill", forbidden_tgkill },
	{ "affinity", forbidden_affinity },
	{ "sigaction", forbidden_sigaction },
	/* execve from a thread started before the filter: TSYNC must cover it */
	{ "thread", forbidden_execve },
	/* execve from a vCPU thread right before its first KVM_RUN */
	{ "vcpu", forbidden_execve },
};

static int (*selftest_call(const char *name))(void)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(selftests); i++)
		if (!strcmp(selftests[i].name, name))
			return selftests[i].call;
	return NULL;
}

static void selftest_not_stopped(const char *what, int err) __attribute__((noreturn));
static void selftest_not_stopped(const char *what, int err)
{
	log_info("sandbox selftest: %s was not stopped (it returned: %s)", what, strerror(err));
	_exit(EXIT_SOFTWARE);
}


static void wait_gate(void)
{
	pthread_mutex_lock(&gate_lock);
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
}

/* Not a forbidden call: SELFTEST_ARENAS threads made under the filter each
 * allocate and free at once (more threads than the 8 arenas after which
 * glibc would count the CPUs, and enough to shrink a thread's own heap).
 * The VMM must go on (sandbox_early). */
#define SELFTEST_ARENAS 16

static pthread_barrier_t arenas_barrier;

static void *arena_thread(void *arg)
{
	void *volatile p[64];

	(void)arg;
	pthread_barrier_wait(&arenas_barrier);
	/* 512 KiB in chunks below the mmap threshold, then all freed: a
	 * thread's own heap would shrink */
	for (unsigned i = 0; i < ARRAY_SIZE(p); i++)
		p[i] = malloc(8192);
	for (unsigned i = 0; i < ARRAY_SIZE(p); i++)
		free(p[i]);
	pthread_barrier_wait(&arenas_barrier);
	return NULL;
}

static void selftest_arenas(void)
{
	pthread_t t[SELFTEST_ARENAS];
	unsigned n;

	pthread_barrier_init(&arenas_barrier, NULL, SELFTEST_ARENAS + 1);
	for (n = 0; n < SELFTEST_ARENAS; n++)
		if (pthread_create(&t[n], NULL, arena_thread, NULL))
			break;
	if (n < SELFTEST_ARENAS) { /* those started wait at the barrier for good */
		log_info("sandbox selftest: arenas: only %u threads started", n);
		_exit(EXIT_SOFTWARE);
	}
	pthread_barrier_wait(&arenas_barrier);
	pthread_barrier_wait(&arenas_barrier);
	for (n = 0; n < SELFTEST_ARENAS; n++)
		pthread_join(t[n], NULL);
	pthread_barrier_destroy(&arenas_barrier);
	log_info("sandbox selftest: arenas: %u threads allocated and freed at once under the filter", n);
}

static void *selftest_thread(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "fs-selftest");
	wait_gate();
	return (void *)(intptr_t)forbidden_execve();
}

void sandbox_wait(void)
{
	const char *st = selftest();

	wait_gate();
	if (st && !strcmp(st, "vcpu"))
		selftest_not_stopped("execve in a vCPU thread", forbidden_execve());
}

/* ---- installing ---- */

void sandbox_early(void)
{
	/* glibc's malloc opens files lazily for its per-thread arenas: the CPU
	 * count (/sys/devices/system/cpu/online) when a thread first needs a
	 * ninth arena, and /proc/sys/vm/overcommit_memory the first time a
	 * thread's heap shrinks. Under the filter either kills the VMM (seen:
	 * virtio-blk's I/O threads in kvm-hostile). With one arena neither
	 * happens; each thread's tcache still spares it the arena's lock. */
	mallopt(M_ARENA_MAX, 1);
}

/* Work that would make forbidden calls if it first happened under the
 * filter: done now, once. */
static void prepare(void)
{
	void *frame;

	/* pthread_cancel() (the signal thread, at exit) loads libgcc_s for the
	 * unwinder on first use: openat and mmap(PROT_EXEC). backtrace() takes
	 * the same path now. */
	backtrace(&frame, 1);
#ifdef FRAMESHIFT_SANITIZERS
	/* start the symbolizer and cache /proc/self/maps while we may */
	__sanitizer_sandbox_on_notify(NULL);
#endif
}

static int build(scmp_filter_ctx ctx, unsigned *nrules)
{
	scmp_datum_t self = (scmp_datum_t)getpid();
	int rc = 0;

#define ADD(action, nr, ...)                                                     \
	do {                                                                     \
		if (rc == 0 && (rc = seccomp_rule_add(ctx, action, nr, __VA_ARGS__)) == 0) \
			(*nrules)++;                                             \
	} while (0)

	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
		ADD(SCMP_ACT_ALLOW, allowed[i], 0);
	/* signals only to our own threads: the vCPU kick (pthread_kill), the
	 * signal thread's pthread_cancel at exit, abort() */
	ADD(SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, INT_ARG, self));
	/* glibc installs its cancellation handler at the first pthread_cancel;
	 * no other handler may change, SIGSYS's least */
	ADD(SCMP_ACT_ALLOW, SCMP_SYS(rt_sigaction), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, INT_ARG, SIGCANCEL));
	/* --cpu-nodes: a vCPU thread pins itself (pid 0: the calling thread) */
	ADD(SCMP_ACT_ALLOW, SCMP_SYS(sched_setaffinity), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, INT_ARG, 0));
#ifdef FRAMESHIFT_SANITIZERS
	for (size_t i = 0; i < ARRAY_SIZE(allowed_sanitizer); i++)
		ADD(SCMP_ACT_ALLOW, allowed_sanitizer[i], 0);
	/* LeakSanitizer's helper task handles the synchronous signals itself */
	for (int sig = 1; sig < SIGCANCEL; sig++)
		if (sig != SIGSYS)
			ADD(SCMP_ACT_ALLOW, SCMP_SYS(rt_sigaction), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, INT_ARG, sig));
#else
	/* threads, never processes; clone3's flags sit in memory a filter cannot
	 * read, so it fails with ENOSYS and glibc falls back to clone */
	ADD(SCMP_ACT_ALLOW, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	/* no new executable memory */
	ADD(SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	ADD(SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	/* thread names: pthread_setname_np on ourselves */
	ADD(SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, INT_ARG, PR_SET_NAME));
#endif
	ADD(SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	for (size_t i = 0; i < ARRAY_SIZE(ioctl_types); i++)
		ADD(SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
		    SCMP_A1(SCMP_CMP_MASKED_EQ, IOC_TYPE_MASK, ioctl_types[i] << 8));
	ADD(SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, INT_ARG, TCGETS));
	/* --kernel: the serial console puts the terminal back at exit (tcsetattr) */
	ADD(SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, INT_ARG, TCSETS));
#undef ADD
	return rc;
}

static int install(char *err, size_t errlen)
{
	const char *a = getenv("FRAMESHIFT_SANDBOX_AUDIT");
	bool audit = a && !strcmp(a, "1");
	struct rlimit core;
	scmp_filter_ctx ctx;
	unsigned nrules = 0;
	int rc;

	prepare();
	/* a process the filter kills would dump core with all of guest RAM in it */
	if (!audit && getrlimit(RLIMIT_CORE, &core) == 0) {
		core.rlim_cur = 0;
		setrlimit(RLIMIT_CORE, &core);
	}
	ctx = seccomp_init(audit ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS);
	if (!ctx) {
		snprintf(err, errlen, "sandbox: seccomp_init failed (run with --no-seccomp to go without)");
		return -1;
	}
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (rc == 0)
		rc = build(ctx, &nrules);
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
		log_debug("sandbox: seccomp filter on every thread, %u rules; anything else kills the VMM%s",
			  nrules, SANITIZER_NOTE);
	return 0;
}

int sandbox_install(bool enabled, char *err, size_t errlen)
{
	const char *st = selftest();
	int (*call)(void) = selftest_call(st);
	bool arenas = st && !strcmp(st, "arenas");
	pthread_t helper;
	int rc = 0;

	if (st && !call && !arenas) {
		snprintf(err, errlen, "FRAMESHIFT_SANDBOX_SELFTEST=%s: want execve, openat, unlink, stat, "
			 "tgkill, affinity, sigaction, thread, vcpu or arenas", st);
		rc = -1;
	} else if (st && !strcmp(st, "thread") && pthread_create(&helper, NULL, selftest_thread, NULL)) {
		snprintf(err, errlen, "sandbox selftest: cannot start a thread");
		rc = -1;
	} else if (!enabled) {
		log_info("sandbox off (--no-seccomp): no seccomp filter");
	} else {
		rc = install(err, errlen);
	}
	open_gate(); /* also when this failed: the vCPUs see the VM stop */

	if (arenas && rc == 0)
		selftest_arenas();
	if (arenas)
		return rc;
	if (rc < 0 || !call || !strcmp(st, "vcpu"))
		return rc;
	if (!strcmp(st, "thread")) {
		void *ret;

		pthread_join(helper, &ret);
		selftest_not_stopped("execve in a thread started before the filter", (int)(intptr_t)ret);
	}
	selftest_not_stopped(st, call());
}

/* ---- the control socket's removal ---- */

/* The unlinker: a process of its own, outside the filter, that holds
 * nothing of the VMM's but one end of a socket pair. Once the other end
 * closes (sandbox_unlink_now, or the VMM's exit however it happens) it
 * removes path if that is still the file (dev, ino). */
static void unlinker(int fd, const char *path, dev_t dev, ino_t ino)
{
	sigset_t all;
	struct stat st;
	char c;

	/* the terminal's ^C and a kill of the process group are the VMM's */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	prctl(PR_SET_NAME, "fs-unlinker", 0, 0, 0);
	/* nor guest memory's memfds, KVM, the listening socket */
	if (fd > 0)
		close_range(0, fd - 1, 0);
	close_range(fd + 1, ~0u, 0);
	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
	if (lstat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino)
		unlink(path);
	_exit(0);
}

int sandbox_unlink_later(const char *path, dev_t dev, ino_t ino, char *err, size_t errlen)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, errlen, "cannot remove %s at exit: socketpair: %s", path, strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0)
		unlinker(sv[1], path, dev, ino);
	close(sv[1]);
	if (pid < 0) {
		snprintf(err, errlen, "cannot remove %s at exit: fork: %s", path, strerror(errno));
		close(sv[0]);
		return -1;
	}
	return sv[0];
}

void sandbox_unlink_now(int fd)
{
	char c;

	shutdown(fd, SHUT_WR);
	/* end of file once the unlinker has removed the path and exited */
	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
	close(fd);
}
