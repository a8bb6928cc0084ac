#!/bin/bash
# Installing the way users do, in the guest's overlay: "make install" and
# the boot files of examples/, "make install-iproute2", "make dkms-install"
# from the sources, and the virt-dkms and virt-cni .debs (built here,
# lintian clean); make install and the virt-cni .deb put the CNI plugin
# where Debian's runtimes look (/usr/lib/cni/virt), and it answers VERSION.
# Each has the modules built for the running kernel; modprobe then finds
# them, the rtnl alias loads virt_full on demand, a child answers; each
# puts the man page virt(4) where man finds it, and it renders without a
# warning; each uninstalls cleanly, the page too. Runs where the kernel's
# headers work in this root (the kernels of the host's own release: 6.1
# and 6.12 on Debian 12, 6.12+deb13 on Debian 13), on the first such
# kernel of a run only (scripts/check): the modules are compiled three
# times, emulated, 20-25 minutes (four on 6.1: the .deb's postinst also
# builds for the newest kernel installed here, 6.12, as it would on a
# user's machine).
# Not in the CI for that reason: make check-install runs it alone. Two
# hours at most: on 6.1 beside a second make check it took 86 minutes.
# virt-once
# virt-timeout: 7200
. "${0%/*}/lib/lib.sh"

if [ "$VIRT_SUITE" != host ]; then
	echo "1..0 # SKIP DKMS needs the kernel's headers usable here ($VIRT_SUITE kernel)"
	exit 0
fi
topo_addressed
kver=$(uname -r)
src=$T_TMP/virt
need ln -sfn "$VIRT_KDIR" "/lib/modules/$kver/build"
need mkdir -p "$src"
need cp -r Kbuild Makefile dkms.conf compat.h stacked.c stacked.h virt.c virt-full debian iproute2 man cni "$src/"
need rm -f "$src/cni/virt" "$src/cni/fuzz-conf"
# cni_installed NAME: NAME put the CNI plugin where podman looks, and it runs.
cni_installed() {
	check_match "$1: /usr/lib/cni/virt answers VERSION" '"1\.0\.0"' \
		"$(CNI_COMMAND=VERSION /usr/lib/cni/virt </dev/null 2>&1)"
}
# unfind: only what the method under test installs may be found, not the
# suite's own build (in updates/ too).
unfind() {
	need find "/lib/modules/$kver/updates" -name 'virt*.ko*' -delete
	need depmod -a
}
unfind

# works NAME WHERE: modprobe finds virt_full at the path WHERE (a regex)
# where NAME put it, the kind loads it on demand, a child answers; then
# everything goes. Five test points.
works() {
	check_match "$1: modprobe finds virt_full in $2" "$2" "$(modinfo -n virt_full 2>&1)"
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

# manpage NAME PAGE: after NAME, man 4 virt finds PAGE on man's own search
# path (no MANPATH: /usr/local/share/man is on it, as /usr/local/man on
# Debian, a link) and renders it, without a warning from groff (lintian's
# check). Three test points.
manpage() {
	check_eq "$1: man -w 4 virt finds $2" "$2" \
		"$(readlink -f "$(env -u MANPATH man -w 4 virt 2>&1)")"
	check_match "$1: man 4 virt renders it" "^ *virt, virt_full .+ second identities" \
		"$(env -u MANPATH MANWIDTH=80 man 4 virt 2>&1)"
	check_eq "$1: groff -ww has nothing to say about it" "" \
		"$(man --warnings=w -l "$2" 2>&1 >/dev/null)"
}
man_gone() { check_fails "$1: man 4 virt finds no page" env -u MANPATH man -w 4 virt; }

# make install: into updates/, where modprobe looks first.
check "make install" make -C "$src" install KDIR="$VIRT_KDIR"
manpage "make install" /usr/local/share/man/man4/virt.4
cni_installed "make install"
# The boot files of examples/: what systemd-modules-load does with
# modules-load.d (a modprobe per line), with the options of modprobe.d.
need cp examples/modprobe.d/virt.conf /etc/modprobe.d/virt.conf
for m in $(grep -v '^#' examples/modules-load.d/virt.conf); do
	check "examples/modules-load.d: modprobe $m" modprobe "$m"
done
check_match "examples/modprobe.d: virt0 is made on eth0 at load" "virt0@eth0" "$(ip link show virt0)"
need rm /etc/modprobe.d/virt.conf
need rmmod virt_full
# Compressed as the kernel's own modules are (6.12: virt_full.ko.xz).
works "make install" "/updates/(virt-full/)?virt_full\.ko(\.(xz|zst|gz))?$"

# make install-iproute2: ip finds the kind's plugin without IP_LIB_DIR
# (the kind loads what make install put in place, still there).
check "make install-iproute2" make -C "$src" install-iproute2
need ip link add link eth0 name mirror0 type virt mode mirror
check_match "ip -d link shows the mode through the installed plugin" \
	"virt mode mirror" "$(ip -d link show mirror0)"
need ip link del mirror0
need rmmod virt_full
check "make uninstall" make -C "$src" uninstall
check_fails "make uninstall: modprobe finds no virt_full" modinfo -n virt_full
man_gone "make uninstall"
check_fails "make uninstall: no /usr/lib/cni/virt" test -e /usr/lib/cni/virt
unfind

check "make dkms-install" make -C "$src" dkms-install
# A kernel version is not a regular expression (6.12.117+deb12-amd64).
check_match "dkms status: installed for $kver" "virt/1.0, ${kver//[.+]/.}, [^:]*: installed" \
	"$(dkms status)"
works "make dkms-install" "/updates/dkms/virt_full\.ko"
manpage "make dkms-install" /usr/local/share/man/man4/virt.4
check "make dkms-remove" make -C "$src" dkms-remove
check_fails "dkms status: gone" sh -c 'dkms status | grep -q virt'
man_gone "make dkms-remove"

check "make deb" make -C "$src" deb
deb=$T_TMP/virt-dkms_1.0_all.deb
check_eq "lintian finds nothing in the .deb" "" "$(lintian "$deb" 2>&1 | grep -v 'running with root')"
cdeb=$(echo "$T_TMP"/virt-cni_1.0_*.deb)
check_eq "lintian finds nothing in the virt-cni .deb" "" "$(lintian "$cdeb" 2>&1 | grep -v 'running with root')"
check "dpkg -i virt-cni" dpkg -i "$cdeb"
cni_installed "virt-cni .deb"
check "dpkg --purge virt-cni" dpkg --purge virt-cni
check_fails "dpkg --purge virt-cni: no /usr/lib/cni/virt" test -e /usr/lib/cni/virt
check "dpkg -i virt-dkms_1.0_all.deb (DKMS builds for $kver)" dpkg -i "$deb"
works "virt-dkms .deb" "/updates/dkms/virt_full\.ko"
manpage "virt-dkms .deb" /usr/share/man/man4/virt.4.gz
check "dpkg --purge virt-dkms" dpkg --purge virt-dkms
check_fails "its modules are gone" modinfo -n virt_full
man_gone "dpkg --purge"
done_testing
