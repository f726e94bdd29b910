# Unit tests (Check; no KVM needed) and the KVM/CLI test scripts.
UNIT_TESTS = tests/check_frame tests/check_pool tests/check_policy \
	tests/check_fdt tests/check_control tests/check_cli tests/check_migrate tests/check_reclaim tests/check_autobalance
check_PROGRAMS += $(UNIT_TESTS)
UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
UNIT_LDADD = tests/libtestsupport.a libframeshift.a $(CHECK_LIBS) $(JSONC_LIBS) $(NUMA_LIBS) $(FDT_LIBS) $(KERNEL_LIBS)
# What the unit tests and fuzz harnesses share, without Check: the guest's
# side of virtio (virtio_driver.h), the simulated guest memory (sim_guest.h),
# commands for the control server alone (control_cmds.h).
check_LIBRARIES = tests/libtestsupport.a
tests_libtestsupport_a_SOURCES = tests/virtio_driver.c tests/virtio_driver.h \
	tests/sim_guest.c tests/sim_guest.h tests/control_cmds.c tests/control_cmds.h

tests_check_frame_SOURCES = tests/check_frame.c tests/unit.h
tests_check_frame_CFLAGS = $(UNIT_CFLAGS)
tests_check_frame_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/check_copy
tests_check_copy_SOURCES = tests/check_copy.c tests/unit.h
tests_check_copy_CFLAGS = $(UNIT_CFLAGS)
tests_check_copy_LDADD = $(UNIT_LDADD)
tests_check_pool_SOURCES = tests/check_pool.c tests/unit.h
tests_check_pool_CFLAGS = $(UNIT_CFLAGS)
tests_check_pool_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/check_guest_mem
tests_check_guest_mem_SOURCES = tests/check_guest_mem.c tests/unit.h
tests_check_guest_mem_CFLAGS = $(UNIT_CFLAGS)
tests_check_guest_mem_LDADD = $(UNIT_LDADD)
tests_check_policy_SOURCES = tests/check_policy.c tests/unit.h
tests_check_policy_CFLAGS = $(UNIT_CFLAGS)
tests_check_policy_LDADD = $(UNIT_LDADD)
tests_check_fdt_SOURCES = tests/check_fdt.c tests/unit.h
tests_check_fdt_CFLAGS = $(UNIT_CFLAGS)
tests_check_fdt_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/check_boot
tests_check_boot_SOURCES = tests/check_boot.c tests/unit.h
tests_check_boot_CFLAGS = $(UNIT_CFLAGS)
tests_check_boot_LDADD = $(UNIT_LDADD)
tests_check_control_SOURCES = tests/check_control.c tests/unit.h
tests_check_control_CFLAGS = $(UNIT_CFLAGS)
tests_check_control_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/check_server
tests_check_server_SOURCES = tests/check_server.c tests/unit.h
tests_check_server_CFLAGS = $(UNIT_CFLAGS)
tests_check_server_LDADD = $(UNIT_LDADD)
tests_check_migrate_SOURCES = tests/check_migrate.c tests/unit.h
tests_check_migrate_CFLAGS = $(UNIT_CFLAGS)
tests_check_migrate_LDADD = $(UNIT_LDADD)
# counts (and fails, where a test asks) the engine's mmap and ioctl calls
tests_check_migrate_LDFLAGS = -Wl,--wrap=mmap -Wl,--wrap=ioctl
tests_check_reclaim_SOURCES = tests/check_reclaim.c tests/unit.h
tests_check_reclaim_CFLAGS = $(UNIT_CFLAGS)
tests_check_reclaim_LDADD = $(UNIT_LDADD)
tests_check_autobalance_SOURCES = tests/check_autobalance.c tests/unit.h
tests_check_autobalance_CFLAGS = $(UNIT_CFLAGS)
tests_check_autobalance_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/check_drain tests/check_tier tests/check_tier_policy
tests_check_tier_policy_SOURCES = tests/check_tier_policy.c tests/unit.h
tests_check_tier_policy_CFLAGS = $(UNIT_CFLAGS)
tests_check_tier_policy_LDADD = $(UNIT_LDADD)
tests_check_tier_SOURCES = tests/check_tier.c tests/unit.h
tests_check_tier_CFLAGS = $(UNIT_CFLAGS)
tests_check_tier_LDADD = $(UNIT_LDADD)
tests_check_drain_SOURCES = tests/check_drain.c tests/unit.h
tests_check_drain_CFLAGS = $(UNIT_CFLAGS)
tests_check_drain_LDADD = $(UNIT_LDADD)
tests_check_cli_SOURCES = tests/check_cli.c tests/unit.h
tests_check_cli_CFLAGS = $(UNIT_CFLAGS)
tests_check_cli_LDADD = $(UNIT_LDADD)

