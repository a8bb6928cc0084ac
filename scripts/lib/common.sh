# shellcheck shell=bash
# Shared paths and helpers for the host-side scripts. Sourced, never run.

VIRT_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Everything fetched or built for the bench lives here, outside the repo.
VIRT_CACHE=${VIRT_CACHE:-/var/cache/virt}

die() { echo "vm: $*" >&2; exit 2; }
note() { echo "vm: $*" >&2; }

# Host packages the bench needs. The guest runs on the host's root file
# system, so everything a test uses inside the VM is installed here too.
# Checked against a minimal Debian (debootstrap --variant=minbase), which
# has none of procps (sysctl, pkill), iproute2 or python3.
VIRT_HOST_PKGS=(
	qemu-system-x86 busybox-static cpio xz-utils zstd kmod procps
	iproute2 iputils-ping net-tools ethtool tcpdump iperf3 bridge-utils nftables
	wireguard-tools dnsmasq-base isc-dhcp-client dhcpcd-base udhcpc iputils-arping
	libmnl-dev libjansson-dev clang libclang-rt-dev
	podman containernetworking-plugins
	python3 python3-scapy perl make gcc build-essential bc flex bison libelf-dev
	sparse linux-source-6.12 dpkg-dev debootstrap
	dkms dh-dkms debhelper fakeroot lintian python3-matplotlib mandoc man-db
)

# Install what is missing, once. dpkg-query is cheap; apt-get is not.
virt_deps() {
	local missing=() p
	for p in "${VIRT_HOST_PKGS[@]}" "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	note "installing ${missing[*]}"
	[ "$(id -u)" -eq 0 ] || die "need root to install ${missing[*]}"
	# An index older than a day may name packages the mirror no longer has.
	if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
		apt-get update -qq >&2 || die "apt-get update failed"
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >&2 ||
		die "apt-get install ${missing[*]} failed"
}
