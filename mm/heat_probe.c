/* heat_probe.c - minor faults beside write-protect and MISSING (heat_probe.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mm/frame.h"
#include "mm/heat_probe.h"
#include "mm/migrate.h"

#define PROBE_WAIT_MS 2000
#define PATTERN 0x5a

struct probe {
	int uffd;
	uint8_t *huge;  /* MAP_SHARED hugetlb: MINOR | WP */
	uint8_t *anon;  /* private anonymous: MISSING */
	char *why;
	size_t len;
};

struct access {
	volatile uint8_t *p;
	bool write;
	uint8_t value;
};

static void *guest_access(void *arg)
{
	struct access *a = arg;

	if (a->write)
		*a->p = a->value;
	else
		a->value = *a->p;
	return NULL;
}

static int fail(struct probe *pr, const char *step, int err)
{
	snprintf(pr->why, pr->len, "%s: %s", step, err ? strerror(err) : "no such fault came");
	return -1;
}

/* Start an access from another thread, wait for its fault (of kind flag),
 * resolve it with resolve(), and join. */
static int fault_and_resolve(struct probe *pr, const char *step, struct access *a, uint64_t flag,
			     int (*resolve)(struct probe *pr, uint64_t addr))
{
	struct pollfd pfd = { .fd = pr->uffd, .events = POLLIN };
	struct uffd_msg msg;
	pthread_t t;
	int ret = -1;

	if (pthread_create(&t, NULL, guest_access, a) != 0)
		return fail(pr, step, EAGAIN);
	if (poll(&pfd, 1, PROBE_WAIT_MS) == 1 && read(pr->uffd, &msg, sizeof(msg)) == sizeof(msg) &&
	    msg.event == UFFD_EVENT_PAGEFAULT &&
	    (flag ? (msg.arg.pagefault.flags & flag) != 0
		  : !(msg.arg.pagefault.flags & (UFFD_PAGEFAULT_FLAG_MINOR | UFFD_PAGEFAULT_FLAG_WP))))
		ret = resolve(pr, msg.arg.pagefault.address);
	else
		fail(pr, step, 0);
	if (ret < 0 && !*pr->why)
		fail(pr, step, errno);
	/* an access still waiting is let go (a wake makes it retry; the
	 * registrations go with the uffd at the end) */
	if (ret < 0) {
		struct uffdio_range all[] = { { (uintptr_t)pr->huge, FRAME_SIZE }, { (uintptr_t)pr->anon, 4096 } };

		for (int i = 0; i < 2; i++)
			ioctl(pr->uffd, UFFDIO_UNREGISTER, &all[i]);
	}
	pthread_join(t, NULL);
	return ret;
}

static int do_continue(struct probe *pr, uint64_t addr)
{
	struct uffdio_continue c = { .range = { (uintptr_t)pr->huge, FRAME_SIZE } };

	return addr - (uintptr_t)pr->huge < FRAME_SIZE ? ioctl(pr->uffd, UFFDIO_CONTINUE, &c) : -1;
}

static int do_unprotect(struct probe *pr, uint64_t addr)
{
	struct uffdio_writeprotect wp = { .range = { (uintptr_t)pr->huge, FRAME_SIZE } };

	return addr - (uintptr_t)pr->huge < FRAME_SIZE ? ioctl(pr->uffd, UFFDIO_WRITEPROTECT, &wp) : -1;
}

static int do_zeropage(struct probe *pr, uint64_t addr)
{
	struct uffdio_zeropage z = { .range = { (uintptr_t)pr->anon, 4096 } };

	return addr - (uintptr_t)pr->anon < 4096 ? ioctl(pr->uffd, UFFDIO_ZEROPAGE, &z) : -1;
}

