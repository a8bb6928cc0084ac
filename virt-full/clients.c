// SPDX-License-Identifier: GPL-2.0
/*
 * Replies that carry no address of a shared-MAC child: a DHCP server's
 * offer to a client with no address yet, and a reply to an ARP probe
 * (RFC 5227), come to our MAC and to an address no child holds. The port
 * remembers its children's DHCP transaction ids and probed addresses for
 * a while, in a small table keyed with a per-port secret; an id the host
 * used first is the host's, so copying one gets a container nothing.
 */

#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/random.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <net/ip.h>

#include "virt_full.h"

#define VIRT_WAIT_BITS 8
#define VIRT_WAIT_SLOTS BIT(VIRT_WAIT_BITS)
#define VIRT_WAIT_WINDOW 8
/* Entries per child and kind: a DHCP client runs one exchange at a time. */
#define VIRT_WAIT_PER_CHILD 4
/* dhclient retransmits one exchange for up to a minute. */
#define VIRT_WAIT_DHCP_LIFE (60 * HZ)
/* RFC 5227: probing and the wait that follows take under ten seconds. */
#define VIRT_WAIT_PROBE_LIFE (10 * HZ)

#define VIRT_BOOTP_SERVER 67
#define VIRT_BOOTP_CLIENT 68
#define VIRT_BOOTP_REQUEST 1
#define VIRT_BOOTP_REPLY 2

enum vfull_wait_kind {
	VIRT_WAIT_NONE,
	VIRT_WAIT_DHCP,		/* a transaction id */
	VIRT_WAIT_PROBE,	/* an IPv4 address probed */
};

static_assert(VIRT_WAIT_PROBE < VIRT_WAIT_KINDS);

struct vfull_wait {
	struct vfull_dev *child;	/* NULL: the host's or the wire's id */
	unsigned long expires;
	__be32 key;
	u8 kind;
};

/* The start of a BOOTP message (RFC 951), up to the client's MAC. */
struct vfull_bootp {
	u8 op, htype, hlen, hops;
	__be32 xid;
	__be16 secs, flags;
	__be32 ciaddr, yiaddr, siaddr, giaddr;
	u8 chaddr[ETH_ALEN];
};

/* Reads, never pulls: the frame may be shared with a tap. */
static const struct vfull_bootp *vfull_bootp(const struct vfull_port *port,
					     const struct sk_buff *skb,
					   unsigned int off, bool *reply,
					   __be32 *daddr, struct vfull_bootp *buf)
{
	const struct vfull_bootp *b;
	const struct udphdr *uh;
	const struct iphdr *iph;
	struct udphdr _uh;
	struct iphdr _iph;

	iph = skb_header_pointer(skb, off, sizeof(_iph), &_iph);
	if (!iph || iph->version != 4 || iph->ihl < 5 ||
	    iph->protocol != IPPROTO_UDP || ip_is_fragment(iph))
		return NULL;
	*daddr = iph->daddr;
	off += iph->ihl * 4;
	uh = skb_header_pointer(skb, off, sizeof(_uh), &_uh);
	if (!uh)
		return NULL;
	if (uh->source == htons(VIRT_BOOTP_SERVER) &&
	    uh->dest == htons(VIRT_BOOTP_CLIENT))
		*reply = true;
	else if (uh->source == htons(VIRT_BOOTP_CLIENT) &&
		 uh->dest == htons(VIRT_BOOTP_SERVER))
		*reply = false;
	else
		return NULL;
	b = skb_header_pointer(skb, off + sizeof(*uh), sizeof(*b), buf);
	if (!b || b->op != (*reply ? VIRT_BOOTP_REPLY : VIRT_BOOTP_REQUEST) ||
	    b->htype != ARPHRD_ETHER || b->hlen != ETH_ALEN ||
	    !ether_addr_equal(b->chaddr, port->dev->dev_addr))
		return NULL;
	return b;
}

