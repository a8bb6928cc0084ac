// SPDX-License-Identifier: GPL-2.0
/*
 * Copies for the children: broadcast and multicast, made by a work item as
 * ipvlan and macvlan do (in softirq, a thousand copies of one ARP request
 * would fill the backlog), and the mirrors'. The queue is shared by
 * sender, as SFQ shares by flow: the wire and the host have room of their
 * own, and each bucket of children a small share, so that a container's
 * flood costs only its own copies.
 */

#include <linux/etherdevice.h>

#include "virt_full.h"

/* ipvlan's figure for its one queue. */
#define VIRT_BC_QUEUE_LEN 1000
/* A burst of ARP requests, not a flood; all buckets, about the wire's. */
#define VIRT_BC_SHARE 16

struct vfull_bc_cb {
	const struct vfull_dev *from;	/* the child, or NULL; only compared */
	bool sent;			/* data at the MAC header, not after it */
};

static struct vfull_bc_cb *vfull_bc_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct vfull_bc_cb) > sizeof(skb->cb));
	return (struct vfull_bc_cb *)skb->cb;
}

/*
 * Ids are handed out lowest first by the host: the first children have a
 * bucket each, and a container can't choose its own.
 */
static unsigned int vfull_bc_bucket(const struct vfull_dev *child)
{
	return child->id % VIRT_BC_BUCKETS;
}

/* Read locklessly first, so that a flood is dropped before its clone. */
static bool vfull_bc_room(const struct vfull_port *port,
			  const struct vfull_dev *from, unsigned int bucket)
{
	if (!from)
		return READ_ONCE(port->bc_wire) < VIRT_BC_QUEUE_LEN;
	return READ_ONCE(port->bc_share[bucket]) < VIRT_BC_SHARE;
}

/*
 * @from: the child that sent @skb, NULL for the host or the wire. @sent:
 * skb->data at the MAC header, not after it. @skb is not consumed.
 */
void vfull_bc_enqueue(struct vfull_port *port, struct sk_buff *skb,
		      struct vfull_dev *from, bool sent)
{
	unsigned int bucket = from ? vfull_bc_bucket(from) : 0;
	struct sk_buff *nskb;

	vfull_assert_bh();
	if (list_empty(&port->children) ||
	    !test_bit(vfull_mc_hash(eth_hdr(skb)->h_dest), port->mc_filter))
		return;
	if (!vfull_bc_room(port, from, bucket))
		goto full;
	nskb = skb_clone(skb, GFP_ATOMIC);
	if (!nskb) {
		if (from)
			vfull_stats_inc(from, VIRT_DROP_CLONE);
		else
			vfull_port_stats_inc(port, VIRT_PORT_BC_DROPPED);
		return;
	}
	/* The host's output may hold its dst without a reference, which
	 * must not outlive this RCU section.
	 */
	if (from && !net_eq(dev_net(from->dev), dev_net(port->dev)))
		skb_scrub_packet(nskb, true);
	skb_dst_drop(nskb);
	nskb->dev = port->dev;
	vfull_bc_cb(nskb)->from = from;
	vfull_bc_cb(nskb)->sent = sent;

	spin_lock(&port->bc_queue.lock);
	if (vfull_bc_room(port, from, bucket)) {
		if (from)
			WRITE_ONCE(port->bc_share[bucket],
				   port->bc_share[bucket] + 1);
		else
			WRITE_ONCE(port->bc_wire, port->bc_wire + 1);
		__skb_queue_tail(&port->bc_queue, nskb);
		nskb = NULL;
	}
	spin_unlock(&port->bc_queue.lock);
	if (!nskb) {
		schedule_work(&port->bc_work);
		return;
	}
	kfree_skb(nskb);
full:
	if (from)
		vfull_stats_inc(from, VIRT_DROP_BC_SHARE);
	else
		vfull_port_stats_inc(port, VIRT_PORT_BC_DROPPED);
}

/*
 * Through no receive backlog, as tun does from process context: before
 * 6.5 a busy ksoftirqd kept local_bh_enable() from draining it, and a
 * storm filled it. False if dropped for the child's MTU (rx_dropped).
 */
static bool vfull_bc_give(struct vfull_dev *child, struct sk_buff *nskb,
			  bool sent)
{
	memset(nskb->cb, 0, sizeof(nskb->cb));
	if (sent) {
		if (__dev_forward_skb(child->dev, nskb))
			return false;
	} else {
		vfull_rx_cross(nskb, child->dev);
		nskb->dev = child->dev;
	}
	netif_receive_skb(nskb);
	return true;
}