static int probe_steps(struct probe *pr)
{
	struct uffdio_register huge = { { (uintptr_t)pr->huge, FRAME_SIZE },
					UFFDIO_REGISTER_MODE_MINOR | UFFDIO_REGISTER_MODE_WP, 0 };
	struct uffdio_register anon = { { (uintptr_t)pr->anon, 4096 }, UFFDIO_REGISTER_MODE_MISSING, 0 };
	struct uffdio_writeprotect wp = { { (uintptr_t)pr->huge, FRAME_SIZE }, UFFDIO_WRITEPROTECT_MODE_WP };
	struct access a = { .p = pr->huge + 12345 };

	if (ioctl(pr->uffd, UFFDIO_REGISTER, &huge) < 0)
		return fail(pr, "register hugetlb MINOR|WP", errno);
	if (ioctl(pr->uffd, UFFDIO_REGISTER, &anon) < 0)
		return fail(pr, "register anonymous MISSING", errno);
	if (madvise(pr->huge, FRAME_SIZE, MADV_DONTNEED) < 0)
		return fail(pr, "MADV_DONTNEED", errno);
	if (fault_and_resolve(pr, "minor fault on a read", &a, UFFD_PAGEFAULT_FLAG_MINOR, do_continue) < 0)
		return -1;
	if (a.value != PATTERN)
		return fail(pr, "contents after UFFDIO_CONTINUE", EIO);
	if (ioctl(pr->uffd, UFFDIO_WRITEPROTECT, &wp) < 0)
		return fail(pr, "UFFDIO_WRITEPROTECT", errno);
	a = (struct access){ .p = pr->huge + 777, .write = true, .value = 1 };
	if (fault_and_resolve(pr, "write-protect fault", &a, UFFD_PAGEFAULT_FLAG_WP, do_unprotect) < 0)
		return -1;
	a = (struct access){ .p = pr->anon + 8 };
	if (fault_and_resolve(pr, "MISSING fault beside them", &a, 0, do_zeropage) < 0)
		return -1;
	if (madvise(pr->huge, FRAME_SIZE, MADV_DONTNEED) < 0)
		return fail(pr, "MADV_DONTNEED", errno);
	a = (struct access){ .p = pr->huge + 4242, .write = true, .value = 2 };
	if (fault_and_resolve(pr, "minor fault on a write", &a, UFFD_PAGEFAULT_FLAG_MINOR, do_continue) < 0)
		return -1;
	if (pr->huge[777] != 1 || pr->huge[4242] != 2 || pr->huge[0] != PATTERN)
		return fail(pr, "contents after the writes", EIO);
	return 0;
}

int heat_probe_reads(char *why, size_t len)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_MINOR_HUGETLBFS | UFFD_FEATURE_WP_HUGETLBFS_SHMEM };
	struct probe pr = { .why = why, .len = len, .huge = MAP_FAILED, .anon = MAP_FAILED };
	int fd, ret = -1;

	*why = '\0';
	pr.uffd = uffd_open(0, why, len);
	if (pr.uffd < 0)
		return -1;
	if (ioctl(pr.uffd, UFFDIO_API, &api) < 0) {
		fail(&pr, "UFFDIO_API with minor faults and write-protect on hugetlb", errno);
		close(pr.uffd);
		return -1;
	}
	fd = memfd_create("frameshift-probe", MFD_HUGETLB | MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, FRAME_SIZE) < 0 ||
	    (pr.huge = mmap(NULL, FRAME_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED ||
	    (pr.anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED ||
	    fallocate(fd, 0, 0, FRAME_SIZE) < 0) {
		snprintf(why, len, "no hugepage to try it on: %s", strerror(errno));
		ret = 1;
	} else {
		memset(pr.huge, PATTERN, FRAME_SIZE);
		ret = probe_steps(&pr);
	}
	if (pr.huge != MAP_FAILED)
		munmap(pr.huge, FRAME_SIZE);
	if (pr.anon != MAP_FAILED)
		munmap(pr.anon, 4096);
	if (fd >= 0)
		close(fd);
	close(pr.uffd);
	return ret;
}
