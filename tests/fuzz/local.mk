# Fuzz harnesses and the sandbox test (docs/reliability.md).
#
# A harness is one file, tests/fuzz/fuzz_NAME.c, that defines
# LLVMFuzzerTestOneInput (and, if it needs set-up, LLVMFuzzerInitialize). Its
# seeds live in tests/fuzz/corpus/NAME/ and every input that ever crashed it
# in tests/fuzz/regressions/NAME/. Each harness is built twice:
#   tests/fuzz/replay-NAME  in every build: the harness with a plain main()
#                           (replay.c) that runs it once per file; `make
#                           check` runs it over its seeds and regressions
#                           (tests/fuzz/corpus.test), also under ASan+UBSan;
#   tests/fuzz/fuzz-NAME    with ./configure CC=clang --enable-fuzzers: the
#                           harness linked with libFuzzer; scripts/fuzz runs it.
#
# Adding a harness NAME: add it to FUZZ_NAMES, copy one block of four lines
# below (replay and fuzz), and put a few seeds in tests/fuzz/corpus/NAME/.
FUZZ_NAMES = control elf fdt parse virtq balloon server blk net kernel
FUZZ_LDADD = tests/libtestsupport.a libframeshift.a $(JSONC_LIBS) $(NUMA_LIBS) $(FDT_LIBS) $(KERNEL_LIBS)
FUZZ_REPLAY = tests/fuzz/replay.c tests/fuzz/fuzz.h
FUZZ_LIBFUZZER = $(AM_LDFLAGS) -fsanitize=fuzzer

check_PROGRAMS += tests/fuzz/replay-control tests/fuzz/replay-elf tests/fuzz/replay-fdt \
	tests/fuzz/replay-parse tests/fuzz/replay-virtq tests/fuzz/replay-balloon tests/fuzz/replay-server \
	tests/fuzz/replay-blk tests/fuzz/replay-net tests/fuzz/replay-kernel
if FUZZERS
check_PROGRAMS += tests/fuzz/fuzz-control tests/fuzz/fuzz-elf tests/fuzz/fuzz-fdt \
	tests/fuzz/fuzz-parse tests/fuzz/fuzz-virtq tests/fuzz/fuzz-balloon tests/fuzz/fuzz-server \
	tests/fuzz/fuzz-blk tests/fuzz/fuzz-net tests/fuzz/fuzz-kernel
endif

# control: control_handle_line() on a VM without KVM (vmm/control/)
tests_fuzz_replay_control_SOURCES = tests/fuzz/fuzz_control.c $(FUZZ_REPLAY)
tests_fuzz_replay_control_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_control_SOURCES = tests/fuzz/fuzz_control.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_control_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_control_LDFLAGS = $(FUZZ_LIBFUZZER)
# elf: elf_load() and the device tree it feeds, as vm_load_guest does (vmm/boot.c)
tests_fuzz_replay_elf_SOURCES = tests/fuzz/fuzz_elf.c $(FUZZ_REPLAY)
tests_fuzz_replay_elf_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_elf_SOURCES = tests/fuzz/fuzz_elf.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_elf_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_elf_LDFLAGS = $(FUZZ_LIBFUZZER)
# fdt: fdt_build() with any parameters, and every device's node (vmm/fdt.c)
tests_fuzz_replay_fdt_SOURCES = tests/fuzz/fuzz_fdt.c $(DEVICE_SOURCES) $(FUZZ_REPLAY)
tests_fuzz_replay_fdt_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_fdt_SOURCES = tests/fuzz/fuzz_fdt.c $(DEVICE_SOURCES) tests/fuzz/fuzz.h
tests_fuzz_fuzz_fdt_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_fdt_LDFLAGS = $(FUZZ_LIBFUZZER)
# parse: numa_policy_parse, parse_range_list (mm/policy.c), parse_size (vmm/cli.c)
tests_fuzz_replay_parse_SOURCES = tests/fuzz/fuzz_parse.c $(FUZZ_REPLAY)
tests_fuzz_replay_parse_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_parse_SOURCES = tests/fuzz/fuzz_parse.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_parse_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_parse_LDFLAGS = $(FUZZ_LIBFUZZER)
# virtq: the split-virtqueue walker against a driver that writes anything (virtio/virtqueue.c)
tests_fuzz_replay_virtq_SOURCES = tests/fuzz/fuzz_virtq.c $(FUZZ_REPLAY)
tests_fuzz_replay_virtq_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_virtq_SOURCES = tests/fuzz/fuzz_virtq.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_virtq_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_virtq_LDFLAGS = $(FUZZ_LIBFUZZER)
# balloon: the virtio-balloon device through its virtio-mmio registers (balloon/, virtio/mmio.c)
tests_fuzz_replay_balloon_SOURCES = tests/fuzz/fuzz_balloon.c $(FUZZ_REPLAY)
tests_fuzz_replay_balloon_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_balloon_SOURCES = tests/fuzz/fuzz_balloon.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_balloon_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_balloon_LDFLAGS = $(FUZZ_LIBFUZZER)
# server: the control socket's connections, many clients at once (vmm/control/server.c)
tests_fuzz_replay_server_SOURCES = tests/fuzz/fuzz_server.c $(FUZZ_REPLAY)
tests_fuzz_replay_server_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_server_SOURCES = tests/fuzz/fuzz_server.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_server_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_server_LDFLAGS = $(FUZZ_LIBFUZZER)
# blk: virtio-blk requests through its virtio-mmio transport, on a temporary image (blk/)
tests_fuzz_replay_blk_SOURCES = tests/fuzz/fuzz_blk.c $(FUZZ_REPLAY)
tests_fuzz_replay_blk_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_blk_SOURCES = tests/fuzz/fuzz_blk.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_blk_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_blk_LDFLAGS = $(FUZZ_LIBFUZZER)
# net: virtio-net transmit and receive chains and headers, a socket pair as the tap (net/)
tests_fuzz_replay_net_SOURCES = tests/fuzz/fuzz_net.c $(FUZZ_REPLAY)
tests_fuzz_replay_net_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_net_SOURCES = tests/fuzz/fuzz_net.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_net_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_net_LDFLAGS = $(FUZZ_LIBFUZZER)
# kernel: a bzImage or vmlinux through linux_parse, kernel_decompress, linux_load (vmm/linux.c, vmm/kernel_image.c)
tests_fuzz_replay_kernel_SOURCES = tests/fuzz/fuzz_kernel.c $(FUZZ_REPLAY)
tests_fuzz_replay_kernel_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_kernel_SOURCES = tests/fuzz/fuzz_kernel.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_kernel_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_kernel_LDFLAGS = $(FUZZ_LIBFUZZER)

# Build only the libFuzzer binaries (scripts/fuzz): make fuzzers
fuzzers: $(FUZZ_NAMES:%=tests/fuzz/fuzz-%)
.PHONY: fuzzers

HARDENING_TESTS = tests/fuzz/corpus.test tests/sandbox.test
TESTS += $(HARDENING_TESTS)
EXTRA_DIST += $(HARDENING_TESTS) tests/fuzz/corpus tests/fuzz/regressions tests/fuzz/known \
	tests/fuzz/make-seeds