static bool vfull_wait_live(const struct vfull_wait *w, unsigned long now)
{
	return w->kind != VIRT_WAIT_NONE && time_before(now, w->expires);
}

static bool vfull_wait_is(const struct vfull_wait *w, u8 kind, __be32 key,
			  unsigned long now)
{
	return w->kind == kind && w->key == key && vfull_wait_live(w, now);
}

/* Keyed: children can't choose ids that crowd one window. */
static struct vfull_wait *vfull_wait_slot(struct vfull_port *port, u8 kind,
					  __be32 key, unsigned int i)
{
	u32 h = jhash_2words((__force u32)key, kind, port->wait_seed);

	return &port->waits[(h + i) & (VIRT_WAIT_SLOTS - 1)];
}

static void vfull_wait_clear(struct vfull_wait *w)
{
	if (w->child) {
		lockdep_assert_held(&w->child->port->wait_lock);
		w->child->waiting[w->kind]--;
	}
	memset(w, 0, sizeof(*w));
}

static void vfull_wait_make_room(struct vfull_port *port, u8 kind,
				 struct vfull_dev *child)
{
	struct vfull_wait *w, *oldest = NULL;
	unsigned int i;

	lockdep_assert_held(&port->wait_lock);
	if (child->waiting[kind] < VIRT_WAIT_PER_CHILD)
		return;
	for (i = 0; i < VIRT_WAIT_SLOTS; i++) {
		w = &port->waits[i];
		if (w->child == child && w->kind == kind &&
		    (!oldest || time_before(w->expires, oldest->expires)))
			oldest = w;
	}
	if (oldest)
		vfull_wait_clear(oldest);
}

static struct vfull_wait *vfull_wait_evict(struct vfull_port *port, u8 kind,
					   __be32 key)
{
	struct vfull_wait *w, *first = NULL;
	unsigned int i;

	for (i = 0; i < VIRT_WAIT_WINDOW; i++) {
		w = vfull_wait_slot(port, kind, key, i);
		if (w->child && (!first || time_before(w->expires, first->expires)))
			first = w;
	}
	return first;
}

/*
 * @child NULL: the host's DHCP id, which takes a child's place if it must.
 * A child's id takes unicast IPv4 UDP off the demux's fast path.
 */
static bool vfull_wait_add(struct vfull_port *port, u8 kind, __be32 key,
			   struct vfull_dev *child, unsigned long life)
{
	unsigned long now = jiffies, until = now + life;
	struct vfull_wait *w, *free = NULL;
	bool ok = false;
	unsigned int i;

	spin_lock(&port->wait_lock);
	for (i = 0; i < VIRT_WAIT_WINDOW; i++) {
		w = vfull_wait_slot(port, kind, key, i);
		if (!vfull_wait_live(w, now)) {
			free = free ?: w;
			continue;
		}
		if (w->kind != kind || w->key != key)
			continue;
		if (w->child == child) {
			w->expires = until;
			ok = true;
			goto out;
		}
		/* The first to use a DHCP id keeps it; the host's is the
		 * host's, whoever used it first.
		 */
		if (kind == VIRT_WAIT_DHCP) {
			if (child)
				goto out;
			vfull_wait_clear(w);
			free = w;
			break;
		}
	}
	if (!free && !child)
		free = vfull_wait_evict(port, kind, key);
	if (!free)
		goto out;
	if (child)
		vfull_wait_make_room(port, kind, child);
	vfull_wait_clear(free);
	free->kind = kind;
	free->key = key;
	free->child = child;
	free->expires = until;
	if (child)
		child->waiting[kind]++;
	ok = true;
out:
	if (ok && child && kind == VIRT_WAIT_DHCP) {
		if (time_after(until, port->dhcp_until))
			WRITE_ONCE(port->dhcp_until, until);
		set_bit(VIRT_SLOW_DHCP, &port->rx_slow);
	} else if (ok && kind == VIRT_WAIT_PROBE &&
		   time_after(until, port->probe_until)) {
		WRITE_ONCE(port->probe_until, until);
	}
	spin_unlock(&port->wait_lock);
	return ok;
}

