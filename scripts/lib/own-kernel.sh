# shellcheck shell=bash
# A kernel of one's own, net-next say (scripts/check --kernel BZIMAGE): the
# kernel "own", a bzImage (VIRT_OWN_KERNEL) and the tree it was built in
# (VIRT_OWN_BUILD; by default the one it sits in, arch/x86/boot/bzImage
# three levels down), which must have built its modules (Module.symvers).
# It gets the layout of a fetched kernel, as the debug kernel does, under
# $VIRT_CACHE/own/HASH (of the image's path): root/boot/vmlinuz-RELEASE,
# root/lib/modules/RELEASE from the tree's modules_install, and build, a
# link to the tree, which our modules build against.
# Sourced after common.sh and kernel.sh.

# own_kernel_image: the image's absolute path.
own_kernel_image() {
	[ -n "${VIRT_OWN_KERNEL:-}" ] ||
		die "the kernel 'own' needs VIRT_OWN_KERNEL (scripts/check --kernel BZIMAGE)"
	[ -f "$VIRT_OWN_KERNEL" ] || die "no kernel image $VIRT_OWN_KERNEL"
	readlink -f "$VIRT_OWN_KERNEL"
}

# own_kernel_tree: its build tree.
own_kernel_tree() {
	local img tree
	img=$(own_kernel_image) || exit 2
	tree=${VIRT_OWN_BUILD:-$(dirname "$img")/../../..}
	tree=$(cd "$tree" 2>/dev/null && pwd) || die "no build tree $tree"
	[ -e "$tree/include/config/kernel.release" ] && [ -e "$tree/Module.symvers" ] ||
		die "$tree is not a build tree with its modules built (no kernel.release or Module.symvers); give it with --kernel-build DIR"
	echo "$tree"
}

own_kernel_abi() { cat "$(own_kernel_tree)/include/config/kernel.release"; }
own_kernel_dir() {
	echo "$VIRT_CACHE/own/$(own_kernel_image | md5sum | cut -c1-8)"
}

# own_kernel_install ABI: the image and the tree's modules into the
# cache, again whenever the image is newer than the copy.
own_kernel_install() {
	local abi=$1 img tree dir
	img=$(own_kernel_image)
	tree=$(own_kernel_tree)
	dir=$(own_kernel_dir)
	if [ "$img" -nt "$dir/root/boot/vmlinuz-$abi" ] ||
		[ "$(readlink "$dir/build")" != "$tree" ]; then
		note "installing the kernel $abi from $tree into $dir"
		rm -rf "$dir"
		mkdir -p "$dir/root/boot"
		ln -s "$tree" "$dir/build"
		if grep -q '^CONFIG_MODULES=y' "$tree/.config"; then
			make -s -C "$tree" INSTALL_MOD_PATH="$dir/root" \
				modules_install >"$dir/install.log" 2>&1 ||
				die "modules_install from $tree failed; see $dir/install.log"
		fi
		mkdir -p "$dir/root/lib/modules/$abi"
		cp "$img" "$dir/root/boot/vmlinuz-$abi"
	fi
	echo own >"$dir/suite"
}
