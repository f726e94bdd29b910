# lib.sh - helpers for the shell tests only (sourced; run by `make check`).
# Starting a VM, waiting for its socket and reading reply values are
# scripts/lib.sh's, shared with the benchmarks and the soak.
# Exit 77 = skipped (automake convention), 99 = hard error.
set -u
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
top_srcdir=${top_srcdir:-$top_builddir}
FRAMESHIFT=$top_builddir/frameshift
. "$top_srcdir/scripts/lib.sh"
NUMACHECK=$top_builddir/scripts/numacheck # the kernel's view (scripts/numacheck.c)
GUEST_DIR=$top_builddir/guest-tests
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/frameshift-test.XXXXXX")
# run --kernel's kernel cache: the test's own, never the user's
export XDG_CACHE_HOME="$TEST_TMP/cache"
# a VM started by vm_start keeps its output here (fail shows its stderr)
VM_OUT=$TEST_TMP/vm.out
VM_ERR=$TEST_TMP/vm.err
# a VM still running when the test ends, early or not, goes with it
trap '[ -z "${VM_PID-}" ] || kill "$VM_PID" 2>/dev/null; rm -rf "$TEST_TMP"' EXIT

fail() {
	# a test that ran a VM keeps its stderr here: show why it went away
	[ -s "$TEST_TMP/vm.err" ] && sed 's/^/vm stderr: /' "$TEST_TMP/vm.err" >&2
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $*" >&2
	exit 77
}

# KVM tests need /dev/kvm. Where it is absent, scripts/test runs them inside
# the nested platform instead; run by hand, they skip and say how.
need_kvm() {
	[ -c /dev/kvm ] || skip "/dev/kvm is absent: run KVM tests in the nested platform: scripts/nested-run make check TESTS=\"\$(make -s print-kvm-tests)\""
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || fail "/dev/kvm exists but is not read/writable by $(id -un)"
}

free_hugepages() {
	cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0
}

# KVM tests run two at a time (make -j2) and share the host's free hugepages.
# The balloon test counts them, which holds only while no other VM starts or
# stops, so it takes this lock exclusive and every other test that boots a
# VM takes it shared (on fd 9, which the VMs inherit: a VM left running
# keeps its share). The pool is the host's, so the lock is too: test runs in
# two checkouts (build-asan/ beside ., or two clones) see each other.
HUGEPAGE_LOCK=${FRAMESHIFT_HUGEPAGE_LOCK:-/tmp/frameshift-hugepages.lock}
hugepage_lock() { # shared|exclusive
	exec 9>>"$HUGEPAGE_LOCK" || fail "cannot open $HUGEPAGE_LOCK"
	flock --"$1" --nonblock 9 && return 0
	echo "note: waiting for the hugepage lock ($1): another test holds it" >&2
	flock --"$1" --wait 1800 9 || fail "no $1 hold on the hugepage lock in 30 minutes"
	echo "note: got the hugepage lock ($1)" >&2
}

# hugetlb_or_thp N: under the shared lock, HT="" when N 2 MiB hugepages are
# free (scripts/test reserves them), else HT=--no-hugetlb, and say so.
hugetlb_or_thp() {
	hugepage_lock shared
	HT=
	if [ "$(free_hugepages)" -lt "$1" ]; then
		echo "note: fewer than $1 free hugepages, testing with --no-hugetlb" >&2
		HT=--no-hugetlb
	fi
}

# need_hugepages N shared|exclusive: for a test whose checks read hugetlb
# pools through numacheck: it fails, rather than fall back, without N free.
need_hugepages() {
	hugepage_lock "$2"
	HT=
	[ "$(free_hugepages)" -ge "$1" ] ||
		fail "$(free_hugepages) free 2 MiB hugepages, this test needs $1 (as root: scripts/hugepages $1)"
}

# expect_status WANT CMD...: run CMD, check its exit status, keep its output
# in $TEST_TMP/out and $TEST_TMP/err.
expect_status() {
	want=$1
	shift
	"$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	got=$?
	if [ "$got" != "$want" ]; then
		echo "--- stdout"; cat "$TEST_TMP/out"; echo "--- stderr"; cat "$TEST_TMP/err"
		fail "'$*' exited $got, expected $want"
	fi
}

expect_in() {
	file=$1
	shift
	grep -q -- "$*" "$file" || { cat "$file"; fail "expected '$*' in $(basename "$file")"; }
}

# expect_out VALUE: the last expect_status printed exactly VALUE (a
# `ctl --get` value, or several, one per line)
expect_out() {
	[ "$(cat "$TEST_TMP/out")" = "$*" ] || fail "expected '$*' on stdout, got '$(cat "$TEST_TMP/out")'"
}

# start_vm SOCK RUN-ARGS...: vm_start, or fail (with the VM's stderr)
start_vm() {
	vm_start "$@" || fail "frameshift did not serve its control socket $1"
}

# start_guest SOCK RUN-ARGS...: start_vm with stdin a fifo the test holds
# open: for a guest that runs until the test is done with it (integrity.elf
# ends, with its verdict, at a byte on COM1), so nothing depends on how fast
# this host runs it. stop_guest sends the byte and waits: $status is
# frameshift's exit status.
start_guest() {
	mkfifo "$TEST_TMP/stdin" || fail "mkfifo"
	# read and write: opens at once, where a write-only open would wait
	# for frameshift's read-only one, which waits in turn (vm_start waits
	# for the socket before it returns)
	exec 8<>"$TEST_TMP/stdin"
	VM_STDIN=$TEST_TMP/stdin
	start_vm "$@"
	VM_STDIN=
}

stop_guest() {
	echo >&8
	exec 8>&-
	vm_wait
	status=$?
}
