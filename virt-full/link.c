// SPDX-License-Identifier: GPL-2.0
/*
 * The child device: netdev and ethtool operations, and the rtnl link kind
 * "virt" (ip link add link eth0 name virt1 type virt).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/if_link.h>

#include "virt_full.h"

/* Add one CPU's @n counters to @sum, consistently. */
static void vfull_stats_fold(u64 *sum, const u64_stats_t *cnt,
			     const struct u64_stats_sync *syncp, unsigned int n)
{
	u64 v[VIRT_STATS_N];
	unsigned int start, i;

	BUILD_BUG_ON((int)VIRT_PORT_STATS_N > (int)VIRT_STATS_N);
	do {
		start = u64_stats_fetch_begin(syncp);
		for (i = 0; i < n; i++)
			v[i] = u64_stats_read(&cnt[i]);
	} while (u64_stats_fetch_retry(syncp, start));
	for (i = 0; i < n; i++)
		sum[i] += v[i];
}

static void vfull_stats_read(struct vfull_dev *child, u64 *sum)
{
	const struct vfull_pcpu_stats *s;
	unsigned int cpu;

	memset(sum, 0, VIRT_STATS_N * sizeof(*sum));
	for_each_possible_cpu(cpu) {
		s = per_cpu_ptr(child->stats, cpu);
		vfull_stats_fold(sum, s->cnt, &s->syncp, VIRT_STATS_N);
	}
}

/* Runs inside register_netdevice(); undone by vfull_dev_uninit(). */
static int vfull_dev_init(struct net_device *dev)
{
	struct vfull_dev *child = netdev_priv(dev);
	u8 own[ETH_ALEN];
	int err;

	child->stats = netdev_alloc_pcpu_stats(struct vfull_pcpu_stats);
	if (!child->stats)
		return -ENOMEM;
	err = vfull_port_attach(child);
	if (err) {
		free_percpu(child->stats);
		child->stats = NULL;
		return err;
	}
	/* newlink set an own-mac child's MAC; the rest is the parent's. */
	ether_addr_copy(own, dev->dev_addr);
	stacked_inherit(dev);
	if (child->own_mac)
		eth_hw_addr_set(dev, own);
	if (child->mtu.own)
		dev->mtu = child->mtu.own;
	return 0;
}

/*
 * Runs after the device is closed and its address notifiers have run: its
 * addresses leave the table, it leaves the port. A reader that found one
 * of its addresses just before may still count into its counters until
 * the grace period that follows: those go in the destructor.
 */
static void vfull_dev_uninit(struct net_device *dev)
{
	struct vfull_dev *child = netdev_priv(dev);

	vfull_addr_flush(child);
	vfull_wait_flush(child);
	vfull_port_detach(child);
}

/* After that grace period and the last reference (also when registering
 * failed after ndo_init): nothing reaches the counters any more.
 */
static void vfull_dev_destructor(struct net_device *dev)
{
	struct vfull_dev *child = netdev_priv(dev);

	free_percpu(child->stats);
	vfull_allow_free(child);
	stacked_destructor(dev);
}

/* A mirror sees everything already, and changes nothing upstream. */
static int vfull_open(struct net_device *dev)
{
	struct vfull_dev *child = netdev_priv(dev);
	int err;

	if (vfull_is_mirror(child))
		return 0;
	err = vfull_mac_open(child);
	if (err)
		return err;
	err = stacked_open(dev);
	if (err)
		vfull_mac_stop(child);
	return err;
}

static int vfull_stop(struct net_device *dev)
{
	struct vfull_dev *child = netdev_priv(dev);

	if (!vfull_is_mirror(child)) {
		vfull_mac_stop(child);
		stacked_stop(dev);
		vfull_bc_filter_update(child->port);
	}
	return 0;
}

static void vfull_dev_change_rx_flags(struct net_device *dev, int change)
{
	struct vfull_dev *child = netdev_priv(dev);

	if (!vfull_is_mirror(child))
		stacked_change_rx_flags(dev, change);
}

