// SPDX-License-Identifier: GPL-2.0
/*
 * Receive: the demux on the parent. Unicast IP to a child's address, and
 * ARP and NDP for one, go to that child alone; broadcast and multicast to
 * the parent and, as copies, to the children listening (bcast.c). All
 * else, malformed frames included, is left to the parent's stack.
 */

#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/ipv6.h>
#include <net/ndisc.h>

#include "virt_full.h"

static __always_inline struct sk_buff *
vfull_rx_unshare(struct vfull_port *port, struct sk_buff **pskb)
{
	struct sk_buff *skb = skb_share_check(*pskb, GFP_ATOMIC);

	if (unlikely(!skb)) {
		vfull_port_stats_inc(port, VIRT_PORT_DROPPED);
		return NULL;
	}
	*pskb = skb;
	return skb;
}

static rx_handler_result_t vfull_rx_steer(struct vfull_port *port,
					  struct vfull_dev *child,
					 struct sk_buff *skb, enum vfull_stat why)
{
	vfull_rx_cross(skb, child->dev);
	skb->dev = child->dev;
	if (why == VIRT_RX_MAC)
		skb->pkt_type = PACKET_HOST;
	vfull_stats_rx(child, skb->len + ETH_HLEN,
		       skb->pkt_type == PACKET_MULTICAST, why);
	/* ethtool -S sums these per CPU, not per child. */
	vfull_port_stats_inc(port, VIRT_PORT_STEERED);
	return RX_HANDLER_ANOTHER;
}

static __always_inline rx_handler_result_t
vfull_rx_take(struct vfull_port *port, struct vfull_dev *child,
	      struct sk_buff **pskb, enum vfull_stat why)
{
	struct sk_buff *skb = vfull_rx_unshare(port, pskb);

	if (!skb)
		return RX_HANDLER_CONSUMED;
	return vfull_rx_steer(port, child, skb, why);
}

static struct vfull_dev *vfull_rx_own_mac(struct vfull_port *port,
					  struct sk_buff *skb)
{
	struct vfull_dev *child;

	if (!READ_ONCE(port->own_macs))
		return NULL;
	child = vfull_mac_lookup_rcu(port, eth_hdr(skb)->h_dest);
	return child && vfull_child_up(child) ? child : NULL;
}

/* Replies to a child's DHCP request or ARP probe carry no address of it. */
static struct vfull_dev *vfull_rx_client_reply(struct vfull_port *port,
					       struct sk_buff *skb,
					     const struct in6_addr *key)
{
	if (skb->pkt_type != PACKET_HOST)
		return NULL;
	if (skb->protocol == htons(ETH_P_IP))
		return vfull_wait_dhcp_reply(port, skb, 0);
	if (skb->protocol == htons(ETH_P_ARP) && !key->s6_addr32[3])
		vfull_wait_probe_reply(port, skb);
	return NULL;
}

/*
 * What the parent or a child sent reached the children on its way out
 * (tx.c, host.c): a frame from our MAC is one of those come back.
 */
static void vfull_rx_multicast(struct vfull_port *port, struct sk_buff *skb)
{
	const struct ethhdr *eth = eth_hdr(skb);

	if (ether_addr_equal(eth->h_source, port->dev->dev_addr) ||
	    is_link_local_ether_addr(eth->h_dest))
		return;
	if (READ_ONCE(port->own_macs) && vfull_mac_lookup_rcu(port, eth->h_source))
		return;
	vfull_bc_enqueue(port, skb, NULL, false);
}

/*
 * The address filter's key, read unchecked: a frame whose slot holds no
 * address is the parent's whatever the rest says, and its stack checks.
 */
static __always_inline bool vfull_rx_daddr_last(const struct sk_buff *skb,
						__be32 *last)
{
	switch (skb->protocol) {
	case htons(ETH_P_IP):
		if (skb_headlen(skb) < sizeof(struct iphdr))
			return false;
		*last = ((const struct iphdr *)skb->data)->daddr;
		return true;
	case htons(ETH_P_IPV6):
		/* NDP to a multicast address (a bridge may convert it to
		 * unicast) is steered by its target, in the demux.
		 */
		if (skb_headlen(skb) < sizeof(struct ipv6hdr) ||
		    ipv6_addr_is_multicast(&((const struct ipv6hdr *)skb->data)->daddr))
			return false;
		*last = ((const struct ipv6hdr *)skb->data)->daddr.s6_addr32[3];
		return true;
	}
	return false;
}

