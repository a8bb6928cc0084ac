# shellcheck shell=bash
# Kernels for the bench. A short name (5.10, 6.1, 6.12, 6.12+deb13, 7.2,
# debug) is resolved to the newest ABI Debian offers, its image is fetched
# and unpacked into the cache, and its headers made ready for building:
#
#   5.10        bullseye(-security)
#   6.1         bookworm
#   6.12        bookworm-security (the +deb12 builds)
#   6.12+deb13  trixie(-security) (the +deb13 builds)
#   7.2         sid
#   debug       our debug kernel, built from linux-source-6.12
#               (debug-kernel.sh).
#   own         a kernel of one's own: a bzImage and its build tree
#               (own-kernel.sh; scripts/check --kernel).
#
# A kernel of the host's own release (bookworm's on Debian 12, trixie's
# on Debian 13: VERSION_CODENAME in /etc/os-release) is found by the
# host's apt, and its headers installed on the host. Every other suite goes through private apt
# lists (the mirror taken from the machine's apt configuration, never
# added to the host's sources: one apt-get install would then pull in
# another release's libc), and its headers into a debootstrap chroot of
# that suite, whose compiler and libc their kbuild tools need.
#
# Sourced after common.sh.

# kernel_suite KVER: the Debian suite that carries it.
kernel_suite() {
	case $1 in
	5.10)       echo bullseye ;;
	6.1|6.12)   echo bookworm ;;
	6.12+deb13) echo trixie ;;
	7.2)        echo sid ;;
	debug)      echo debug ;;
	own)        echo own ;;
	*)          die "unknown kernel '$1' (known: 5.10 6.1 6.12 6.12+deb13 7.2 debug own)" ;;
	esac
}

# kernel_source KVER: "host" for a kernel of the host's own release, else
# its suite, for private lists and a chroot. By release, not by what the
# host's sources name: a host that lists another release too (pinned low,
# or a third-party repository named after it) must not install that
# release's kbuild and libc.
kernel_source() {
	local suite
	suite=$(kernel_suite "$1") || exit 2
	if [ "$suite" = "$(host_release)" ]; then
		echo host
	else
		echo "$suite"
	fi
}

# host_release: the host's Debian codename (bookworm, trixie, ...).
host_release() {
	(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
}

# The apt package that carries each kernel (the unsigned image: the same
# kernel without the signed-shim packaging; sid splits it into a binary
# and a modules package).
kernel_pattern() {
	case $1 in
	5.10) echo '^linux-image-5\.10\.0-[0-9]+-amd64-unsigned$' ;;
	6.1)  echo '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' ;;
	6.12) echo '^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' ;;
	6.12+deb13) echo '^linux-image-6\.12\.[0-9]+\+deb13-amd64-unsigned$' ;;
	7.2)  echo '^linux-binary-7\.2\.[0-9]+\+deb[0-9]+-amd64$' ;;
	esac
}

# apt_sources: the machine's apt sources, one-line and deb822 files (a
# glob that matches nothing stays literal: skipped, not a failure).
apt_sources() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		cat "$f"
		echo
	done
	return 0
}

# The machine's own Debian mirrors, from its apt configuration: "main" for
# the release suites, "security" for the -security ones.
apt_mirror() {
	apt_sources | awk -v want="$1" '
		function take(uri, suite) {
			if (uri !~ /\/debian(-security)?\/?$/) return
			if ((want == "security") == (suite ~ /-security$/) && !found) {
				print uri; found = 1
			}
		}
		/^deb[ \t]/ { sub(/\[[^]]*\]/, ""); take($2, $3) }
		/^URIs:/ { uri = $2 }
		/^Suites:/ { for (i = 2; i <= NF; i++) take(uri, $i) }'
}

# suite_apt SUITE TOOL ARGS...: apt-get or apt-cache with SUITE's private
# lists; the machine's other apt settings (apt.conf.d) still apply.
suite_apt() {
	local d=$VIRT_CACHE/apt/$1 tool=$2
	shift 2
	"$tool" -o Dir::Etc::sourcelist="$d/sources.list" \
		-o Dir::Etc::sourceparts=- -o Dir::State::Lists="$d/lists" \
		-o Dir::Cache="$d/cache" "$@"
}

