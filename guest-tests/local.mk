# The test guest (guest-tests/README): freestanding x86-64 ELFs that frameshift
# boots directly. Each program is one .c file linked with the whole runtime;
# to add one, add its .elf here.
GUEST_ELFS = guest-tests/hello.elf guest-tests/memcheck.elf guest-tests/spin.elf \
	guest-tests/integrity.elf guest-tests/stall.elf guest-tests/balloon.elf \
	guest-tests/hostile.elf guest-tests/blk.elf guest-tests/net.elf

GUEST_RUNTIME = guest-tests/entry.S guest-tests/cpu.c guest-tests/runtime.c \
	guest-tests/console.c guest-tests/env.c guest-tests/string.c
GUEST_HDRS = guest-tests/guest.h guest-tests/runtime.h guest-tests/tsc.h include/frameshift/guest-abi.h
GUEST_LDSCRIPT = guest-tests/guest.ld

# Not $(CFLAGS): host flags (hardening, sanitizers, -march=native) do not suit
# a freestanding guest. Baseline x86-64: the VMM enables SSE but not AVX.
GUEST_CC_FLAGS = -std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter \
	-ffreestanding -fno-pic -fno-pie -fno-stack-protector -fcf-protection=none \
	-fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
	-U_FORTIFY_SOURCE -march=x86-64 -mtune=generic -mno-red-zone \
	-I$(srcdir)
GUEST_LD_FLAGS = -nostdlib -static -no-pie -Wl,-T,$(srcdir)/$(GUEST_LDSCRIPT) \
	-Wl,--build-id=none -Wl,-z,max-page-size=4096

noinst_DATA = $(GUEST_ELFS)
CLEANFILES += $(GUEST_ELFS)
EXTRA_DIST += $(GUEST_ELFS:.elf=.c) $(GUEST_RUNTIME) guest-tests/guest.h \
	guest-tests/runtime.h guest-tests/tsc.h $(GUEST_LDSCRIPT) guest-tests/README

$(GUEST_ELFS): $(GUEST_RUNTIME) $(GUEST_HDRS) $(GUEST_LDSCRIPT)

SUFFIXES = .elf
.c.elf:
	$(AM_V_CCLD)$(MKDIR_P) $(@D) && \
	$(CC) $(GUEST_CC_FLAGS) $(GUEST_LD_FLAGS) -o $@ $(filter %.c %.S,$^) $(FDT_LIBS)

# balloon.elf, hostile.elf, blk.elf and net.elf also link the small
# virtio-mmio driver (guest-tests/virtio.c).
GUEST_VIRTIO = guest-tests/virtio.c guest-tests/virtio.h include/frameshift/virtio-abi.h
guest-tests/balloon.elf guest-tests/hostile.elf guest-tests/blk.elf guest-tests/net.elf: $(GUEST_VIRTIO)
EXTRA_DIST += $(GUEST_VIRTIO)
# hostile.elf is two files: the disk and network attacks are hostile_io.c
guest-tests/hostile.elf: guest-tests/hostile_io.c guest-tests/hostile.h
EXTRA_DIST += guest-tests/hostile_io.c guest-tests/hostile.h
