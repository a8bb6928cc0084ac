// SPDX-License-Identifier: GPL-2.0
/*
 * The core of virt.ko and virt_full.ko: which parents they accept, what a
 * child inherits from its parent and how it follows the parent's changes.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <net/net_namespace.h>

#include "stacked.h"

/*
 * The always-on set is safe whatever the parent offers: dev_queue_xmit()
 * on the parent segments and checksums in software what it can't.
 */
#define STACKED_FEATURES (NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_HIGHDMA | \
			  NETIF_F_FRAGLIST | NETIF_F_GSO | NETIF_F_ALL_TSO | \
			  NETIF_F_GSO_ROBUST | NETIF_F_GRO | NETIF_F_RXCSUM)
#define STACKED_ALWAYS_ON (NETIF_F_SG | NETIF_F_HW_CSUM | \
			   NETIF_F_GSO_ROBUST | NETIF_F_GSO_SOFTWARE | \
			   NETIF_F_GSO_ENCAP_ALL)
#define STACKED_STATE_MASK (BIT(__LINK_STATE_NOCARRIER) | \
			    BIT(__LINK_STATE_DORMANT))
/* Room for at least one digit of the unit number. */
#define STACKED_PREFIX_MAX (IFNAMSIZ - 3)

int stacked_check_params(const char *link, const char *ifname, bool required)
{
	if (!link && required) {
		pr_err("link= is required: the parent interface, e.g. link=eth0\n");
		return -ENODEV;
	}
	if (link && !dev_valid_name(link)) {
		pr_err("link=%.32s: not a valid interface name\n", link);
		return -EINVAL;
	}
	/* alloc_netdev() would take a '%' for a format. */
	if (!ifname || !dev_valid_name(ifname) ||
	    strlen(ifname) > STACKED_PREFIX_MAX || strchr(ifname, '%')) {
		pr_err("ifname=%.32s: not a valid name prefix (1 to %d characters, no '/', ':', '%%' or space)\n",
		       ifname ? ifname : "", STACKED_PREFIX_MAX);
		return -EINVAL;
	}
	return 0;
}

static int stacked_parent_check(struct net_device *parent,
				rx_handler_func_t *ours,
				struct netlink_ext_ack *extack)
{
	rx_handler_func_t *handler = rtnl_dereference(parent->rx_handler);

	if (parent->flags & IFF_LOOPBACK) {
		NL_SET_ERR_MSG(extack, "is a loopback device, not Ethernet");
		return -EINVAL;
	}
	if (parent->type != ARPHRD_ETHER) {
		NL_SET_ERR_MSG(extack, "is not an Ethernet device");
		return -EINVAL;
	}
	/* @ours: the parent carries our children already. */
	if (handler && handler != ours) {
		NL_SET_ERR_MSG(extack,
			       "already has a receive handler (bridge or bond port, macvlan, ipvlan)");
		return -EBUSY;
	}
	if (parent->priv_flags & IFF_NO_RX_HANDLER) {
		NL_SET_ERR_MSG(extack,
			       "cannot carry a receive handler (it is itself a stacked child)");
		return -EINVAL;
	}
	return 0;
}

/* Without @extack (link=), the reason goes to the log. */
int stacked_parent_fit(struct net_device *parent, rx_handler_func_t *ours,
		       struct netlink_ext_ack *extack)
{
	struct netlink_ext_ack log = {};
	int err;

	ASSERT_RTNL();
	err = stacked_parent_check(parent, ours, extack ?: &log);
	if (err && !extack)
		pr_err("link=%s: %s\n", parent->name, log._msg);
	return err;
}

struct net_device *stacked_find_parent(const char *link,
				       rx_handler_func_t *ours)
{
	struct net_device *parent;
	int err;

	ASSERT_RTNL();
	parent = __dev_get_by_name(&init_net, link);
	if (!parent) {
		pr_err("link=%s: no such interface\n", link);
		return ERR_PTR(-ENODEV);
	}
	err = stacked_parent_fit(parent, ours, NULL);
	return err ? ERR_PTR(err) : parent;
}

void stacked_setup(struct net_device *dev, const struct net_device_ops *ops,
		   const struct ethtool_ops *ethtool_ops,
		   void (*destructor)(struct net_device *dev))
{
	ether_setup(dev);
	dev->netdev_ops = ops;
	dev->ethtool_ops = ethtool_ops;
	dev->needs_free_netdev = true;
	dev->priv_destructor = destructor;
	/* netpoll would transmit with IRQs off, which dev_queue_xmit() on
	 * the parent can't: netconsole belongs on the parent.
	 */
	dev->priv_flags |= IFF_NO_QUEUE | IFF_NO_RX_HANDLER | IFF_UNICAST_FLT |
			   IFF_DISABLE_NETPOLL;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	virt_set_lltx(dev);
}

