/* sandbox.h - once set-up is done, frameshift runs under a seccomp filter that
 * allows only the system calls a running VMM makes (docs/reliability.md has
 * the list and why each is there). Anything else ends the process: a
 * SIGSYS handler names the system call on stderr and exits EXIT_SANDBOX.
 * `frameshift run --no-seccomp` runs without the filter, to debug. */
#ifndef FRAMESHIFT_VMM_SANDBOX_H
#define FRAMESHIFT_VMM_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

/* 128 + SIGSYS: what a shell reports for a process killed by SIGSYS, which
 * is also how the kernel ends us where the handler cannot run. */
#define EXIT_SANDBOX 159

/* Install the filter on every thread of the process (SECCOMP_FILTER_FLAG_TSYNC),
 * so call it once every thread has done its own set-up; threads created later
 * inherit it. enabled=false only logs that the sandbox is off. Returns 0, or
 * -1 with a message in err (the caller stops the VM: it never runs
 * unconfined by accident).
 *
 * FRAMESHIFT_SANDBOX_SELFTEST=execve|thread|openat (tests/sandbox.test) then
 * makes a forbidden call right away: execve from this thread, execve from a
 * thread that existed before the filter, or openat. Under the filter that
 * ends the process with EXIT_SANDBOX; without it (--no-seccomp) the call
 * fails harmlessly and frameshift exits EXIT_SOFTWARE saying it was not
 * stopped.
 *
 * FRAMESHIFT_SANDBOX_AUDIT=1 installs the same filter in audit mode: calls
 * outside it run, and the kernel logs each one (dmesg, audit type=1326 with
 * syscall=N) - how to find what a change needs before it is allowed. */
int sandbox_install(bool enabled, char *err, size_t errlen);

#endif
