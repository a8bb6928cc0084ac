/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virt_full: children that coexist with their parent.
 *
 * A port is the per-parent state, reached through the parent's
 * rx_handler_data, alive from the parent's first child to its last. Each
 * child (struct vfull_dev) answers for the addresses its stack holds, which
 * sit in the port's address table. RTNL serialises control, and the data
 * path reads under RCU; the address table has a lock of its own because
 * IPv6 reports addresses from atomic context, without RTNL. Accessors
 * named _rcu and _rtnl check, on a lockdep kernel, what they need.
 */
#ifndef VIRT_FULL_H
#define VIRT_FULL_H

#include <linux/hash.h>
#include <linux/idr.h>
#include <linux/jhash.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/rhashtable.h>
#include <linux/u64_stats_sync.h>
#include <net/ipv6.h>
#include <net/rtnetlink.h>

#include "stacked.h"
#include "uapi.h"

#define VIRT_KIND "virt"

/* The data path's context, checked by a lockdep kernel (PROVE_RCU). */
#define vfull_assert_rcu() \
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "virt_full: needs rcu_read_lock()")
#define vfull_assert_bh() \
	RCU_LOCKDEP_WARN(!rcu_read_lock_bh_held(), "virt_full: needs BHs off")

/* The address filter: a frame whose slot counts none needs no hashing. */
#define VIRT_ADDR_FILTER_BITS 10
#define VIRT_ADDR_FILTER_SIZE BIT(VIRT_ADDR_FILTER_BITS)

#define VIRT_BC_BUCKETS 64

#define VIRT_WAIT_KINDS 3

#define VIRT_MAC_HASH_BITS 6

#define VIRT_MC_FILTER_BITS 8
#define VIRT_MC_FILTER_SIZE BIT(VIRT_MC_FILTER_BITS)

/* A child's per-CPU counters, in ethtool -S order; virt(4) details each. */
enum vfull_stat {
	VIRT_RX_PACKETS,
	VIRT_RX_BYTES,
	VIRT_RX_MULTICAST,
	VIRT_TX_PACKETS,
	VIRT_TX_BYTES,
	VIRT_RX_ADDR,		/* unicast, by destination address */
	VIRT_RX_ARP_NDP,	/* ARP or NDP, by target address */
	VIRT_RX_COPY,		/* a copy of a broadcast or multicast */
	VIRT_RX_LOCAL,		/* from a sibling or the parent, locally */
	VIRT_RX_MIRROR,		/* a mirror's copy of the parent's traffic */
	VIRT_RX_MAC,		/* unicast to its own MAC (own-mac) */
	VIRT_RX_DHCP,		/* a DHCP reply, by its transaction id */
	VIRT_RX_PROBE,		/* a reply to its ARP probe (a copy) */
	VIRT_TX_WIRE,		/* out through the parent */
	VIRT_TX_LOCAL,		/* to a sibling or the parent's stack */
	VIRT_DROP_DOWN,		/* for us while down: left to the parent */
	VIRT_DROP_CLONE,	/* no memory for a copy */
	VIRT_DROP_BACKLOG,	/* a copy the backlog refused */
	VIRT_DROP_MALFORMED,	/* sent without an Ethernet header */
	VIRT_DROP_TX,		/* refused by the parent or the sibling */
	VIRT_DROP_MIRROR_TX,	/* sent by a mirror that does not forward */
	VIRT_DROP_SPOOF,	/* sent from what it doesn't hold (spoofchk) */
	VIRT_DROP_CLAIM,	/* to the host, claiming what it may not */
	VIRT_DROP_BC_SHARE,	/* its broadcast, no room for the copies */
	VIRT_ADDR_REFUSED,	/* its stack's addresses not steered to it */
	VIRT_DHCP_REFUSED,	/* DHCP requests it won't get replies to */
	VIRT_STATS_N
};

struct vfull_pcpu_stats {
	u64_stats_t cnt[VIRT_STATS_N];
	struct u64_stats_sync syncp;
};

/*
 * Per-CPU counters of a port, shown by ethtool -S on each of its children.
 * Every frame the demux sees is counted once in one of the first three:
 * what the parent received from the wire, and what the children gave the
 * parent's stack (counted again, at the giving, in the last one).
 */
