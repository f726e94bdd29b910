# lib.sh - shared helpers for the shell tests (sourced; run by `make check`).
# Exit 77 = skipped (automake convention), 99 = hard error.
set -u
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
top_srcdir=${top_srcdir:-$top_builddir}
FRAMESHIFT=$top_builddir/frameshift
NUMACHECK=$top_builddir/scripts/numacheck # the kernel's view (scripts/numacheck.c)
GUEST_DIR=$top_builddir/guest-tests
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/frameshift-test.XXXXXX")
trap 'rm -rf "$TEST_TMP"' EXIT

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
# keeps its share).
hugepage_lock() { # shared|exclusive
	exec 9>>"$top_builddir/tests/hugepages.lock" || fail "cannot open $top_builddir/tests/hugepages.lock"
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

# wait_for_socket SOCK PID ERRFILE: wait up to 60 s (filling pools is slow
# under emulation, in scripts/nested-run) for a VM's control socket; fail
# with the VM's stderr if it never appears (or the VM died).
wait_for_socket() {
	n=0
	while [ ! -S "$1" ] && [ $n -lt 1200 ] && kill -0 "$2" 2>/dev/null; do
		sleep 0.05
		n=$((n + 1))
	done
	[ -S "$1" ] || { cat "$3" >&2; fail "no control socket at $1"; }
}

# start_guest ARGS...: `frameshift ARGS` in the background, $vm its pid, with
# stdin a fifo the test holds open: for a guest that runs until the test is
# done with it (integrity.elf ends, with its verdict, at a byte on COM1), so
# nothing depends on how fast this host runs it. stop_guest sends the byte
# and waits: $status is frameshift's exit status.
start_guest() {
	mkfifo "$TEST_TMP/stdin" || fail "mkfifo"
	"$FRAMESHIFT" "$@" <"$TEST_TMP/stdin" >"$TEST_TMP/vm.out" 2>"$TEST_TMP/vm.err" &
	vm=$!
	trap 'kill $vm 2>/dev/null; rm -rf "$TEST_TMP"' EXIT
	exec 8>"$TEST_TMP/stdin"
}

stop_guest() {
	echo >&8
	exec 8>&-
	wait $vm
	status=$?
	trap 'rm -rf "$TEST_TMP"' EXIT
}
