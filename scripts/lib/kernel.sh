# shellcheck shell=bash
# Kernels for the bench: resolve a short name to the newest ABI apt offers,
# fetch the image into the cache, install the matching headers; or, for
# "debug", build our debug kernel (debug-kernel.sh). Sourced after
# common.sh.

# The apt package pattern of each kernel we test against (unsigned image:
# the same kernel, without the signed-shim packaging).
kernel_pattern() {
	case $1 in
	6.1)  echo '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' ;;
	6.12) echo '^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' ;;
	*)    die "unknown kernel '$1' (known: 6.1 6.12 debug)" ;;
	esac
}

# kernel_resolve KVER: print the newest ABI, e.g. 6.1.0-56-amd64.
kernel_resolve() {
	local pat pkg
	if [ "$1" = debug ]; then
		debug_kernel_abi
		return
	fi
	pat=$(kernel_pattern "$1") || exit 2
	pkg=$(apt-cache search --names-only "$pat" | awk '{print $1}' | sort -V | tail -1)
	if [ -z "$pkg" ]; then
		apt-get update -qq >&2 || true
		pkg=$(apt-cache search --names-only "$pat" | awk '{print $1}' | sort -V | tail -1)
	fi
	[ -n "$pkg" ] || die "apt offers no kernel matching $pat"
	pkg=${pkg#linux-image-}
	echo "${pkg%-unsigned}"
}

# kernel_fetch ABI: image unpacked under $VIRT_CACHE/kernels/ABI/root,
# depmod run there (depmod inside the guest over 9p takes minutes), and
# headers installed on the host. Idempotent.
kernel_fetch() {
	local abi=$1 dir=$VIRT_CACHE/kernels/$1 tmp
	if kernel_is_debug "$abi"; then
		debug_kernel_build "$abi"
		return
	fi
	if [ ! -e "$dir/root/boot/vmlinuz-$abi" ]; then
		note "fetching linux-image-$abi"
		tmp=$(mktemp -d "$VIRT_CACHE/dl.XXXXXX")
		chmod 755 "$tmp"	# apt's _apt user downloads into it
		(cd "$tmp" && apt-get download -q "linux-image-$abi-unsigned" >&2) ||
			die "apt-get download linux-image-$abi-unsigned failed"
		rm -rf "$dir" && mkdir -p "$dir/root"
		dpkg-deb -x "$tmp"/*.deb "$dir/root"
		rm -rf "$tmp"
		depmod -b "$dir/root" "$abi"
	fi
	[ -d "/usr/src/linux-headers-$abi" ] || virt_deps "linux-headers-$abi"
	[ -e "/usr/src/linux-headers-$abi/Makefile" ] ||
		die "headers for $abi are not in /usr/src/linux-headers-$abi"
}

kernel_dir() { echo "$VIRT_CACHE/kernels/$1"; }
kernel_is_debug() { case $1 in *-virtdbg-*) return 0 ;; esac; return 1; }

# Where modules for ABI are built against: Debian's headers package, or
# the debug kernel's build tree.
kernel_headers() {
	if kernel_is_debug "$1"; then
		echo "$(kernel_dir "$1")/build"
	else
		echo "/usr/src/linux-headers-$1"
	fi
}
