// SPDX-License-Identifier: GPL-2.0
/*
 * Receive: the demux on the parent.
 *
 * Every frame the parent receives passes through virt_port_handle_frame().
 * Unicast IPv4 and IPv6 to a child's address, ARP whose target is a
 * child's address, and NDP (NS, DAD included, and NA) for a child's
 * address go to that child alone. Broadcast and multicast go to the parent
 * and, as copies, to every child that is up and listening. Everything else
 * stays with the parent, malformed frames included: its own stack checks
 * and counts them. A header is read only after pskb_may_pull() or
 * skb_headlen() says it is there, and trusted only after its fields are
 * checked; unicast IP whose destination's slot in the address filter holds
 * no child's address is the parent's, its header read no further.
 */

#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/ipv6.h>
#include <net/ndisc.h>

#include "virt_full.h"

/*
 * The frame of the parent's that *pskb points to, made our own if a tap
 * holds a reference to it too; NULL (and counted) if there was no memory
 * for that, the frame is then gone.
 */
static __always_inline struct sk_buff *
virt_rx_unshare(struct virt_port *port, struct sk_buff **pskb)
{
	struct sk_buff *skb = skb_share_check(*pskb, GFP_ATOMIC);

	if (unlikely(!skb)) {
		virt_port_stats_inc(port, VIRT_PORT_DROPPED);
		return NULL;
	}
	*pskb = skb;
	return skb;
}

/* The frame is @child's alone, for reason @why: receive it again, as the
 * child's.
 */
static rx_handler_result_t virt_rx_steer(struct virt_port *port,
					 struct virt_dev *child,
					 struct sk_buff *skb, enum virt_stat why)
{
	virt_rx_cross(skb, child->dev);
	skb->dev = child->dev;
	/* For its own MAC: for the child, as eth_type_trans() would say. */
	if (why == VIRT_RX_MAC)
		skb->pkt_type = PACKET_HOST;
	virt_stats_rx(child, skb->len + ETH_HLEN,
		      skb->pkt_type == PACKET_MULTICAST, why);
	/* Counted here too, per frame, so that ethtool -S reads the port's
	 * total per CPU under RTNL, not every child's: a container looping
	 * it on a port of a thousand children would hold RTNL that long.
	 */
	virt_port_stats_inc(port, VIRT_PORT_STEERED);
	return RX_HANDLER_ANOTHER;
}

/* The frame *pskb points to is @child's: made ours, and steered. */
static __always_inline rx_handler_result_t
virt_rx_take(struct virt_port *port, struct virt_dev *child,
	     struct sk_buff **pskb, enum virt_stat why)
{
	struct sk_buff *skb = virt_rx_unshare(port, pskb);

	if (!skb)
		return RX_HANDLER_CONSUMED;
	return virt_rx_steer(port, child, skb, why);
}

/* The own-mac child that is up and whose MAC @skb is for, or NULL. */
static struct virt_dev *virt_rx_own_mac(struct virt_port *port,
					struct sk_buff *skb)
{
	struct virt_dev *child;

	if (!READ_ONCE(port->own_macs))
		return NULL;
	child = virt_mac_lookup_rcu(port, eth_hdr(skb)->h_dest);
	return child && virt_child_up(child) ? child : NULL;
}

/*
 * For the parent's MAC and no child's address (@key): the reply to a
 * child's DHCP request, which is that child's, or to its ARP probe, of
 * which it gets a copy (clients.c).
 */
static struct virt_dev *virt_rx_client_reply(struct virt_port *port,
					     struct sk_buff *skb,
					     const struct in6_addr *key)
{
	if (skb->pkt_type != PACKET_HOST)
		return NULL;
	if (skb->protocol == htons(ETH_P_IP))
		return virt_wait_dhcp_reply(port, skb, 0);
	if (skb->protocol == htons(ETH_P_ARP) && !key->s6_addr32[3])
		virt_wait_probe_reply(port, skb);
	return NULL;
}

/*
 * A broadcast or multicast for the children listening (bcast.c), unless
 * it is ours come back: our MAC is the parent's and its children's, and
 * what the parent or a child sent has reached the children already (the
 * egress hook and tx.c see to that), so a frame from our MAC is either
 * a child's, given to the parent's stack by tx.c, or a reflection from
 * the wire. Whatever its source address: a DHCP discover from 0.0.0.0 or
 * a DAD probe from :: is no different. Pause and other link-local control
 * frames are the parent's alone.
 */
