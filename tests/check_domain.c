/* check_domain.c - the libvirt domain front end (vmm/domain/): each
 * element's mapping onto run options, and for each a bad input refused with
 * the element and its line. The host is made up: 2 nodes, CPUs 0-1 on node
 * 0 and 2-3 on node 1. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/cli.h"
#include "vmm/domain/domain.h"
#include "tests/unit.h"

static char guest[] = "/tmp/check_domain_XXXXXX";
static char args[2048], err[512];

static int fake_node_of_cpu(int cpu)
{
	return cpu < 2 ? 0 : cpu < 4 ? 1 : -1;
}

static const struct domain_host host = { .nnodes = 2, .ncpus = 4, .node_of_cpu = fake_node_of_cpu };

static void make_guest(void)
{
	int fd = mkstemp(guest);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "\177ELF....", 8), 8);
	close(fd);
}

static void remove_guest(void)
{
	unlink(guest);
}

/* Map a domain whose line 1 is <domain>, lines 2.. the body (one element a
 * line is the tests' habit), then <os> with the test ELF unless the body
 * has one. args gets the run options joined by spaces. */
static int map(const char *body)
{
	char xml[8192];
	struct domain_args a;
	int ret;

	snprintf(xml, sizeof(xml), "<domain type='kvm'>\n%s\n%s</domain>\n", body,
		 strstr(body, "<os>") ? "" : "<os><type>hvm</type><kernel>GUEST</kernel></os>\n");
	/* GUEST is the temporary ELF */
	for (char *g; (g = strstr(xml, "GUEST"));) {
		char rest[8192];

		snprintf(rest, sizeof(rest), "%s%s", guest, g + 5);
		strcpy(g, rest);
	}
	args[0] = err[0] = '\0';
	ret = domain_to_args(xml, strlen(xml), "t.xml", &host, &a, err, sizeof(err));
	for (int i = 0; ret == 0 && i < a.argc; i++) {
		strcat(args, i ? " " : "");
		strcat(args, a.argv[i]);
	}
	if (ret == 0)
		domain_args_free(&a);
	return ret;
}

#define MEM "<memory unit='MiB'>64</memory>\n"

#define ck_maps(body, want)                                                        \
	do {                                                                       \
		ck_assert_msg(map(body) == 0, "refused: %s", err);                 \
		ck_assert_msg(strstr(args, want), "'%s' lacks '%s'", args, want); \
	} while (0)
#define ck_refuses(body, want)                                                     \
	do {                                                                       \
		ck_assert_msg(map(body) < 0, "accepted: %s", args);                \
		ck_assert_msg(strstr(err, want), "error '%s' lacks '%s'", err, want); \
	} while (0)

START_TEST(memory)
{
	ck_maps(MEM, "run --mem 64M --cpus 1 --no-hugetlb");
	ck_maps("<memory>131072</memory>", "--mem 128M"); /* KiB by default */
	ck_maps("<memory unit='GiB'>1</memory>", "--mem 1024M");
	ck_refuses("<memory unit='MiBs'>64</memory>", "t.xml:2: <memory>: unknown unit 'MiBs'");
	ck_refuses("<memory unit='MiB'>63</memory>", "t.xml:2: <memory>: 66060288 bytes is not a non-zero multiple of 2 MiB");
	ck_refuses("<memory unit='MiB'>-64</memory>", "not a whole number");
	ck_maps("<memory unit='GiB'>64</memory>", "--mem 65536M"); /* beyond 3 GiB: above 4 GiB */
	ck_refuses("<memory unit='GiB'>65</memory>", "t.xml:2: <memory>: 66560 MiB is more than the 65536 MiB of guest RAM");
	ck_refuses("<vcpu>1</vcpu>", "needs a <memory>");
}
END_TEST

START_TEST(current_memory)
{
	ck_maps(MEM "<currentMemory unit='MiB'>48</currentMemory>", "--current-memory 49152K");
	ck_maps(MEM "<currentMemory unit='MiB'>64</currentMemory>", "--mem 64M --cpus 1 --no-hugetlb");
	ck_refuses(MEM "<currentMemory unit='MiB'>128</currentMemory>", "<currentMemory> is larger than <memory>");
	ck_refuses(MEM "<currentMemory unit='b'>1000</currentMemory>", "t.xml:3: <currentMemory>: must be a non-zero multiple of 4 KiB");
}
END_TEST

