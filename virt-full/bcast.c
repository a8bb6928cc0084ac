// SPDX-License-Identifier: GPL-2.0
/*
 * Broadcast and multicast copies for the children, made by a work item.
 *
 * A broadcast reaches every child listening: one copy per child. Made in
 * softirq, a thousand copies of one foreign ARP request would fill the
 * CPU's receive backlog at once and drop unrelated traffic with them. So
 * the demux (a frame the parent received) and the transmit paths (a frame
 * a child or the host sent) queue one clone per frame on the port, and a
 * work item makes the copies in process context, with BHs enabled again
 * after each, which lets the backlog drain in between: the way ipvlan
 * and macvlan do it. What doesn't fit in the queue is counted
 * (port_bc_dropped) and dropped; the parent and the wire have the frame.
 *
 * Only frames some child listens for are queued: the port keeps the union
 * of its running children's filters. The queue's lock serialises the
 * queue; the worker reads the children list under RCU. The port cancels
 * the work and purges the queue when it goes.
 */

#include <linux/etherdevice.h>

#include "virt_full.h"

/* How many frames may wait for their copies, per port (ipvlan's figure). */
#define VIRT_BC_QUEUE_LEN 1000

/* A queued frame: who sent it, and where its data starts. */
struct virt_bc_cb {
	const struct virt_dev *from;	/* the child, or NULL; only compared */
	bool sent;			/* data at the MAC header, not after it */
};

static struct virt_bc_cb *virt_bc_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct virt_bc_cb) > sizeof(skb->cb));
	return (struct virt_bc_cb *)skb->cb;
}

/*
 * Queue a clone of @skb for the children listening, @from aside. @sent: a
 * frame sent by @from (a child, or the host when NULL), skb->data at its
 * MAC header; else one the parent received, skb->data after it. Any
 * context with BHs off (softirq, or the transmit path). @skb is not
 * consumed.
 */
void virt_bc_enqueue(struct virt_port *port, struct sk_buff *skb,
		     const struct virt_dev *from, bool sent)
{
	struct sk_buff *nskb;

	if (list_empty(&port->children) ||
	    !test_bit(virt_mc_hash(eth_hdr(skb)->h_dest), port->mc_filter))
		return;
	if (skb_queue_len_lockless(&port->bc_queue) >= VIRT_BC_QUEUE_LEN)
		goto drop;
	nskb = skb_clone(skb, GFP_ATOMIC);
	if (!nskb)
		goto drop;
	/* A child's frame leaves its namespace here; the copies carry none
	 * of its marks or conntrack. None needs a route: the host's output
	 * may hold its dst without a reference, which must not outlive this
	 * RCU section. The parent outlives the queue.
	 */
	if (from && !net_eq(dev_net(from->dev), dev_net(port->dev)))
		skb_scrub_packet(nskb, true);
	skb_dst_drop(nskb);
	nskb->dev = port->dev;
	virt_bc_cb(nskb)->from = from;
	virt_bc_cb(nskb)->sent = sent;

	spin_lock(&port->bc_queue.lock);
	if (skb_queue_len(&port->bc_queue) < VIRT_BC_QUEUE_LEN) {
		__skb_queue_tail(&port->bc_queue, nskb);
		nskb = NULL;
	}
	spin_unlock(&port->bc_queue.lock);
	if (!nskb) {
		schedule_work(&port->bc_work);
		return;
	}
	kfree_skb(nskb);
drop:
	virt_port_stats_inc(port, VIRT_PORT_BC_DROPPED);
}

/*
 * A copy (@nskb) of a queued frame, handed to @child's stack right here,
 * as tun does from process context (BHs off): through no receive backlog,
 * so a thousand copies can't overflow one. (netif_rx() and a
 * local_bh_enable() after each copy drained the backlog on 6.12; before
 * 6.5, a busy ksoftirqd keeps softirqs from running there, and a storm
 * filled it.) False if the copy was dropped before the stack, too big for
 * the child's MTU: the core counts that in the child's rx_dropped.
 */
