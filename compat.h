/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sources are written against the newest API. Kbuild probes the
 * target's headers (-DVIRT_HAVE_*) rather than comparing versions, because
 * Debian backports (bookworm's 6.12 has netns_immutable).
 */
#ifndef VIRT_COMPAT_H
#define VIRT_COMPAT_H

#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/u64_stats_sync.h>
#include <net/rtnetlink.h>
#ifdef VIRT_HAVE_NETDEV_LOCK_H
#include <net/netdev_lock.h>
#endif

/* Netfilter's netdev egress hook: 5.16 and later, if built in. */
#ifdef VIRT_HAVE_NETFILTER_NETDEV_H
#include <linux/netfilter_netdev.h>
#endif
#if defined(VIRT_HAVE_NETFILTER_NETDEV_H) && IS_ENABLED(CONFIG_NETFILTER_EGRESS)
#define VIRT_EGRESS_HOOK 1
#else
#define VIRT_EGRESS_HOOK 0
#endif

static inline void virt_set_lltx(struct net_device *dev)
{
#ifdef VIRT_HAVE_LLTX_FIELD
	dev->lltx = true;
#else
	dev->features |= NETIF_F_LLTX;
#endif
}

static inline void virt_set_netns_local(struct net_device *dev)
{
#if defined(VIRT_HAVE_NETNS_IMMUTABLE)
	dev->netns_immutable = true;
#elif defined(VIRT_HAVE_NETNS_LOCAL_FIELD)
	dev->netns_local = true;
#else
	dev->features |= NETIF_F_NETNS_LOCAL;
#endif
}

/*
 * An unmerged cache, so that kmem_cache_destroy() reports what we left in
 * it. Before SLAB_NO_MERGE (6.4), SLUB merges no cache with debug flags.
 */
#if defined(SLAB_NO_MERGE)
#define VIRT_SLAB_OWN SLAB_NO_MERGE
#elif IS_ENABLED(CONFIG_SLUB_DEBUG)
#define VIRT_SLAB_OWN SLAB_STORE_USER
#else
#define VIRT_SLAB_OWN 0
#endif

#ifndef VIRT_HAVE_NETDEV_HOLD
struct virt_no_tracker {};
#define netdevice_tracker struct virt_no_tracker

static inline void netdev_hold(struct net_device *dev,
			       netdevice_tracker *tracker, gfp_t gfp)
{
	dev_hold(dev);
}

static inline void netdev_put(struct net_device *dev,
			      netdevice_tracker *tracker)
{
	dev_put(dev);
}
#endif

#ifndef VIRT_HAVE_INHERIT_TSO_MAX
static inline void netif_inherit_tso_max(struct net_device *to,
					 const struct net_device *from)
{
	to->gso_max_size = from->gso_max_size;
	to->gso_max_segs = from->gso_max_segs;
}
#endif

#ifndef VIRT_HAVE_TSTATS_TX_ADD
static inline void dev_sw_netstats_tx_add(struct net_device *dev,
					  unsigned int packets,
					  unsigned int len)
{
	struct pcpu_sw_netstats *tstats = this_cpu_ptr(dev->tstats);

	u64_stats_update_begin(&tstats->syncp);
	tstats->tx_bytes += len;
	tstats->tx_packets += packets;
	u64_stats_update_end(&tstats->syncp);
}
#endif

#ifndef VIRT_HAVE_GET_TSTATS64
static inline void dev_get_tstats64(struct net_device *dev,
				    struct rtnl_link_stats64 *s)
{
	netdev_stats_to_stats64(s, &dev->stats);
	dev_fetch_sw_netstats(s, dev->tstats);
}
#endif

/* VIRT_NEWLINK_COMPAT(fn): fn_compat, for rtnl_link_ops' newlink. */
#ifndef VIRT_HAVE_NEWLINK_PARAMS
struct rtnl_newlink_params {
	struct net *src_net;
	struct nlattr **tb;
	struct nlattr **data;
};

static inline struct net *rtnl_newlink_link_net(struct rtnl_newlink_params *p)
{
	return p->src_net;
}

#define VIRT_NEWLINK_COMPAT(fn)						\
static int fn##_compat(struct net *src_net, struct net_device *dev,	\
		       struct nlattr *tb[], struct nlattr *data[],	\
		       struct netlink_ext_ack *extack)			\
{									\
	struct rtnl_newlink_params p = {				\
		.src_net = src_net, .tb = tb, .data = data,		\
	};								\
	return fn(dev, &p, extack);					\
}
#else
#define VIRT_NEWLINK_COMPAT(fn)						\
static int fn##_compat(struct net_device *dev,				\
		       struct rtnl_newlink_params *p,			\
		       struct netlink_ext_ack *extack)			\
{									\
	return fn(dev, p, extack);					\
}
#endif

#endif /* VIRT_COMPAT_H */
