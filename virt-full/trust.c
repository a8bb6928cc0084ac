// SPDX-License-Identifier: GPL-2.0
/*
 * What the host lets a child claim.
 *
 * A child may be handed to a container whose root is root only in its own
 * user namespace, and adds whatever address it likes. What it claims
 * counts only as far as the host allows:
 *  - an address the host holds (on any device of the parent's namespace
 *    but this port's children) is never steered to a child;
 *  - with an allow-list, set by whoever has CAP_NET_ADMIN over the
 *    parent's namespace, a child holds only addresses inside it;
 *  - an address is trusted, and the host's own traffic and stack believe
 *    the child about it (host.c, tx.c), if it is inside the allow-list,
 *    was added by someone with CAP_NET_ADMIN over the parent's namespace
 *    (a grant, which the validator records for the address event that
 *    follows), or is the link-local address the kernel made from the MAC
 *    and dev_id the host gave the child.
 */

#include <linux/inetdevice.h>
#include <net/addrconf.h>

#include "virt_full.h"

struct virt_allow {
	struct rcu_head rcu;
	unsigned int n;
	struct virt_allow_prefix p[];
};

/* An address someone with CAP_NET_ADMIN over the parent's namespace added. */
struct virt_grant {
	struct list_head node;		/* in child->grants */
	struct in6_addr ip;
};

static bool virt_dev_holds_rcu(struct net_device *dev, const struct in6_addr *ip)
{
	const struct in_ifaddr *ifa;
	struct in_device *in_dev;

	if (!ipv6_addr_v4mapped(ip))
		return ipv6_chk_addr(dev_net(dev), ip, dev, 1);
	in_dev = __in_dev_get_rcu(dev);
	if (!in_dev)
		return false;
	in_dev_for_each_ifa_rcu(ifa, in_dev)
		if (ifa->ifa_local == ip->s6_addr32[3])
			return true;
	return false;
}

static bool virt_is_child_of(struct net_device *dev, const struct virt_port *port)
{
	return virt_is_child(dev) &&
	       ((struct virt_dev *)netdev_priv(dev))->port == port;
}

/*
 * Does the host hold @ip: a device of the parent's namespace other than
 * @port's own children? Any context.
 */
bool virt_host_holds(const struct virt_port *port, const struct in6_addr *ip)
{
	struct net *net = dev_net(port->dev);
	struct net_device *dev;
	bool held = false;

	/* Most addresses are nowhere in the namespace: one hash lookup. */
	if (ipv6_addr_v4mapped(ip) ? !__ip_dev_find(net, ip->s6_addr32[3], false) :
				     !ipv6_chk_addr(net, ip, NULL, 0))
		return false;
	rcu_read_lock();
	for_each_netdev_rcu(net, dev) {
		if (!virt_is_child_of(dev, port) && virt_dev_holds_rcu(dev, ip)) {
			held = true;
			break;
		}
	}
	rcu_read_unlock();
	return held;
}

/* Is @ip the link-local address the kernel made for @child? */
static bool virt_link_local_given(struct virt_dev *child,
				  const struct in6_addr *ip)
{
	u8 eui[8];

	if (ip->s6_addr32[0] != htonl(0xfe800000) || ip->s6_addr32[1] ||
	    addrconf_ifid_eui48(eui, child->dev))
		return false;
	return !memcmp(&ip->s6_addr[8], eui, sizeof(eui));
}

/*
 * May @child hold @ip? Without an allow-list, yes; with one, if it is
 * inside. @trusted: and the host trusts it with it, as far as the list
 * and the kernel's own link-local say (grants aside). Any context.
 */
bool virt_allow_permits(struct virt_dev *child, const struct in6_addr *ip,
			bool *trusted)
{
	const struct virt_allow *al;
	bool inside = false;
	unsigned int i;

	if (virt_link_local_given(child, ip)) {
		*trusted = true;
		return true;
	}
	rcu_read_lock();
	al = rcu_dereference(child->allow);
	for (i = 0; al && i < al->n && !inside; i++)
		inside = ipv6_prefix_equal(ip, (const struct in6_addr *)al->p[i].addr,
					   al->p[i].len);
	rcu_read_unlock();
	*trusted = inside;
	return inside || !al;
}

