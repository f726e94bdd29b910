/* check.c - `frameshift check [RUN OPTIONS] [GUEST.elf]`: would `frameshift run`
 * with these options work on this host? One line per requirement, "ok" or
 * "FAIL" with what to do, in the order a new user meets them; the exit
 * status is 0 only if every requirement is met.
 *
 * Each probe asks the kernel what `run` will ask it (the same ioctls and
 * files), so the answer cannot drift from what `run` needs. */
#include <errno.h>
#include <linux/kvm.h>
#include <linux/userfaultfd.h>
#include <numa.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "mm/guest_mem.h"
#include "mm/heat_probe.h"
#include "mm/migrate.h"
#include "vmm/check.h"
#include "vmm/cli.h"
#include "vmm/control/server.h"
#include "vmm/dirty_ring.h"
#include "vmm/kvm.h"

struct report {
	unsigned failed;
};

static void say(struct report *r, bool ok, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void say(struct report *r, bool ok, const char *what, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* continuation lines of a multi-line hint line up under the message */
	printf("%-4s %s: ", ok ? "ok" : "FAIL", what);
	for (const char *p = msg; *p; p++) {
		putchar(*p);
		if (*p == '\n')
			printf("     ");
	}
	putchar('\n');
	r->failed += !ok;
}

static bool have_program(const char *name)
{
	const char *path = getenv("PATH");
	char buf[4096];

	while (path && *path) {
		size_t len = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, path, name);
		if (access(buf, X_OK) == 0)
			return true;
		path += len + (path[len] == ':');
	}
	return false;
}

/* KVM, and with --autobalance the dirty rings (a VM is needed to ask). */
static void check_kvm(struct report *r, const struct vm_config *cfg)
{
	char err[256];
	int kvm_fd, vm_fd;

	if (kvm_open_vm(&kvm_fd, &vm_fd, err, sizeof(err)) < 0) {
		say(r, false, "kvm", "%s", err);
		if (have_program("qemu-system-x86_64"))
			say(r, true, "nested platform",
			    "QEMU is here: from a frameshift checkout, `scripts/nested-run --nodes 2 -- "
			    "frameshift run ...` runs frameshift inside an L1 with its own /dev/kvm and "
			    "2 real NUMA nodes (docs/nested.md)");
		else
			say(r, false, "nested platform",
			    "without /dev/kvm, frameshift runs inside QEMU's nested platform: install "
			    "it with scripts/setup-nested-deps from a frameshift checkout (docs/nested.md)");
		if (cfg->autobalance)
			say(r, false, "dirty rings", "cannot tell without /dev/kvm (--autobalance needs them)");
		return;
	}
	say(r, true, "kvm", "/dev/kvm, API %d", KVM_API_VERSION);
	if (cfg->autobalance) {
		if (dirty_ring_cap(vm_fd))
			say(r, true, "dirty rings", "KVM offers %u KiB rings (--autobalance)",
			    DIRTY_RING_BYTES >> 10);
		else
			say(r, false, "dirty rings", "this KVM has no dirty rings of %u KiB "
			    "(KVM_CAP_DIRTY_LOG_RING, Linux 5.11+); run without --autobalance",
			    DIRTY_RING_BYTES >> 10);
	}
	close(vm_fd);
	close(kvm_fd);
}

static void check_kernel(struct report *r)
{
	struct utsname u;
	unsigned major = 0, minor = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &major, &minor) != 2) {
		say(r, false, "kernel", "cannot read the kernel version");
		return;
	}
	say(r, major > 5 || (major == 5 && minor >= 19), "kernel", "Linux %s%s", u.release,
	    major > 5 || (major == 5 && minor >= 19) ? "" :
	    " is older than 5.19: userfaultfd cannot write-protect hugetlb memory (migration)");
}

/* Migration's entry is a userfaultfd write-protect on hugetlb/shmem. */
static void check_userfaultfd(struct report *r)
{
	struct uffdio_api api = { .api = UFFD_API };
	char err[256];
	int fd = uffd_open(0, err, sizeof(err));

	if (fd < 0) {
		say(r, false, "userfaultfd", "%s", err);
		return;
	}
	/* features 0: the kernel answers with every feature it has */
	if (ioctl(fd, UFFDIO_API, &api) < 0)
		say(r, false, "userfaultfd", "UFFDIO_API: %s", strerror(errno));
	else if (!(api.features & UFFD_FEATURE_WP_HUGETLBFS_SHMEM))
		say(r, false, "userfaultfd", "no write-protect on hugetlb/shmem "
		    "(UFFD_FEATURE_WP_HUGETLBFS_SHMEM, Linux 5.19+): frames cannot migrate");
	else
		say(r, true, "userfaultfd", "write-protect on hugetlb/shmem%s",
		    api.features & UFFD_FEATURE_MINOR_HUGETLBFS ? ", minor faults on hugetlb" : "");
	close(fd);
}