START_TEST(vcpu)
{
	ck_maps(MEM "<vcpu placement='static'>4</vcpu>", "--cpus 4");
	ck_refuses(MEM "<vcpu>0</vcpu>", "t.xml:3: <vcpu>: '0' is not a number from 1 to 64");
	ck_refuses(MEM "<vcpu placement='auto'>2</vcpu>", "placement must be 'static'");
	ck_refuses(MEM "<vcpu current='1'>2</vcpu>", "current must equal");
}
END_TEST

START_TEST(vcpupin)
{
	ck_maps(MEM "<vcpu>2</vcpu>\n<cputune><vcpupin vcpu='0' cpuset='0-1'/><vcpupin vcpu='1' cpuset='3'/>"
		"<emulatorpin cpuset='0'/></cputune>", "--cpu-nodes 0,1 --emulator-cpus 0 ");
	/* the VMM's own threads may span nodes, unlike a vCPU */
	ck_maps(MEM "<cputune><emulatorpin cpuset='1-3'/></cputune>", "--emulator-cpus 1,2,3 ");
	ck_refuses(MEM "<cputune><emulatorpin cpuset='0'/><emulatorpin cpuset='1'/></cputune>",
		   "<emulatorpin>: given twice");
	ck_refuses(MEM "<vcpu>2</vcpu>\n<cputune>\n<vcpupin vcpu='0' cpuset='0'/>\n<vcpupin vcpu='1' cpuset='9'/>\n</cputune>",
		   "t.xml:6: <vcpupin>: host CPU 9 does not exist (this host has CPUs 0-3)");
	ck_refuses(MEM "<vcpu>2</vcpu>\n<cputune><vcpupin vcpu='0' cpuset='1-2'/></cputune>", "spans host nodes 0 and 1");
	ck_refuses(MEM "<vcpu>2</vcpu>\n<cputune><vcpupin vcpu='0' cpuset='1'/></cputune>", "vCPU 1 has no vcpupin");
	ck_refuses(MEM "<vcpu>1</vcpu>\n<cputune><vcpupin vcpu='0' cpuset='0'/><vcpupin vcpu='3' cpuset='0'/></cputune>",
		   "vCPU 3 is pinned but the domain has 1");
	ck_refuses(MEM "<cputune><emulatorpin cpuset='7'/></cputune>", "<emulatorpin>: host CPU 7 does not exist");
	ck_refuses(MEM "<cputune><shares>1024</shares></cputune>", "t.xml:3: <shares>: not supported by frameshift");
}
END_TEST

START_TEST(numatune)
{
	ck_maps(MEM "<numatune><memory mode='strict' nodeset='0-1'/></numatune>", "--numa-policy bind:0,1");
	ck_maps(MEM "<numatune><memory nodeset='1'/></numatune>", "--numa-policy bind:1");
	ck_maps(MEM "<numatune><memory mode='restrictive' nodeset='0,1'/></numatune>", "--numa-policy bind:0,1");
	ck_maps(MEM "<numatune><memory mode='interleave' nodeset='0-1'/></numatune>", "--numa-policy interleave:0,1");
	ck_maps(MEM "<numatune><memory mode='preferred' nodeset='1'/></numatune>", "--numa-policy preferred:1");
	ck_refuses(MEM "<numatune>\n<memory mode='strict' nodeset='0-2'/></numatune>",
		   "t.xml:4: <memory>: nodeset '0-2' is not a list of this host's nodes below 2");
	ck_refuses(MEM "<numatune><memory mode='preferred' nodeset='0-1'/></numatune>", "preferred takes one node");
	ck_refuses(MEM "<numatune><memory mode='bogus' nodeset='0'/></numatune>", "mode 'bogus'");
	ck_refuses(MEM "<numatune><memory placement='auto'/></numatune>", "frameshift runs no numad");
	/* simulated nodes widen what a nodeset may name, wherever the metadata stands */
	ck_maps(MEM "<numatune><memory nodeset='0-3'/></numatune>\n<metadata><fs:frameshift xmlns:fs='"
		DOMAIN_NS "'><fs:sim-nodes>4</fs:sim-nodes></fs:frameshift></metadata>", "--sim-nodes 4");
}
END_TEST

