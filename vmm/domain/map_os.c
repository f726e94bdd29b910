/* map_os.c - <os>: a Linux kernel (--kernel, --initrd, --cmdline) or a
 * frameshift test guest, an ELF given as <kernel> (GUEST.elf, with
 * <cmdline> as its --append). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/domain/dom.h"

static int map_type(struct domain *d, xmlNode *n)
{
	static const char *const attrs[] = { "arch", "machine", NULL };
	char text[16];

	if (dom_attrs(d, n, attrs) < 0 || dom_text(d, n, text, sizeof(text)) < 0)
		return -1;
	if (strcmp(text, "hvm"))
		return dom_error(d, n, "'%s': frameshift runs hvm guests", text);
	if (xmlHasProp(n, (const xmlChar *)"arch") && !dom_attr_is(n, "arch", "x86_64"))
		return dom_error(d, n, "arch must be x86_64");
	return 0;
}

static int path_text(struct domain *d, xmlNode *n, char **out)
{
	char buf[4096];

	if (*out)
		return dom_error(d, n, "given twice");
	if (dom_attrs(d, n, (const char *const[]){ NULL }) < 0 || dom_text(d, n, buf, sizeof(buf)) < 0)
		return -1;
	*out = strdup(buf);
	return *out ? 0 : dom_error(d, n, "out of memory");
}

/* An ELF is a test guest, anything else a bzImage: the first bytes say. */
static int map_kernel(struct domain *d, xmlNode *n)
{
	char magic[4] = { 0 };
	int fd;

	if (path_text(d, n, &d->kernel) < 0)
		return -1;
	fd = open(d->kernel, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dom_error(d, n, "cannot open %s", d->kernel);
	d->kernel_is_elf = read(fd, magic, sizeof(magic)) == sizeof(magic) && !memcmp(magic, "\177ELF", 4);
	close(fd);
	return 0;
}

static int map_initrd(struct domain *d, xmlNode *n)
{
	return path_text(d, n, &d->initrd);
}

static int map_cmdline(struct domain *d, xmlNode *n)
{
	return path_text(d, n, &d->cmdline);
}

int map_os(struct domain *d, xmlNode *n)
{
	static const struct dom_element children[] = {
		{ "type", map_type }, { "kernel", map_kernel }, { "initrd", map_initrd },
		{ "cmdline", map_cmdline }, { NULL, NULL },
	};

	if (dom_attrs(d, n, (const char *const[]){ NULL }) < 0 || dom_children(d, n, children) < 0)
		return -1;
	if (!d->kernel)
		return dom_error(d, n, "needs a <kernel>: frameshift boots a kernel or a test-guest ELF "
				 "directly (no firmware, no boot disk)");
	if (d->kernel_is_elf && d->kernel[0] == '-')
		return dom_error(d, n, "a test guest's path may not begin with '-' (it would read as an option)");
	if (d->kernel_is_elf && d->initrd)
		return dom_error(d, n, "<initrd> is for a Linux kernel, and <kernel> is a test-guest ELF");
	return 0;
}