/*
 * The groups the child listens to: a filter for the demux's copies, and
 * the parent's own filter, so that its NIC lets them in.
 */
static void vfull_set_rx_mode(struct net_device *dev)
{
	struct vfull_dev *child = netdev_priv(dev);
	DECLARE_BITMAP(filter, VIRT_MC_FILTER_SIZE);
	struct netdev_hw_addr *ha;

	/* A mirror sees everything already, and changes nothing upstream. */
	if (vfull_is_mirror(child))
		return;

	if (dev->flags & (IFF_PROMISC | IFF_ALLMULTI)) {
		bitmap_fill(filter, VIRT_MC_FILTER_SIZE);
	} else {
		bitmap_zero(filter, VIRT_MC_FILTER_SIZE);
		netdev_for_each_mc_addr(ha, dev)
			__set_bit(vfull_mc_hash(ha->addr), filter);
		__set_bit(vfull_mc_hash(dev->broadcast), filter);
	}
	/* Readers may see a mix of old and new bits for a moment: harmless. */
	bitmap_copy(child->mc_filter, filter, VIRT_MC_FILTER_SIZE);
	vfull_bc_filter_update(child->port);
	stacked_set_rx_mode(dev);
}

/*
 * The port's counters, per CPU: what a read costs grows with the CPUs,
 * not with the children (ethtool's ioctl holds RTNL meanwhile).
 */
static void vfull_port_stats_read(struct vfull_port *port, u64 *sum)
{
	const struct vfull_port_pcpu_stats *s;
	unsigned int cpu;

	memset(sum, 0, VIRT_PORT_STATS_N * sizeof(*sum));
	for_each_possible_cpu(cpu) {
		s = per_cpu_ptr(port->stats, cpu);
		vfull_stats_fold(sum, s->cnt, &s->syncp, VIRT_PORT_STATS_N);
	}
}

static void vfull_get_stats64(struct net_device *dev,
			      struct rtnl_link_stats64 *stats)
{
	u64 sum[VIRT_STATS_N];

	vfull_stats_read(netdev_priv(dev), sum);
	stats->rx_packets = sum[VIRT_RX_PACKETS];
	stats->rx_bytes = sum[VIRT_RX_BYTES];
	stats->multicast = sum[VIRT_RX_MULTICAST];
	stats->tx_packets = sum[VIRT_TX_PACKETS];
	stats->tx_bytes = sum[VIRT_TX_BYTES];
	/* Not DROP_BACKLOG: netif_rx() and dev_forward_skb() count those in
	 * the device's own rx_dropped, which dev_get_stats() adds.
	 */
	stats->rx_dropped = sum[VIRT_DROP_CLONE];
	stats->tx_dropped = sum[VIRT_DROP_MALFORMED] + sum[VIRT_DROP_TX] +
			    sum[VIRT_DROP_MIRROR_TX] + sum[VIRT_DROP_SPOOF];
}

/* The user's MTU, which the child keeps through its parent's changes. */
static int vfull_dev_change_mtu(struct net_device *dev, int new_mtu)
{
	struct vfull_dev *child = netdev_priv(dev);

	return stacked_change_mtu(dev, &child->mtu, new_mtu);
}

static const struct net_device_ops vfull_netdev_ops = {
	.ndo_init		= vfull_dev_init,
	.ndo_uninit		= vfull_dev_uninit,
	.ndo_open		= vfull_open,
	.ndo_stop		= vfull_stop,
	.ndo_start_xmit		= vfull_start_xmit,
	.ndo_change_rx_flags	= vfull_dev_change_rx_flags,
	.ndo_set_rx_mode	= vfull_set_rx_mode,
	.ndo_get_stats64	= vfull_get_stats64,
	.ndo_change_mtu		= vfull_dev_change_mtu,
	.ndo_fix_features	= stacked_fix_features,
	.ndo_get_iflink		= stacked_get_iflink,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_set_mac_address	= vfull_mac_set,
};

