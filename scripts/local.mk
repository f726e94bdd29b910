# Scripts: set-up, test and demo entry points, the nested harness, benchmarks.
EXTRA_DIST += scripts/setup-deps scripts/test scripts/demo scripts/build scripts/hugepages scripts/bench-migrate
