# shellcheck shell=bash
# Boot a kernel under QEMU (KVM where it works, else software emulation)
# and run one command in it. Sourced after common.sh and kernel.sh.
#
# The guest sees the host's root read-only over 9p with a tmpfs overlay, has
# no route out (-nic none), and two virtio NICs on one QEMU hub: eth0 stays
# in the root namespace as the parent, tests move eth1 into "remote".

# Kernel log lines that fail a run whatever the test said.
# The last three are what a stacked, queueless device gets wrong without a
# stack trace: a frame looping back into its own transmit, a protocol
# header set where it can't be, a queue asked of a device that has none.
GUEST_BAD_LOG='WARNING:|BUG:|Oops|Kernel panic|KASAN:|UBSAN:|suspected memory leak|unreferenced object|general protection|waiting for .* to become free|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|refcount_t:|list_add corruption|list_del corruption|soft lockup|hard LOCKUP|rcu_sched detected stall|rcu: INFO|blocked for more than|Call Trace:|Dead loop on virtual device|protocol [0-9a-f]+ is buggy|asks to queue packet'

# guest_prepare KVER: everything a boot needs (packages, kernel, headers,
# modules built); sets ABI and BUILD.
guest_prepare() {
	virt_deps
	mkdir -p "$VIRT_CACHE"
	ABI=$(kernel_resolve "$1")
	kernel_fetch "$1" "$ABI"
	BUILD=$(build_modules "$ABI")
	guest_initramfs "$ABI" >/dev/null
	guest_accel "$ABI"
}

# guest_accel ABI: choose the accelerator once per run, and say which:
# VIRT_ACCEL=kvm or tcg, else KVM if ABI's kernel boots under it, else
# TCG. /dev/kvm that opens is not enough: under some hypervisors a guest
# runs a few instructions, then stops on a "KVM internal error" in the
# kernel's decompressor. So the probe boots the kernel itself, without a
# root file system: it must reach its panic for want of one (a second
# under KVM). icount (scripts/bench) exists only in TCG.
guest_accel() {
	local why
	[ -z "${GUEST_ACCEL:-}" ] || return 0
	case ${VIRT_ACCEL:-} in
	kvm|tcg)
		[ "$VIRT_ACCEL" = tcg ] || [ -z "${VIRT_ICOUNT:-}" ] ||
			die "VIRT_ACCEL=kvm with VIRT_ICOUNT: icount exists only in TCG"
		GUEST_ACCEL=$VIRT_ACCEL why="VIRT_ACCEL=$VIRT_ACCEL" ;;
	'')
		if [ -n "${VIRT_ICOUNT:-}" ]; then
			GUEST_ACCEL=tcg why="icount needs TCG"
		elif why=$(kvm_probe "$1"); then
			GUEST_ACCEL=kvm
		else
			GUEST_ACCEL=tcg
		fi ;;
	*) die "VIRT_ACCEL=$VIRT_ACCEL: kvm or tcg" ;;
	esac
	export GUEST_ACCEL
	note "accelerator: $GUEST_ACCEL ($why)"
}

# qemu_accel_args: the accelerator and CPU options for GUEST_ACCEL. Under
# KVM the guest gets the host's CPU model.
qemu_accel_args() {
	local cpu=max
	if [ "${GUEST_ACCEL:-tcg}" = kvm ]; then
		cpu=host
		printf '%s\n' -accel kvm
	else
		printf '%s\n' -accel "tcg,thread=${VIRT_TCG_THREAD:-single}"
	fi
	printf '%s\n' -cpu "$cpu,la57=off${VIRT_CPU_FLAGS:+,$VIRT_CPU_FLAGS}"
}

# kvm_probe ABI: succeed if ABI's kernel boots under KVM; print why or
# why not.
kvm_probe() {
	local dir pid log i rc=1 args
	local panic='Kernel panic - not syncing: (VFS: Unable to mount root|No working init)'
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		echo "no usable /dev/kvm"
		return 1
	fi
	dir=$(mktemp -d /tmp/virt-kvm.XXXXXX)
	log=$dir/console.log
	mapfile -t args < <(GUEST_ACCEL=kvm qemu_accel_args)
	: >"$dir/qemu.log"
	qemu-system-x86_64 -nodefaults -nographic -no-reboot -monitor none \
		-machine pc "${args[@]}" -smp 1 -m 256 \
		-kernel "$(kernel_dir "$1")/root/boot/vmlinuz-$1" \
		-append "console=ttyS0 panic=-1" -serial "file:$log" \
		</dev/null >"$dir/qemu.log" 2>&1 &
	pid=$!
	# Polled: a failing KVM stops the VM but leaves QEMU running. Only the
	# panic for want of a root counts: a broken KVM panics otherwise.
	for i in $(seq 600); do
		if grep -qE "$panic" "$log" 2>/dev/null; then
			rc=0
			break
		fi
		kill -0 $pid 2>/dev/null || break
		grep -q 'KVM internal error' "$dir/qemu.log" && break
		[ "$i" -lt 600 ] && sleep 0.1
	done
	kill $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	# QEMU exits right after the panic: it may have come after the grep.
	grep -qE "$panic" "$log" 2>/dev/null && rc=0
	if [ $rc -eq 0 ]; then
		echo "/dev/kvm boots $1"
	else
		printf '/dev/kvm does not boot %s: %s\n' "$1" \
			"$(grep -m1 -E 'error|failed' "$dir/qemu.log" || echo 'no panic line within 60 s')"
	fi
	rm -rf "$dir"
	return $rc
}