/* ethtool -S: the child's counters, then its port's. */
static const char vfull_stat_names[VIRT_STATS_N][ETH_GSTRING_LEN] = {
	"rx_packets", "rx_bytes", "rx_multicast", "tx_packets", "tx_bytes",
	"rx_addr", "rx_arp_ndp", "rx_copy", "rx_local", "rx_mirror",
	"rx_mac", "rx_dhcp", "rx_probe",
	"tx_wire", "tx_local", "drop_down", "drop_clone", "drop_backlog",
	"drop_malformed", "drop_tx", "drop_mirror_tx", "drop_spoof",
	"drop_claim", "drop_bc_share", "addr_refused", "dhcp_refused",
};

static const char vfull_port_stat_names[VIRT_PORT_STATS_N][ETH_GSTRING_LEN] = {
	"port_steered", "port_passed", "port_dropped", "port_malformed",
	"port_from_children", "port_bc_dropped",
};

static int vfull_get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? VIRT_STATS_N + VIRT_PORT_STATS_N :
				      -EOPNOTSUPP;
}

static void vfull_get_strings(struct net_device *dev, u32 sset, u8 *buf)
{
	if (sset != ETH_SS_STATS)
		return;
	memcpy(buf, vfull_stat_names, sizeof(vfull_stat_names));
	memcpy(buf + sizeof(vfull_stat_names), vfull_port_stat_names,
	       sizeof(vfull_port_stat_names));
}

static void vfull_get_ethtool_stats(struct net_device *dev,
				    struct ethtool_stats *stats, u64 *data)
{
	struct vfull_dev *child = netdev_priv(dev);

	vfull_stats_read(child, data);
	vfull_port_stats_read(child->port, data + VIRT_STATS_N);
}

static const struct ethtool_ops vfull_ethtool_ops = {
	.get_drvinfo		= stacked_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_link_ksettings	= stacked_get_link_ksettings,
	.get_ts_info		= ethtool_op_get_ts_info,
	.get_sset_count		= vfull_get_sset_count,
	.get_strings		= vfull_get_strings,
	.get_ethtool_stats	= vfull_get_ethtool_stats,
};

static void vfull_setup(struct net_device *dev)
{
	stacked_setup(dev, &vfull_netdev_ops, &vfull_ethtool_ops,
		      vfull_dev_destructor);
	/* The demux steers by address, not by VLAN: a VLAN device on a child
	 * would never receive. Put the VLAN on the parent, the child on it.
	 */
	dev->features |= NETIF_F_VLAN_CHALLENGED;
	/* Any MTU may be asked for at creation; newlink holds it to the
	 * parent's, and ndo_init makes the parent's the maximum.
	 */
	dev->max_mtu = ETH_MAX_MTU;
}

/* A mirror sees every frame the parent receives: none takes the fast path. */
static void vfull_link_slow_sync(struct vfull_port *port)
{
	ASSERT_RTNL();
	assign_bit(VIRT_SLOW_MIRROR, &port->rx_slow,
		   !list_empty(&port->mirrors));
}

/*
 * Register @dev as a child of @parent. Both creation paths end here. On
 * an error after registration, the device is unregistered and the core
 * frees it; before (*registered false), the caller frees it.
 */
static int vfull_link_attach(struct net_device *dev, struct net_device *parent,
			     struct netlink_ext_ack *extack, bool *registered)
{
	struct vfull_dev *child = netdev_priv(dev);
	int err;

	*registered = false;
	err = stacked_parent_fit(parent, vfull_port_handle_frame, extack);
	if (err)
		return err;

