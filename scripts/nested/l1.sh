# l1.sh - what scripts/nested-test and scripts/nested-run share to boot an L1
# of the nested platform (sourced by bash): Debian's kernel, kernel modules for
# busybox's insmod, and QEMU's command line for K real NUMA nodes under TCG
# with AMD SVM. See docs/nested.md.

# l1_kernel: sets KVER and KERNEL to the newest Debian kernel that has its
# modules (or KVER from the environment); returns 1, saying why, without one.
l1_kernel() {
	local d
	KVER=${KVER:-}
	if [ -z "$KVER" ]; then
		for d in $(ls /lib/modules 2>/dev/null | sort -V); do
			[ -f "/boot/vmlinuz-$d" ] && KVER=$d
		done
	fi
	KERNEL=/boot/vmlinuz-$KVER
	[ -n "$KVER" ] && [ -r "$KERNEL" ] && return 0
	echo "no Debian kernel: need /boot/vmlinuz-* and /lib/modules/* (apt-get install linux-image-amd64)" >&2
	return 1
}

# l1_modules DIR MODULE...: each module and what it depends on, in load order
# and uncompressed (busybox's insmod reads neither xz nor zstd), into DIR, and
# their names, once each, in DIR/order.
l1_modules() {
	local dir=$1 m f b deps
	shift
	: >"$dir/order"
	for m in "$@"; do
		deps=$(modprobe -S "$KVER" --show-depends "$m" 2>&1) ||
			{ echo "modprobe cannot resolve $m for $KVER: $deps" >&2; return 1; }
		for f in $(echo "$deps" | awk '$1 == "insmod" { print $2 }'); do
			b=$(basename "$f")
			b=${b%.xz}; b=${b%.zst}; b=${b%.gz}
			grep -qxF "$b" "$dir/order" && continue
			case $f in
			*.ko.xz) xz -dc "$f" >"$dir/$b" ;;
			*.ko.zst) zstd -qdc "$f" >"$dir/$b" ;;
			*.ko.gz) gzip -dc "$f" >"$dir/$b" ;;
			*) cp "$f" "$dir/$b" ;;
			esac
			echo "$b" >>"$dir/order"
		done
	done
}

# l1_qemu NODES MIB_PER_NODE SMP [TCG_THREAD [CPULESS]]: sets the array QEMU to a TCG machine with
# AMD SVM and nested paging (-cpu max; NESTED_CPU overrides), NODES memory
# backends of MIB_PER_NODE each, the vCPUs dealt out over the nodes (nodes
# past SMP have memory only), and isa-debug-exit on port 0xf4 (a write of V
# makes QEMU exit 2V+1). CPULESS (default 0) more nodes of memory and no
# CPU follow, at SLIT distance 30 from every node (20 between the others):
# slow memory, as a CXL expander shows (the drain and tiering scenarios).
# The caller adds -kernel, -initrd, -append, devices.
# TCG_THREAD (default single): one TCG thread runs all vCPUs. With one
# thread per vCPU (multi), QEMU 7.2 kept running a stale translation of
# kernel text that another vCPU had patched, and L1 locked up within 25-40
# VM starts and stops (each patches the scheduler's preempt-notifier jump
# label; docs/nested.md, "An L1 that lasts"). An L1 that starts one VM may
# take multi: a Linux L2 brings up its CPUs by spinning on each other, which
# one thread taking turns between vCPUs stretches from seconds to minutes.
l1_qemu() {
	local n=$1 per=$2 smp=$3 thread=${4:-single} cpuless=${5:-0} i j all
	all=$((n + cpuless))
	# shellcheck disable=SC2054 # commas inside QEMU option values
	QEMU=(qemu-system-x86_64 -accel "tcg,thread=$thread,tb-size=256" -machine pc -cpu "${NESTED_CPU:-max}"
		-smp "$smp,sockets=$smp,cores=1,threads=1" -m "$((per * all))M")
	for ((i = 0; i < all; i++)); do
		QEMU+=(-object "memory-backend-ram,id=ram$i,size=${per}M" -numa "node,nodeid=$i,memdev=ram$i")
	done
	for ((i = 0; i < smp; i++)); do QEMU+=(-numa "cpu,node-id=$((i % n)),socket-id=$i"); done
	# QEMU wants every pair's distance once SLIT is given at all
	for ((i = 0; cpuless > 0 && i < all; i++)); do
		for ((j = i + 1; j < all; j++)); do
			QEMU+=(-numa "dist,src=$i,dst=$j,val=$([ $j -ge "$n" ] && echo 30 || echo 20)")
		done
	done
	QEMU+=(-nodefaults -no-reboot -display none -monitor none
		-device isa-debug-exit,iobase=0xf4,iosize=0x04)
}