/*
 * The allow-list in @nest (IFLA_VIRT_ALLOW), or NULL where it holds none:
 * no list. Under RTNL.
 */
struct virt_allow *virt_allow_parse(const struct nlattr *nest,
				    struct netlink_ext_ack *extack)
{
	const struct virt_allow_prefix *p;
	const struct nlattr *attr;
	struct virt_allow *al;
	unsigned int n = 0;
	int rem;

	nla_for_each_nested(attr, nest, rem) {
		p = nla_data(attr);
		if (nla_type(attr) != IFLA_VIRT_ALLOW_PREFIX || p->len > 128 ||
		    (p->len < 96 && ipv6_addr_v4mapped((const struct in6_addr *)p->addr))) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "Not a prefix of an allow-list");
			return ERR_PTR(-EINVAL);
		}
		n++;
	}
	if (n > VIRT_ALLOW_MAX_PREFIXES) {
		NL_SET_ERR_MSG(extack, "An allow-list holds 32 prefixes at most");
		return ERR_PTR(-E2BIG);
	}
	if (!n)
		return NULL;
	al = kzalloc(struct_size(al, p, n), GFP_KERNEL);
	if (!al)
		return ERR_PTR(-ENOMEM);
	nla_for_each_nested(attr, nest, rem)
		memcpy(&al->p[al->n++], nla_data(attr), sizeof(al->p[0]));
	return al;
}

/* Make @al (or none) @child's allow-list; the old one goes after readers. */
void virt_allow_set(struct virt_dev *child, struct virt_allow *al)
{
	struct virt_allow *old;

	old = rcu_replace_pointer(child->allow, al, lockdep_rtnl_is_held());
	if (old)
		kfree_rcu(old, rcu);
}

/* From the destructor: no reader is left. */
void virt_allow_free(struct virt_dev *child)
{
	kfree(rcu_access_pointer(child->allow));
}

int virt_allow_fill(struct sk_buff *skb, struct virt_dev *child)
{
	const struct virt_allow *al;
	struct nlattr *nest;
	unsigned int i;
	int err = 0;

	rcu_read_lock();
	al = rcu_dereference(child->allow);
	if (al) {
		nest = nla_nest_start(skb, IFLA_VIRT_ALLOW);
		for (i = 0; nest && !err && i < al->n; i++)
			err = nla_put(skb, IFLA_VIRT_ALLOW_PREFIX,
				      sizeof(al->p[i]), &al->p[i]);
		if (!nest || err)
			err = -EMSGSIZE;
		else
			nla_nest_end(skb, nest);
	}
	rcu_read_unlock();
	return err;
}

size_t virt_allow_size(void)
{
	return nla_total_size(0) + VIRT_ALLOW_MAX_PREFIXES *
	       nla_total_size(sizeof(struct virt_allow_prefix));
}

/*
 * The validator saw someone with CAP_NET_ADMIN over the parent's
 * namespace add @ip to @child: its address event, which may come later
 * (IPv6, after duplicate address detection), finds the grant. Under RTNL.
 */
int virt_grant_add(struct virt_dev *child, const struct in6_addr *ip)
{
	struct virt_port *port = child->port;
	struct virt_grant *g;

	ASSERT_RTNL();
	g = kmalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return -ENOMEM;
	g->ip = *ip;
	spin_lock_bh(&port->addrs_lock);
	list_add(&g->node, &child->grants);
	spin_unlock_bh(&port->addrs_lock);
	return 0;
}

/* Was @ip granted to @child? The grants for it are used up. */
bool virt_grant_take(struct virt_dev *child, const struct in6_addr *ip)
{
	struct virt_grant *g, *next;
	bool granted = false;

	lockdep_assert_held(&child->port->addrs_lock);
	list_for_each_entry_safe(g, next, &child->grants, node) {
		if (ipv6_addr_equal(&g->ip, ip)) {
			list_del(&g->node);
			kfree(g);
			granted = true;
		}
	}
	return granted;
}

/* The grants whose addresses never came (the add failed after the
 * validator), when the child goes.
 */
void virt_grant_flush(struct virt_dev *child)
{
	struct virt_grant *g, *next;

	lockdep_assert_held(&child->port->addrs_lock);
	list_for_each_entry_safe(g, next, &child->grants, node) {
		list_del(&g->node);
		kfree(g);
	}
}
