// SPDX-License-Identifier: GPL-2.0
/*
 * virt: a second identity for an Ethernet interface (the base module)
 *
 *	insmod virt.ko link=eth0 [ifname=virt]
 *
 * creates one child, virt0, stacked on the parent eth0. Every frame eth0
 * receives is diverted to virt0 while virt0 is up: eth0's own stack sees
 * none of them (its taps still do). virt0 has eth0's MAC, transmits through
 * eth0, and follows its carrier, MTU, MAC and offloads; eth0 is promiscuous
 * while virt0 is (tcpdump -i virt0), and up. When eth0 leaves
 * (deleted, unplugged, moved to another namespace) virt0 goes with it;
 * rmmod removes virt0 and leaves eth0 exactly as it was. Children that
 * coexist with the parent are virt-full/'s business.
 *
 * Locking: control runs under RTNL (module init and exit, the netdevice
 * notifier); virt_child is written only there. The data path takes no
 * lock: the rx_handler runs under rcu_read_lock() and finds the child in
 * rx_handler_data; transmit is lockless (LLTX, no qdisc) under
 * rcu_read_lock_bh(). The child outlives every reader because the
 * rx_handler is unregistered, which waits for a grace period, before the
 * child is unregistered.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/net_namespace.h>

#include "stacked.h"

static char *virt_link;
module_param_named(link, virt_link, charp, 0444);
MODULE_PARM_DESC(link, "Parent Ethernet interface, e.g. eth0 (required)");

static char *virt_ifname = "virt";
module_param_named(ifname, virt_ifname, charp, 0444);
MODULE_PARM_DESC(ifname,
		 "Child name prefix: the child is <ifname>N (default \"virt\", at most 13 characters)");

struct virt_priv {
	struct net_device *parent;
	netdevice_tracker parent_tracker;
};

/* The one child, or NULL once its parent has gone. RTNL. */
static struct net_device *virt_child;

/*
 * Divert every frame the parent receives to the child. Called under
 * rcu_read_lock() from __netif_receive_skb_core(), after the parent's taps
 * and before any protocol handler. A frame for another host, which a
 * promiscuous parent lets in, keeps its PACKET_OTHERHOST: the child's taps
 * see it and its protocols drop it, as a promiscuous NIC's own do.
 */
static rx_handler_result_t virt_handle_frame(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct net_device *child = rcu_dereference(skb->dev->rx_handler_data);

	/* Looped-back copies of the parent's output have no Ethernet header,
	 * and a child that is down gives the parent its traffic back.
	 */
	if (unlikely(skb->pkt_type == PACKET_LOOPBACK) || !netif_running(child))
		return RX_HANDLER_PASS;

	/* A tap may hold a reference, and we are about to change skb->dev. */
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (unlikely(!skb)) {
		DEV_STATS_INC(child, rx_dropped);
		return RX_HANDLER_CONSUMED;
	}
	*pskb = skb;

	dev_sw_netstats_rx_add(child, skb->len + ETH_HLEN);
	skb->dev = child;
	return RX_HANDLER_ANOTHER;
}

/*
 * Hand the frame to the parent; its qdisc and driver do the queueing.
 * Lockless, under rcu_read_lock_bh() from __dev_queue_xmit(). The skb is
 * consumed on every path, so this always returns NETDEV_TX_OK.
 */
static netdev_tx_t virt_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct virt_priv *priv = netdev_priv(dev);
	unsigned int len = skb->len;	/* the skb is gone after the call */
	int ret;

	skb->dev = priv->parent;
	ret = dev_queue_xmit(skb);
	/* net_xmit_eval() is a macro that evaluates its argument twice. */
	if (likely(net_xmit_eval(ret) == NET_XMIT_SUCCESS))
		dev_sw_netstats_tx_add(dev, 1, len);
	else
		DEV_STATS_INC(dev, tx_dropped);
	return NETDEV_TX_OK;
}

/* Runs inside register_netdevice(), under RTNL; undone by virt_dev_uninit. */
static int virt_dev_init(struct net_device *dev)
{
	struct virt_priv *priv = netdev_priv(dev);
	struct net_device *parent = priv->parent;

	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats)
		return -ENOMEM;
	netdev_hold(parent, &priv->parent_tracker, GFP_KERNEL);

	virt_inherit(dev, parent);
	/* Same MAC as the parent: a dev_id of its own for the link-local. */
	dev->dev_id = parent->dev_id + 1;

	/* Stacked on another virtual device, our TX lock nests in its own. */
	netdev_lockdep_set_classes(dev);
	return 0;
}

