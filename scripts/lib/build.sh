# shellcheck shell=bash
# Build both modules against one kernel's headers, in a per-ABI copy of the
# sources (kbuild writes its objects next to them, and 5.10..6.12 have no
# separate output directory for external modules). Sourced after common.sh.

# build_modules ABI: print the build directory. Fails on any
# compiler warning: W=1 must be silent on every kernel we support.
# VIRT_BUILD_FLAGS adds make arguments (scripts/lint: C=2, for sparse).
# The tests' builds print their pr_debug lines without dynamic debug
# (VIRT_DEBUG=1: final_checks counts the devices created and destroyed);
# VIRT_DEBUG=0 builds as a user's machine does (scripts/lint).
build_modules() {
	local abi=$1 kdir suite root="" out log
	suite=$(kernel_suite_of "$abi")
	kdir=$(kernel_headers "$abi")
	# A kernel of another release than the host's builds in its suite's
	# chroot, with that release's compiler (kernel.sh).
	case $suite in
	host|debug|own) ;;
	*) root=$VIRT_CACHE/chroots/$suite ;;
	esac
	# One build tree per checkout and kernel: two clones never share one.
	out=${root:-$VIRT_CACHE}/build/$(printf %s "$VIRT_SRC" | md5sum | cut -c1-8)/$abi
	# A fresh copy each time: a stale object can't survive a deleted source.
	rm -rf "$out"
	mkdir -p "$out"
	(cd "$VIRT_SRC" && cp -r Kbuild ./*.[ch] "$out/" &&
		if [ -d virt-full ]; then cp -r virt-full "$out/"; fi) ||
		die "cannot copy the sources to $out"
	log=$out/build.log
	if ! ${root:+chroot_run "$root"} make -s -C "${kdir#"$root"}" \
		M="${out#"$root"}" W=1 VIRT_DEBUG="${VIRT_DEBUG:-1}" \
		${VIRT_BUILD_FLAGS:-} modules >"$log" 2>&1; then
		cat "$log" >&2
		die "build against $abi failed"
	fi
	if grep -qi 'warning' "$log"; then
		cat "$log" >&2
		die "build against $abi has warnings (W=1)"
	fi
	build_modroot "$abi" "$out"
	# The iproute2 plugin runs in the guest's (the host's) userspace.
	mkdir -p "$out/iproute2"
	gcc -O2 -Wall -Wextra -Wno-unused-parameter -Werror -shared -fPIC \
		-o "$out/iproute2/link_virt.so" "$VIRT_SRC/iproute2/link_virt.c" ||
		die "building iproute2/link_virt.so failed"
	# So does the CNI plugin, and its parser's fuzzer (tests/cni-plugin.sh).
	# Into $out, not the checkout: builds for two kernels may run at once.
	mkdir -p "$out/cni"
	make -s -C "$VIRT_SRC" CNI_OUT="$out/cni" \
		CNI_WARN="-Wall -Wextra -Wno-unused-parameter -Werror" \
		"$out/cni/virt" "$out/cni/fuzz-conf" || die "building the CNI plugin failed"
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
	if [ -d "$img/kernel" ]; then ln -sfn "$img/kernel" "$mods/kernel"; fi
	find "$out" -path "$out/modroot" -prune -o -name '*.ko' -print |
		xargs cp -t "$mods/updates/"
	# What the kernel's package says about its built-in modules (sid
	# ships only the binary indexes), kept where depmod makes none.
	for f in "$img"/modules.order "$img"/modules.builtin*; do
		[ -e "$f" ] && cp "$f" "$mods/"
	done
	depmod -b "$out/modroot" "$abi" 2>/dev/null || die "depmod for $abi failed"
	for f in "$img"/modules.builtin*.bin; do
		[ -e "$mods/${f##*/}" ] || cp "$f" "$mods/"
	done
}