enum vfull_port_stat {
	VIRT_PORT_STEERED,	/* handed whole to a child */
	VIRT_PORT_PASSED,	/* left to the parent (copies aside) */
	VIRT_PORT_DROPPED,	/* could not be unshared */
	VIRT_PORT_MALFORMED,	/* passed, with a header that lies */
	VIRT_PORT_FROM_CHILDREN, /* given to the parent's stack by a child */
	VIRT_PORT_BC_DROPPED,	/* broadcasts left without copies */
	VIRT_PORT_STATS_N
};

struct vfull_port_pcpu_stats {
	u64_stats_t cnt[VIRT_PORT_STATS_N];
	struct u64_stats_sync syncp;
};

/* Why the demux must see every frame: port->rx_slow's bits. */
enum {
	VIRT_SLOW_MIRROR,	/* a mirror child wants them all */
	VIRT_SLOW_DHCP,		/* a child waits for a DHCP reply */
};

struct vfull_wait;

struct vfull_port {
	struct net_device *dev;		/* the parent */
	/* Read first by every frame: no bit set allows the fast path. */
	unsigned long rx_slow;
	netdevice_tracker dev_tracker;
	struct list_head children;	/* answering children; RCU, RTNL */
	struct list_head mirrors;	/* mirror children; RCU, RTNL */
	int count;			/* children of both kinds */
	struct rhashtable addrs;	/* every child address */
	spinlock_t addrs_lock;		/* table writers, children's lists */
	/* How many of the table's addresses fall in each slot, read
	 * locklessly: a stale count only costs or saves a lookup that
	 * races with the change anyway.
	 */
	u32 addr_filter[VIRT_ADDR_FILTER_SIZE];
	/* The address of each slot that counts exactly one, as it came;
	 * NULL where a slot counts more, none, or one left by a removal
	 * (the table finds those). Most lookups need no hashing then.
	 */
	struct vfull_addr __rcu *addr_sole[VIRT_ADDR_FILTER_SIZE];
	struct ida ida;			/* children's id (and dev_id) */
	struct vfull_port_pcpu_stats __percpu *stats;
	struct nf_hook_ops egress;	/* the parent's output (host.c) */
	bool egress_on;
	struct sk_buff_head bc_queue;	/* frames waiting for copies (bcast.c) */
	struct work_struct bc_work;	/* makes them */
	/* How many of bc_queue's frames came from the wire or the host,
	 * and from each bucket of children: written under bc_queue.lock,
	 * read locklessly before a clone (bcast.c).
	 */
	u16 bc_wire;
	u8 bc_share[VIRT_BC_BUCKETS];
	spinlock_t mc_lock;		/* writers of mc_filter */
	/* The union of the running children's mc_filter (bcast.c). */
	DECLARE_BITMAP(mc_filter, VIRT_MC_FILTER_SIZE);
	spinlock_t wait_lock;		/* the children's waits (clients.c) */
	struct vfull_wait *waits;
	u32 wait_seed;
	/* When the last of them ends, read locklessly. */
	unsigned long dhcp_until;
	unsigned long probe_until;
	/* Own-mac children, by MAC. */
	unsigned int own_macs;		/* how many, read locklessly */
	struct hlist_head macs[BIT(VIRT_MAC_HASH_BITS)];
};

struct vfull_dev {
	struct net_device *parent;	/* first: stacked_parent() */
	struct net_device *dev;
	struct vfull_port *port;
	struct list_head pnode;		/* in port->children or ->mirrors */
	u32 mode;			/* enum virt_mode, fixed at creation */
	bool own_mac;			/* a MAC not the parent's; fixed too */
	u16 id;				/* unique in the port; its dev_id too,
					 * unless own_mac
					 */
	struct hlist_node mnode;	/* in port->macs, if own_mac */
	struct stacked_mtu mtu;		/* its own, if it has one */
	bool mirror_tx;			/* a mirror sees the parent's output */
	bool forward;			/* a mirror's own frames go out */
	bool spoofchk;			/* sends only from what it holds */
	struct vfull_allow __rcu *allow;	/* may hold; RTNL + addrs_lock */
	struct list_head addrs;		/* struct vfull_addr; addrs_lock */
	/* The address the last validated request added, if the caller had
	 * the host's authority (trust.c).
	 */
	struct in6_addr grant;
	bool granted;
	struct vfull_pcpu_stats __percpu *stats;
	DECLARE_BITMAP(mc_filter, VIRT_MC_FILTER_SIZE);
	/* Its entries in port->waits, by kind; wait_lock. */
	u8 waiting[VIRT_WAIT_KINDS];
};

