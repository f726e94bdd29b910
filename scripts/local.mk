# Scripts: set-up, test and demo entry points, the nested harness, benchmarks.
EXTRA_DIST += scripts/lib.sh scripts/setup-deps scripts/test scripts/demo scripts/build scripts/hugepages scripts/bench-migrate scripts/bench-copy scripts/bench-autobalance scripts/bench-tiering scripts/bench-balloon scripts/soak scripts/bench-blk scripts/bench-net
EXTRA_DIST += scripts/nested-test scripts/setup-nested-deps scripts/nested/init scripts/nested/scenarios \
	scripts/nested-run scripts/nested/l1.sh scripts/nested/run-init \
	scripts/nested/scenario-bench scripts/nested/scenario-tiering scripts/nested/scenario-linux \
	scripts/nested/scenario-linux-io

# numacheck, the kernel's view of a running frameshift: the KVM tests run
# this build of it; the nested platform builds its own with gcc -static, so
# it needs no library but the bottom layer's parsers and json-c (verify
# reads frameshift's replies).
noinst_PROGRAMS = scripts/numacheck
scripts_numacheck_SOURCES = scripts/numacheck.c scripts/numacheck-verify.c scripts/numacheck.h lib/parse.c
scripts_numacheck_LDADD = $(JSONC_LIBS)

# copybench, the work of scripts/bench-copy: copy methods against the engine
noinst_PROGRAMS += scripts/copybench
scripts_copybench_SOURCES = scripts/copybench.c
scripts_copybench_LDADD = libframeshift.a $(JSONC_LIBS) $(NUMA_LIBS) $(FDT_LIBS)