# guest_initramfs ABI: busybox, our init, and the modules the init loads.
guest_initramfs() {
	local abi=$1 kdir img tmp m kw path name
	kdir=$(kernel_dir "$abi")
	img=$kdir/initrd.gz
	if [ -e "$img" ] && [ "$img" -nt "$VIRT_SRC/scripts/guest-init" ]; then
		echo "$img"
		return
	fi
	tmp=$(mktemp -d)
	mkdir -p "$tmp"/{bin,modules,proc,sys,dev}
	cp /bin/busybox "$tmp/bin/busybox"
	cp "$VIRT_SRC/scripts/guest-init" "$tmp/init"
	: >"$tmp/modules/order"
	for m in virtio_pci virtio_net 9pnet_virtio 9p overlay; do
		# Built in (7.2's virtio_pci) where there is no such file: our
		# modprobe can't read a newer kernel's index of built-in modules.
		if [ -z "$(find -L "$kdir/root/lib/modules/$abi" -name "$m.ko*" | head -n 1)" ]; then
			continue
		fi
		# "insmod <path>" lines in load order; "builtin <name>" is skipped.
		modprobe -d "$kdir/root" -S "$abi" --show-depends "$m" |
		while read -r kw path _; do
			[ "$kw" = insmod ] || continue
			name=$(basename "$path")
			name=${name%.xz}
			name=${name%.zst}
			grep -qx "$name" "$tmp/modules/order" && continue
			case $path in
			*.xz)  xz -dc "$path" >"$tmp/modules/$name" ;;
			*.zst) zstd -qdc "$path" >"$tmp/modules/$name" ;;
			*)     cp "$path" "$tmp/modules/$name" ;;
			esac
			echo "$name" >>"$tmp/modules/order"
		done
	done
	(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) >"$img.tmp"
	mv "$img.tmp" "$img"
	rm -rf "$tmp"
	echo "$img"
}

# The guest's clock. Under TCG the guest's TSC is the host's, but a guest
# calibrates it against the emulated PIT at boot, and when the host is busy
# then it can be off by any factor: a debug guest once read 97 MHz for
# 2596, its clock ran 27 times fast and every "timeout 30" gave up after a
# second. So the guest is told the host's TSC rate (tsc_early_khz, from the
# host's own calibration) unless time is instruction-counted (-icount),
# where the TSC follows the count and calibration is exact, or the guest
# runs under KVM, whose kvmclock it reads.
host_tsc_khz() {
	local mhz
	mhz=$(dmesg 2>/dev/null | sed -n 's/.*tsc: Refined TSC clocksource calibration: \([0-9.]*\) MHz.*/\1/p' | tail -n 1)
	[ -n "$mhz" ] || mhz=$(dmesg 2>/dev/null | sed -n 's/.*tsc: Detected \([0-9.]*\) MHz.*/\1/p' | tail -n 1)
	# Without the host's log: its CPU's rate, if its TSC keeps to it.
	if [ -z "$mhz" ] && grep -qw constant_tsc /proc/cpuinfo; then
		mhz=$(sed -n 's/^cpu MHz[[:space:]]*: \([0-9.]*\)$/\1/p' /proc/cpuinfo | head -n 1)
	fi
	[ -n "$mhz" ] && awk -v m="$mhz" 'BEGIN { printf "%d\n", m * 1000 }'
}

