/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The core both modules share (stacked.c): an Ethernet device stacked on
 * a parent, as ipvlan and macvlan are.
 */
#ifndef VIRT_STACKED_H
#define VIRT_STACKED_H

#include <linux/build_bug.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

#include "compat.h"

/* macvlan's rule: a child's own MTU survives the parent's changes. */
struct stacked_mtu {
	unsigned int own;	/* 0: the parent's */
	bool following;
};

/* Both modules' netdev_priv() starts with the parent (static_assert). */
static inline struct net_device *stacked_parent(const struct net_device *dev)
{
	return *(struct net_device * const *)netdev_priv(dev);
}

int stacked_check_params(const char *link, const char *ifname, bool required);
int stacked_parent_fit(struct net_device *parent, rx_handler_func_t *ours,
		       struct netlink_ext_ack *extack);
struct net_device *stacked_find_parent(const char *link,
				       rx_handler_func_t *ours);

void stacked_setup(struct net_device *dev, const struct net_device_ops *ops,
		   const struct ethtool_ops *ethtool_ops,
		   void (*destructor)(struct net_device *dev));
void stacked_inherit(struct net_device *dev);
void stacked_destructor(struct net_device *dev);
netdev_features_t stacked_fix_features(struct net_device *dev,
				       netdev_features_t features);
int stacked_get_iflink(const struct net_device *dev);

int stacked_open(struct net_device *dev);
void stacked_stop(struct net_device *dev);
void stacked_set_rx_mode(struct net_device *dev);
void stacked_change_rx_flags(struct net_device *dev, int change);

void stacked_follow_operstate(struct net_device *dev);
void stacked_follow_parent(unsigned long event, struct net_device *dev,
			   struct stacked_mtu *m);
int stacked_change_mtu(struct net_device *dev, struct stacked_mtu *m,
		       int new_mtu);

void stacked_get_drvinfo(struct net_device *dev, struct ethtool_drvinfo *info);
int stacked_get_link_ksettings(struct net_device *dev,
			       struct ethtool_link_ksettings *cmd);
extern const struct ethtool_ops stacked_ethtool_ops;

#endif /* VIRT_STACKED_H */
