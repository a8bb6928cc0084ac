// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit (LLTX, no qdisc): out through the parent, except unicast to
 * the shared MAC or an own-mac sibling's, delivered locally to the sibling
 * or the parent's stack; broadcast and multicast go out and are copied to
 * the siblings and the parent's stack. The host's stack believes a child
 * only about the addresses it trusts the child with (trust.c).
 */

#include <linux/etherdevice.h>
#include <linux/icmp.h>
#include <linux/if_vlan.h>
#include <net/ip.h>
#include <net/ndisc.h>

#include "virt_full.h"

static netdev_tx_t vfull_tx_drop(struct vfull_dev *child, struct sk_buff *skb,
				 enum vfull_stat why)
{
	vfull_stats_inc(child, why);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

static netdev_tx_t vfull_tx_wire(struct vfull_dev *child, struct sk_buff *skb)
{
	unsigned int len = skb->len;	/* the skb is gone after the call */
	const struct vfull_port *prev;
	int ret;

	if (!net_eq(dev_net(child->dev), dev_net(child->parent)))
		skb_scrub_packet(skb, true);
	skb->dev = child->parent;
	prev = __this_cpu_read(vfull_xmit_port);
	__this_cpu_write(vfull_xmit_port, child->port);
	ret = dev_queue_xmit(skb);
	__this_cpu_write(vfull_xmit_port, prev);
	/* net_xmit_eval() is a macro that evaluates its argument twice. */
	if (likely(net_xmit_eval(ret) == NET_XMIT_SUCCESS))
		vfull_stats_tx(child, len, VIRT_TX_WIRE);
	else
		vfull_stats_inc(child, VIRT_DROP_TX);
	return NETDEV_TX_OK;
}

static bool vfull_addr_unspecified(const struct in6_addr *ip)
{
	return ipv6_addr_any(ip) ||
	       (ipv6_addr_v4mapped(ip) && !ip->s6_addr32[3]);
}

/*
 * The ICMPv6 type after any extension headers, at *@off: -1 if none (a
 * fragment too: receivers drop fragmented NDP), -2 if unreadable.
 */
static int vfull_tx_icmp6_type(struct sk_buff *skb, int *off)
{
	u8 nexthdr = ((const struct ipv6hdr *)(skb->data + ETH_HLEN))->nexthdr;
	__be16 frag_off;

	*off = ipv6_skip_exthdr(skb, ETH_HLEN + sizeof(struct ipv6hdr), &nexthdr,
				&frag_off);
	if (*off < 0 || nexthdr != IPPROTO_ICMPV6 || frag_off)
		return -1;
	if (!pskb_may_pull(skb, *off + sizeof(struct icmp6hdr)))
		return -2;
	return ((const struct icmp6hdr *)(skb->data + *off))->icmp6_type;
}

static const struct in6_addr *vfull_tx_na_target(struct sk_buff *skb, int off)
{
	if (!pskb_may_pull(skb, off + sizeof(struct nd_msg)))
		return NULL;
	return &((const struct nd_msg *)(skb->data + off))->target;
}

static bool vfull_tx_icmp_redirect(struct sk_buff *skb)
{
	const struct iphdr *iph = (const struct iphdr *)(skb->data + ETH_HLEN);
	unsigned int off = ETH_HLEN + iph->ihl * 4;

	if (iph->protocol != IPPROTO_ICMP || ip_is_fragment(iph))
		return false;
	/* Unreadable: as bad as one. */
	return !pskb_may_pull(skb, off + sizeof(struct icmphdr)) ||
	       ((const struct icmphdr *)(skb->data + off))->type == ICMP_REDIRECT;
}

/*
 * The host's neighbour cache believes a source, an ARP sender and an NA's
 * target: only trusted ones, or none (DHCP, probes). Nothing that moves
 * its routes, no DAD (the host could take it for a conflict), no VLAN.
 */
static bool vfull_tx_to_host_ok(struct vfull_dev *child, struct sk_buff *skb)
{
	__be16 proto = eth_hdr(skb)->h_proto;
	const struct in6_addr *target;
	struct in6_addr key, src;
	int type, off;

	vfull_assert_rcu();
	if (skb_vlan_tag_present(skb) || eth_type_vlan(proto) ||
	    vfull_get_key(skb, proto, ETH_HLEN, &key, &src) == VIRT_KEY_BAD)
		return false;
	if (!vfull_addr_unspecified(&src) && !vfull_holds_rcu(child, &src, true))
		return false;
	if (proto == htons(ETH_P_IP))
		return !vfull_tx_icmp_redirect(skb);
	if (proto != htons(ETH_P_IPV6))
		return true;
	type = vfull_tx_icmp6_type(skb, &off);
	switch (type) {
	case -1:
		return true;
	case NDISC_NEIGHBOUR_SOLICITATION:
		return !vfull_addr_unspecified(&src);
	case NDISC_NEIGHBOUR_ADVERTISEMENT:
		target = vfull_tx_na_target(skb, off);
		return target && vfull_holds_rcu(child, target, true);
	case NDISC_ROUTER_ADVERTISEMENT:
	case NDISC_REDIRECT:
		return false;
	}
	return type >= 0;
}

/* A sibling in the parent's namespace shares the host's stack. */
static bool vfull_tx_to_stack_ok(struct vfull_dev *child, struct vfull_dev *dest,
				 struct sk_buff *skb)
{
	if (dest && !net_eq(dev_net(dest->dev), dev_net(child->parent)))
		return true;
	return vfull_tx_to_host_ok(child, skb);
}

static netdev_tx_t vfull_tx_local(struct vfull_dev *child, struct sk_buff *skb)
{
	__be16 proto = eth_hdr(skb)->h_proto;
	unsigned int len = skb->len;
	struct net_device *to;
	struct vfull_dev *dest = NULL;
	struct in6_addr key;

	rcu_read_lock();
	if (vfull_get_key(skb, proto, ETH_HLEN, &key, NULL) >= VIRT_KEY_DADDR)
		dest = vfull_addr_lookup_rcu(child->port, &key);
	to = dest ? dest->dev : child->parent;
	if (!vfull_tx_to_stack_ok(child, dest, skb)) {
		rcu_read_unlock();
		return vfull_tx_drop(child, skb, VIRT_DROP_CLAIM);
	}
	if (dev_forward_skb(to, skb) == NET_RX_SUCCESS) {
		vfull_stats_tx(child, len, VIRT_TX_LOCAL);
		if (dest)
			vfull_stats_rx(dest, len, false, VIRT_RX_LOCAL);
		else
			vfull_port_stats_inc(child->port, VIRT_PORT_FROM_CHILDREN);
	} else {
		vfull_stats_inc(child, VIRT_DROP_TX);
	}
	rcu_read_unlock();
	return NETDEV_TX_OK;
}

static netdev_tx_t vfull_tx_own_mac(struct vfull_dev *child, struct sk_buff *skb)
{
	unsigned int len = skb->len;
	struct vfull_dev *dest;

	rcu_read_lock();
	dest = vfull_mac_lookup_rcu(child->port, eth_hdr(skb)->h_dest);
	if (!dest || dest == child) {
		rcu_read_unlock();
		return vfull_tx_wire(child, skb);
	}
	if (!vfull_tx_to_stack_ok(child, dest, skb)) {
		rcu_read_unlock();
		return vfull_tx_drop(child, skb, VIRT_DROP_CLAIM);
	}
	if (dev_forward_skb(dest->dev, skb) == NET_RX_SUCCESS) {
		vfull_stats_tx(child, len, VIRT_TX_LOCAL);
		vfull_stats_rx(dest, len, false, VIRT_RX_LOCAL);
	} else {
		vfull_stats_inc(child, VIRT_DROP_TX);
	}
	rcu_read_unlock();
	return NETDEV_TX_OK;
}

/*
 * Not an ARP request or NS a sibling answers; nor a frame from another MAC
 * (spoofchk off), which the parent's handler would copy to every child
 * again: it knows the children's by our MAC.
 */
static void vfull_tx_to_parent(struct vfull_dev *child, struct sk_buff *skb)
{
	__be16 proto = eth_hdr(skb)->h_proto;
	struct sk_buff *nskb;
	struct in6_addr key;

	if (!ether_addr_equal(eth_hdr(skb)->h_source, child->dev->dev_addr))
		return;
	if (!vfull_tx_to_host_ok(child, skb)) {
		vfull_stats_inc(child, VIRT_DROP_CLAIM);
		return;
	}
	if (vfull_get_key(skb, proto, ETH_HLEN, &key, NULL) == VIRT_KEY_TARGET &&
	    rhashtable_lookup(&child->port->addrs, &key, vfull_addr_params))
		return;
	nskb = skb_clone(skb, GFP_ATOMIC);
	if (nskb && dev_forward_skb(child->parent, nskb) == NET_RX_SUCCESS)
		vfull_port_stats_inc(child->port, VIRT_PORT_FROM_CHILDREN);
}

/*
 * spoofchk: from the child's MAC, untagged, from an address it holds or
 * none (DHCP, ARP probes and DAD); NA only for an address it holds.
 */
static bool vfull_tx_spoofed(struct vfull_dev *child, struct sk_buff *skb)
{
	const u8 *mac = child->dev->dev_addr;
	__be16 proto = eth_hdr(skb)->h_proto;
	const struct in6_addr *target;
	struct in6_addr key, src;
	int type, off;

	vfull_assert_rcu();
	if (!ether_addr_equal(eth_hdr(skb)->h_source, mac) ||
	    skb_vlan_tag_present(skb) || eth_type_vlan(proto))
		return true;
	if (vfull_get_key(skb, proto, ETH_HLEN, &key, &src) == VIRT_KEY_BAD)
		return true;
	if (!vfull_addr_unspecified(&src) && !vfull_holds_rcu(child, &src, false))
		return true;
	switch (proto) {
	case htons(ETH_P_ARP):
		/* vfull_get_key() pulled the whole packet. */
		return !ether_addr_equal(skb->data + ETH_HLEN +
					 sizeof(struct arphdr), mac);
	case htons(ETH_P_IPV6):
		type = vfull_tx_icmp6_type(skb, &off);
		if (type != NDISC_NEIGHBOUR_ADVERTISEMENT)
			return type == -2;
		target = vfull_tx_na_target(skb, off);
		return !target || !vfull_holds_rcu(child, target, false);
	}
	return false;
}

netdev_tx_t vfull_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct vfull_dev *child = netdev_priv(dev);
	const struct ethhdr *eth;