#define CELLS(m0, m1) \
	"<vcpu>2</vcpu>\n<cpu><numa>\n<cell id='0' cpus='0' memory='" m0 "' unit='MiB'/>\n" \
	"<cell id='1' cpus='1' memory='" m1 "' unit='MiB'/>\n</numa></cpu>\n"

START_TEST(cells)
{
	ck_maps(MEM CELLS("32", "32"), "--cpus 2 --no-hugetlb --guest-numa 2");
	ck_refuses(MEM CELLS("32", "16"), "t.xml:4: <numa>: the cells' memory adds up to 49152 KiB but <memory> is 65536 KiB");
	ck_refuses(MEM CELLS("48", "16"), "t.xml:5: <cell>: cell 0 has 49152 KiB: frameshift cuts guest RAM into equal cells");
	/* vCPU i in cell (i+1) % 2: each vCPU is pinned to its cell's node */
	ck_maps(MEM "<vcpu>2</vcpu>\n<cpu><numa><cell id='0' cpus='1' memory='32' unit='MiB'/>"
		"<cell id='1' cpus='0' memory='32' unit='MiB'/></numa></cpu>", "--cpu-nodes 1,0 --guest-numa 2");
	ck_refuses(MEM "<vcpu>2</vcpu>\n<cpu><numa><cell id='0' cpus='0-1' memory='32' unit='MiB'/>"
		   "<cell id='1' cpus='1' memory='32' unit='MiB'/></numa></cpu>", "in an earlier cell");
	ck_refuses(MEM "<vcpu>2</vcpu>\n<cpu><numa><cell id='1' cpus='0-1' memory='64' unit='MiB'/></numa></cpu>",
		   "cells are numbered 0, 1");
	ck_refuses(MEM "<cpu mode='custom'/>", "mode must be host-passthrough");
}
END_TEST

START_TEST(memnode)
{
	ck_maps(MEM CELLS("32", "32") "<numatune>\n<memnode cellid='0' mode='strict' nodeset='0'/>\n"
		"<memnode cellid='1' mode='strict' nodeset='1'/>\n</numatune>", "--guest-numa 2");
	ck_refuses(MEM CELLS("32", "32") "<numatune>\n<memnode cellid='0' mode='strict' nodeset='1'/>\n</numatune>",
		   "t.xml:9: <memnode>: cell 0 on node 1: frameshift places cell c on node c % 2");
	ck_refuses(MEM CELLS("32", "32") "<numatune><memnode cellid='1' mode='interleave' nodeset='1'/></numatune>",
		   "mode strict");
	ck_refuses(MEM "<numatune><memnode cellid='0' nodeset='0'/></numatune>", "needs guest cells");
	ck_refuses(MEM CELLS("32", "32") "<numatune><memnode cellid='0' nodeset='5'/></numatune>", "nodeset '5'");
}
END_TEST

START_TEST(distances)
{
	ck_maps(MEM "<vcpu>2</vcpu>\n<cpu><numa><cell id='0' cpus='0' memory='32' unit='MiB'><distances>"
		"<sibling id='0' value='10'/><sibling id='1' value='20'/></distances></cell>"
		"<cell id='1' cpus='1' memory='32' unit='MiB'/></numa></cpu>", "--guest-numa 2");
	ck_refuses(MEM "<vcpu>2</vcpu>\n<cpu><numa><cell id='0' cpus='0' memory='32' unit='MiB'><distances>"
		   "<sibling id='1' value='31'/></distances></cell>"
		   "<cell id='1' cpus='1' memory='32' unit='MiB'/></numa></cpu>", "distance 31 from cell 0 to 1");
}
END_TEST