static __always_inline bool vfull_rx_daddr(const struct sk_buff *skb,
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

static noinline rx_handler_result_t vfull_rx_demux(struct sk_buff **pskb,
						   struct vfull_port *port)
{
	struct sk_buff *skb = *pskb;
	struct vfull_dev *child;
	struct in6_addr key;
	enum vfull_key k;

	/* The parent's own multicast, looped back: no Ethernet header. */
	if (unlikely(skb->pkt_type == PACKET_LOOPBACK))
		return RX_HANDLER_PASS;
	if (!list_empty(&port->mirrors))
		vfull_mirror(port, skb, false);

	if (unlikely(skb_vlan_tag_present(skb) || eth_type_vlan(skb->protocol)))
		goto pass;
	if (unlikely(skb->pkt_type == PACKET_OTHERHOST)) {
		child = vfull_rx_own_mac(port, skb);
		if (child)
			return vfull_rx_take(port, child, pskb, VIRT_RX_MAC);
		goto pass;
	}

	/* A tap may share the frame: unshare it before a pull changes it. */
	if (unlikely(skb_shared(skb)) && skb_is_nonlinear(skb) &&
	    skb_headlen(skb) < VIRT_KEY_MAX_PULL) {
		skb = vfull_rx_unshare(port, pskb);
		if (!skb)
			return RX_HANDLER_CONSUMED;
	}

	k = vfull_get_key(skb, skb->protocol, 0, &key, NULL);
	if (k >= VIRT_KEY_DADDR) {
		child = vfull_addr_lookup_rcu(port, &key);
		if (child)
			return vfull_rx_take(port, child, pskb,
					    k == VIRT_KEY_DADDR ? VIRT_RX_ADDR :
								  VIRT_RX_ARP_NDP);
		child = vfull_rx_client_reply(port, skb, &key);
		if (child)
			return vfull_rx_take(port, child, pskb, VIRT_RX_DHCP);
	} else if (unlikely(k == VIRT_KEY_BAD)) {
		vfull_port_stats_inc(port, VIRT_PORT_MALFORMED);
	}
	if (skb->pkt_type != PACKET_HOST)
		vfull_rx_multicast(port, skb);
pass:
	vfull_port_stats_inc(port, VIRT_PORT_PASSED);
	return RX_HANDLER_PASS;
}

static noinline rx_handler_result_t
vfull_rx_addressed(struct sk_buff **pskb, struct vfull_port *port, __be32 last)
{
	const struct in6_addr *daddr6;
	struct vfull_dev *child;
	struct in6_addr key;

	if (!vfull_rx_daddr(*pskb, &daddr6))
		return vfull_rx_demux(pskb, port);
	if (daddr6)
		key = *daddr6;
	else
		ipv6_addr_set_v4mapped(last, &key);
	child = vfull_addr_lookup_rcu(port, &key);
	if (child)
		return vfull_rx_take(port, child, pskb, VIRT_RX_ADDR);
	vfull_port_stats_inc(port, VIRT_PORT_PASSED);
	return RX_HANDLER_PASS;
}

/*
 * Not while a mirror wants every frame, nor, while a child waits for a
 * DHCP reply to an address it doesn't hold yet, for IPv4 UDP.
 */
static __always_inline bool vfull_rx_fast_ok(const struct vfull_port *port,
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

rx_handler_result_t vfull_port_handle_frame(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct vfull_port *port = vfull_port_get_rcu(skb->dev);
	__be32 last;

	/* Fast path: the parent's own unicast IP leaves on the address
	 * filter, having cost no stack frame and no header check here.
	 */
	if (likely(skb->pkt_type == PACKET_HOST &&
		   vfull_rx_daddr_last(skb, &last) && vfull_rx_fast_ok(port, skb))) {
		if (READ_ONCE(port->addr_filter[vfull_addr_slot_last(last)]))
			return vfull_rx_addressed(pskb, port, last);
		vfull_port_stats_inc(port, VIRT_PORT_PASSED);
		return RX_HANDLER_PASS;
	}
	return vfull_rx_demux(pskb, port);
}
