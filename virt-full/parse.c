// SPDX-License-Identifier: GPL-2.0
/*
 * The steering key of a frame, for receive, transmit and the egress hook.
 * A header is trusted only after pskb_may_pull() and checks of its fields.
 */

#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/ipv6.h>
#include <net/ndisc.h>

#include "virt_full.h"

static enum vfull_key vfull_key_ipv4(struct sk_buff *skb, unsigned int off,
				     struct in6_addr *key, struct in6_addr *src)
{
	const struct iphdr *iph;
	unsigned int len;

	if (!pskb_may_pull(skb, off + sizeof(*iph)))
		return VIRT_KEY_BAD;
	iph = (const struct iphdr *)(skb->data + off);
	if (iph->ihl < 5 || iph->version != 4)
		return VIRT_KEY_BAD;
	len = ntohs(iph->tot_len);
	/* GRO and GSO packets past 64 KiB (BIG TCP) carry 0. */
	if (!len && skb_is_gso(skb))
		len = skb->len - off;
	if (len < iph->ihl * 4 || len > skb->len - off)
		return VIRT_KEY_BAD;
	ipv6_addr_set_v4mapped(iph->daddr, key);
	if (src)
		ipv6_addr_set_v4mapped(iph->saddr, src);
	return VIRT_KEY_DADDR;
}

static enum vfull_key vfull_key_arp(struct sk_buff *skb, unsigned int off,
				    struct in6_addr *key, struct in6_addr *src)
{
	const struct arphdr *arp;
	__be32 sip, tip;

	/* Header, then sender MAC and IP, then target MAC and IP. */
	if (!pskb_may_pull(skb, off + sizeof(*arp) + 2 * (ETH_ALEN + 4)))
		return VIRT_KEY_BAD;
	arp = (const struct arphdr *)(skb->data + off);
	if (arp->ar_hrd != htons(ARPHRD_ETHER) ||
	    arp->ar_pro != htons(ETH_P_IP) ||
	    arp->ar_hln != ETH_ALEN || arp->ar_pln != 4)
		return VIRT_KEY_BAD;
	memcpy(&sip, (const u8 *)(arp + 1) + ETH_ALEN, sizeof(sip));
	memcpy(&tip, (const u8 *)(arp + 1) + 2 * ETH_ALEN + 4, sizeof(tip));
	ipv6_addr_set_v4mapped(tip, key);
	if (src)
		ipv6_addr_set_v4mapped(sip, src);
	return VIRT_KEY_TARGET;
}

static enum vfull_key vfull_key_ipv6(struct sk_buff *skb, unsigned int off,
				     struct in6_addr *key, struct in6_addr *src)
{
	const unsigned int nd_off = off + sizeof(struct ipv6hdr);
	const struct ipv6hdr *ip6h;
	const struct icmp6hdr *icmph;
	const struct nd_msg *msg;
	unsigned int plen;

	if (!pskb_may_pull(skb, nd_off))
		return VIRT_KEY_BAD;
	ip6h = (const struct ipv6hdr *)(skb->data + off);
	if (ip6h->version != 6)
		return VIRT_KEY_BAD;
	plen = ntohs(ip6h->payload_len);
	if (!plen && skb_is_gso(skb))
		plen = skb->len - nd_off;
	/* A v4-mapped address never goes on the wire (RFC 4291 2.5.5.2);
	 * the table keys IPv4 so, and must not take it for one.
	 */
	if (plen > skb->len - nd_off || ipv6_addr_v4mapped(&ip6h->daddr) ||
	    ipv6_addr_v4mapped(&ip6h->saddr))
		return VIRT_KEY_BAD;
	if (src)
		*src = ip6h->saddr;
	if (!ipv6_addr_is_multicast(&ip6h->daddr)) {
		*key = ip6h->daddr;
		return VIRT_KEY_DADDR;
	}
	if (ip6h->nexthdr != IPPROTO_ICMPV6)
		return VIRT_KEY_NONE;

	if (plen < sizeof(*icmph) || !pskb_may_pull(skb, nd_off + sizeof(*icmph)))
		return VIRT_KEY_BAD;
	icmph = (const struct icmp6hdr *)(skb->data + nd_off);
	if (icmph->icmp6_type != NDISC_NEIGHBOUR_SOLICITATION &&
	    icmph->icmp6_type != NDISC_NEIGHBOUR_ADVERTISEMENT)
		return VIRT_KEY_NONE;
	if (plen < sizeof(*msg) || !pskb_may_pull(skb, nd_off + sizeof(*msg)))
		return VIRT_KEY_BAD;
	msg = (const struct nd_msg *)(skb->data + nd_off);
	if (ipv6_addr_v4mapped(&msg->target))
		return VIRT_KEY_BAD;
	*key = msg->target;
	return VIRT_KEY_TARGET;
}

/*
 * The key of the frame whose L3 header starts at @off (0 on receive,
 * ETH_HLEN on transmit), and its source in @src (:: if none). May pull:
 * header pointers taken before the call are stale after it.
 */
enum vfull_key vfull_get_key(struct sk_buff *skb, __be16 proto,
			     unsigned int off, struct in6_addr *key,
			   struct in6_addr *src)
{
	BUILD_BUG_ON(sizeof(struct iphdr) > VIRT_KEY_MAX_PULL ||
		     sizeof(struct arphdr) + 2 * (ETH_ALEN + 4) > VIRT_KEY_MAX_PULL);
	if (src)
		*src = in6addr_any;
	switch (proto) {
	case htons(ETH_P_IP):
		return vfull_key_ipv4(skb, off, key, src);
	case htons(ETH_P_ARP):
		return vfull_key_arp(skb, off, key, src);
	case htons(ETH_P_IPV6):
		return vfull_key_ipv6(skb, off, key, src);
	}
	return VIRT_KEY_NONE;
}