static_assert(offsetof(struct vfull_dev, parent) == 0);

/* One address of a child: IPv4 addresses are stored v4-mapped. */
struct vfull_addr {
	struct in6_addr ip;		/* the table's key */
	struct rhash_head node;		/* in port->addrs */
	struct list_head anode;		/* in child->addrs */
	struct vfull_dev *child;
	bool granted;			/* added with the host's authority */
	bool trusted;			/* the host believes the child about it:
					 * granted, in the allow-list or the
					 * kernel's link-local
					 */
	struct rcu_head rcu;
};

/* What a frame is steered by (rx.c, tx.c). */
enum vfull_key {
	VIRT_KEY_NONE,		/* not IPv4/ARP/IPv6, or IPv6 multicast */
	VIRT_KEY_BAD,		/* a header that lies about itself */
	VIRT_KEY_DADDR,		/* unicast IP destination */
	VIRT_KEY_TARGET,	/* ARP, or NDP NS/NA, target address */
};

/* parse.c APIs: */

/* The most vfull_get_key() pulls past the L3 header's start: IPv6 and NDP. */
#define VIRT_KEY_MAX_PULL (sizeof(struct ipv6hdr) + sizeof(struct nd_msg))

enum vfull_key vfull_get_key(struct sk_buff *skb, __be16 proto,
			     unsigned int off, struct in6_addr *key,
			   struct in6_addr *src);

/* rx.c APIs: */
rx_handler_result_t vfull_port_handle_frame(struct sk_buff **pskb);

/* port.c APIs: */

static inline bool vfull_is_port(const struct net_device *dev)
{
	return rcu_access_pointer(dev->rx_handler) == vfull_port_handle_frame;
}

static inline struct vfull_port *vfull_port_get_rcu(const struct net_device *dev)
{
	return rcu_dereference(dev->rx_handler_data);
}

static inline struct vfull_port *vfull_port_get_rtnl(const struct net_device *dev)
{
	return rtnl_dereference(dev->rx_handler_data);
}

int vfull_port_attach(struct vfull_dev *child);
void vfull_port_detach(struct vfull_dev *child);
int vfull_port_init(void);
void vfull_port_exit(void);

/* link.c APIs: */
extern struct rtnl_link_ops vfull_link_ops;
int vfull_link_create(struct net_device *parent, const char *pattern, u32 mode);

static inline bool vfull_is_child(const struct net_device *dev)
{
	return dev->rtnl_link_ops == &vfull_link_ops;
}

/*
 * Every frame a child receives or sends is counted with its reason, per
 * CPU: a writer with BHs on could be interrupted by another on its CPU.
 */
static inline void vfull_stats_rx(struct vfull_dev *child, unsigned int len,
				  bool multicast, enum vfull_stat why)
{
	struct vfull_pcpu_stats *s = this_cpu_ptr(child->stats);

	vfull_assert_bh();
	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->cnt[VIRT_RX_PACKETS]);
	u64_stats_add(&s->cnt[VIRT_RX_BYTES], len);
	if (multicast)
		u64_stats_inc(&s->cnt[VIRT_RX_MULTICAST]);
	u64_stats_inc(&s->cnt[why]);
	u64_stats_update_end(&s->syncp);
}

static inline void vfull_stats_tx(struct vfull_dev *child, unsigned int len,
				  enum vfull_stat why)
{
	struct vfull_pcpu_stats *s = this_cpu_ptr(child->stats);

	vfull_assert_bh();
	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->cnt[VIRT_TX_PACKETS]);
	u64_stats_add(&s->cnt[VIRT_TX_BYTES], len);
	u64_stats_inc(&s->cnt[why]);
	u64_stats_update_end(&s->syncp);
}

static inline void vfull_stats_inc(struct vfull_dev *child, enum vfull_stat which)
{
	struct vfull_pcpu_stats *s = this_cpu_ptr(child->stats);

	vfull_assert_bh();
	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->cnt[which]);
	u64_stats_update_end(&s->syncp);
}

static inline void vfull_port_stats_inc(struct vfull_port *port,
					enum vfull_port_stat which)
{
	struct vfull_port_pcpu_stats *s = this_cpu_ptr(port->stats);

	vfull_assert_bh();
	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->cnt[which]);
	u64_stats_update_end(&s->syncp);
}