	if (unlikely(vfull_is_mirror(child) && !READ_ONCE(child->forward)))
		return vfull_tx_drop(child, skb, VIRT_DROP_MIRROR_TX);
	if (unlikely(!pskb_may_pull(skb, ETH_HLEN)))
		return vfull_tx_drop(child, skb, VIRT_DROP_MALFORMED);
	skb_reset_mac_header(skb);
	if (unlikely(READ_ONCE(child->spoofchk))) {
		bool spoofed;

		rcu_read_lock();
		spoofed = vfull_tx_spoofed(child, skb);
		rcu_read_unlock();
		if (spoofed)
			return vfull_tx_drop(child, skb, VIRT_DROP_SPOOF);
	}
	eth = eth_hdr(skb);

	if (is_multicast_ether_addr(eth->h_dest)) {
		rcu_read_lock();
		vfull_wait_child_sent(child, skb);
		vfull_bc_enqueue(child->port, skb, child, true);
		vfull_tx_to_parent(child, skb);
		rcu_read_unlock();
	} else if (ether_addr_equal(eth->h_dest, child->parent->dev_addr)) {
		return vfull_tx_local(child, skb);
	} else if (READ_ONCE(child->port->own_macs)) {
		return vfull_tx_own_mac(child, skb);
	}
	return vfull_tx_wire(child, skb);
}