/* Whether guest reads can be seen (mm/heat_probe.h): not needed to run, so
 * a failure is a note, not a failed check. */
static void check_read_sampling(struct report *r)
{
	char why[256];
	int ret = heat_probe_reads(why, sizeof(why));

	say(r, true, "read sampling", "%s%s", ret == 0 ? "minor faults on hugetlb work beside "
	    "write-protect and MISSING faults" : ret > 0 ? "not tried: " : "minor faults do not work: ",
	    ret == 0 ? "" : why);
}

static void check_memory(struct report *r, const struct vm_config *cfg)
{
	struct guest_mem_plan plan;
	char err[512], what[32];
	bool any = false;

	if (guest_mem_plan(&cfg->mem, &plan, err, sizeof(err)) < 0) {
		say(r, false, "nodes", "%s", err);
		return;
	}
	say(r, true, "nodes", "%u %s node%s", plan.nnodes, plan.simulated ? "simulated" : "host",
	    plan.nnodes == 1 ? "" : "s");
	if (cfg->mem.backing != POOL_HUGETLB) {
		say(r, true, "hugepages", "not needed (--no-hugetlb: shmem with transparent hugepages)");
		return;
	}
	for (int h = 0; h < MAX_NODES; h++) {
		if (!plan.need[h])
			continue;
		any = true;
		snprintf(what, sizeof(what), numa_available() >= 0 ? "hugepages node %d" : "hugepages", h);
		if (guest_mem_node_shortfall(&plan, h, err, sizeof(err)) < 0)
			say(r, false, what, "%s", err);
		else
			say(r, true, what, "%ld free 2 MiB pages needed at start, %ld free",
			    plan.need[h], host_free_hugepages(numa_available() >= 0 ? h : -1));
	}
	if (!any)
		say(r, true, "hugepages", "none needed");
}

static void check_seccomp(struct report *r, const struct vm_config *cfg)
{
	/* the sandbox loads with TSYNC and uses KILL_PROCESS and LOG: level 3 */
	int level = seccomp_api_get();

	if (cfg->no_seccomp)
		say(r, true, "seccomp", "not used (--no-seccomp)");
	else if (level >= 3)
		say(r, true, "seccomp", "filters on every thread (libseccomp API level %d)", level);
	else
		say(r, false, "seccomp", "this kernel's seccomp is too old for the sandbox "
		    "(libseccomp API level %d, need 3: Linux 4.14+); or run with --no-seccomp", level);
}

static void check_files(struct report *r, const struct vm_config *cfg)
{
	char err[512];

	if (cfg->api_socket) {
		bool stale;

		if (control_check_path(cfg->api_socket, &stale, err, sizeof(err)) < 0)
			say(r, false, "api socket", "%s", err);
		else
			say(r, true, "api socket", "%s%s", cfg->api_socket,
			    stale ? " (a stale socket there will be replaced)" : "");
	}
	if (!cfg->guest_path && !cfg->kernel_path)
		return;
	if (cli_check_files(cfg, err, sizeof(err)) < 0)
		say(r, false, "files", "%s", err);
	else
		say(r, true, "files", "the guest's files are readable");
}

int check_main(const struct vm_config *cfg)
{
	struct report r = { 0 };

	printf("frameshift check: can `frameshift run` work here with these options?\n");
	check_kvm(&r, cfg);
	check_kernel(&r);
	check_userfaultfd(&r);
	check_read_sampling(&r);
	check_memory(&r, cfg);
	check_seccomp(&r, cfg);
	check_files(&r, cfg);
	if (r.failed)
		printf("frameshift check: %u requirement%s not met\n", r.failed, r.failed == 1 ? "" : "s");
	else
		printf("frameshift check: all requirements met\n");
	return r.failed ? EXIT_OSERR : 0;
}
