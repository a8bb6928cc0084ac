# shellcheck shell=bash
# Build both modules against one kernel's headers, in a per-ABI copy of the
# sources (kbuild writes its objects next to them, and 5.10..6.12 have no
# separate output directory for external modules). Sourced after common.sh.

# build_modules ABI: print the build directory. Fails on any
# compiler warning: W=1 must be silent on every kernel we support.
build_modules() {
	local abi=$1 kdir
	kdir=$(kernel_headers "$abi")
	local out log
	# One build tree per checkout and kernel: two clones never share one.
	out=$VIRT_CACHE/build/$(printf %s "$VIRT_SRC" | md5sum | cut -c1-8)/$abi
	# A fresh copy each time: a stale object can't survive a deleted source.
	rm -rf "$out"
	mkdir -p "$out"
	(cd "$VIRT_SRC" && cp -r Kbuild ./*.[ch] "$out/" &&
		if [ -d virt-full ]; then cp -r virt-full "$out/"; fi) ||
		die "cannot copy the sources to $out"
	log=$out/build.log
	if ! make -s -C "$kdir" M="$out" W=1 modules >"$log" 2>&1; then
		cat "$log" >&2
		die "build against $abi failed"
	fi
	if grep -qi 'warning' "$log"; then
		cat "$log" >&2
		die "build against $abi has warnings (W=1)"
	fi
	build_modroot "$abi" "$out"
	echo "$out"
}

# build_modroot ABI OUT: OUT/modroot/lib/modules/ABI, the guest's module
# directory: the kernel's own modules (a symlink into the unpacked image)
# plus ours in updates/, indexed by depmod here on the host (depmod in the
# guest, over 9p, takes a minute). modprobe virt_full and the rtnl
# autoload ("ip link add ... type virt") then work inside the VM.
build_modroot() {
	local abi=$1 out=$2 img mods
	img=$(kernel_dir "$abi")/root/lib/modules/$abi
	mods=$out/modroot/lib/modules/$abi
	mkdir -p "$mods/updates"
	if [ -d "$img/kernel" ]; then ln -s "$img/kernel" "$mods/kernel"; fi
	cp "$img"/modules.order "$img"/modules.builtin* "$mods/"
	find "$out" -path "$out/modroot" -prune -o -name '*.ko' -print |
		xargs cp -t "$mods/updates/"
	depmod -b "$out/modroot" "$abi" || die "depmod for $abi failed"
}
