# vmm/domain/: the libvirt domain XML front end (docs/domain.md).
DOMAIN_SOURCES = vmm/domain/domain.h vmm/domain/dom.h vmm/domain/parse.c vmm/domain/emit.c \
	vmm/domain/map_memory.c vmm/domain/map_cpu.c vmm/domain/map_os.c vmm/domain/map_devices.c \
	vmm/domain/map_misc.c vmm/domain/native.c
libframeshift_a_SOURCES += $(DOMAIN_SOURCES) vmm/control/cmd_domain.c vmm/control/cmd_dumpxml.c
# libxml2 is in LIBS (configure.ac), as every program links the library
AM_CFLAGS += $(LIBXML2_CFLAGS) $(LIBVIRT_CFLAGS)

UNIT_TESTS += tests/check_domain
tests_check_domain_SOURCES = tests/check_domain.c tests/unit.h
tests_check_domain_CFLAGS = $(UNIT_CFLAGS)
tests_check_domain_LDADD = $(UNIT_LDADD)

# docs/examples/*.xml, booted from their domain XML
KVM_SHELL_TESTS += tests/kvm-domain.test
EXTRA_DIST += docs/examples/numa-strict.xml docs/examples/interleave-balloon.xml docs/examples/linux-numa.xml \
	docs/examples/disk-net.xml \
	docs/domain.md

# domain: the domain XML front end over any input (tests/fuzz/fuzz_domain.c)
FUZZ_NAMES += domain
check_PROGRAMS += tests/fuzz/replay-domain
if FUZZERS
check_PROGRAMS += tests/fuzz/fuzz-domain
endif
tests_fuzz_replay_domain_SOURCES = tests/fuzz/fuzz_domain.c $(FUZZ_REPLAY)
tests_fuzz_replay_domain_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_domain_SOURCES = tests/fuzz/fuzz_domain.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_domain_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_domain_LDFLAGS = $(FUZZ_LIBFUZZER)
