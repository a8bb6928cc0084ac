/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What both modules do alike as a device stacked on an Ethernet parent:
 * which parents they accept, what a child inherits from its parent, and
 * how it follows the parent's changes. All of it runs under RTNL.
 */
#ifndef VIRT_STACKED_H
#define VIRT_STACKED_H

#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

#include "compat.h"

/* What a child offers when its parent does; the always-on set is safe
 * whatever the parent has, because the parent's dev_queue_xmit() segments
 * and checksums in software what its hardware can't.
 */
#define VIRT_FEATURES (NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_HIGHDMA | \
		       NETIF_F_FRAGLIST | NETIF_F_GSO | NETIF_F_ALL_TSO | \
		       NETIF_F_GSO_ROBUST | NETIF_F_GRO | NETIF_F_RXCSUM)
#define VIRT_ALWAYS_ON (NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_GSO_ROBUST | \
			NETIF_F_GSO_SOFTWARE | NETIF_F_GSO_ENCAP_ALL)
#define VIRT_STATE_MASK (BIT(__LINK_STATE_NOCARRIER) | BIT(__LINK_STATE_DORMANT))

/* Longest child name prefix: room for at least one digit after it. */
#define VIRT_PREFIX_MAX (IFNAMSIZ - 3)

/*
 * Check the link= and ifname= module parameters before anything is
 * created: -ENODEV or -EINVAL and one log line naming the problem.
 */
static inline int virt_check_ifname(const char *ifname)
{
	/* '%' would be taken for a format by alloc_netdev(). */
	if (!ifname || !dev_valid_name(ifname) ||
	    strlen(ifname) > VIRT_PREFIX_MAX || strchr(ifname, '%')) {
		pr_err("ifname=%.32s: not a valid name prefix (1 to %d characters, no '/', ':', '%%' or space)\n",
		       ifname ? ifname : "", VIRT_PREFIX_MAX);
		return -EINVAL;
	}
	return 0;
}

static inline int virt_check_param_names(const char *link, const char *ifname)
{
	if (!link) {
		pr_err("link= is required: the parent interface, e.g. link=eth0\n");
		return -ENODEV;
	}
	/* An empty link= too: it names nothing, so it is a bad name. */
	if (!dev_valid_name(link)) {
		pr_err("link=%.32s: not a valid interface name\n", link);
		return -EINVAL;
	}
	return virt_check_ifname(ifname);
}

/*
 * Why @parent can't carry a child, with *err set to the errno, or NULL if
 * it can. A parent whose receive handler is @ours is fine (another child).
 */
static inline const char *virt_parent_unfit(struct net_device *parent,
					    rx_handler_func_t *ours, int *err)
{
	rx_handler_func_t *handler = rtnl_dereference(parent->rx_handler);

	*err = -EINVAL;
	if (parent->flags & IFF_LOOPBACK)
		return "is a loopback device, not Ethernet";
	if (parent->type != ARPHRD_ETHER)
		return "is not an Ethernet device";
	*err = -EBUSY;
	if (handler && handler != ours)
		return "already has a receive handler (bridge or bond port, macvlan, ipvlan)";
	*err = -EINVAL;
	if (parent->priv_flags & IFF_NO_RX_HANDLER)
		return "cannot carry a receive handler (it is itself a stacked child)";
	*err = 0;
	return NULL;
}

/*
 * From ndo_init: a child starts as a copy of its parent. Same MAC, so
 * the caller gives it a dev_id of its own to keep its IPv6 link-local
 * address apart from the parent's.
 */
static inline void virt_inherit(struct net_device *dev,
				const struct net_device *parent)
{
	eth_hw_addr_set(dev, parent->dev_addr);
	dev->mtu = parent->mtu;
	dev->max_mtu = parent->mtu;
	dev->state = (dev->state & ~VIRT_STATE_MASK) |
		     (parent->state & VIRT_STATE_MASK);
	dev->hw_features = VIRT_FEATURES;
	dev->features |= (parent->features & VIRT_FEATURES) | VIRT_ALWAYS_ON;
	dev->vlan_features = (parent->vlan_features & VIRT_FEATURES) |
			     VIRT_ALWAYS_ON;
	dev->hw_enc_features |= dev->features;
	netif_inherit_tso_max(dev, parent);
	dev->hard_header_len = parent->hard_header_len;
	dev->needed_headroom = parent->needed_headroom;
	dev->needed_tailroom = parent->needed_tailroom;
}

/* ndo_fix_features: the user's choice, within what the parent offers. */
static inline netdev_features_t virt_fix_features(const struct net_device *parent,
						  netdev_features_t features)
{
	netdev_features_t offered = parent->features | VIRT_ALWAYS_ON;

	return features & (offered | ~VIRT_FEATURES);
}