	child->dev = dev;
	child->parent = parent;
	INIT_LIST_HEAD(&child->addrs);
	INIT_LIST_HEAD(&child->pnode);	/* empty until published */
	err = register_netdevice(dev);
	*registered = !err;
	if (err)
		return err;
	err = netdev_upper_dev_link(parent, dev, extack);
	if (err)
		goto err_unregister;
	list_add_tail_rcu(&child->pnode, vfull_is_mirror(child) ?
			  &child->port->mirrors : &child->port->children);
	vfull_link_slow_sync(child->port);
	vfull_mac_publish(child);
	/* Fails the child only if it is one that needs the hook. */
	err = vfull_host_sync(child->port);
	if (err && vfull_host_needs(child->port, child))
		goto err_unlink;
	stacked_follow_operstate(dev);
	/* Without a carrier event operstate would stay UNKNOWN. */
	linkwatch_fire_event(dev);
	pr_debug("%s: created on %s%s\n", dev->name, parent->name,
		 vfull_is_mirror(child) ? " (mirror)" : "");
	return 0;

err_unlink:
	vfull_mac_unpublish(child);
	list_del_rcu(&child->pnode);
	vfull_link_slow_sync(child->port);
	netdev_upper_dev_unlink(parent, dev);
err_unregister:
	/* ndo_uninit leaves the port; the core frees the device. */
	unregister_netdevice(dev);
	return err;
}

/*
 * The mode and its options, from IFLA_INFO_DATA: at creation (@create) or
 * later (changelink), where the mode can't change any more. Whoever may
 * create a child (newlink checks) may set them all at creation; later,
 * without CAP_NET_ADMIN over the parent's namespace, a container may only
 * turn spoofchk on (asked only then, so that turning it on asks the
 * security module nothing). The allow-list is the host's alone: only
 * CAP_NET_ADMIN over the parent's namespace sets it (trust.c).
 */
static int vfull_link_options(struct vfull_dev *child, struct nlattr *data[],
			      bool create, struct netlink_ext_ack *extack)
{
	struct vfull_allow *allow = NULL;
	u32 mode = child->mode;

	if (!data)
		return 0;
	if (data[IFLA_VIRT_MODE]) {
		mode = nla_get_u32(data[IFLA_VIRT_MODE]);
		if (!create && mode != child->mode) {
			NL_SET_ERR_MSG(extack,
				       "The mode of a virt device is fixed at creation: delete it and add it again");
			return -EOPNOTSUPP;
		}
	}
	if (!create && data[IFLA_VIRT_OWN_MAC] &&
	    nla_get_u8(data[IFLA_VIRT_OWN_MAC]) != child->own_mac) {
		NL_SET_ERR_MSG(extack,
			       "own-mac is fixed at creation: delete the child and add it again");
		return -EOPNOTSUPP;
	}
	if (data[IFLA_VIRT_MIRROR_TX] || data[IFLA_VIRT_FORWARD]) {
		if (mode != VIRT_MODE_MIRROR) {
			NL_SET_ERR_MSG(extack, "mirror-tx and forward are for mode mirror");
			return -EINVAL;
		}
		if (!create && !vfull_capable(child->parent)) {
			NL_SET_ERR_MSG(extack,
				       "mirror-tx and forward need CAP_NET_ADMIN over the parent's namespace");
			return -EPERM;
		}
	}
	if (data[IFLA_VIRT_MIRROR_TX] && nla_get_u8(data[IFLA_VIRT_MIRROR_TX]) &&
	    !VIRT_EGRESS_HOOK) {
		NL_SET_ERR_MSG(extack,
			       "mirror-tx needs a kernel with netfilter egress hooks (5.16 or later)");
		return -EOPNOTSUPP;
	}
	if (data[IFLA_VIRT_SPOOFCHK] && nla_get_u8(data[IFLA_VIRT_SPOOFCHK]) &&
	    mode == VIRT_MODE_MIRROR) {
		/* A mirror's addresses steer nothing: none is "held". */
		NL_SET_ERR_MSG(extack, "spoofchk is for mode normal");
		return -EINVAL;
	}
	if (data[IFLA_VIRT_SPOOFCHK] && !nla_get_u8(data[IFLA_VIRT_SPOOFCHK]) &&
	    READ_ONCE(child->spoofchk) && !create && !vfull_capable(child->parent)) {
		NL_SET_ERR_MSG(extack,
			       "Turning spoofchk off needs CAP_NET_ADMIN over the parent's namespace");
		return -EPERM;
	}
	if (data[IFLA_VIRT_ALLOW]) {
		if (mode == VIRT_MODE_MIRROR) {
			NL_SET_ERR_MSG(extack, "An allow-list is for mode normal");
			return -EINVAL;
		}
		if (!create && !vfull_capable(child->parent)) {
			NL_SET_ERR_MSG(extack,
				       "The allow-list needs CAP_NET_ADMIN over the parent's namespace");
			return -EPERM;
		}
		allow = vfull_allow_parse(data[IFLA_VIRT_ALLOW], extack);
		if (IS_ERR(allow))
			return PTR_ERR(allow);
	}
	ASSERT_RTNL();
	child->mode = mode;
	if (data[IFLA_VIRT_SPOOFCHK])
		WRITE_ONCE(child->spoofchk, !!nla_get_u8(data[IFLA_VIRT_SPOOFCHK]));
	if (data[IFLA_VIRT_MIRROR_TX])
		WRITE_ONCE(child->mirror_tx, !!nla_get_u8(data[IFLA_VIRT_MIRROR_TX]));
	if (data[IFLA_VIRT_FORWARD])
		WRITE_ONCE(child->forward, !!nla_get_u8(data[IFLA_VIRT_FORWARD]));
	if (data[IFLA_VIRT_ALLOW] && create) {
		/* Not registered yet: no reader, no address. */
		RCU_INIT_POINTER(child->allow, allow);
	} else if (data[IFLA_VIRT_ALLOW]) {
		vfull_allow_set(child, allow);
		vfull_addr_resync(child);
	}
	return 0;
}