static void virt_rx_multicast(struct virt_port *port, struct sk_buff *skb)
{
	const struct ethhdr *eth = eth_hdr(skb);

	if (ether_addr_equal(eth->h_source, port->dev->dev_addr) ||
	    is_link_local_ether_addr(eth->h_dest))
		return;
	/* An own-mac child's MAC is ours as well. */
	if (READ_ONCE(port->own_macs) && virt_mac_lookup_rcu(port, eth->h_source))
		return;
	virt_bc_enqueue(port, skb, NULL, false);
}

/*
 * The last word of the IPv4 or IPv6 destination of @skb, if its header is
 * in the linear part: what picks the address filter's slot. Nothing else
 * of the header is read or trusted yet: a frame whose slot holds no
 * address is the parent's, whatever the rest says (its stack checks).
 */
static __always_inline bool virt_rx_daddr_last(const struct sk_buff *skb,
					       __be32 *last)
{
	switch (skb->protocol) {
	case htons(ETH_P_IP):
		if (skb_headlen(skb) < sizeof(struct iphdr))
			return false;
		*last = ((const struct iphdr *)skb->data)->daddr;
		return true;
	case htons(ETH_P_IPV6):
		/* Multicast (a neighbour advertisement to all nodes, sent
		 * to our MAC by a bridge that converts multicast to unicast)
		 * is steered by its target: the whole way.
		 */
		if (skb_headlen(skb) < sizeof(struct ipv6hdr) ||
		    ipv6_addr_is_multicast(&((const struct ipv6hdr *)skb->data)->daddr))
			return false;
		*last = ((const struct ipv6hdr *)skb->data)->daddr.s6_addr32[3];
		return true;
	}
	return false;
}

/*
 * The destination of @skb, an IPv4 or unicast IPv6 frame whose header is
 * in the linear part (virt_rx_daddr_last() said so), if it is untagged
 * and the header well formed: the IPv6 one in @daddr6, or NULL for IPv4;
 * false for anything else.
 */
static __always_inline bool virt_rx_daddr(const struct sk_buff *skb,
					  const struct in6_addr **daddr6)
{
	const struct ipv6hdr *ip6h;
	const struct iphdr *iph;
	unsigned int len;

	if (skb_vlan_tag_present(skb))
		return false;
	if (skb->protocol == htons(ETH_P_IP)) {
		iph = (const struct iphdr *)skb->data;
		if (iph->ihl < 5 || iph->version != 4)
			return false;
		len = ntohs(iph->tot_len);
		if (len < iph->ihl * 4 || len > skb->len)
			return false;
		*daddr6 = NULL;
		return true;
	}
	ip6h = (const struct ipv6hdr *)skb->data;
	if (ip6h->version != 6 || ipv6_addr_v4mapped(&ip6h->daddr))
		return false;
	len = ntohs(ip6h->payload_len);
	if (!len || len > skb->len - sizeof(*ip6h))
		return false;
	*daddr6 = &ip6h->daddr;
	return true;
}

/* The demux, for every frame that may be a child's or a mirror's. */
static noinline rx_handler_result_t virt_rx_demux(struct sk_buff **pskb,
						  struct virt_port *port)
{
	struct sk_buff *skb = *pskb;
	struct virt_dev *child;
	struct in6_addr key;
	enum virt_key k;

	/*
	 * Looped-back copies of the parent's own output (multicast it sent)
	 * have no Ethernet header, and were not received: not counted.
	 */
	if (unlikely(skb->pkt_type == PACKET_LOOPBACK))
		return RX_HANDLER_PASS;
	if (!list_empty(&port->mirrors))
		virt_mirror(port, skb, false);

	/* VLAN frames belong to the parent's VLAN devices, if it has any;
	 * frames for another MAC to the own-mac child that has it, or to
	 * nobody here (a promiscuous parent).
	 */
	if (unlikely(skb_vlan_tag_present(skb) || eth_type_vlan(skb->protocol)))
		goto pass;
	if (unlikely(skb->pkt_type == PACKET_OTHERHOST)) {
		child = virt_rx_own_mac(port, skb);
		if (child)
			return virt_rx_take(port, child, pskb, VIRT_RX_MAC);
		goto pass;
	}

