# Scripts: set-up, test and demo entry points, the nested harness, benchmarks.
EXTRA_DIST += scripts/setup-deps scripts/test scripts/demo scripts/build scripts/hugepages scripts/bench-migrate scripts/bench-autobalance scripts/bench-balloon scripts/soak
EXTRA_DIST += scripts/nested-test scripts/setup-nested-deps scripts/nested/init scripts/nested/scenarios \
	scripts/nested/numacheck.c