/* Unregistration: the parent's reference goes now, so that the parent
 * can go too (it may be unregistering with us).
 */
static void virt_dev_uninit(struct net_device *dev)
{
	struct virt_priv *priv = netdev_priv(dev);

	netdev_put(priv->parent, &priv->parent_tracker);
}

/* After the last reference (also when registering failed after ndo_init):
 * nothing reads the counters any more, sysfs included.
 */
static void virt_dev_destructor(struct net_device *dev)
{
	free_percpu(dev->tstats);
	virt_destructor(dev);
}

/*
 * virt0 takes over all of the parent's traffic, so a sniffer on it (tcpdump
 * without -p) expects the parent's promiscuous view: the parent is
 * promiscuous too while virt0 is, and up, as a macvlan's parent is.
 * ndo_open, ndo_stop and ndo_change_rx_flags (RTNL).
 */
static int virt_open(struct net_device *dev)
{
	struct virt_priv *priv = netdev_priv(dev);
	int err;

	err = virt_open_rx_mode(priv->parent, dev);
	if (err || !(dev->flags & IFF_PROMISC))
		return err;
	err = dev_set_promiscuity(priv->parent, 1);
	if (err && (dev->flags & IFF_ALLMULTI))
		dev_set_allmulti(priv->parent, -1);
	return err;
}

static int virt_stop(struct net_device *dev)
{
	struct virt_priv *priv = netdev_priv(dev);

	virt_stop_rx_mode(priv->parent, dev);
	if (dev->flags & IFF_PROMISC)
		dev_set_promiscuity(priv->parent, -1);
	return 0;
}

/* The groups virt0 joins go to eth0's filter; it diverts what comes. */
static void virt_set_rx_mode(struct net_device *dev)
{
	struct virt_priv *priv = netdev_priv(dev);

	virt_sync_rx_mode(priv->parent, dev);
}

static void virt_dev_change_rx_flags(struct net_device *dev, int change)
{
	struct virt_priv *priv = netdev_priv(dev);

	virt_change_rx_flags(priv->parent, dev, change);
	if ((change & IFF_PROMISC) && (dev->flags & IFF_UP))
		dev_set_promiscuity(priv->parent,
				    dev->flags & IFF_PROMISC ? 1 : -1);
}

static netdev_features_t virt_dev_fix_features(struct net_device *dev,
					       netdev_features_t features)
{
	struct virt_priv *priv = netdev_priv(dev);

	return virt_fix_features(priv->parent, features);
}

static int virt_get_iflink(const struct net_device *dev)
{
	struct virt_priv *priv = netdev_priv(dev);

	return READ_ONCE(priv->parent->ifindex);
}

static const struct net_device_ops virt_netdev_ops = {
	.ndo_init		= virt_dev_init,
	.ndo_uninit		= virt_dev_uninit,
	.ndo_open		= virt_open,
	.ndo_stop		= virt_stop,
	.ndo_start_xmit		= virt_start_xmit,
	.ndo_change_rx_flags	= virt_dev_change_rx_flags,
	.ndo_set_rx_mode	= virt_set_rx_mode,
	.ndo_fix_features	= virt_dev_fix_features,
	.ndo_get_iflink		= virt_get_iflink,
	.ndo_get_stats64	= dev_get_tstats64,
};

/* Speed and duplex are the parent's. Called under RTNL. */
static int virt_get_link_ksettings(struct net_device *dev,
				   struct ethtool_link_ksettings *cmd)
{
	struct virt_priv *priv = netdev_priv(dev);

	return __ethtool_get_link_ksettings(priv->parent, cmd);
}

static const struct ethtool_ops virt_ethtool_ops = {
	.get_drvinfo		= virt_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_link_ksettings	= virt_get_link_ksettings,
};

static void virt_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &virt_netdev_ops;
	dev->ethtool_ops = &virt_ethtool_ops;
	dev->needs_free_netdev = true;
	dev->priv_destructor = virt_dev_destructor;
	/* The parent's qdisc queues; nothing may stack an rx_handler on us;
	 * our unicast and multicast lists go to the parent's filter; netpoll
	 * would transmit with IRQs off, which the parent's dev_queue_xmit()
	 * can't (netconsole belongs on the parent).
	 */
	dev->priv_flags |= IFF_NO_QUEUE | IFF_NO_RX_HANDLER | IFF_UNICAST_FLT |
			   IFF_DISABLE_NETPOLL;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	virt_set_lltx(dev);
	/* The parent is found in init_net and the child stays beside it. */
	virt_set_netns_local(dev);
}

