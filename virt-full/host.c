// SPDX-License-Identifier: GPL-2.0
/*
 * The parent's own output, seen by a netfilter egress hook on the parent
 * while it has a child in another namespace or a mirror with mirror-tx
 * (virt_host_sync()). An rx_handler only sees what the parent
 * receives; this is how the host and its children talk without the wire:
 *
 *  - a frame of the host's for a child in another namespace (unicast to
 *    our shared MAC and a child's address, an ARP request or neighbour
 *    solicitation for one) is delivered to that child alone, locally
 *    (the host's stack reaches the addresses of its own namespace, its
 *    children's included, without the parent), if the host trusts the
 *    child with that address (trust.c); else it goes to the wire, as
 *    if no child held it; a frame to an own-mac child's MAC goes to
 *    that child;
 *  - a broadcast or multicast frame of the host's goes to the wire and,
 *    as copies, to the children listening;
 *  - a mirror child with mirror-tx sees a copy of all of the output,
 *    the children's included.
 *
 * The children's own frames pass through here too, on their way out
 * through the parent; tx.c marks them (virt_xmit_port) and they are left
 * alone. A kernel without netfilter egress hooks (before 5.16) does none
 * of this: there the host reaches its children through a child of its own.
 */

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>

#include "virt_full.h"

/*
 * Per CPU, since BHs are off from the child's transmit to the parent's
 * egress hook. A port, not a flag: the parent may itself be stacked on
 * another port's parent (children on eth0.10 and on eth0), whose hook
 * sees the frame too and must not take it for its own child's.
 */
DEFINE_PER_CPU(const struct virt_port *, virt_xmit_port);

#if VIRT_EGRESS_HOOK

/* The host's @skb is @dest's alone: delivered to it, not to the wire. */
static unsigned int virt_host_give(struct virt_dev *dest, struct sk_buff *skb,
				   enum virt_stat why)
{
	unsigned int len = skb->len;

	if (dev_forward_skb(dest->dev, skb) == NET_RX_SUCCESS)
		virt_stats_rx(dest, len, false, why);
	else
		virt_stats_inc(dest, VIRT_DROP_BACKLOG);
	return NF_STOLEN;
}

static unsigned int virt_host_out(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	struct virt_port *port = priv;
	const struct ethhdr *eth;
	struct virt_addr *a = NULL;
	struct virt_dev *dest;
	struct in6_addr key;
	enum virt_key k;
	bool mcast;

	if (unlikely(!pskb_may_pull(skb, ETH_HLEN)))
		return NF_ACCEPT;
	if (!list_empty(&port->mirrors))
		virt_mirror(port, skb, true);
	if (virt_xmit_from_child(port))
		return NF_ACCEPT;
	eth = (const struct ethhdr *)skb->data;
	/* A VLAN's frame, tagged or about to be: its addresses are not the
	 * children's, who live on the untagged LAN.
	 */
	if (skb_vlan_tag_present(skb) || eth_type_vlan(eth->h_proto))
		return NF_ACCEPT;
	mcast = is_multicast_ether_addr(eth->h_dest);
	if (!mcast && !ether_addr_equal(eth->h_dest, port->dev->dev_addr)) {
		/* An own-mac child's MAC: the wire would not bring it back. */
		if (READ_ONCE(port->own_macs)) {
			dest = virt_mac_lookup_rcu(port, eth->h_dest);
			if (dest && netif_running(dest->dev))
				return virt_host_give(dest, skb, VIRT_RX_LOCAL);
		}
		return NF_ACCEPT;	/* for the wire: the common case */
	}

	/* May pull: eth is stale after it. */
	k = virt_get_key(skb, eth->h_proto, ETH_HLEN, &key, NULL);
	if (k >= VIRT_KEY_DADDR)
		a = virt_addr_find_rcu(port, &key);
	/* Only the child can answer: it alone gets the frame. */
	if (a && READ_ONCE(a->trusted))
		return virt_host_give(a->child, skb, VIRT_RX_LOCAL);
	/* The host's DHCP server answering a child that has no address
	 * yet, at our MAC: the wire would not bring it back.
	 */
	if (!mcast && !a && k == VIRT_KEY_DADDR &&
	    eth_hdr(skb)->h_proto == htons(ETH_P_IP)) {
		dest = virt_wait_dhcp_reply(port, skb, ETH_HLEN);
		if (dest)
			return virt_host_give(dest, skb, VIRT_RX_DHCP);
	}
	/* An address the host doesn't trust the child with is not the
	 * child's for the host: the frame goes to the wire, and the host's
	 * ARP or solicitation for it to no child at all.
	 */
	if (mcast && !(a && k == VIRT_KEY_TARGET)) {
		/* The host's DHCP id is the host's before any child sees it. */
		virt_wait_host_sent(port, skb);
		virt_bc_enqueue(port, skb, NULL, true);
	}
	return NF_ACCEPT;
}

/*
 * Does the port need the hook? Otherwise no hook, and no transmit on the
 * machine pays for one (a registered egress hook turns on a static key
 * that every transmit tests).
 */
static bool virt_host_needed(const struct virt_port *port)
{
	const struct virt_dev *c;

	ASSERT_RTNL();
	if (port->dev->reg_state != NETREG_REGISTERED)
		return false;	/* going, or moving between namespaces */
	list_for_each_entry(c, &port->mirrors, pnode)
		if (virt_host_needs(port, c))
			return true;
	list_for_each_entry(c, &port->children, pnode)
		if (virt_host_needs(port, c))
			return true;
	return false;
}

/*
 * The hook on the parent exactly while it is needed: after a child came,
 * changed namespace, a mirror's mirror-tx changed, or the parent moved.
 * Fails only to register it; it is tried again at the next change.
 */
int virt_host_sync(struct virt_port *port)
{
	int err;

	if (virt_host_needed(port) == port->egress_on)
		return 0;
	if (port->egress_on) {
		virt_host_detach(port);
		return 0;
	}
	port->egress.hook = virt_host_out;
	port->egress.pf = NFPROTO_NETDEV;
	port->egress.hooknum = NF_NETDEV_EGRESS;
	port->egress.priority = 0;
	port->egress.dev = port->dev;
	port->egress.priv = port;
	err = nf_register_net_hook(dev_net(port->dev), &port->egress);
	port->egress_on = !err;
	return err;
}

/* After a child went: the hook goes if nothing needs it now. */
void virt_host_put(struct virt_port *port)
{
	if (port->egress_on && !virt_host_needed(port))
		virt_host_detach(port);
}

/* Before the port goes, or the parent leaves its namespace. */
void virt_host_detach(struct virt_port *port)
{
	ASSERT_RTNL();
	if (port->egress_on)
		nf_unregister_net_hook(dev_net(port->dev), &port->egress);
	port->egress_on = false;
}

#else

int virt_host_sync(struct virt_port *port)
{
	return 0;
}

void virt_host_put(struct virt_port *port)
{
}

void virt_host_detach(struct virt_port *port)
{
}

#endif