	/*
	 * A tap (tcpdump on the parent) may hold a reference to the frame,
	 * which must then be unshared before anything changes it: a pull
	 * in virt_get_key(), which only happens where the headers are not
	 * in the linear part yet, or a child taking it. The frames that
	 * stay with the parent are, nearly all, only read.
	 */
	if (unlikely(skb_shared(skb)) && skb_is_nonlinear(skb) &&
	    skb_headlen(skb) < VIRT_KEY_MAX_PULL) {
		skb = virt_rx_unshare(port, pskb);
		if (!skb)
			return RX_HANDLER_CONSUMED;
	}

	k = virt_get_key(skb, skb->protocol, 0, &key, NULL);
	if (k >= VIRT_KEY_DADDR) {
		child = virt_addr_lookup_rcu(port, &key);
		if (child)
			return virt_rx_take(port, child, pskb,
					    k == VIRT_KEY_DADDR ? VIRT_RX_ADDR :
								  VIRT_RX_ARP_NDP);
		child = virt_rx_client_reply(port, skb, &key);
		if (child)
			return virt_rx_take(port, child, pskb, VIRT_RX_DHCP);
	} else if (unlikely(k == VIRT_KEY_BAD)) {
		virt_port_stats_inc(port, VIRT_PORT_MALFORMED);
	}
	if (skb->pkt_type != PACKET_HOST)
		virt_rx_multicast(port, skb);
pass:
	virt_port_stats_inc(port, VIRT_PORT_PASSED);
	return RX_HANDLER_PASS;
}

/*
 * The short way's frames whose destination (last word @last) has a slot
 * in the address filter that holds addresses: checked now, and taken by
 * the child that holds the destination, as in the demux; else the
 * parent's. The rest takes the whole way.
 */
static noinline rx_handler_result_t
virt_rx_addressed(struct sk_buff **pskb, struct virt_port *port, __be32 last)
{
	const struct in6_addr *daddr6;
	struct virt_dev *child;
	struct in6_addr key;

	if (!virt_rx_daddr(*pskb, &daddr6))
		return virt_rx_demux(pskb, port);
	if (daddr6)
		key = *daddr6;
	else
		ipv6_addr_set_v4mapped(last, &key);
	child = virt_addr_lookup_rcu(port, &key);
	if (child)
		return virt_rx_take(port, child, pskb, VIRT_RX_ADDR);
	virt_port_stats_inc(port, VIRT_PORT_PASSED);
	return RX_HANDLER_PASS;
}

/*
 * May @skb, unicast IP with its header in the linear part, take the short
 * way? Not while a mirror wants every frame, nor, while a child waits for
 * a DHCP reply to an address it doesn't hold yet, if it is IPv4 UDP.
 */
static __always_inline bool virt_rx_short(const struct virt_port *port,
					  const struct sk_buff *skb)
{
	unsigned long slow = READ_ONCE(port->rx_slow);

	if (likely(!slow))
		return true;
	if (slow & BIT(VIRT_SLOW_MIRROR))
		return false;
	return skb->protocol != htons(ETH_P_IP) ||
	       ((const struct iphdr *)skb->data)->protocol != IPPROTO_UDP;
}

/*
 * The receive handler on the parent, after the parent's taps and before
 * any protocol handler. virt_port_get_rcu() checks for rcu_read_lock().
 */
rx_handler_result_t virt_port_handle_frame(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct virt_port *port = virt_port_get_rcu(skb->dev);
	__be32 last;

	/* The short way: unicast IP, its header in the linear part. The
	 * parent's own traffic leaves on the address filter, having cost
	 * no stack frame and no header check here.
	 */
	if (likely(skb->pkt_type == PACKET_HOST &&
		   virt_rx_daddr_last(skb, &last) && virt_rx_short(port, skb))) {
		if (READ_ONCE(port->addr_filter[virt_addr_slot_last(last)]))
			return virt_rx_addressed(pskb, port, last);
		virt_port_stats_inc(port, VIRT_PORT_PASSED);
		return RX_HANDLER_PASS;
	}
	/* The rest (for the mirrors, ARP, NDP, broadcast, multicast, or not
	 * linear) takes the whole way.
	 */
	return virt_rx_demux(pskb, port);
}
