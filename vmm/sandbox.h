/* sandbox.h - once set-up is done, frameshift runs under a seccomp filter that
 * allows only the system calls a running VMM makes (docs/reliability.md has
 * the list and why each is there). Anything else kills the process by
 * SIGSYS (exit status 159 in a shell); the kernel's audit log names the call.
 * `frameshift run --no-seccomp` runs without the filter, to debug. */
#ifndef FRAMESHIFT_VMM_SANDBOX_H
#define FRAMESHIFT_VMM_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Install the filter on every thread of the process (SECCOMP_FILTER_FLAG_TSYNC),
 * so call it once every thread has done its own set-up; threads created later
 * inherit it. enabled=false only logs that the sandbox is off. Returns 0, or
 * -1 with a message in err (the caller stops the VM: it never runs
 * unconfined by accident). Either way it then lets sandbox_wait() return.
 *
 * FRAMESHIFT_SANDBOX_SELFTEST=NAME (tests/sandbox.test) then makes one
 * forbidden call: execve, openat, unlink, stat (lstat), tgkill (of pid 1),
 * affinity (sched_setaffinity of another pid), sigaction (of SIGSYS) from this
 * thread; thread: execve from a thread that existed before the filter; vcpu:
 * execve from a vCPU thread before its first KVM_RUN. Under the filter that
 * kills the process; without it (--no-seccomp) the call fails or does
 * nothing harmful and frameshift exits EXIT_SOFTWARE saying it was not
 * stopped. arenas: threads made under the filter each allocate and free at
 * once, and the VM runs on (sandbox_early).
 *
 * FRAMESHIFT_SANDBOX_AUDIT=1 installs the same filter in audit mode: calls
 * outside it run, and the kernel logs each one (dmesg, audit type=1326 with
 * syscall=N) - how to find what a change needs before it is allowed. */
int sandbox_install(bool enabled, char *err, size_t errlen);

/* First thing in main(), before any thread: what the filter would later
 * forbid that only a start-up setting prevents (malloc's arenas). */
void sandbox_early(void);

/* A vCPU thread calls this before its first KVM_RUN: it returns once
 * sandbox_install() has run, so no guest instruction runs unconfined. */
void sandbox_wait(void);

/* The filter allows no call that takes a path, so a file the VMM must remove
 * at exit (the control socket) is removed by a small process forked now,
 * before the filter. It removes path, if it is still the file (dev, ino),
 * once the returned descriptor is given to sandbox_unlink_now() or the VMM
 * ends in any other way (a crash, a kill). Returns that descriptor, or -1
 * with a message in err. */
int sandbox_unlink_later(const char *path, dev_t dev, ino_t ino, char *err, size_t errlen);
/* Remove it now: returns once it is gone (or was not ours); closes fd. */
void sandbox_unlink_now(int fd);

#endif
