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
 * and macvlan do it. What doesn't fit in the queue is dropped; the
 * parent and the wire have the frame.
 *
 * The queue is shared by sender. A child may be handed to a container
 * that floods broadcasts: with one bound for all, its flood would fill
 * the queue and every other child would lose its copies of the wire's
 * router advertisements, DHCP offers and ARP. So the wire's and the
 * host's frames have room of their own (what doesn't fit is counted in
 * port_bc_dropped), and the children's are counted in buckets by sender,
 * as SFQ counts flows, each with a small share (what doesn't fit is
 * counted in the sender's drop_bc_share). A flood costs its sender its
 * own copies, and those of the few children that share its bucket.
 *
 * Only frames some child listens for are queued: the port keeps the union
 * of its running children's filters. The port cancels the work and
 * purges the queue when it goes.
 */

#include <linux/etherdevice.h>

#include "virt_full.h"

/*
 * How many frames from the wire or the host may wait for their copies, per
 * port (ipvlan's figure for its one queue).
 */
#define VIRT_BC_QUEUE_LEN 1000
/*
 * How many of a bucket's (a child's, mostly) may wait: a burst of ARP
 * requests, not a flood. All the buckets together hold about what the
 * wire's room does.
 */
#define VIRT_BC_SHARE 16

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
 * A child's bucket: its id, unique within the port and handed out
 * lowest first, so that the first VIRT_BC_BUCKETS children have one each;
 * past those, children share one. Given when the host made the child:
 * a container can't choose its bucket. The bucket, not the child, is
 * counted: a queued frame may outlive its sender.
 */
static unsigned int virt_bc_bucket(const struct virt_dev *child)
{
	return child->id % VIRT_BC_BUCKETS;
}

/*
 * Has the queue room for one more frame from @from (a child, in @bucket;
 * or the wire or the host, when NULL)? Read locklessly first, so that a
 * flood is dropped before its clone; again under the queue's lock.
 */
static bool virt_bc_room(const struct virt_port *port,
			 const struct virt_dev *from, unsigned int bucket)
{
	if (!from)
		return READ_ONCE(port->bc_wire) < VIRT_BC_QUEUE_LEN;
	return READ_ONCE(port->bc_share[bucket]) < VIRT_BC_SHARE;
}

/*
 * Queue a clone of @skb for the children listening, @from aside. @sent: a
 * frame sent by @from (a child, or the host when NULL), skb->data at its
 * MAC header; else one the parent received, skb->data after it. @skb is
 * not consumed.
 */
void virt_bc_enqueue(struct virt_port *port, struct sk_buff *skb,
		     struct virt_dev *from, bool sent)
{
	unsigned int bucket = from ? virt_bc_bucket(from) : 0;
	struct sk_buff *nskb;

	virt_assert_bh();
	if (list_empty(&port->children) ||
	    !test_bit(virt_mc_hash(eth_hdr(skb)->h_dest), port->mc_filter))
		return;
	if (!virt_bc_room(port, from, bucket))
		goto full;
	nskb = skb_clone(skb, GFP_ATOMIC);
	if (!nskb) {
		/* No memory: a child's frame is counted in its drop_clone,
		 * the wire's or the host's with those that found no room.
		 */
		if (from)
			virt_stats_inc(from, VIRT_DROP_CLONE);
		else
			virt_port_stats_inc(port, VIRT_PORT_BC_DROPPED);
		return;
	}
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
	if (virt_bc_room(port, from, bucket)) {
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
		virt_stats_inc(from, VIRT_DROP_BC_SHARE);
	else
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

/* The copies of one queued frame. */
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

	virt_assert_rcu();
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

/*
 * A copy of one of the parent's frames for each mirror child: what it
 * received (@output false: skb->data at the network header) or, for those
 * that asked, what it sent (@output true: at the MAC header). The copy is
 * for the mirror's taps and counters only: PACKET_OTHERHOST keeps its
 * stack from acting on it.
 */
void virt_mirror(struct virt_port *port, struct sk_buff *skb, bool output)
{
	struct virt_dev *m;
	struct sk_buff *nskb;
	unsigned int len;

	list_for_each_entry_rcu(m, &port->mirrors, pnode) {
		if (!netif_running(m->dev) || (output && !READ_ONCE(m->mirror_tx)))
			continue;
		nskb = skb_clone(skb, GFP_ATOMIC);
		if (!nskb) {
			virt_stats_inc(m, VIRT_DROP_CLONE);
			continue;
		}
		/* Scrub while nskb->dev is still the parent (eth_type_trans()
		 * below changes it). A copy goes to taps, never to a route:
		 * the parent's output may hold its dst without a reference.
		 */
		virt_rx_cross(nskb, m->dev);
		skb_dst_drop(nskb);
		if (output)
			nskb->protocol = eth_type_trans(nskb, m->dev);
		nskb->dev = m->dev;
		nskb->pkt_type = PACKET_OTHERHOST;
		len = nskb->len + ETH_HLEN;
		if (netif_rx(nskb) == NET_RX_SUCCESS)
			virt_stats_rx(m, len, false, VIRT_RX_MIRROR);
		else
			virt_stats_inc(m, VIRT_DROP_BACKLOG);
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
	/* Nothing waits any more: every sender's room is whole again. */
	WRITE_ONCE(port->bc_wire, 0);
	memset(port->bc_share, 0, sizeof(port->bc_share));
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
 * on a NIC.
 */
void virt_bc_filter_update(struct virt_port *port)
{
	DECLARE_BITMAP(filter, VIRT_MC_FILTER_SIZE);
	struct virt_dev *child;

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

void virt_bc_port_init(struct virt_port *port)
{
	BUILD_BUG_ON(VIRT_BC_QUEUE_LEN > U16_MAX || VIRT_BC_SHARE > U8_MAX);
	skb_queue_head_init(&port->bc_queue);
	INIT_WORK(&port->bc_work, virt_bc_work);
	spin_lock_init(&port->mc_lock);
}

/* Once nothing can queue any more (no receive handler, no egress hook, no
 * child): the frames still waiting go unsent.
 */
void virt_bc_port_destroy(struct virt_port *port)
{
	cancel_work_sync(&port->bc_work);
	skb_queue_purge(&port->bc_queue);
}
