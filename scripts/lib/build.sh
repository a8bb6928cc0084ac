# shellcheck shell=bash
# Build both modules against one kernel's headers, in a per-ABI copy of the
# sources (kbuild writes its objects next to them, and 5.10..6.12 have no
# separate output directory for external modules). Sourced after common.sh.

# build_modules ABI [KDIR]: print the build directory. Fails on any
# compiler warning: W=1 must be silent on every kernel we support.
build_modules() {
	local abi=$1 kdir=${2:-/usr/src/linux-headers-$1}
	local out=$VIRT_CACHE/build/$abi log
	mkdir -p "$out"
	rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='*.cmd' \
		--exclude='*.mod*' --exclude='.*' --exclude='Module.symvers' \
		--exclude='modules.order' \
		--include='Kbuild' --include='Makefile' --include='*.[ch]' \
		--include='virt-full/' --exclude='*' \
		"$VIRT_SRC/" "$out/"
	log=$out/build.log
	if ! make -s -C "$kdir" M="$out" W=1 modules >"$log" 2>&1; then
		cat "$log" >&2
		die "build against $abi failed"
	fi
	if grep -qi 'warning' "$log"; then
		cat "$log" >&2
		die "build against $abi has warnings (W=1)"
	fi
	echo "$out"
}