/* The multicast filter bit of a destination MAC: its last four bytes
 * carry the group (IPv4 maps 23 bits of it, IPv6 32).
 */
static inline unsigned int vfull_mc_hash(const u8 *addr)
{
	u32 low = (u32)addr[2] << 24 | addr[3] << 16 | addr[4] << 8 | addr[5];

	return hash_32(low, VIRT_MC_FILTER_BITS);
}

/* A frame for a child that is down is counted there, left to the parent. */
static inline bool vfull_child_up(struct vfull_dev *child)
{
	if (likely(netif_running(child->dev)))
		return true;
	vfull_stats_inc(child, VIRT_DROP_DOWN);
	return false;
}

/*
 * A frame of the parent's entering @to in another namespace leaves the
 * parent's marks, conntrack and route behind; broadcast stays broadcast.
 */
static inline void vfull_rx_cross(struct sk_buff *skb, struct net_device *to)
{
	u8 pkt_type = skb->pkt_type;

	if (net_eq(dev_net(skb->dev), dev_net(to)))
		return;
	skb_scrub_packet(skb, true);
	skb->pkt_type = pkt_type;
}

/* tx.c APIs: */
netdev_tx_t vfull_start_xmit(struct sk_buff *skb, struct net_device *dev);

/* bcast.c APIs: */
void vfull_mirror(struct vfull_port *port, struct sk_buff *skb, bool output);
void vfull_bc_enqueue(struct vfull_port *port, struct sk_buff *skb,
		      struct vfull_dev *from, bool sent);
void vfull_bc_filter_update(struct vfull_port *port);
void vfull_bc_port_init(struct vfull_port *port);
void vfull_bc_port_destroy(struct vfull_port *port);

/* host.c APIs: the parent's output, seen by a netfilter egress hook. */

/*
 * The port whose child's frame is in the parent's dev_queue_xmit() on this
 * CPU (set by tx.c), so that the parent's egress hook leaves it alone.
 */
DECLARE_PER_CPU(const struct vfull_port *, vfull_xmit_port);

static inline bool vfull_xmit_from_child(const struct vfull_port *port)
{
	return __this_cpu_read(vfull_xmit_port) == port;
}

int vfull_host_sync(struct vfull_port *port);
void vfull_host_put(struct vfull_port *port);
void vfull_host_detach(struct vfull_port *port);

static inline bool vfull_is_mirror(const struct vfull_dev *child)
{
	return child->mode == VIRT_MODE_MIRROR;
}

/*
 * Does @c need the egress hook on @port's parent? A child in another
 * namespace than the parent's does (the host's stack reaches the
 * addresses of its own namespace without the parent), and a mirror that
 * asked to see the output. bcast.c reads it without RTNL: a child
 * moving meanwhile may miss a copy.
 */
static inline bool vfull_host_needs(const struct vfull_port *port,
				    const struct vfull_dev *c)
{
	if (!VIRT_EGRESS_HOOK)
		return false;
	if (vfull_is_mirror(c))
		return READ_ONCE(c->mirror_tx);
	return !net_eq(dev_net(c->dev), dev_net(port->dev));
}

/* addr.c APIs: */

/* Inlined into every lookup: memcmp() is a call. */
static inline int vfull_addr_cmp(struct rhashtable_compare_arg *arg,
				 const void *obj)
{
	const struct vfull_addr *a = obj;

	return !ipv6_addr_equal(arg->key, &a->ip);
}

/* An IPv4 address (v4-mapped) is one word, not four. */
static inline u32 vfull_addr_hash(const void *data, u32 len, u32 seed)
{
	const struct in6_addr *ip = data;

	if (ipv6_addr_v4mapped(ip))
		return jhash_1word((__force u32)ip->s6_addr32[3], seed);
	return jhash2((const u32 *)ip->s6_addr32, 4, seed);
}

static const struct rhashtable_params vfull_addr_params = {
	.key_len		= sizeof(struct in6_addr),
	.key_offset		= offsetof(struct vfull_addr, ip),
	.head_offset		= offsetof(struct vfull_addr, node),
	.hashfn			= vfull_addr_hash,
	.obj_cmpfn		= vfull_addr_cmp,
	.automatic_shrinking	= true,
};

static inline unsigned int vfull_addr_slot_last(__be32 last)
{
	return be32_to_cpu(last) & (VIRT_ADDR_FILTER_SIZE - 1);
}