/*
 * Does the new child get a MAC of its own: the one asked for, unless it is
 * the parent's, or a random one (own-mac)? Only where the parent can
 * receive for it, and no sibling has it.
 */
static int vfull_link_own_mac(struct net_device *dev, struct net_device *parent,
			      struct nlattr *tb[], struct nlattr *data[],
			     struct netlink_ext_ack *extack)
{
	struct vfull_dev *child = netdev_priv(dev);
	bool own;
	int err;

	own = tb[IFLA_ADDRESS] && !ether_addr_equal(dev->dev_addr, parent->dev_addr);
	if (data && data[IFLA_VIRT_OWN_MAC]) {
		if (own && !nla_get_u8(data[IFLA_VIRT_OWN_MAC])) {
			NL_SET_ERR_MSG(extack, "A MAC other than the parent's is own-mac");
			return -EINVAL;
		}
		own = nla_get_u8(data[IFLA_VIRT_OWN_MAC]);
	}
	if (!own)
		return 0;
	if (vfull_is_mirror(child)) {
		NL_SET_ERR_MSG(extack, "A mirror has its parent's MAC address");
		return -EINVAL;
	}
	err = vfull_mac_fit(parent, extack);
	if (err)
		return err;
	if (!tb[IFLA_ADDRESS]) {
		eth_hw_addr_random(dev);
	} else if (vfull_mac_taken(parent, dev->dev_addr)) {
		NL_SET_ERR_MSG(extack, "The parent or another child has this MAC address");
		return -EADDRINUSE;
	}
	child->own_mac = true;
	return 0;
}

static int vfull_newlink(struct net_device *dev,
			 struct rtnl_newlink_params *params,
			struct netlink_ext_ack *extack)
{
	struct vfull_dev *child = netdev_priv(dev);
	struct nlattr **tb = params->tb;
	struct net_device *parent;
	bool registered;
	int err;