/*
 * Carrier, dormant and testing follow the parent; a parent that is
 * administratively down has no carrier to give.
 */
static inline void virt_follow_operstate(const struct net_device *parent,
					 struct net_device *child)
{
	netif_stacked_transfer_operstate(parent, child);
	if (!netif_running(parent))
		netif_carrier_off(child);
}

/*
 * A child's MTU of its own, by macvlan's rule: the one asked for at
 * creation or set by the user since is kept through the parent's changes,
 * lowered while the parent's is below it and raised back to it (never
 * beyond) when the parent's allows again. A child without one follows the
 * parent's MTU up and down. Both under RTNL.
 */
struct virt_mtu {
	unsigned int own;	/* 0: none, the parent's */
	bool following;		/* virt_follow_parent()'s dev_set_mtu() runs */
};

/*
 * ndo_change_mtu of a child that keeps an MTU of its own: every change but
 * the follow path's is the user's, and becomes the child's own.
 */
static inline int virt_change_mtu(struct net_device *dev, struct virt_mtu *m,
				  int new_mtu)
{
	ASSERT_RTNL();
	if (!m->following)
		m->own = new_mtu;
	WRITE_ONCE(dev->mtu, new_mtu);
	return 0;
}

/*
 * A child follows a change of its parent (netdevice notifier @event):
 * carrier, MTU (which it can never exceed; @m, if the child keeps an MTU
 * of its own, or NULL), MAC and offloads.
 */
static inline void virt_follow_parent(unsigned long event,
				      struct net_device *parent,
				      struct net_device *child,
				      struct virt_mtu *m)
{
	unsigned int mtu = m && m->own ? min(m->own, parent->mtu) : parent->mtu;
	int err;

	switch (event) {
	case NETDEV_UP:
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
		virt_follow_operstate(parent, child);
		break;
	case NETDEV_CHANGEMTU:
		child->max_mtu = parent->mtu;
		if (m) {
			ASSERT_RTNL();
			m->following = true;
		}
		err = dev_set_mtu(child, mtu);
		if (m)
			m->following = false;
		if (err)
			netdev_warn(child, "cannot follow %s to MTU %u\n",
				    parent->name, mtu);
		break;
	case NETDEV_CHANGEADDR:
		eth_hw_addr_set(child, parent->dev_addr);
		call_netdevice_notifiers(NETDEV_CHANGEADDR, child);
		break;
	case NETDEV_FEAT_CHANGE:
		netif_inherit_tso_max(child, parent);
		netdev_update_features(child);
		break;
	case NETDEV_NOTIFY_PEERS:
	case NETDEV_RESEND_IGMP:
		call_netdevice_notifiers(event, child);
		break;
	}
}

/*
 * The groups a child listens to, and its allmulticast, are its parent's
 * too: the parent's NIC must let those frames in before anything can
 * hand them to the child. ndo_set_rx_mode (under the child's address
 * lock), ndo_open, ndo_stop and ndo_change_rx_flags (RTNL).
 */
static inline void virt_sync_rx_mode(struct net_device *parent,
				     struct net_device *dev)
{
	dev_uc_sync(parent, dev);
	dev_mc_sync(parent, dev);
}

static inline int virt_open_rx_mode(struct net_device *parent,
				    struct net_device *dev)
{
	return dev->flags & IFF_ALLMULTI ? dev_set_allmulti(parent, 1) : 0;
}

static inline void virt_stop_rx_mode(struct net_device *parent,
				     struct net_device *dev)
{
	dev_uc_unsync(parent, dev);
	dev_mc_unsync(parent, dev);
	if (dev->flags & IFF_ALLMULTI)
		dev_set_allmulti(parent, -1);
}

static inline void virt_change_rx_flags(struct net_device *parent,
					struct net_device *dev, int change)
{
	if ((change & IFF_ALLMULTI) && (dev->flags & IFF_UP))
		dev_set_allmulti(parent, dev->flags & IFF_ALLMULTI ? 1 : -1);
}

/*
 * priv_destructor: runs once the last reference to a child is gone, just
 * before the core frees it; its line is how the tests know the device
 * really went, not only that it was asked to.
 */
static inline void virt_destructor(struct net_device *dev)
{
	pr_debug("%s: destroyed\n", dev->name);
}

static inline void virt_get_drvinfo(struct net_device *dev,
				    struct ethtool_drvinfo *info)
{
	strscpy(info->driver, KBUILD_MODNAME, sizeof(info->driver));
}

#endif /* VIRT_STACKED_H */