/* ndo_init: a child starts as a copy of its parent. */
void stacked_inherit(struct net_device *dev)
{
	struct net_device *parent = stacked_parent(dev);

	ASSERT_RTNL();
	eth_hw_addr_set(dev, parent->dev_addr);
	dev->mtu = parent->mtu;
	dev->max_mtu = parent->mtu;
	dev->state = (dev->state & ~STACKED_STATE_MASK) |
		     (parent->state & STACKED_STATE_MASK);
	dev->hw_features = STACKED_FEATURES;
	dev->features |= (parent->features & STACKED_FEATURES) |
			 STACKED_ALWAYS_ON;
	dev->vlan_features = (parent->vlan_features & STACKED_FEATURES) |
			     STACKED_ALWAYS_ON;
	dev->hw_enc_features |= dev->features;
	netif_inherit_tso_max(dev, parent);
	dev->hard_header_len = parent->hard_header_len;
	dev->needed_headroom = parent->needed_headroom;
	dev->needed_tailroom = parent->needed_tailroom;
	/* Stacked on another virtual device, our TX lock nests in its own. */
	netdev_lockdep_set_classes(dev);
}

/* The tests count these lines: the device is really gone. */
void stacked_destructor(struct net_device *dev)
{
	pr_debug("%s: destroyed\n", dev->name);
}

netdev_features_t stacked_fix_features(struct net_device *dev,
				       netdev_features_t features)
{
	netdev_features_t offered = stacked_parent(dev)->features |
				    STACKED_ALWAYS_ON;

	return features & (offered | ~STACKED_FEATURES);
}

int stacked_get_iflink(const struct net_device *dev)
{
	return READ_ONCE(stacked_parent(dev)->ifindex);
}

/*
 * A child's unicast and multicast lists, and its allmulticast, go to the
 * parent: the parent's NIC must let those frames in for the child.
 */
int stacked_open(struct net_device *dev)
{
	ASSERT_RTNL();
	if (!(dev->flags & IFF_ALLMULTI))
		return 0;
	return dev_set_allmulti(stacked_parent(dev), 1);
}

void stacked_stop(struct net_device *dev)
{
	struct net_device *parent = stacked_parent(dev);

	ASSERT_RTNL();
	dev_uc_unsync(parent, dev);
	dev_mc_unsync(parent, dev);
	if (dev->flags & IFF_ALLMULTI)
		dev_set_allmulti(parent, -1);
}

void stacked_set_rx_mode(struct net_device *dev)
{
	struct net_device *parent = stacked_parent(dev);

	lockdep_assert_held(&dev->addr_list_lock);
	dev_uc_sync(parent, dev);
	dev_mc_sync(parent, dev);
}

void stacked_change_rx_flags(struct net_device *dev, int change)
{
	ASSERT_RTNL();
	if ((change & IFF_ALLMULTI) && (dev->flags & IFF_UP))
		dev_set_allmulti(stacked_parent(dev),
				 dev->flags & IFF_ALLMULTI ? 1 : -1);
}

/* A parent that is administratively down has no carrier to give. */
void stacked_follow_operstate(struct net_device *dev)
{
	struct net_device *parent = stacked_parent(dev);

	ASSERT_RTNL();
	netif_stacked_transfer_operstate(parent, dev);
	if (!netif_running(parent))
		netif_carrier_off(dev);
}

/* @m: the child's own MTU, or NULL where it always has the parent's. */
void stacked_follow_parent(unsigned long event, struct net_device *dev,
			   struct stacked_mtu *m)
{
	struct net_device *parent = stacked_parent(dev);
	unsigned int mtu = m && m->own ? min(m->own, parent->mtu) : parent->mtu;
	int err;

	ASSERT_RTNL();
	switch (event) {
	case NETDEV_UP:
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
		stacked_follow_operstate(dev);
		break;
	case NETDEV_CHANGEMTU:
		dev->max_mtu = parent->mtu;
		if (m)
			m->following = true;
		err = dev_set_mtu(dev, mtu);
		if (m)
			m->following = false;
		if (err)
			netdev_warn(dev, "cannot follow %s to MTU %u\n",
				    parent->name, mtu);
		break;
	case NETDEV_CHANGEADDR:
		eth_hw_addr_set(dev, parent->dev_addr);
		call_netdevice_notifiers(NETDEV_CHANGEADDR, dev);
		break;
	case NETDEV_FEAT_CHANGE:
		netif_inherit_tso_max(dev, parent);
		netdev_update_features(dev);
		break;
	case NETDEV_NOTIFY_PEERS:
	case NETDEV_RESEND_IGMP:
		call_netdevice_notifiers(event, dev);
		break;
	}
}

/* Every change but stacked_follow_parent()'s is the user's own MTU. */
int stacked_change_mtu(struct net_device *dev, struct stacked_mtu *m,
		       int new_mtu)
{
	ASSERT_RTNL();
	if (!m->following)
		m->own = new_mtu;
	WRITE_ONCE(dev->mtu, new_mtu);
	return 0;
}

void stacked_get_drvinfo(struct net_device *dev, struct ethtool_drvinfo *info)
{
	strscpy(info->driver, KBUILD_MODNAME, sizeof(info->driver));
}

/* Speed and duplex are the parent's. */
int stacked_get_link_ksettings(struct net_device *dev,
			       struct ethtool_link_ksettings *cmd)
{
	ASSERT_RTNL();
	return __ethtool_get_link_ksettings(stacked_parent(dev), cmd);
}

/* virt.ko's whole ethtool; virt_full.ko's starts the same, adds -S and -T. */
const struct ethtool_ops stacked_ethtool_ops = {
	.get_drvinfo		= stacked_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_link_ksettings	= stacked_get_link_ksettings,
};