# virtio/ and balloon/
UNIT_TESTS += tests/check_virtqueue tests/check_mmio tests/check_balloon tests/check_balloon_device
tests_check_virtqueue_SOURCES = tests/check_virtqueue.c tests/unit.h
tests_check_virtqueue_CFLAGS = $(UNIT_CFLAGS)
tests_check_virtqueue_LDADD = $(UNIT_LDADD)
tests_check_mmio_SOURCES = tests/check_mmio.c tests/unit.h
tests_check_mmio_CFLAGS = $(UNIT_CFLAGS)
tests_check_mmio_LDADD = $(UNIT_LDADD)
# The balloon's guest, device and driver, with Check: both balloon programs
# build it.
BALLOON_FIXTURE = tests/balloon_fixture.c tests/balloon_fixture.h
tests_check_balloon_SOURCES = tests/check_balloon.c tests/unit.h $(BALLOON_FIXTURE)
tests_check_balloon_CFLAGS = $(UNIT_CFLAGS)
tests_check_balloon_LDADD = $(UNIT_LDADD)
tests_check_balloon_device_SOURCES = tests/check_balloon_device.c tests/unit.h $(BALLOON_FIXTURE)
tests_check_balloon_device_CFLAGS = $(UNIT_CFLAGS)
tests_check_balloon_device_LDADD = $(UNIT_LDADD)

# blk/: virtio-blk on a temporary image
UNIT_TESTS += tests/check_blk
tests_check_blk_SOURCES = tests/check_blk.c tests/unit.h
tests_check_blk_CFLAGS = $(UNIT_CFLAGS)
tests_check_blk_LDADD = $(UNIT_LDADD)

# net/: virtio-net on a socket pair
UNIT_TESTS += tests/check_net
tests_check_net_SOURCES = tests/check_net.c tests/unit.h
tests_check_net_CFLAGS = $(UNIT_CFLAGS)
tests_check_net_LDADD = $(UNIT_LDADD)

# vmm/linux.c: the Linux boot protocol, MP table; vmm/uart.c: the 8250 model
UNIT_TESTS += tests/check_linux tests/check_uart
tests_check_linux_SOURCES = tests/check_linux.c tests/unit.h
tests_check_linux_CFLAGS = $(UNIT_CFLAGS)
tests_check_linux_LDADD = $(UNIT_LDADD)
tests_check_uart_SOURCES = tests/check_uart.c tests/unit.h
tests_check_uart_CFLAGS = $(UNIT_CFLAGS)
tests_check_uart_LDADD = $(UNIT_LDADD)
# vmm/coalesced.c: the ring of writes KVM queues instead of exiting
UNIT_TESTS += tests/check_coalesced
tests_check_coalesced_SOURCES = tests/check_coalesced.c tests/unit.h
tests_check_coalesced_CFLAGS = $(UNIT_CFLAGS)
tests_check_coalesced_LDADD = $(UNIT_LDADD)
# vmm/kernel_image.c, vmm/kernel_cache.c: direct boot of a decompressed kernel
UNIT_TESTS += tests/check_kernel_image
tests_check_kernel_image_SOURCES = tests/check_kernel_image.c tests/unit.h
tests_check_kernel_image_CFLAGS = $(UNIT_CFLAGS)
tests_check_kernel_image_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/check_acpi
# with the sleep register's device, whose port handler it drives
tests_check_acpi_SOURCES = tests/check_acpi.c tests/unit.h vmm/acpi_sleep.c
tests_check_acpi_CFLAGS = $(UNIT_CFLAGS) -DIASL='"$(IASL)"'
tests_check_acpi_LDADD = $(UNIT_LDADD)

