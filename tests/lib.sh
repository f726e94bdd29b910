# lib.sh - shared helpers for the shell tests (sourced; run by `make check`).
# Exit 77 = skipped (automake convention), 99 = hard error.
set -u
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
top_srcdir=${top_srcdir:-$top_builddir}
FRAMESHIFT=$top_builddir/frameshift
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

# KVM tests need /dev/kvm; that is the only reason they may skip.
need_kvm() {
	[ -c /dev/kvm ] || skip "/dev/kvm is absent: KVM tests need a host with KVM"
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || fail "/dev/kvm exists but is not read/writable by $(id -un)"
}

free_hugepages() {
	cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0
}

# Tests that boot with hugetlb need N free 2 MiB pages; scripts/test reserves
# them. Fall back to shmem+THP (and say so) when they are missing.
hugetlb_or_thp() {
	if [ "$(free_hugepages)" -ge "$1" ]; then
		echo ""
	else
		echo "note: fewer than $1 free hugepages, testing with --no-hugetlb" >&2
		echo "--no-hugetlb"
	fi
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

# wait_for_socket SOCK PID ERRFILE: wait up to 10 s for a VM's control socket;
# fail with the VM's stderr if it never appears (or the VM died).
wait_for_socket() {
	n=0
	while [ ! -S "$1" ] && [ $n -lt 200 ] && kill -0 "$2" 2>/dev/null; do
		sleep 0.05
		n=$((n + 1))
	done
	[ -S "$1" ] || { cat "$3" >&2; fail "no control socket at $1"; }
}