START_TEST(memory_backing)
{
	ck_assert_int_eq(map(MEM "<memoryBacking><hugepages><page size='2' unit='M'/></hugepages>"
			     "<nosharepages/><locked/></memoryBacking>"), 0);
	ck_assert_ptr_null(strstr(args, "--no-hugetlb"));
	ck_assert_int_eq(map(MEM "<memoryBacking><hugepages/></memoryBacking>"), 0);
	ck_assert_ptr_null(strstr(args, "--no-hugetlb"));
	ck_refuses(MEM "<memoryBacking><hugepages><page size='1' unit='G'/></hugepages></memoryBacking>",
		   "frameshift backs guest RAM with 2 MiB pages only");
	ck_refuses(MEM "<memoryBacking><hugepages><page size='2' unit='Mb'/></hugepages></memoryBacking>", "unknown unit");
	ck_refuses(MEM "<memoryBacking><source type='memfd'/></memoryBacking>", "<source>: not supported");
	ck_assert_int_eq(map(MEM "<memoryBacking><hugepages/><allocation mode='immediate'/></memoryBacking>"), 0);
	ck_assert_ptr_null(strstr(args, "--no-prealloc"));
	ck_assert_int_eq(map(MEM "<memoryBacking><hugepages/><allocation mode='ondemand'/></memoryBacking>"), 0);
	ck_assert_ptr_nonnull(strstr(args, "--no-prealloc"));
	ck_refuses(MEM "<memoryBacking><allocation mode='eager'/></memoryBacking>",
		   "mode 'eager': 'immediate' or 'ondemand'");
	ck_refuses(MEM "<memoryBacking><allocation threads='2'/></memoryBacking>", "threads");
}
END_TEST

START_TEST(memtune)
{
	ck_maps(MEM "<memtune><hard_limit unit='MiB'>128</hard_limit></memtune>", "--mem 64M");
	ck_refuses(MEM "<memtune>\n<hard_limit unit='MiB'>32</hard_limit></memtune>",
		   "t.xml:4: <hard_limit>: 32768 KiB is below the guest's 65536 KiB");
	ck_refuses(MEM "<memtune><soft_limit>1</soft_limit></memtune>", "<soft_limit>: not supported");
}
END_TEST

START_TEST(os)
{
	ck_maps(MEM "<os><type arch='x86_64' machine='pc'>hvm</type><kernel>GUEST</kernel><cmdline>x=1</cmdline></os>",
		"--append x=1 /tmp/check_domain_");
	ck_refuses(MEM "<os><type>hvm</type></os>", "needs a <kernel>");
	ck_refuses(MEM "<os><type>xen</type><kernel>GUEST</kernel></os>", "frameshift runs hvm guests");
	ck_refuses(MEM "<os><type>hvm</type><kernel>GUEST</kernel><initrd>GUEST</initrd></os>",
		   "<initrd> is for a Linux kernel");
	ck_refuses(MEM "<os><type>hvm</type><kernel>/no/such/kernel</kernel></os>", "cannot open /no/such/kernel");
	ck_refuses(MEM "<os><type>hvm</type><loader>/x</loader><kernel>GUEST</kernel></os>", "<loader>: not supported");
}
END_TEST

START_TEST(devices)
{
	ck_maps(MEM "<devices><emulator>/usr/bin/frameshift</emulator><serial type='pty'><target port='0'/></serial>"
		"<console type='pty'><target type='serial' port='0'/></console>"
		"<memballoon model='virtio' autodeflate='on' freePageReporting='on'><stats period='10'/>"
		"</memballoon></devices>", "--mem 64M");
	ck_refuses(MEM "<devices><memballoon model='virtio' autodeflate='off'/></devices>",
		   "autodeflate must be 'on'");
	ck_refuses(MEM "<devices><memballoon model='none'/></devices>", "model must be 'virtio'");
	ck_refuses(MEM "<devices><memballoon model='virtio'><stats period='x'/></memballoon></devices>", "period");
	ck_refuses(MEM "<devices>\n\n<graphics type='vnc'/></devices>", "t.xml:5: <graphics>: not supported by frameshift");
	ck_refuses(MEM "<devices><serial type='tcp'/></devices>", "type must be pty or stdio");
}
END_TEST