# Under TCG the vCPUs take turns on one host thread (tcg,thread=single): with one
# thread per vCPU, a CPU that meets a jump label while another rewrites it
# can take the rewrite's int3 for a real one and oops (seen when ping
# toggles the receive timestamp key), and two VMs side by side on two
# cores get more done than one VM with two threads. VIRT_TCG_THREAD=multi
# brings the threads back. No 5-level paging (la57=off): while a 6.12
# KASAN kernel re-reads its CPU's features at boot, an interrupt then
# makes KASAN take the 5-level direct map for a wild access and panic.
#
# guest_run ABI BUILD_DIR -- CMD...: run CMD in the guest with the repo as
# working directory and VIRT_BUILD pointing at the built modules. Streams
# the output; returns CMD's exit status, or 124 on timeout, 125 if the VM
# died, 126 if the kernel log has a WARN/BUG/KASAN/... report.
# VIRT_TIMEOUT (seconds, default 900), VIRT_OUT (keep results there),
# VIRT_CMDLINE (extra kernel parameters), VIRT_SMP, VIRT_MEM (MiB, default
# 1024: the debug kernel's boot and each kmemleak scan take twice as long
# with 2048, and the suite needs far less), VIRT_ICOUNT
# (QEMU's -icount, for instruction-counted time: scripts/bench),
# VIRT_CPU_FLAGS (more -cpu properties), and
# VIRT_STRESS (short or full: how hard the stress tests push) and
# VIRT_CHILD_KIND (virt, or ipvlan or macvlan: the same tests against a
# rival, where a test supports it) passed in.
guest_run() {
	local abi=$1 build=$2 kdir initrd out qpid status rc=0 arg accel boot=
	shift 2
	[ "${1:-}" = -- ] && shift
	kdir=$(kernel_dir "$abi")
	initrd=$(guest_initramfs "$abi")
	out=${VIRT_OUT:-$(mktemp -d /tmp/virt-vm.XXXXXX)}
	mkdir -p "$out"
	rm -f "$out"/{output,status,dmesg,console.log}
	cat >"$out/env" <<-EOF
		VIRT_ABI='$abi'
		VIRT_MODDIR='$build/modroot/lib/modules/$abi'
	EOF
	{
		echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
		echo 'export HOME=/root LANG=C.UTF-8 TERM=dumb'
		echo "export VIRT_BUILD='$build' VIRT_ABI='$abi' VIRT_SRC='$VIRT_SRC'"
		echo "export VIRT_STRESS='${VIRT_STRESS:-short}' VIRT_CHILD_KIND='${VIRT_CHILD_KIND:-virt}'"
		echo "export VIRT_KDIR='$(kernel_headers "$abi")' VIRT_SUITE='$(kernel_suite_of "$abi")'"
		echo "cd '$VIRT_SRC' || exit 1"
		printf 'exec'
		for arg in "$@"; do printf " %q" "$arg"; done
		echo
	} >"$out/cmd"
	: >"$out/output"
	guest_accel "$abi"
	mapfile -t accel < <(qemu_accel_args)
	if [ "$GUEST_ACCEL" = tcg ] && [ -z "${VIRT_ICOUNT:-}" ] && arg=$(host_tsc_khz); then
		boot="tsc_early_khz=$arg"
	fi
	# pci=noacpi: routing the PCI interrupts through ACPI's interpreter
	# costs our instrumented kernel 90 s a boot; virtio uses MSI-X anyway.
	kernel_is_debug "$abi" && boot="$boot pci=noacpi"

	timeout -k 10 "${VIRT_TIMEOUT:-900}" qemu-system-x86_64 \
		-nodefaults -nographic -no-reboot -monitor none \
		-machine pc "${accel[@]}" \
		-smp "${VIRT_SMP:-2}" -m "${VIRT_MEM:-1024}" \
		${VIRT_ICOUNT:+-icount "$VIRT_ICOUNT"} \
		-kernel "$kdir/root/boot/vmlinuz-$abi" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 oops=panic softlockup_panic=1 mitigations=off no_timer_check log_buf_len=8M $boot ${VIRT_CMDLINE:-}" \
		-serial "file:$out/console.log" \
		-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=root,mount_tag=root \
		-fsdev "local,id=out,path=$out,security_model=none" \
		-device virtio-9p-pci,fsdev=out,mount_tag=out \
		-nic none \
		-netdev hubport,id=n0,hubid=0 \
		-device virtio-net-pci,netdev=n0,mac=52:54:00:00:00:10 \
		-netdev hubport,id=n1,hubid=0 \
		-device virtio-net-pci,netdev=n1,mac=52:54:00:00:00:20 \
		</dev/null >"$out/qemu.log" 2>&1 &
	qpid=$!
	if [ -z "${VIRT_QUIET:-}" ]; then
		tail -n +1 --pid=$qpid -f "$out/output" 2>/dev/null
	fi
	wait $qpid || rc=$?
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		note "$abi: timed out after ${VIRT_TIMEOUT:-900}s"
		status=124
	elif [ -s "$out/status" ]; then
		status=$(cat "$out/status")
	else
		note "$abi: the VM ended without a result"
		status=125
	fi
	if [ "$status" -ne 0 ] && [ $status -ge 124 ]; then
		tail -n 40 "$out/console.log" >&2
	fi
	if grep -Eh "$GUEST_BAD_LOG" "$out/console.log" "$out/dmesg" 2>/dev/null |
		grep -v 'guest-init' >"$out/bad-log"; then
		note "$abi: kernel log reports a problem:"
		sort -u "$out/bad-log" | head -n 20 >&2
		[ "$status" -eq 0 ] && status=126
	fi
	note "$abi: exit status $status (results in $out)"
	return "$status"
}
