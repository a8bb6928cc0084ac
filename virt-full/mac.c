// SPDX-License-Identifier: GPL-2.0
/*
 * Children with a MAC of their own (own-mac): frames to it are the child's
 * whatever they carry, as on a macvlan, so that any DHCP client works.
 * The parent's unicast filter holds the MAC while the child is up; only
 * CAP_NET_ADMIN over the parent's namespace changes it, since spoofchk
 * checks against it.
 */

#include <linux/etherdevice.h>

#include "virt_full.h"

static struct hlist_head *vfull_mac_bucket(struct vfull_port *port,
					   const u8 *addr)
{
	u32 low = (u32)addr[2] << 24 | addr[3] << 16 | addr[4] << 8 | addr[5];

	return &port->macs[hash_32(low, VIRT_MAC_HASH_BITS)];
}

/* The own-mac child whose MAC is @addr, up or not, or NULL. */
struct vfull_dev *vfull_mac_lookup_rcu(struct vfull_port *port, const u8 *addr)
{
	struct vfull_dev *child;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held() && !lockdep_rtnl_is_held(),
			 "virt_full: needs rcu_read_lock() or RTNL");
	hlist_for_each_entry_rcu(child, vfull_mac_bucket(port, addr), mnode,
				 lockdep_rtnl_is_held())
		if (ether_addr_equal(child->dev->dev_addr, addr))
			return child;
	return NULL;
}

/*
 * Can @parent receive for a second MAC address? A Wi-Fi
 * station's access point delivers only its one, and a device with
 * neither a unicast filter nor a receive mode can't be told.
 */
int vfull_mac_fit(const struct net_device *parent,
		  struct netlink_ext_ack *extack)
{
	/* cfg80211's devtype: ieee80211_ptr exists only with CFG80211. */
	if (parent->dev.type && !strcmp(parent->dev.type->name, "wlan")) {
		NL_SET_ERR_MSG(extack,
			       "A Wi-Fi station receives for its own MAC only: no own-mac on it");
		return -EOPNOTSUPP;
	}
	if (!(parent->priv_flags & IFF_UNICAST_FLT) &&
	    !parent->netdev_ops->ndo_set_rx_mode) {
		NL_SET_ERR_MSG(extack,
			       "The parent can neither filter for nor see another MAC: no own-mac");
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Is @addr an own-mac child's on @port? */
bool vfull_mac_owned(struct vfull_port *port, const u8 *addr)
{
	ASSERT_RTNL();
	return vfull_mac_lookup_rcu(port, addr);
}

/* Is @addr the parent's, or an own-mac child's on @parent? */
bool vfull_mac_taken(const struct net_device *parent, const u8 *addr)
{
	return ether_addr_equal(parent->dev_addr, addr) ||
	       (vfull_is_port(parent) &&
		vfull_mac_owned(vfull_port_get_rtnl(parent), addr));
}

/* Once registered, the demux finds an own-mac child by its MAC. */
void vfull_mac_publish(struct vfull_dev *child)
{
	ASSERT_RTNL();
	if (!child->own_mac)
		return;
	hlist_add_head_rcu(&child->mnode,
			   vfull_mac_bucket(child->port, child->dev->dev_addr));
	WRITE_ONCE(child->port->own_macs, child->port->own_macs + 1);
}

void vfull_mac_unpublish(struct vfull_dev *child)
{
	ASSERT_RTNL();
	if (!child->own_mac)
		return;
	hlist_del_init_rcu(&child->mnode);
	WRITE_ONCE(child->port->own_macs, child->port->own_macs - 1);
}

/*
 * After the parent moved to another namespace, which flushed its unicast
 * filter: the own-mac children that are up go back into it.
 */
void vfull_mac_refill(struct vfull_port *port)
{
	struct vfull_dev *child;
	unsigned int i;

	ASSERT_RTNL();
	for (i = 0; i < ARRAY_SIZE(port->macs); i++)
		hlist_for_each_entry(child, &port->macs[i], mnode)
			if (netif_running(child->dev) &&
			    dev_uc_add(port->dev, child->dev->dev_addr))
				netdev_warn(child->dev, "%s no longer receives for its MAC\n",
					    port->dev->name);
}

/* ndo_open, ndo_stop: the parent's filter holds the MAC while up. */
int vfull_mac_open(struct vfull_dev *child)
{
	return child->own_mac ? dev_uc_add(child->parent, child->dev->dev_addr) : 0;
}

void vfull_mac_stop(struct vfull_dev *child)
{
	if (child->own_mac)
		dev_uc_del(child->parent, child->dev->dev_addr);
}

/*
 * ndo_set_mac_address: an own-mac child's MAC, changed by the host (the
 * caller's capabilities count). A shared-MAC child has the parent's.
 */
int vfull_mac_set(struct net_device *dev, void *p)
{
	struct vfull_dev *child = netdev_priv(dev);
	const struct sockaddr *sa = p;
	const u8 *addr = (const u8 *)sa->sa_data;
	int err;

	ASSERT_RTNL();
	if (!child->own_mac)
		return -EOPNOTSUPP;
	if (!vfull_capable(child->parent))
		return -EPERM;
	if (!is_valid_ether_addr(addr))
		return -EADDRNOTAVAIL;
	if (ether_addr_equal(addr, dev->dev_addr))
		return 0;
	if (vfull_mac_taken(child->parent, addr))
		return -EADDRINUSE;
	if (netif_running(dev)) {
		err = dev_uc_add(child->parent, addr);
		if (err)
			return err;
		dev_uc_del(child->parent, dev->dev_addr);
	}
	/* No reader may still stand on the node when it joins another
	 * bucket: it would walk on into that bucket's chain.
	 */
	hlist_del_init_rcu(&child->mnode);
	synchronize_net();
	eth_hw_addr_set(dev, addr);
	hlist_add_head_rcu(&child->mnode, vfull_mac_bucket(child->port, addr));
	return 0;
}