#define DISK(children) "<disk type='file' device='disk'>" children "</disk>"
#define RAW "<driver name='qemu' type='raw'/>"

START_TEST(disk)
{
	ck_maps(MEM "<devices>" DISK(RAW "<source file='/i/a.img'/><target dev='vda' bus='virtio'/><readonly/>"
				    "<serial>fs-1</serial><address type='pci'/><alias name='virtio-disk0'/>")
		DISK("<source file='/i/b.img' index='2'/><target dev='vdb'/>") "</devices>",
		"--disk /i/a.img,readonly,serial=fs-1 --disk /i/b.img /tmp/check_domain_");
	ck_refuses(MEM "<devices>\n" DISK("\n<driver name='qemu' type='qcow2'/><source file='/i/a.img'/>"
					 "<target dev='vda'/>") "</devices>",
		   "t.xml:5: <driver>: type 'qcow2': frameshift's disks are raw images");
	ck_refuses(MEM "<devices>\n<disk type='file' device='cdrom'><source file='/i/a.iso'/></disk></devices>",
		   "t.xml:4: <disk>: device must be 'disk'");
	ck_refuses(MEM "<devices>\n<disk type='block' device='disk'><source dev='/dev/sdb'/></disk></devices>",
		   "t.xml:4: <disk>: type must be 'file'");
	ck_refuses(MEM "<devices>" DISK("<source file='/i/a.img'/>\n<target dev='sda' bus='sata'/>") "</devices>",
		   "t.xml:4: <target>: bus must be 'virtio'");
	ck_refuses(MEM "<devices>" DISK("<source file='/i/a.img'/><target dev='vdb'/>") "</devices>",
		   "<target>: dev must be 'vda': frameshift attaches disks in document order");
	ck_refuses(MEM "<devices>" DISK("<target dev='vda'/>") "</devices>", "<disk>: needs a <source file='IMAGE'/>");
	ck_refuses(MEM "<devices>" DISK("<source file='/i/a.img'/>") "</devices>", "<disk>: needs a <target dev='vda'");
	ck_refuses(MEM "<devices>" DISK("<source file='/i/a,b.img'/><target dev='vda'/>") "</devices>",
		   "<source>: file '/i/a,b.img' has a ','");
	ck_refuses(MEM "<devices>" DISK("<source file='/i/a.img'/><target dev='vda'/><serial>s n</serial>") "</devices>",
		   "<disk>: --disk: serial 's n' is not printable ASCII");
	ck_refuses(MEM "<devices>" DISK("<source file='/i/a.img'/><target dev='vda'/>"
					"<serial>012345678901234567890</serial>") "</devices>", "<serial>: its text is too long");
	ck_refuses(MEM "<devices>" DISK("<source file='/i/a.img'/><target dev='vda'/>\n<shareable/>") "</devices>",
		   "t.xml:4: <shareable>: not supported by frameshift inside <disk>");
	ck_refuses(MEM "<devices>" DISK("<source file='/i/a.img'/><target dev='vda'/><driver type='raw' cache='none'/>")
		   "</devices>", "<driver>: attribute 'cache' is not supported");
}
END_TEST

#define TAP(children) "<interface type='ethernet'>" children "</interface>"