/* The parent named by link=, if it can carry us. Under RTNL. */
static struct net_device *virt_find_parent(void)
{
	struct net_device *parent = __dev_get_by_name(&init_net, virt_link);
	const char *why;
	int err;

	if (!parent) {
		pr_err("link=%s: no such interface\n", virt_link);
		return ERR_PTR(-ENODEV);
	}
	why = virt_parent_unfit(parent, NULL, &err);
	if (why) {
		pr_err("link=%s: %s\n", virt_link, why);
		return ERR_PTR(err);
	}
	return parent;
}

/* Under RTNL. */
static int virt_create(void)
{
	struct net_device *parent, *child;
	struct virt_priv *priv;
	char pattern[IFNAMSIZ];
	int err;

	parent = virt_find_parent();
	if (IS_ERR(parent))
		return PTR_ERR(parent);

	snprintf(pattern, sizeof(pattern), "%s%%d", virt_ifname);
	child = alloc_netdev(sizeof(*priv), pattern, NET_NAME_ENUM, virt_setup);
	if (!child)
		return -ENOMEM;
	priv = netdev_priv(child);
	priv->parent = parent;

	err = register_netdevice(child);
	if (err) {
		pr_err("cannot register %s: %d\n", pattern, err);
		free_netdev(child);
		return err;
	}
	err = netdev_rx_handler_register(parent, virt_handle_frame, child);
	if (err) {
		pr_err("%s: cannot register a receive handler: %d\n", parent->name, err);
		goto err_unregister;
	}
	err = netdev_upper_dev_link(parent, child, NULL);
	if (err) {
		pr_err("%s: cannot link %s above it: %d\n", parent->name, child->name, err);
		goto err_rx_handler;
	}
	virt_follow_operstate(parent, child);
	/* Without a carrier event operstate would stay UNKNOWN. */
	linkwatch_fire_event(child);
	virt_child = child;
	pr_info("%s: created on %s, which now diverts its traffic to it\n",
		child->name, parent->name);
	return 0;

err_rx_handler:
	netdev_rx_handler_unregister(parent);
err_unregister:
	unregister_netdevice(child);
	return err;
}

/* Detach from the parent, then unregister. Under RTNL. */
static void virt_destroy(struct net_device *child)
{
	struct virt_priv *priv = netdev_priv(child);

	/* Waits for a grace period: no rx_handler runs for the child after. */
	netdev_rx_handler_unregister(priv->parent);
	netdev_upper_dev_unlink(priv->parent, child);
	pr_info("%s: removed from %s\n", child->name, priv->parent->name);
	unregister_netdevice(child);
	virt_child = NULL;
}

/* The child follows its parent. Called under RTNL. */
static int virt_netdev_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct net_device *child = virt_child;
	struct virt_priv *priv;

	if (!child)
		return NOTIFY_DONE;
	priv = netdev_priv(child);
	if (dev != priv->parent)
		return NOTIFY_DONE;

	switch (event) {
	case NETDEV_PRE_TYPE_CHANGE:
		/* The child only makes sense on Ethernet. */
		return NOTIFY_BAD;
	case NETDEV_UNREGISTER:
		/* Deleted, unplugged or moved to another namespace. */
		virt_destroy(child);
		break;
	default:
		virt_follow_parent(event, dev, child, NULL);
	}
	return NOTIFY_DONE;
}

static struct notifier_block virt_notifier = {
	.notifier_call = virt_netdev_event,
};

static int __init virt_init(void)
{
	int err;

	err = virt_check_param_names(virt_link, virt_ifname);
	if (err)
		return err;

	/* First, so that a parent leaving right after we attach is seen. */
	err = register_netdevice_notifier(&virt_notifier);
	if (err)
		return err;

	rtnl_lock();
	err = virt_create();
	rtnl_unlock();
	if (err)
		unregister_netdevice_notifier(&virt_notifier);
	return err;
}

static void __exit virt_exit(void)
{
	rtnl_lock();
	if (virt_child)
		virt_destroy(virt_child);
	rtnl_unlock();
	/* Last: this replays UNREGISTER events, which must find no child. */
	unregister_netdevice_notifier(&virt_notifier);
}

module_init(virt_init);
module_exit(virt_exit);

MODULE_DESCRIPTION("Second identity for an Ethernet interface: one child that takes over its parent's received traffic");
MODULE_LICENSE("GPL");
MODULE_VERSION("1.0");
