# shellcheck shell=bash
# The debug kernel (KASAN, lockdep, kmemleak, UBSAN, reference trackers):
# built from Debian's linux-source-6.12 with scripts/debug-kernel.config
# merged over allnoconfig, and cached under a name made of the source's
# version and the config's hash. It gets the same layout as a fetched
# Debian kernel ($VIRT_CACHE/kernels/ABI/root), plus its build tree in
# $VIRT_CACHE/kernels/ABI/build, which is what our modules build against.
# Sourced after common.sh and kernel.sh.

DEBUG_CONFIG=$VIRT_SRC/scripts/debug-kernel.config

# The unpacked source, refreshed when the installed package changes.
debug_kernel_src() {
	local src=$VIRT_CACHE/src/linux-source-6.12 ver
	virt_deps linux-source-6.12
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
	if [ "$(cat "$src/.virt-version" 2>/dev/null)" != "$ver" ]; then
		note "unpacking linux-source-6.12 $ver"
		rm -rf "$src"
		mkdir -p "$VIRT_CACHE/src"
		tar -C "$VIRT_CACHE/src" -xf /usr/src/linux-source-6.12.tar.xz ||
			die "cannot unpack linux-source-6.12"
		echo "$ver" >"$src/.virt-version"
	fi
	echo "$src"
}

# The debug kernel's release name: its version, then the hash of the
# source package's version and our config.
debug_kernel_abi() {
	local src kv hash
	src=$(debug_kernel_src)
	kv=$(make -s -C "$src" kernelversion)
	hash=$(cat "$src/.virt-version" "$DEBUG_CONFIG" | md5sum | cut -c1-8)
	echo "$kv-virtdbg-$hash"
}

# debug_kernel_build ABI: build it unless the cache has it (about ten
# minutes on two cores).
debug_kernel_build() {
	local abi=$1 src dir out opt missing=""
	src=$VIRT_CACHE/src/linux-source-6.12
	dir=$(kernel_dir "$abi")
	out=$dir/build
	[ -e "$dir/root/boot/vmlinuz-$abi" ] && return 0
	virt_deps libssl-dev
	note "building the debug kernel $abi; log in $out/build.log"
	rm -rf "$dir"
	mkdir -p "$out" "$dir/root/boot"
	make -s -C "$src" O="$out" allnoconfig >"$out/build.log" 2>&1 ||
		die "allnoconfig failed"
	{ cat "$DEBUG_CONFIG"; echo "CONFIG_LOCALVERSION=\"-${abi#*-}\""; } >"$out/virt.config"
	(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" \
		.config virt.config) >>"$out/build.log" 2>&1 ||
		die "merging the config failed"
	make -s -C "$src" O="$out" olddefconfig >>"$out/build.log" 2>&1
	# Every option asked for must have survived the dependency checks.
	while read -r opt; do
		grep -qx "$opt" "$out/.config" || missing="$missing $opt"
	done < <(grep -E '^CONFIG_[A-Z0-9_]+=y$' "$DEBUG_CONFIG")
	[ -z "$missing" ] || die "the debug config lost:$missing"
	make -C "$src" O="$out" -j"$(nproc)" bzImage modules \
		>>"$out/build.log" 2>&1 || { tail -n 30 "$out/build.log" >&2; die "the debug kernel failed to build"; }
	[ "$(cat "$out/include/config/kernel.release")" = "$abi" ] ||
		die "the debug kernel is not called $abi"
	make -s -C "$src" O="$out" INSTALL_MOD_PATH="$dir/root" \
		modules_install >>"$out/build.log" 2>&1 || die "modules_install failed"
	cp "$out/arch/x86/boot/bzImage" "$dir/root/boot/vmlinuz-$abi"
}
