// SPDX-License-Identifier: GPL-2.0
/*
 * The parent's output, seen by a netfilter egress hook while a child is in
 * another namespace or a mirror has mirror-tx: an rx_handler only sees
 * what the parent receives. The host's frames for a child's trusted
 * address are delivered to it locally, its broadcasts copied to the
 * children. Before 5.16 there is no egress hook, and none of this.
 */

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>

#include "virt_full.h"

/*
 * A port, not a flag: the parent may be stacked on another port's parent
 * (children on eth0.10 and on eth0), whose hook sees the frame too.
 */
DEFINE_PER_CPU(const struct vfull_port *, vfull_xmit_port);

#if VIRT_EGRESS_HOOK

static unsigned int vfull_host_give(struct vfull_dev *dest, struct sk_buff *skb,
				    enum vfull_stat why)
{
	unsigned int len = skb->len;

	if (dev_forward_skb(dest->dev, skb) == NET_RX_SUCCESS)
		vfull_stats_rx(dest, len, false, why);
	else
		vfull_stats_inc(dest, VIRT_DROP_BACKLOG);
	return NF_STOLEN;
}

static unsigned int vfull_host_out(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct vfull_port *port = priv;
	const struct ethhdr *eth;
	struct vfull_addr *a = NULL;
	struct vfull_dev *dest;
	struct in6_addr key;
	enum vfull_key k;
	bool mcast;

	if (unlikely(!pskb_may_pull(skb, ETH_HLEN)))
		return NF_ACCEPT;
	if (!list_empty(&port->mirrors))
		vfull_mirror(port, skb, true);
	if (vfull_xmit_from_child(port))
		return NF_ACCEPT;
	eth = (const struct ethhdr *)skb->data;
	/* The children live on the untagged LAN. */
	if (skb_vlan_tag_present(skb) || eth_type_vlan(eth->h_proto))
		return NF_ACCEPT;
	mcast = is_multicast_ether_addr(eth->h_dest);
	if (!mcast && !ether_addr_equal(eth->h_dest, port->dev->dev_addr)) {
		if (READ_ONCE(port->own_macs)) {
			dest = vfull_mac_lookup_rcu(port, eth->h_dest);
			if (dest && netif_running(dest->dev))
				return vfull_host_give(dest, skb, VIRT_RX_LOCAL);
		}
		return NF_ACCEPT;	/* for the wire: the common case */
	}

	k = vfull_get_key(skb, eth->h_proto, ETH_HLEN, &key, NULL);
	if (k >= VIRT_KEY_DADDR)
		a = vfull_addr_find_rcu(port, &key);
	if (a && READ_ONCE(a->trusted))
		return vfull_host_give(a->child, skb, VIRT_RX_LOCAL);
	/* The host's DHCP server, to a child with no address yet. */
	if (!mcast && !a && k == VIRT_KEY_DADDR &&
	    eth_hdr(skb)->h_proto == htons(ETH_P_IP)) {
		dest = vfull_wait_dhcp_reply(port, skb, ETH_HLEN);
		if (dest)
			return vfull_host_give(dest, skb, VIRT_RX_DHCP);
	}
	if (mcast && !(a && k == VIRT_KEY_TARGET)) {
		vfull_wait_host_sent(port, skb);
		vfull_bc_enqueue(port, skb, NULL, true);
	}
	return NF_ACCEPT;
}

/* A registered egress hook turns on a static key every transmit tests. */
static bool vfull_host_needed(const struct vfull_port *port)
{
	const struct vfull_dev *c;

	ASSERT_RTNL();
	if (port->dev->reg_state != NETREG_REGISTERED)
		return false;	/* going, or moving between namespaces */
	list_for_each_entry(c, &port->mirrors, pnode)
		if (vfull_host_needs(port, c))
			return true;
	list_for_each_entry(c, &port->children, pnode)
		if (vfull_host_needs(port, c))
			return true;
	return false;
}

/* A failure to register is tried again at the next change. */
int vfull_host_sync(struct vfull_port *port)
{
	int err;

	if (vfull_host_needed(port) == port->egress_on)
		return 0;
	if (port->egress_on) {
		vfull_host_detach(port);
		return 0;
	}
	port->egress.hook = vfull_host_out;
	port->egress.pf = NFPROTO_NETDEV;
	port->egress.hooknum = NF_NETDEV_EGRESS;
	port->egress.priority = 0;
	port->egress.dev = port->dev;
	port->egress.priv = port;
	err = nf_register_net_hook(dev_net(port->dev), &port->egress);
	port->egress_on = !err;
	return err;
}

void vfull_host_put(struct vfull_port *port)
{
	if (port->egress_on && !vfull_host_needed(port))
		vfull_host_detach(port);
}

void vfull_host_detach(struct vfull_port *port)
{
	ASSERT_RTNL();
	if (port->egress_on)
		nf_unregister_net_hook(dev_net(port->dev), &port->egress);
	port->egress_on = false;
}

#else

int vfull_host_sync(struct vfull_port *port)
{
	return 0;
}

void vfull_host_put(struct vfull_port *port)
{
}

void vfull_host_detach(struct vfull_port *port)
{
}

#endif