static bool virt_bc_give(struct virt_dev *child, struct sk_buff *nskb,
			 bool sent)
{
	memset(nskb->cb, 0, sizeof(nskb->cb));
	if (sent) {
		/* Scrubs when it crosses namespaces, sets the protocol. */
		if (__dev_forward_skb(child->dev, nskb))
			return false;
	} else {
		virt_rx_cross(nskb, child->dev);
		nskb->dev = child->dev;
	}
	netif_receive_skb(nskb);
	return true;
}

/* The copies of one queued frame. Under RCU. */
static void virt_bc_deliver(struct virt_port *port, struct sk_buff *skb)
{
	const struct ethhdr *eth = eth_hdr(skb);
	unsigned int bit = virt_mc_hash(eth->h_dest);
	bool mcast = !is_broadcast_ether_addr(eth->h_dest);
	const struct virt_dev *from = virt_bc_cb(skb)->from;
	bool sent = virt_bc_cb(skb)->sent;
	unsigned int len = sent ? skb->len : skb->len + ETH_HLEN;
	struct virt_dev *child;
	struct sk_buff *nskb;

	list_for_each_entry_rcu(child, &port->children, pnode) {
		if (child == from || !netif_running(child->dev) ||
		    !test_bit(bit, child->mc_filter))
			continue;
		/* The host's own: for children in other namespaces only, whom
		 * the egress hook serves (host.c); one in the host's shares
		 * its stack, whatever other children there are.
		 */
		if (sent && !from && !virt_host_needs(port, child))
			continue;
		/* BHs off: the counters are per CPU, and the stack expects
		 * them off; on again after each copy, for the softirqs.
		 */
		local_bh_disable();
		nskb = skb_clone(skb, GFP_ATOMIC);
		if (!nskb)
			virt_stats_inc(child, VIRT_DROP_CLONE);
		else if (virt_bc_give(child, nskb, sent))
			virt_stats_rx(child, len, mcast, VIRT_RX_COPY);
		else
			virt_stats_inc(child, VIRT_DROP_BACKLOG);
		local_bh_enable();
	}
}

static void virt_bc_work(struct work_struct *work)
{
	struct virt_port *port = container_of(work, struct virt_port, bc_work);
	struct sk_buff_head list;
	struct sk_buff *skb;

	__skb_queue_head_init(&list);
	spin_lock_bh(&port->bc_queue.lock);
	skb_queue_splice_tail_init(&port->bc_queue, &list);
	spin_unlock_bh(&port->bc_queue.lock);

	while ((skb = __skb_dequeue(&list))) {
		rcu_read_lock();
		virt_bc_deliver(port, skb);
		rcu_read_unlock();
		consume_skb(skb);
		cond_resched();
	}
}

/*
 * The union of the running children's multicast filters: which frames
 * any child listens for. Recomputed whenever a child's filter changes,
 * the child goes down or leaves (two may at once: mc_lock orders them);
 * read locklessly by virt_bc_enqueue(), where a stale bit costs a frame
 * queued for nobody, or a copy missed while a group is being joined, as
 * on a NIC. Any context but hard IRQ.
 */
void virt_bc_filter_update(struct virt_port *port)
{
	DECLARE_BITMAP(filter, VIRT_MC_FILTER_SIZE);
	struct virt_dev *child;

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

void virt_bc_port_init(struct virt_port *port)
{
	skb_queue_head_init(&port->bc_queue);
	INIT_WORK(&port->bc_work, virt_bc_work);
	spin_lock_init(&port->mc_lock);
}

/* Once nothing can queue any more (no receive handler, no egress hook, no
 * child): the frames still waiting go unsent. RTNL.
 */
void virt_bc_port_destroy(struct virt_port *port)
{
	cancel_work_sync(&port->bc_work);
	skb_queue_purge(&port->bc_queue);
}