	if (!tb[IFLA_LINK]) {
		NL_SET_ERR_MSG(extack,
			       "A virt device needs a parent: ip link add link DEV NAME type virt");
		return -EINVAL;
	}
	parent = __dev_get_by_index(rtnl_newlink_link_net(params),
				    nla_get_u32(tb[IFLA_LINK]));
	if (!parent) {
		NL_SET_ERR_MSG(extack, "Parent device not found");
		return -ENODEV;
	}
	/* A child of a child is a child of the same parent. */
	if (vfull_is_child(parent))
		parent = ((struct vfull_dev *)netdev_priv(parent))->parent;
	if (!vfull_capable(parent)) {
		NL_SET_ERR_MSG(extack,
			       "A virt device needs CAP_NET_ADMIN over its parent's namespace");
		return -EPERM;
	}
	if (tb[IFLA_MTU]) {
		child->mtu.own = nla_get_u32(tb[IFLA_MTU]);
		if (child->mtu.own > parent->mtu) {
			NL_SET_ERR_MSG(extack, "MTU greater than the parent's");
			return -EINVAL;
		}
	}
	err = vfull_link_options(child, params->data, true, extack);
	if (!err)
		err = vfull_link_own_mac(dev, parent, tb, params->data, extack);
	if (!err)
		err = vfull_link_attach(dev, parent, extack, &registered);
	/* The core frees @dev on an error, registered or not, but not
	 * always through its destructor.
	 */
	if (err)
		vfull_allow_free(child);
	return err;
}

VIRT_NEWLINK_COMPAT(vfull_newlink)

/* The legacy path: insmod virt_full.ko link=eth0 [mode=mirror]. */
int vfull_link_create(struct net_device *parent, const char *pattern, u32 mode)
{
	struct net_device *dev;
	bool registered;
	int err;

	ASSERT_RTNL();
	dev = alloc_netdev(sizeof(struct vfull_dev), pattern, NET_NAME_ENUM,
			   vfull_setup);
	if (!dev)
		return -ENOMEM;
	dev->rtnl_link_ops = &vfull_link_ops;
	dev_net_set(dev, dev_net(parent));
	((struct vfull_dev *)netdev_priv(dev))->mode = mode;
	err = vfull_link_attach(dev, parent, NULL, &registered);
	/* Not registered: ours to free, even where a NETDEV_REGISTER
	 * notifier failed and the core is still dismantling it (free_netdev()
	 * then leaves it to the core's todo list, 5.12 and later).
	 */
	if (err && !registered)
		free_netdev(dev);
	return err;
}

/*
 * Unpublish the child from the demux's children list, then unregister.
 * Its addresses leave the table through the address notifiers, or in
 * ndo_uninit at the latest; until then the demux sees it down.
 */
static void vfull_dellink(struct net_device *dev, struct list_head *head)
{
	struct vfull_dev *child = netdev_priv(dev);

	vfull_mac_unpublish(child);
	list_del_rcu(&child->pnode);
	vfull_link_slow_sync(child->port);
	if (!vfull_is_mirror(child))
		vfull_bc_filter_update(child->port);
	vfull_host_put(child->port);
	unregister_netdevice_queue(dev, head);
	netdev_upper_dev_unlink(child->parent, dev);
}

static int vfull_validate(struct nlattr *tb[], struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	if (!tb[IFLA_ADDRESS])
		return 0;
	if (nla_len(tb[IFLA_ADDRESS]) != ETH_ALEN) {
		NL_SET_ERR_MSG(extack, "A MAC address is 6 bytes");
		return -EINVAL;
	}
	if (!is_valid_ether_addr(nla_data(tb[IFLA_ADDRESS]))) {
		NL_SET_ERR_MSG(extack, "Not a unicast MAC address");
		return -EADDRNOTAVAIL;
	}
	return 0;
}

