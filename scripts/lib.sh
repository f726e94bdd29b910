# lib.sh - shell helpers for the tests (tests/lib.sh), the benchmarks, the
# soak, the demo and the nested scenarios: start a VM, wait for its control
# socket, read values of a reply, count a failed check. Sourced; POSIX sh
# (dash, bash and busybox ash). Shell only orchestrates: values come from
# `frameshift ctl --get`, never from reading JSON with sed or grep.
#
# Set FRAMESHIFT (the frameshift binary) before sourcing. Variables the
# helpers read: VM_OUT, VM_ERR, VM_STDIN (vm_start). They set: VM_PID
# (vm_start, vm_wait), CHECKS_FAILED (check_failed). Their own variables
# start with _ so that they do not clobber the caller's.
: "${FRAMESHIFT:?set FRAMESHIFT to the frameshift binary before sourcing scripts/lib.sh}"
CHECKS_FAILED=${CHECKS_FAILED:-0}

# vcpu_host_faults PID: the page faults frameshift PID's vCPU 0 thread has
# taken in the host so far (minor and major, /proc/PID/task/*/stat): a guest
# access to memory the host has not mapped faults there, through KVM.
# 1, with a message on stderr, if PID has no such thread.
vcpu_host_faults() {
	for _vf_task in /proc/"$1"/task/*; do
		[ "$(cat "$_vf_task/comm" 2>/dev/null)" = vcpu0 ] || continue
		# fields 10 and 12 (comm, field 2, is "(vcpu0)": no spaces)
		awk '{ print $10 + $12 }' "$_vf_task/stat"
		return
	done
	echo "no vcpu0 thread in process '$1' (threads: $(cat /proc/"$1"/task/*/comm 2>/dev/null | tr '\n' ' '))" >&2
	return 1
}

# wait_for_socket SOCK PID [SECONDS]: wait until the VM PID serves SOCK, at
# most SECONDS (60: filling pools is slow under emulation, in the nested
# platform). 1, with a message on stderr, if PID ended or time ran out.
wait_for_socket() {
	_ws_polls=$((${3:-60} * 20))
	while [ ! -S "$1" ] && [ "$_ws_polls" -gt 0 ] && kill -0 "$2" 2>/dev/null; do
		sleep 0.05
		_ws_polls=$((_ws_polls - 1))
	done
	[ -S "$1" ] && return 0
	if kill -0 "$2" 2>/dev/null; then
		echo "no control socket at $1 after ${3:-60} s" >&2
	else
		echo "no control socket at $1: frameshift (pid $2) ended" >&2
	fi
	return 1
}

# vm_start SOCK RUN-ARGS...: `$FRAMESHIFT run --api-socket SOCK RUN-ARGS...`
# in the background, its pid in VM_PID, then wait_for_socket (60 s). Its
# stdout goes to the file VM_OUT and its stderr to VM_ERR (the same file
# when they are equal; where the caller's go when empty); its stdin comes
# from VM_STDIN (e.g. a fifo, for a guest that a byte on COM1 ends; else
# /dev/null). An old SOCK is removed first, so a socket seen is this VM's.
vm_start() {
	_vs_sock=$1
	shift
	rm -f "$_vs_sock"
	exec 5>&1 6>&2
	[ -z "${VM_OUT-}" ] || exec 5>"$VM_OUT"
	if [ -n "${VM_ERR-}" ] && [ "$VM_ERR" = "${VM_OUT-}" ]; then
		exec 6>&5
	elif [ -n "${VM_ERR-}" ]; then
		exec 6>"$VM_ERR"
	fi
	"$FRAMESHIFT" run --api-socket "$_vs_sock" "$@" <"${VM_STDIN:-/dev/null}" >&5 2>&6 5>&- 6>&- &
	VM_PID=$!
	exec 5>&- 6>&-
	wait_for_socket "$_vs_sock" "$VM_PID"
}

# vm_wait: wait until the VM of vm_start ends; returns its exit status, and
# empties VM_PID (nothing left to stop).
vm_wait() {
	_vw_status=0
	wait "$VM_PID" || _vw_status=$?
	VM_PID=
	return $_vw_status
}

# ctl_get SOCK 'VAR=KEY.PATH ...' COMMAND [ARGS...]: one `frameshift ctl`
# request; each VAR is set to the reply's value at KEY.PATH (ctl --get: a
# string bare, anything else as JSON). Several values come from the same
# reply. Returns ctl's status, leaving the VARs as they were, when the
# command fails (1) or a path is not in the reply (2).
ctl_get() {
	_cg_sock=$1 _cg_pairs=$2
	shift 2
	for _cg_p in $_cg_pairs; do
		set -- "$@" --get "${_cg_p#*=}"
	done
	_cg_values=$("$FRAMESHIFT" ctl "$_cg_sock" "$@") || return
	{
		for _cg_p in $_cg_pairs; do
			IFS= read -r _cg_v
			eval "${_cg_p%%=*}=\$_cg_v"
		done
	} <<EOF
$_cg_values
EOF
}

# check_failed MESSAGE...: count a failed check (CHECKS_FAILED) and say what
# failed, indented: a line that starts with FAIL is a verdict (the nested
# platform counts those). The first since the count was 0 is kept in
# FIRST_FAILED, for a verdict that must make sense alone (CI shows only the
# summary). Returns 0, so `cond || check_failed ...` goes on under set -e too.
check_failed() {
	echo "  FAILED: $*"
	[ "$CHECKS_FAILED" != 0 ] || FIRST_FAILED="$*"
	CHECKS_FAILED=$((CHECKS_FAILED + 1))
}