# suite_sources SUITE: its sources.list lines.
suite_sources() {
	local main sec
	main=$(apt_mirror main)
	[ -n "$main" ] || die "no Debian mirror in the machine's apt configuration"
	echo "deb $main $1 main"
	# A release's kernels are updated in its -security suite (bookworm's
	# 6.12 lives only there); sid has none.
	if [ "$1" != sid ]; then
		sec=$(apt_mirror security)
		[ -n "$sec" ] && echo "deb $sec $1-security main"
	fi
}

# suite_update SUITE: private lists, refreshed once a day.
suite_update() {
	local d=$VIRT_CACHE/apt/$1
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
	suite_sources "$1" >"$d/sources.list"
	if [ -z "$(find "$d/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 | head -1)" ]; then
		suite_apt "$1" apt-get update -qq >&2 || die "apt-get update for $1 failed"
	fi
}

# kernel_resolve KVER: print the newest ABI, e.g. 6.1.0-56-amd64.
kernel_resolve() {
	local suite pat pkg search
	suite=$(kernel_source "$1") || exit 2
	case $suite in
	debug) debug_kernel_abi; return ;;
	own)   own_kernel_abi; return ;;
	esac
	pat=$(kernel_pattern "$1")
	if [ "$suite" = host ]; then
		search=(apt-cache)
	else
		suite_update "$suite"
		search=(suite_apt "$suite" apt-cache)
	fi
	pkg=$("${search[@]}" search --names-only "$pat" | awk '{print $1}' | sort -V | tail -1)
	if [ -z "$pkg" ] && [ "$suite" = host ]; then
		apt-get update -qq >&2 || true
		pkg=$(apt-cache search --names-only "$pat" | awk '{print $1}' | sort -V | tail -1)
	fi
	[ -n "$pkg" ] || die "apt offers no kernel matching $pat"
	pkg=${pkg#linux-image-}
	pkg=${pkg#linux-binary-}
	echo "${pkg%-unsigned}"
}

# kernel_fetch KVER ABI: the image unpacked under $VIRT_CACHE/kernels/ABI
# (root/boot/vmlinuz-ABI, root/lib/modules/ABI), depmod run there (in the
# guest, over 9p, it takes a minute), the headers made ready. Idempotent.
kernel_fetch() {
	local kver=$1 abi=$2 suite dir tmp pkg pkgs get
	suite=$(kernel_source "$kver")
	dir=$(kernel_dir "$abi")
	case $suite in
	debug)
		debug_kernel_build "$abi"
		echo debug >"$dir/suite"
		return ;;
	own)
		own_kernel_install "$abi"
		return ;;
	esac
	if [ ! -e "$dir/root/boot/vmlinuz-$abi" ]; then
		if [ "$suite" = host ]; then
			note "fetching the $kver kernel $abi from this machine's apt sources"
		else
			note "fetching the $kver kernel $abi from $suite, through private apt lists ($VIRT_CACHE/apt/$suite)"
		fi
		case $(kernel_suite "$kver") in
		sid)  pkgs=("linux-binary-$abi" "linux-modules-$abi") ;;
		*)    pkgs=("linux-image-$abi-unsigned") ;;
		esac
		get=(apt-get)
		[ "$suite" = host ] || get=(suite_apt "$suite" apt-get)
		tmp=$(mktemp -d "$VIRT_CACHE/dl.XXXXXX")
		(cd "$tmp" && "${get[@]}" -o APT::Sandbox::User=root download -q \
			"${pkgs[@]}" >&2) ||
			die "apt-get download ${pkgs[*]} failed"
		rm -rf "$dir" && mkdir -p "$dir/root/boot" "$dir/root/lib/modules"
		for pkg in "$tmp"/*.deb; do
			dpkg-deb -x "$pkg" "$dir/root"
		done
		rm -rf "$tmp"
		# Merged /usr (sid): the kernel and modules live under usr/lib.
		if [ -d "$dir/root/usr/lib/modules/$abi" ] && [ ! -e "$dir/root/lib/modules/$abi" ]; then
			ln -s "../../usr/lib/modules/$abi" "$dir/root/lib/modules/$abi"
		fi
		if [ ! -e "$dir/root/boot/vmlinuz-$abi" ]; then
			cp "$(find "$dir/root" -name 'vmlinuz*' | head -1)" \
				"$dir/root/boot/vmlinuz-$abi" || die "no vmlinuz in ${pkgs[*]}"
		fi
		depmod -b "$dir/root" "$abi"
	fi
	echo "$suite" >"$dir/suite"
	if [ "$suite" = host ]; then
		[ -d "/usr/src/linux-headers-$abi" ] || virt_deps "linux-headers-$abi"
	else
		suite_chroot "$suite" "$abi" >/dev/null
	fi
	[ -e "$(kernel_headers "$abi")/Makefile" ] ||
		die "no headers for $abi in $(kernel_headers "$abi")"
}

# suite_chroot SUITE ABI: a debootstrap chroot of SUITE holding ABI's
# headers and its compiler; print its path.
suite_chroot() {
	local suite=$1 abi=$2 dir=$VIRT_CACHE/chroots/$1 rc=0
	if [ ! -e "$dir/.virt-ready" ]; then
		note "debootstrap $suite (once; cached in $dir)"
		rm -rf "$dir"
		mkdir -p "$VIRT_CACHE/chroots"
		debootstrap --variant=minbase "$suite" "$dir" "$(apt_mirror main)" \
			>"$VIRT_CACHE/chroots/$suite.log" 2>&1 ||
			die "debootstrap $suite failed; see $VIRT_CACHE/chroots/$suite.log"
		# The machine's apt settings (e.g. Check-Valid-Until) apply in
		# there too; its sources do not.
		cp /etc/apt/apt.conf.d/* "$dir/etc/apt/apt.conf.d/"
		suite_sources "$suite" >"$dir/etc/apt/sources.list"
		touch "$dir/.virt-ready"
	fi
	if [ ! -e "$dir/usr/src/linux-headers-$abi/Makefile" ] || [ ! -x "$dir/usr/bin/sparse" ]; then
		note "installing linux-headers-$abi in the $suite chroot ($dir)"
		chroot_run "$dir" sh -c "apt-get update -qq &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				--no-install-recommends make sparse linux-headers-$abi" \
			>"$dir/.headers.log" 2>&1 || rc=$?
		[ $rc -eq 0 ] || die "installing linux-headers-$abi in $dir failed; see $dir/.headers.log"
	fi
	echo "$dir"
}

# chroot_run ROOT CMD...: CMD in the chroot, with /proc, /sys and /dev
# (apt's scripts and objtool need them) mounted for its duration.
chroot_run() {
	local root=$1 m rc=0
	shift
	for m in proc sys dev; do mount --bind "/$m" "$root/$m"; done
	chroot "$root" "$@" || rc=$?
	for m in dev sys proc; do umount "$root/$m"; done
	return $rc
}

# kernel_dir ABI: where its image, modules and state live; a kernel of
# one's own has its own place (its release may be a cached kernel's).
kernel_dir() {
	if [ -n "${VIRT_OWN_KERNEL:-}" ] && [ "$1" = "$(own_kernel_abi 2>/dev/null)" ]; then
		own_kernel_dir
	else
		echo "$VIRT_CACHE/kernels/$1"
	fi
}
kernel_is_debug() { case $1 in *-virtdbg-*) return 0 ;; esac; return 1; }

# Where a fetched ABI came from: host (the machine's own apt sources),
# debug, or the suite of its private lists and chroot.
kernel_suite_of() { cat "$(kernel_dir "$1")/suite" 2>/dev/null || echo host; }

# Where modules for ABI are built against: a headers package (on the host
# or in its suite's chroot), or the build tree of the debug kernel or of
# one's own.
kernel_headers() {
	local suite
	suite=$(kernel_suite_of "$1")
	case $suite in
	debug|own) echo "$(kernel_dir "$1")/build" ;;
	host)  echo "/usr/src/linux-headers-$1" ;;
	*)     echo "$VIRT_CACHE/chroots/$suite/usr/src/linux-headers-$1" ;;
	esac
}