# KVM tests boot the test guest. Where /dev/kvm is absent, scripts/test runs
# them inside the nested platform's L1 (scripts/nested-run), which has one;
# run by hand there, they skip (exit 77). sandbox.test is in tests/fuzz/local.mk.
KVM_SHELL_TESTS = tests/kvm-boot.test tests/control.test tests/kvm-migrate.test \
	tests/kvm-autobalance.test tests/soak.test tests/kvm-balloon.test tests/kvm-blk.test \
	tests/kvm-net.test
# a hostile guest (guest-tests/hostile.elf) against the VMM's responsiveness
KVM_SHELL_TESTS += tests/kvm-hostile.test
# a bzImage decompressed on the host, cached, entered directly
KVM_SHELL_TESTS += tests/kvm-linux-direct.test
# the host out of hugepages: degraded frames, and back by compaction
KVM_SHELL_TESTS += tests/kvm-degraded.test
# a moved frame's new page is mapped before the guest touches it
KVM_SHELL_TESTS += tests/kvm-prefault.test
# --no-prealloc: pages at first touch, moves still carry the data
KVM_SHELL_TESTS += tests/kvm-lazy.test
# memory hot-remove: ctl drain and undrain (mm/drain.c)
KVM_SHELL_TESTS += tests/kvm-drain.test
# memory tiering: --tiering, ctl tier (mm/tier_policy.c)
KVM_SHELL_TESTS += tests/kvm-tiering.test
# device I/O threads on their host node (node=N, the default), from /proc
KVM_SHELL_TESTS += tests/kvm-ionode.test
# guest RAM beyond 3 GiB, above the MMIO hole at 4 GiB
KVM_SHELL_TESTS += tests/kvm-highmem.test
# the docs against the binary: the control API (a VM), the man page (no VM)
KVM_SHELL_TESTS += tests/docs-control.test
KVM_TESTS = $(KVM_SHELL_TESTS) tests/sandbox.test
SHELL_TESTS = tests/cli.test tests/check.test tests/layers.test $(KVM_SHELL_TESTS)
SHELL_TESTS += tests/docs-man.test
# scripts/bench-copy's output form (a smoke run; no KVM)
SHELL_TESTS += tests/bench-copy.test
EXTRA_DIST += $(SHELL_TESTS) tests/lib.sh
EXTRA_DIST += tests/control-schema.py tests/udp-echo.py docs/control-api.md docs/control-api.schema.json
TESTS += $(UNIT_TESTS) $(SHELL_TESTS)
TEST_EXTENSIONS = .test
# Check's timeouts guard against hangs, not speed: its 4 s default was
# overrun by quick tests under ASan on a loaded 2-core host
AM_TESTS_ENVIRONMENT = top_builddir='$(abs_top_builddir)' top_srcdir='$(abs_top_srcdir)'; export top_builddir top_srcdir; \
	CK_DEFAULT_TIMEOUT=30; export CK_DEFAULT_TIMEOUT;

# scripts/test asks which tests need KVM and which run anywhere
print-kvm-tests:
	@echo $(KVM_TESTS)
print-host-tests:
	@echo $$(for t in $(TESTS); do case " $(KVM_TESTS) " in *" $$t "*) ;; *) echo $$t ;; esac; done)
.PHONY: print-kvm-tests print-host-tests
