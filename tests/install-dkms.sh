#!/bin/bash
# Installing the way users do, in the guest's overlay: "make dkms-install"
# from the sources, and the virt-dkms .deb (built here, lintian clean).
# Both have DKMS build the modules for the running kernel; modprobe then
# finds them, the rtnl alias loads virt_full on demand, a child answers;
# both uninstall cleanly. Runs where the kernel's headers work in this
# root (the Debian 6.1 and 6.12 kernels), on the first such kernel of a
# run only (scripts/check): DKMS compiles twice, emulated, 15-20 minutes
# (three times on 6.1: the .deb's postinst also builds for the newest
# kernel installed here, 6.12, as it would on a user's machine).
# virt-once
# virt-timeout: 2400
. "$(dirname "$0")/lib.sh"

if [ "$VIRT_SUITE" != host ]; then
	echo "1..0 # SKIP DKMS needs the kernel's headers usable here ($VIRT_SUITE kernel)"
	exit 0
fi
topo_addressed
kver=$(uname -r)
src=$T_TMP/virt
need ln -sfn "$VIRT_KDIR" "/lib/modules/$kver/build"
need mkdir -p "$src"
need cp -r Kbuild Makefile dkms.conf compat.h stacked.h virt.c virt-full debian "$src/"
# Only what DKMS installs may be found.
need rm -f "/lib/modules/$kver/updates/virt.ko" "/lib/modules/$kver/updates/virt_full.ko"

# works NAME: modprobe finds virt_full where DKMS put it, the kind loads it
# on demand, a child answers; then everything goes. Five test points.
works() {
	check_match "$1: modprobe finds virt_full in updates/dkms" "updates/dkms/virt_full.ko" \
		"$(modinfo -n virt_full 2>&1)"
	check "$1: ip link add ... type virt loads it" ip link add link eth0 name virt1 type virt
	need ip addr add 198.51.100.2/24 dev virt1
	need ip link set virt1 up
	check "$1: the child answers" R ping -c 2 -W 3 198.51.100.2
	need ip link del virt1
	check "$1: rmmod virt_full" rmmod virt_full
	# Not before: eth0 has virt_full's receive handler while virt1 exists.
	check "$1: modprobe virt (the base module) works too" \
		sh -c 'modprobe virt link=eth0 && ip link show virt0 && rmmod virt'
}

check "make dkms-install" make -C "$src" dkms-install
# A kernel version is not a regular expression (6.12.117+deb12-amd64).
check_match "dkms status: installed for $kver" "virt/1.0, ${kver//[.+]/.}, [^:]*: installed" \
	"$(dkms status)"
works "make dkms-install"
check "make dkms-remove" make -C "$src" dkms-remove
check_fails "dkms status: gone" sh -c 'dkms status | grep -q virt'

check "make deb" make -C "$src" deb
deb=$T_TMP/virt-dkms_1.0_all.deb
check_eq "lintian finds nothing in the .deb" "" "$(lintian "$deb" 2>&1 | grep -v 'running with root')"
check "dpkg -i virt-dkms_1.0_all.deb (DKMS builds for $kver)" dpkg -i "$deb"
works "virt-dkms .deb"
check "dpkg --purge virt-dkms" dpkg --purge virt-dkms
check_fails "its modules are gone" modinfo -n virt_full
done_testing