static int vfull_changelink(struct net_device *dev, struct nlattr *tb[],
			    struct nlattr *data[],
			   struct netlink_ext_ack *extack)
{
	struct vfull_dev *child = netdev_priv(dev);
	bool mirror_tx = child->mirror_tx, forward = child->forward;
	bool spoofchk = child->spoofchk;
	int err;

	err = vfull_link_options(child, data, false, extack);
	if (err || mirror_tx == child->mirror_tx)
		return err;
	if (!child->mirror_tx) {
		vfull_host_put(child->port);
		return 0;
	}
	/* mirror-tx on needs the egress hook: all or nothing. */
	err = vfull_host_sync(child->port);
	if (err) {
		NL_SET_ERR_MSG(extack, "Could not hook the parent's output");
		WRITE_ONCE(child->mirror_tx, mirror_tx);
		WRITE_ONCE(child->forward, forward);
		WRITE_ONCE(child->spoofchk, spoofchk);
	}
	return err;
}

static size_t vfull_get_size(const struct net_device *dev)
{
	return nla_total_size(sizeof(u32)) +	/* IFLA_VIRT_MODE */
	       /* MIRROR_TX, FORWARD, SPOOFCHK, OWN_MAC */
	       4 * nla_total_size(sizeof(u8)) +
	       vfull_allow_size();
}

static int vfull_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	struct vfull_dev *child = netdev_priv(dev);

	if (nla_put_u32(skb, IFLA_VIRT_MODE, child->mode) ||
	    nla_put_u8(skb, IFLA_VIRT_MIRROR_TX, READ_ONCE(child->mirror_tx)) ||
	    nla_put_u8(skb, IFLA_VIRT_FORWARD, READ_ONCE(child->forward)) ||
	    nla_put_u8(skb, IFLA_VIRT_SPOOFCHK, READ_ONCE(child->spoofchk)) ||
	    nla_put_u8(skb, IFLA_VIRT_OWN_MAC, child->own_mac))
		return -EMSGSIZE;
	return vfull_allow_fill(skb, child);
}

static const struct nla_policy vfull_allow_policy[IFLA_VIRT_ALLOW_MAX + 1] = {
	[IFLA_VIRT_ALLOW_PREFIX] = NLA_POLICY_EXACT_LEN(sizeof(struct virt_allow_prefix)),
};

static const struct nla_policy vfull_policy[IFLA_VIRT_MAX + 1] = {
	[IFLA_VIRT_MODE]	= NLA_POLICY_MAX(NLA_U32, __VIRT_MODE_MAX - 1),
	[IFLA_VIRT_MIRROR_TX]	= NLA_POLICY_MAX(NLA_U8, 1),
	[IFLA_VIRT_FORWARD]	= NLA_POLICY_MAX(NLA_U8, 1),
	[IFLA_VIRT_SPOOFCHK]	= NLA_POLICY_MAX(NLA_U8, 1),
	[IFLA_VIRT_ALLOW]	= NLA_POLICY_NESTED(vfull_allow_policy),
	[IFLA_VIRT_OWN_MAC]	= NLA_POLICY_MAX(NLA_U8, 1),
};

/* The namespace of the parent: where the device does its I/O. */
static struct net *vfull_get_link_net(const struct net_device *dev)
{
	const struct vfull_dev *child = netdev_priv(dev);

	return dev_net(child->parent);
}

struct rtnl_link_ops vfull_link_ops = {
	.kind		= VIRT_KIND,
	.priv_size	= sizeof(struct vfull_dev),
	.maxtype	= IFLA_VIRT_MAX,
	.policy		= vfull_policy,
	.setup		= vfull_setup,
	.validate	= vfull_validate,
	.newlink	= vfull_newlink_compat,
	.changelink	= vfull_changelink,
	.dellink	= vfull_dellink,
	.get_size	= vfull_get_size,
	.fill_info	= vfull_fill_info,
	.get_link_net	= vfull_get_link_net,
};