START_TEST(interface)
{
	ck_maps(MEM "<devices>" TAP("<mac address='52:54:00:fa:00:02'/><target dev='fstap0' managed='no'/>"
				   "<model type='virtio'/><alias name='net0'/>")
		TAP("<target dev='fstap1'/><model type='virtio'/>") "</devices>",
		"--net tap=fstap0,mac=52:54:00:fa:00:02 --net tap=fstap1 /tmp/check_domain_");
	ck_refuses(MEM "<devices>\n<interface type='network'><source network='default'/></interface></devices>",
		   "t.xml:4: <interface>: type must be 'ethernet'");
	ck_refuses(MEM "<devices>\n<interface type='bridge'><source bridge='br0'/></interface></devices>",
		   "t.xml:4: <interface>: type must be 'ethernet'");
	ck_refuses(MEM "<devices>" TAP("<target dev='fstap0'/>\n<model type='e1000'/>") "</devices>",
		   "t.xml:4: <model>: type must be 'virtio'");
	ck_refuses(MEM "<devices>" TAP("<target dev='fstap0'/>") "</devices>", "<interface>: needs <model type='virtio'/>");
	ck_refuses(MEM "<devices>" TAP("<model type='virtio'/>") "</devices>", "<interface>: needs a <target dev='TAP'/>");
	ck_refuses(MEM "<devices>" TAP("<target dev='fstap0'/><model type='virtio'/><mac address='52:54:zz:00:00:01'/>")
		   "</devices>", "<interface>: --net: ");
	ck_refuses(MEM "<devices>" TAP("<target dev='fstap0'/><model type='virtio'/>\n<driver name='vhost'/>")
		   "</devices>", "t.xml:4: <driver>: not supported by frameshift inside <interface>");
	ck_refuses(MEM "<devices>" TAP("<target dev='a-name-longer-than-ifnamsiz'/><model type='virtio'/>") "</devices>",
		   "<interface>: --net");
	ck_refuses(MEM "<devices>" TAP("<target dev='t0'/><model type='virtio'/>") TAP("<target dev='t1'/><model "
		   "type='virtio'/>") "\n" TAP("<target dev='t2'/><model type='virtio'/>") "</devices>",
		   "t.xml:4: <interface>: more than 2 interfaces");
}
END_TEST

START_TEST(features_clock_lifecycle)
{
	ck_maps(MEM "<features><acpi/><apic/><pae/></features><clock offset='utc'/>"
		"<on_poweroff>destroy</on_poweroff><on_reboot>destroy</on_reboot><on_crash>destroy</on_crash>"
		"<resource><partition>/machine</partition></resource><pm><suspend-to-mem enabled='no'/></pm>",
		"--mem 64M");
	ck_refuses(MEM "<on_reboot>restart</on_reboot>", "t.xml:3: <on_reboot>: restart: frameshift does not restart VMs");
	ck_refuses(MEM "<on_crash>coredump-destroy</on_crash>", "frameshift only does destroy");
	ck_refuses(MEM "<clock offset='localtime'/>", "offset must be 'utc'");
	ck_refuses(MEM "<features><hyperv/></features>", "<hyperv>: not supported");
}
END_TEST

START_TEST(metadata)
{
	ck_maps(MEM "<metadata><other xmlns='urn:other'><x/></other><fs:frameshift xmlns:fs='" DOMAIN_NS "'>"
		"<fs:sim-nodes>2</fs:sim-nodes><fs:autobalance rate='64'/><fs:copy-threads>2</fs:copy-threads>"
		"<fs:pool-reserve>8</fs:pool-reserve></fs:frameshift></metadata>",
		"--sim-nodes 2 --no-hugetlb --pool-reserve 8 --copy-threads 2 --autobalance --autobalance-rate 64");
	ck_refuses(MEM "<metadata><fs:frameshift xmlns:fs='" DOMAIN_NS "'><fs:tiers/></fs:frameshift></metadata>",
		   "<tiers>: not supported");
	ck_refuses(MEM "<metadata><fs:frameshift xmlns:fs='" DOMAIN_NS "'><fs:sim-nodes>99</fs:sim-nodes>"
		   "</fs:frameshift></metadata>", "'99' is not a number from 1 to 16");
}
END_TEST

START_TEST(document)
{
	ck_refuses(MEM "\n<sound model='ich9'/>", "t.xml:4: <sound>: not supported by frameshift inside <domain>");
	ck_refuses(MEM "<hostdev mode='subsystem'/>", "<hostdev>: not supported");
	ck_refuses(MEM "<memory unit='MiB' dumpCore='on'>64</memory>", "attribute 'dumpCore' is not supported");
	ck_assert_int_lt(domain_to_args("<domain type='qemu'/>", 21, "q.xml", &host, &(struct domain_args){ 0 },
					err, sizeof(err)), 0);
	ck_assert_str_eq(err, "q.xml:1: <domain>: type must be 'kvm' (frameshift is a KVM VMM)");
	ck_assert_int_lt(domain_to_args("<domain", 7, "b.xml", &host, &(struct domain_args){ 0 }, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "b.xml:1: not well-formed XML"), "%s", err);
	const char *dtd = "<!DOCTYPE d [<!ENTITY a 'aaaa'>]>\n<domain type='kvm'>&a;</domain>";
	ck_assert_int_lt(domain_to_args(dtd, strlen(dtd), "d.xml", &host, &(struct domain_args){ 0 }, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "a DOCTYPE is not accepted"), "%s", err);
}
END_TEST