static void vfull_bc_deliver(struct vfull_port *port, struct sk_buff *skb)
{
	const struct ethhdr *eth = eth_hdr(skb);
	unsigned int bit = vfull_mc_hash(eth->h_dest);
	bool mcast = !is_broadcast_ether_addr(eth->h_dest);
	const struct vfull_dev *from = vfull_bc_cb(skb)->from;
	bool sent = vfull_bc_cb(skb)->sent;
	unsigned int len = sent ? skb->len : skb->len + ETH_HLEN;
	struct vfull_dev *child;
	struct sk_buff *nskb;

	vfull_assert_rcu();
	list_for_each_entry_rcu(child, &port->children, pnode) {
		if (child == from || !netif_running(child->dev) ||
		    !test_bit(bit, child->mc_filter))
			continue;
		/* A child in the host's namespace shares its stack. */
		if (sent && !from && !vfull_host_needs(port, child))
			continue;
		/* On again after each copy, for the softirqs. */
		local_bh_disable();
		nskb = skb_clone(skb, GFP_ATOMIC);
		if (!nskb)
			vfull_stats_inc(child, VIRT_DROP_CLONE);
		else if (vfull_bc_give(child, nskb, sent))
			vfull_stats_rx(child, len, mcast, VIRT_RX_COPY);
		else
			vfull_stats_inc(child, VIRT_DROP_BACKLOG);
		local_bh_enable();
	}
}

/*
 * For the mirror's taps only: PACKET_OTHERHOST keeps its stack from
 * acting on the copy. @output: sent, skb->data at the MAC header.
 */
void vfull_mirror(struct vfull_port *port, struct sk_buff *skb, bool output)
{
	struct vfull_dev *m;
	struct sk_buff *nskb;
	unsigned int len;

	list_for_each_entry_rcu(m, &port->mirrors, pnode) {
		if (!netif_running(m->dev) || (output && !READ_ONCE(m->mirror_tx)))
			continue;
		nskb = skb_clone(skb, GFP_ATOMIC);
		if (!nskb) {
			vfull_stats_inc(m, VIRT_DROP_CLONE);
			continue;
		}
		/* Scrub while nskb->dev is still the parent; the output's
		 * dst may be held without a reference.
		 */
		vfull_rx_cross(nskb, m->dev);
		skb_dst_drop(nskb);
		if (output)
			nskb->protocol = eth_type_trans(nskb, m->dev);
		nskb->dev = m->dev;
		nskb->pkt_type = PACKET_OTHERHOST;
		len = nskb->len + ETH_HLEN;
		if (netif_rx(nskb) == NET_RX_SUCCESS)
			vfull_stats_rx(m, len, false, VIRT_RX_MIRROR);
		else
			vfull_stats_inc(m, VIRT_DROP_BACKLOG);
	}
}

static void vfull_bc_work(struct work_struct *work)
{
	struct vfull_port *port = container_of(work, struct vfull_port, bc_work);
	struct sk_buff_head list;
	struct sk_buff *skb;

	__skb_queue_head_init(&list);
	spin_lock_bh(&port->bc_queue.lock);
	skb_queue_splice_tail_init(&port->bc_queue, &list);
	WRITE_ONCE(port->bc_wire, 0);
	memset(port->bc_share, 0, sizeof(port->bc_share));
	spin_unlock_bh(&port->bc_queue.lock);

	while ((skb = __skb_dequeue(&list))) {
		rcu_read_lock();
		vfull_bc_deliver(port, skb);
		rcu_read_unlock();
		consume_skb(skb);
		cond_resched();
	}
}

/*
 * Read locklessly: a stale bit costs a frame queued for nobody, or a copy
 * missed while a group is being joined, as on a NIC.
 */
void vfull_bc_filter_update(struct vfull_port *port)
{
	DECLARE_BITMAP(filter, VIRT_MC_FILTER_SIZE);
	struct vfull_dev *child;

	lockdep_assert_irqs_enabled();
	bitmap_zero(filter, VIRT_MC_FILTER_SIZE);
	spin_lock_bh(&port->mc_lock);
	rcu_read_lock();
	list_for_each_entry_rcu(child, &port->children, pnode)
		if (netif_running(child->dev))
			bitmap_or(filter, filter, child->mc_filter,
				  VIRT_MC_FILTER_SIZE);
	rcu_read_unlock();
	bitmap_copy(port->mc_filter, filter, VIRT_MC_FILTER_SIZE);
	spin_unlock_bh(&port->mc_lock);
}

void vfull_bc_port_init(struct vfull_port *port)
{
	BUILD_BUG_ON(VIRT_BC_QUEUE_LEN > U16_MAX || VIRT_BC_SHARE > U8_MAX);
	skb_queue_head_init(&port->bc_queue);
	INIT_WORK(&port->bc_work, vfull_bc_work);
	spin_lock_init(&port->mc_lock);
}

void vfull_bc_port_destroy(struct vfull_port *port)
{
	cancel_work_sync(&port->bc_work);
	skb_queue_purge(&port->bc_queue);
}