static __be32 vfull_probe_target(const struct vfull_port *port,
				 const struct sk_buff *skb, unsigned int off)
{
	u8 buf[sizeof(struct arphdr) + 2 * (ETH_ALEN + 4)];
	const struct arphdr *arp;
	const u8 *p;
	__be32 sip, tip;

	p = skb_header_pointer(skb, off, sizeof(buf), buf);
	if (!p)
		return 0;
	arp = (const struct arphdr *)p;
	if (arp->ar_op != htons(ARPOP_REQUEST) ||
	    arp->ar_hrd != htons(ARPHRD_ETHER) ||
	    arp->ar_pro != htons(ETH_P_IP) ||
	    arp->ar_hln != ETH_ALEN || arp->ar_pln != 4)
		return 0;
	memcpy(&sip, p + sizeof(*arp) + ETH_ALEN, sizeof(sip));
	memcpy(&tip, p + sizeof(buf) - sizeof(tip), sizeof(tip));
	/* A probe: from 0.0.0.0, by an Ethernet host at our MAC. */
	if (sip || !ether_addr_equal(p + sizeof(*arp), port->dev->dev_addr))
		return 0;
	return tip;
}

/* An own-mac child's replies come to its own MAC; a mirror's never. */
void vfull_wait_child_sent(struct vfull_dev *child, struct sk_buff *skb)
{
	struct vfull_port *port = child->port;
	__be16 proto = eth_hdr(skb)->h_proto;
	const struct vfull_bootp *b;
	struct vfull_bootp buf;
	__be32 daddr, tip;
	bool reply;

	vfull_assert_bh();
	if (child->own_mac || vfull_is_mirror(child))
		return;
	if (proto == htons(ETH_P_IP)) {
		b = vfull_bootp(port, skb, ETH_HLEN, &reply, &daddr, &buf);
		if (b && !reply &&
		    !vfull_wait_add(port, VIRT_WAIT_DHCP, b->xid, child,
				   VIRT_WAIT_DHCP_LIFE))
			vfull_stats_inc(child, VIRT_DHCP_REFUSED);
	} else if (proto == htons(ETH_P_ARP)) {
		tip = vfull_probe_target(port, skb, ETH_HLEN);
		if (tip)
			vfull_wait_add(port, VIRT_WAIT_PROBE, tip, child,
				       VIRT_WAIT_PROBE_LIFE);
	}
}

void vfull_wait_host_sent(struct vfull_port *port, const struct sk_buff *skb)
{
	const struct vfull_bootp *b;
	struct vfull_bootp buf;
	__be32 daddr;
	bool reply;

	vfull_assert_bh();
	if (eth_hdr(skb)->h_proto != htons(ETH_P_IP))
		return;
	b = vfull_bootp(port, skb, ETH_HLEN, &reply, &daddr, &buf);
	if (b && !reply)
		vfull_wait_add(port, VIRT_WAIT_DHCP, b->xid, NULL,
			       VIRT_WAIT_DHCP_LIFE);
}

static bool vfull_wait_over(struct vfull_port *port, u8 kind)
{
	unsigned long now = jiffies;

	if (kind == VIRT_WAIT_PROBE)
		return !time_before(now, READ_ONCE(port->probe_until));
	if (time_before(now, READ_ONCE(port->dhcp_until)))
		return false;
	spin_lock(&port->wait_lock);
	if (!time_before(now, port->dhcp_until))
		clear_bit(VIRT_SLOW_DHCP, &port->rx_slow);
	spin_unlock(&port->wait_lock);
	return true;
}