/* libvirt's schema is installed by scripts/setup-deps (libvirt-dev brings
 * libvirt0, which ships it): its error comes with its line */
START_TEST(schema)
{
	char xml[1024];

	snprintf(xml, sizeof(xml), "<domain type='kvm'>\n<name>s</name>\n<memory unit='MiB'>64</memory>\n"
		 "<os><type arch='x86_64'>hvm</type><kernel>%s</kernel></os>\n</domain>\n", guest);
	ck_assert_int_eq(domain_validate(xml, strlen(xml), "s.xml", err, sizeof(err)), 0);
	snprintf(xml, sizeof(xml), "<domain type='kvm'>\n<name>s</name>\n<memory unit='MiB'>64</memory>\n"
		 "<bogus/>\n<os><type arch='x86_64'>hvm</type><kernel>%s</kernel></os>\n</domain>\n", guest);
	ck_assert_int_eq(domain_validate(xml, strlen(xml), "s.xml", err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "s.xml:") && strstr(err, "does not validate against " DOMAIN_SCHEMA), "%s", err);
}
END_TEST

/* run --domain FILE [OPTIONS]: the domain's options, then the command
 * line's (which win), then the domain's guest */
START_TEST(run_domain)
{
	char path[] = "/tmp/check_domain_xml_XXXXXX", xml[1024];
	char *argv[] = { "run", "--domain", path, "--mem", "128M", NULL };
	struct vm_config cfg;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	snprintf(xml, sizeof(xml), "<domain type='kvm'>\n<name>r</name>\n<memory unit='MiB'>64</memory>\n"
		 "<vcpu>2</vcpu>\n<os><type arch='x86_64'>hvm</type><kernel>%s</kernel><cmdline>a=1</cmdline></os>\n"
		 "</domain>\n", guest);
	ck_assert_int_eq(write(fd, xml, strlen(xml)), (ssize_t)strlen(xml));
	close(fd);
	ck_assert_int_eq(cli_parse_run(5, argv, &cfg), 0);
	ck_assert_uint_eq(cfg.mem.size, 128ULL << 20);
	ck_assert_uint_eq(cfg.cpus, 2);
	ck_assert_str_eq(cfg.guest_path, guest);
	ck_assert_str_eq(cfg.append, "a=1");
	ck_assert_ptr_nonnull(cfg.domain_xml);
	ck_assert_ptr_nonnull(strstr(cfg.domain_xml, "<name>r</name>"));
	unlink(path);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("domain");
	TCase *tc = tcase_create("elements");

	tcase_add_unchecked_fixture(tc, make_guest, remove_guest);
	tcase_add_test(tc, memory);
	tcase_add_test(tc, current_memory);
	tcase_add_test(tc, vcpu);
	tcase_add_test(tc, vcpupin);
	tcase_add_test(tc, numatune);
	tcase_add_test(tc, cells);
	tcase_add_test(tc, memnode);
	tcase_add_test(tc, distances);
	tcase_add_test(tc, memory_backing);
	tcase_add_test(tc, memtune);
	tcase_add_test(tc, os);
	tcase_add_test(tc, devices);
	tcase_add_test(tc, disk);
	tcase_add_test(tc, interface);
	tcase_add_test(tc, features_clock_lifecycle);
	tcase_add_test(tc, metadata);
	tcase_add_test(tc, document);
	tcase_add_test(tc, schema);
	tcase_add_test(tc, run_domain);
	suite_add_tcase(s, tc);
	return s;
}