static inline unsigned int vfull_addr_slot(const struct in6_addr *ip)
{
	return vfull_addr_slot_last(ip->s6_addr32[3]);
}

/*
 * The slot's sole address answers first, then the filter: most frames,
 * a child's alone in its slot or nobody's, cost no hashing.
 */
static inline struct vfull_addr *vfull_addr_find_rcu(struct vfull_port *port,
						     const struct in6_addr *ip)
{
	unsigned int slot = vfull_addr_slot(ip);
	struct vfull_addr *a;

	RCU_LOCKDEP_WARN(!rcu_read_lock_any_held(), "virt_full: needs an RCU reader");
	a = rcu_dereference(port->addr_sole[slot]);
	if (!a || !ipv6_addr_equal(&a->ip, ip)) {
		if (!READ_ONCE(port->addr_filter[slot]))
			return NULL;
		a = rhashtable_lookup(&port->addrs, ip, vfull_addr_params);
		if (!a)
			return NULL;
	}
	return vfull_child_up(a->child) ? a : NULL;
}

static inline struct vfull_dev *vfull_addr_lookup_rcu(struct vfull_port *port,
						      const struct in6_addr *ip)
{
	struct vfull_addr *a = vfull_addr_find_rcu(port, ip);

	return a ? a->child : NULL;
}

static inline bool vfull_holds_rcu(struct vfull_dev *child,
				   const struct in6_addr *ip, bool trusted)
{
	struct vfull_addr *a = rhashtable_lookup(&child->port->addrs, ip,
						vfull_addr_params);

	return a && a->child == child && (!trusted || READ_ONCE(a->trusted));
}

int vfull_addr_port_init(struct vfull_port *port);
void vfull_addr_port_destroy(struct vfull_port *port);
void vfull_addr_flush(struct vfull_dev *child);
void vfull_addr_resync(struct vfull_dev *child);
int vfull_addr_init(void);
void vfull_addr_exit(void);

/* clients.c APIs: */
void vfull_wait_child_sent(struct vfull_dev *child, struct sk_buff *skb);
void vfull_wait_host_sent(struct vfull_port *port, const struct sk_buff *skb);
struct vfull_dev *vfull_wait_dhcp_reply(struct vfull_port *port,
					const struct sk_buff *skb,
				      unsigned int off);
void vfull_wait_probe_reply(struct vfull_port *port, struct sk_buff *skb);
void vfull_wait_flush(struct vfull_dev *child);
int vfull_wait_port_init(struct vfull_port *port);
void vfull_wait_port_destroy(struct vfull_port *port);

/* mac.c APIs: */
struct vfull_dev *vfull_mac_lookup_rcu(struct vfull_port *port, const u8 *addr);
int vfull_mac_fit(const struct net_device *parent,
		  struct netlink_ext_ack *extack);
bool vfull_mac_owned(struct vfull_port *port, const u8 *addr);
bool vfull_mac_taken(const struct net_device *parent, const u8 *addr);
void vfull_mac_refill(struct vfull_port *port);
void vfull_mac_publish(struct vfull_dev *child);
void vfull_mac_unpublish(struct vfull_dev *child);
int vfull_mac_open(struct vfull_dev *child);
void vfull_mac_stop(struct vfull_dev *child);
int vfull_mac_set(struct net_device *dev, void *p);

/* trust.c APIs: */
struct vfull_allow;
bool vfull_host_holds(const struct vfull_port *port, const struct in6_addr *ip);
bool vfull_allow_permits(struct vfull_dev *child, const struct in6_addr *ip,
			 bool *trusted);
struct vfull_allow *vfull_allow_parse(const struct nlattr *nest,
				      struct netlink_ext_ack *extack);
void vfull_allow_set(struct vfull_dev *child, struct vfull_allow *al);
void vfull_allow_free(struct vfull_dev *child);
int vfull_allow_fill(struct sk_buff *skb, struct vfull_dev *child);
size_t vfull_allow_size(void);
void vfull_grant_set(struct vfull_dev *child, const struct in6_addr *ip);
bool vfull_grant_take(struct vfull_dev *child, const struct in6_addr *ip);

/*
 * May the caller act on @parent's traffic? A container's root holds
 * CAP_NET_ADMIN over its own namespace only. In the caller's context.
 */
static inline bool vfull_capable(const struct net_device *parent)
{
	return ns_capable(dev_net(parent)->user_ns, CAP_NET_ADMIN);
}

#endif /* VIRT_FULL_H */
