// SPDX-License-Identifier: GPL-2.0
/*
 * virt: a second identity for an Ethernet interface (the base module)
 *
 *	insmod virt.ko link=eth0 [ifname=virt]
 *
 * creates virt0, stacked on eth0, which takes every frame eth0 receives
 * while it is up. Children that coexist with the parent are virt-full/'s.
 *
 * Locking: the child outlives every data path reader because the
 * rx_handler is unregistered, which waits for a grace period, first.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/net_namespace.h>

/* Kbuild can't link virt.ko from virt.o and a second object. */
#include "stacked.c"

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

static_assert(offsetof(struct virt_priv, parent) == 0);

/* NULL once the parent has gone. */
static struct net_device *virt_child;

static struct net_device *virt_child_get(void)
{
	ASSERT_RTNL();
	return virt_child;
}

static void virt_child_set(struct net_device *child)
{
	ASSERT_RTNL();
	virt_child = child;
}

/*
 * A frame for another host, which a promiscuous parent lets in, keeps its
 * PACKET_OTHERHOST: the child's protocols drop it, as a NIC's own do.
 */
static rx_handler_result_t virt_handle_frame(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct net_device *child = rcu_dereference(skb->dev->rx_handler_data);

	/* Looped-back copies of the parent's output have no Ethernet header. */
	if (unlikely(skb->pkt_type == PACKET_LOOPBACK) || !netif_running(child))
		return RX_HANDLER_PASS;

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

static netdev_tx_t virt_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct virt_priv *priv = netdev_priv(dev);
	unsigned int len = skb->len;
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

static int virt_dev_init(struct net_device *dev)
{
	struct virt_priv *priv = netdev_priv(dev);
	struct net_device *parent = priv->parent;

	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats)
		return -ENOMEM;
	netdev_hold(parent, &priv->parent_tracker, GFP_KERNEL);
	stacked_inherit(dev);
	/* The parent's MAC: a dev_id of its own keeps the link-locals apart. */
	dev->dev_id = parent->dev_id + 1;
	return 0;
}

/* Now, not in the destructor: the parent may be unregistering with us. */
static void virt_dev_uninit(struct net_device *dev)
{
	struct virt_priv *priv = netdev_priv(dev);

	netdev_put(priv->parent, &priv->parent_tracker);
}

static void virt_dev_destructor(struct net_device *dev)
{
	free_percpu(dev->tstats);
	stacked_destructor(dev);
}

/*
 * A sniffer on virt0, which takes all of the parent's traffic, expects the
 * parent's promiscuous view: the parent is promiscuous while virt0 is.
 */
static int virt_open(struct net_device *dev)
{
	struct virt_priv *priv = netdev_priv(dev);
	int err;

	err = stacked_open(dev);
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

	stacked_stop(dev);
	if (dev->flags & IFF_PROMISC)
		dev_set_promiscuity(priv->parent, -1);
	return 0;
}

static void virt_dev_change_rx_flags(struct net_device *dev, int change)
{
	struct virt_priv *priv = netdev_priv(dev);

	stacked_change_rx_flags(dev, change);
	if ((change & IFF_PROMISC) && (dev->flags & IFF_UP))
		dev_set_promiscuity(priv->parent,
				    dev->flags & IFF_PROMISC ? 1 : -1);
}

static const struct net_device_ops virt_netdev_ops = {
	.ndo_init		= virt_dev_init,
	.ndo_uninit		= virt_dev_uninit,
	.ndo_start_xmit		= virt_start_xmit,
	.ndo_get_stats64	= dev_get_tstats64,
	.ndo_open		= virt_open,
	.ndo_stop		= virt_stop,
	.ndo_change_rx_flags	= virt_dev_change_rx_flags,
	.ndo_set_rx_mode	= stacked_set_rx_mode,
	.ndo_fix_features	= stacked_fix_features,
	.ndo_get_iflink		= stacked_get_iflink,
};

static void virt_setup(struct net_device *dev)
{
	/* The parent is found in init_net and the child stays beside it. */
	virt_set_netns_local(dev);
	stacked_setup(dev, &virt_netdev_ops, &stacked_ethtool_ops,
		      virt_dev_destructor);
}

static int virt_create(void)
{
	struct net_device *parent, *child;
	struct virt_priv *priv;
	char pattern[IFNAMSIZ];
	int err;

	ASSERT_RTNL();
	parent = stacked_find_parent(virt_link, NULL);
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
	stacked_follow_operstate(child);
	/* Without a carrier event operstate would stay UNKNOWN. */
	linkwatch_fire_event(child);
	virt_child_set(child);
	pr_info("%s: created on %s, which now diverts its traffic to it\n",
		child->name, parent->name);
	return 0;

err_rx_handler:
	netdev_rx_handler_unregister(parent);
err_unregister:
	unregister_netdevice(child);
	return err;
}

static void virt_destroy(struct net_device *child)
{
	struct virt_priv *priv = netdev_priv(child);

	ASSERT_RTNL();
	netdev_rx_handler_unregister(priv->parent);
	netdev_upper_dev_unlink(priv->parent, child);
	pr_info("%s: removed from %s\n", child->name, priv->parent->name);
	unregister_netdevice(child);
	virt_child_set(NULL);
}

static int virt_netdev_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct net_device *child = virt_child_get();

	if (!child || dev != stacked_parent(child))
		return NOTIFY_DONE;

	switch (event) {
	case NETDEV_PRE_TYPE_CHANGE:
		return NOTIFY_BAD;
	case NETDEV_UNREGISTER:
		/* Also when it moves to another namespace. */
		virt_destroy(child);
		break;
	default:
		stacked_follow_parent(event, child, NULL);
	}
	return NOTIFY_DONE;
}

static struct notifier_block virt_notifier = {
	.notifier_call = virt_netdev_event,
};

static int __init virt_init(void)
{
	int err;

	err = stacked_check_params(virt_link, virt_ifname, true);
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
	struct net_device *child;

	rtnl_lock();
	child = virt_child_get();
	if (child)
		virt_destroy(child);
	rtnl_unlock();
	/* Last: this replays UNREGISTER events, which must find no child. */
	unregister_netdevice_notifier(&virt_notifier);
}

module_init(virt_init);
module_exit(virt_exit);

MODULE_DESCRIPTION("Second identity for an Ethernet interface: one child that takes over its parent's received traffic");
MODULE_LICENSE("GPL");
MODULE_VERSION("1.0");