/* A reply to an address the host holds is the host's, whatever its id. */
struct vfull_dev *vfull_wait_dhcp_reply(struct vfull_port *port,
					const struct sk_buff *skb,
				      unsigned int off)
{
	struct vfull_dev *child = NULL;
	const struct vfull_bootp *b;
	unsigned long now = jiffies;
	struct vfull_bootp buf;
	struct in6_addr ip;
	struct vfull_wait *w;
	unsigned int i;
	__be32 daddr;
	bool reply;

	vfull_assert_bh();
	if (!test_bit(VIRT_SLOW_DHCP, &port->rx_slow) ||
	    vfull_wait_over(port, VIRT_WAIT_DHCP))
		return NULL;
	b = vfull_bootp(port, skb, off, &reply, &daddr, &buf);
	if (!b || !reply ||
	    (daddr != b->yiaddr && daddr != htonl(INADDR_BROADCAST)))
		return NULL;
	ipv6_addr_set_v4mapped(daddr, &ip);
	if (vfull_host_holds(port, &ip))
		return NULL;
	spin_lock(&port->wait_lock);
	for (i = 0; i < VIRT_WAIT_WINDOW; i++) {
		w = vfull_wait_slot(port, VIRT_WAIT_DHCP, b->xid, i);
		if (vfull_wait_is(w, VIRT_WAIT_DHCP, b->xid, now)) {
			child = w->child;
			break;
		}
	}
	spin_unlock(&port->wait_lock);
	return child && vfull_child_up(child) ? child : NULL;
}

static void vfull_wait_probe_give(struct vfull_dev *child, struct sk_buff *skb)
{
	unsigned int len = skb->len + ETH_HLEN;
	struct sk_buff *nskb;

	if (!netif_running(child->dev))
		return;
	nskb = skb_clone(skb, GFP_ATOMIC);
	if (!nskb) {
		vfull_stats_inc(child, VIRT_DROP_CLONE);
		return;
	}
	vfull_rx_cross(nskb, child->dev);
	nskb->dev = child->dev;
	if (netif_rx(nskb) == NET_RX_SUCCESS)
		vfull_stats_rx(child, len, false, VIRT_RX_PROBE);
	else
		vfull_stats_inc(child, VIRT_DROP_BACKLOG);
}

/* Any host may ask who holds an address: each prober gets a copy. */
void vfull_wait_probe_reply(struct vfull_port *port, struct sk_buff *skb)
{
	struct vfull_dev *to[VIRT_WAIT_WINDOW];
	unsigned long now = jiffies;
	unsigned int i, n = 0;
	struct vfull_wait *w;
	__be32 sip;

	vfull_assert_bh();
	if (vfull_wait_over(port, VIRT_WAIT_PROBE))
		return;
	memcpy(&sip, skb->data + sizeof(struct arphdr) + ETH_ALEN, sizeof(sip));
	spin_lock(&port->wait_lock);
	for (i = 0; i < VIRT_WAIT_WINDOW; i++) {
		w = vfull_wait_slot(port, VIRT_WAIT_PROBE, sip, i);
		if (vfull_wait_is(w, VIRT_WAIT_PROBE, sip, now))
			to[n++] = w->child;
	}
	spin_unlock(&port->wait_lock);
	for (i = 0; i < n; i++)
		vfull_wait_probe_give(to[i], skb);
}

void vfull_wait_flush(struct vfull_dev *child)
{
	struct vfull_port *port = child->port;
	unsigned int i;

	spin_lock_bh(&port->wait_lock);
	for (i = 0; i < VIRT_WAIT_SLOTS; i++)
		if (port->waits[i].child == child)
			vfull_wait_clear(&port->waits[i]);
	spin_unlock_bh(&port->wait_lock);
}

int vfull_wait_port_init(struct vfull_port *port)
{
	spin_lock_init(&port->wait_lock);
	port->wait_seed = get_random_u32();
	/* Nothing waits: both ends are now (jiffies start near their wrap). */
	port->dhcp_until = jiffies;
	port->probe_until = port->dhcp_until;
	port->waits = kcalloc(VIRT_WAIT_SLOTS, sizeof(*port->waits),
			      GFP_KERNEL_ACCOUNT);
	return port->waits ? 0 : -ENOMEM;
}

void vfull_wait_port_destroy(struct vfull_port *port)
{
	kfree(port->waits);
}
