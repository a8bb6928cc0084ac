#!/bin/bash
# podman (Debian 12's, with its CNI backend) runs containers on a network
# of type virt, as users run them: an image imported from a tarball (no
# registry), a .conflist in /etc/cni/net.d, the plugin found in podman's
# cni_plugin_dirs. Each container has its LAN address from host-local,
# reaches the other host and is reached, reaches the other container;
# podman rm leaves no interface, no namespace and no allocation.
# Runs against the reference ipvlan and macvlan plugins too.
# virt-timeout: 600
. "${0%/*}/lib/lib.sh"

export IP_LIB_DIR=$VIRT_BUILD/iproute2
topo_addressed

# podman in this guest (busybox PID 1, no systemd, journald or D-Bus):
# cgroup2 is what crun can't do without (the debug kernel has no pids
# controller: no limit asked of it); storage on a tmpfs of its own
# (vfs, not overlay on the guest's overlay root); the rest pinned to what
# podman picks here anyway, so that a change of the host can't flip it.
podman_setup() {
	[ -e /sys/fs/cgroup/cgroup.controllers ] ||
		need mount -t cgroup2 none /sys/fs/cgroup
	mkdir -p /var/lib/containers /etc/containers /etc/cni/net.d
	need mount -t tmpfs tmpfs /var/lib/containers
	cat >/etc/containers/storage.conf <<-EOF
		[storage]
		driver = "vfs"
		runroot = "/run/containers/storage"
		graphroot = "/var/lib/containers/storage"
	EOF
	cat >/etc/containers/containers.conf <<-EOF
		[containers]
		log_driver = "k8s-file"
		pids_limit = 0
		[network]
		network_backend = "cni"
		cni_plugin_dirs = ["$VIRT_BUILD/cni", "/usr/lib/cni"]
		network_config_dir = "/etc/cni/net.d"
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		runtime = "crun"
	EOF
	# The image: busybox alone, imported from a tarball.
	mkdir -p "$T_TMP/rootfs/bin"
	cp /bin/busybox "$T_TMP/rootfs/bin/"
	for a in sh sleep ip ping cat; do ln -s busybox "$T_TMP/rootfs/bin/$a"; done
	tar -C "$T_TMP/rootfs" -c . >"$T_TMP/rootfs.tar"
	need podman import -q "$T_TMP/rootfs.tar" localhost/virt-test
}
P() { podman --network-backend cni "$@"; }
podman_setup

cat >/etc/cni/net.d/lan.conflist <<EOF
{
  "cniVersion": "1.0.0",
  "name": "lan",
  "plugins": [
    {
      $(cni_type),
      "master": "eth0",
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "198.51.100.0/24", "rangeStart": "198.51.100.20",
                     "rangeEnd": "198.51.100.29", "gateway": "198.51.100.1"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    }
  ]
}
EOF
check_match "podman lists the network, driver $CHILD_KIND" "^lan +${CHILD_KIND}\$" \
	"$(P network ls --format '{{.Name}} {{.Driver}}' | sed 's/  */ /')"

# Each container sleeps as PID 1; rm -t 0: busybox sleep ignores SIGTERM.
# Busybox's ping needs a raw socket, which podman's default drops.
for c in p1 p2; do
	check "podman run $c on lan" P run -d --name "$c" --network lan --cap-add NET_RAW \
		localhost/virt-test sleep 1000
done
addr() { P exec "$1" ip -4 -o addr show eth0 | awk '{ print $4 }'; }
a1=$(addr p1) a2=$(addr p2)
check_match "p1 has an address of lan's range on eth0" '^198\.51\.100\.2[0-9]/24$' "$a1"
check_match "p2 has another" '^198\.51\.100\.2[0-9]/24$' "$([ "$a1" != "$a2" ] && echo "$a2")"
sandbox=$(P inspect -f '{{.NetworkSettings.SandboxKey}}' p1)
check_match "p1's sandbox is a namespace path" '^/run/netns/' "$sandbox"
is_virt && check_match "p1's eth0 is a virt child, allowed its address alone" \
	"virt mode normal .*spoofchk on allow $(rx "${a1%/*}")/32 addrgenmode" \
	"$(nsenter --net="$sandbox" ip -d link show eth0 | tr '\n' ' ')"
check_match "p1's default route is host-local's gateway" '^default via 198\.51\.100\.1 dev eth0' \
	"$(P exec p1 ip route)"
check "p1 reaches the other host" P exec p1 ping -c 1 -W 3 198.51.100.1
check "p1 reaches the parent's subnet through the gateway" P exec p1 ping -c 1 -W 3 192.0.2.2
check "the other host reaches p2" R ping -c 1 -W 3 "${a2%/*}"
check "p1 reaches p2" P exec p1 ping -c 1 -W 3 "${a2%/*}"
check_eq "host-local holds their two addresses" "${a1%/*} ${a2%/*}" \
	"$(cni_leases lan | xargs)"
# The plugin's DEL while the container lives on: podman network disconnect.
check "podman network disconnect lan p2" P network disconnect lan p2
check_fails "p2 has no eth0 after the plugin's DEL" P exec p2 ip link show eth0
check_eq "p2's address released" "${a1%/*}" "$(cni_leases lan | xargs)"

for c in p1 p2; do
	check "podman rm $c" P rm -f -t 0 "$c"
done
check_eq "podman rm: no allocation left" "" "$(cni_leases lan)"
check "podman rm: p1's namespace is gone" test ! -e "$sandbox"
check "podman network rm lan" P network rm lan
done_testing
