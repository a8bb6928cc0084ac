// SPDX-License-Identifier: GPL-2.0
/*
 * What the host lets a child claim: a child may be handed to a container
 * whose root is root only in its own user namespace. An address the host
 * holds is never a child's; an allow-list, set with CAP_NET_ADMIN over the
 * parent's namespace, bounds what it may hold; and the host believes a
 * child only about trusted addresses: in the list, granted by a caller
 * with that capability, or the link-local the kernel made for it.
 */

#include <linux/inetdevice.h>
#include <net/addrconf.h>

#include "virt_full.h"

struct vfull_allow {
	struct rcu_head rcu;
	unsigned int n;
	struct virt_allow_prefix p[];
};

static bool vfull_dev_holds_rcu(struct net_device *dev, const struct in6_addr *ip)
{
	const struct in_ifaddr *ifa;
	struct in_device *in_dev;

	/* Tentative too: the host's address under DAD is the host's. */
	if (!ipv6_addr_v4mapped(ip))
		return ipv6_chk_addr_and_flags(dev_net(dev), ip, dev, false, 1, 0);
	in_dev = __in_dev_get_rcu(dev);
	if (!in_dev)
		return false;
	in_dev_for_each_ifa_rcu(ifa, in_dev)
		if (ifa->ifa_local == ip->s6_addr32[3])
			return true;
	return false;
}

static bool vfull_is_child_of(struct net_device *dev, const struct vfull_port *port)
{
	return vfull_is_child(dev) &&
	       ((struct vfull_dev *)netdev_priv(dev))->port == port;
}

/*
 * Does the host hold @ip: a device of the parent's namespace other than
 * @port's own children (another port's are the host's too)?
 */
bool vfull_host_holds(const struct vfull_port *port, const struct in6_addr *ip)
{
	struct net *net = dev_net(port->dev);
	struct net_device *dev;
	bool held = false;

	/* Most addresses are nowhere in the namespace: one hash lookup. */
	if (ipv6_addr_v4mapped(ip) ? !__ip_dev_find(net, ip->s6_addr32[3], false) :
	    !ipv6_chk_addr_and_flags(net, ip, port->dev, true, 0, 0))
		return false;
	rcu_read_lock();
	for_each_netdev_rcu(net, dev) {
		if (!vfull_is_child_of(dev, port) && vfull_dev_holds_rcu(dev, ip)) {
			held = true;
			break;
		}
	}
	rcu_read_unlock();
	return held;
}

static bool vfull_link_local_given(struct vfull_dev *child,
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
 * and the kernel's own link-local say (grants aside). The list is
 * replaced under RTNL and addrs_lock both: either keeps it.
 */
bool vfull_allow_permits(struct vfull_dev *child, const struct in6_addr *ip,
			 bool *trusted)
{
	const struct vfull_allow *al;
	bool inside = false;
	unsigned int i;

	if (vfull_link_local_given(child, ip)) {
		*trusted = true;
		return true;
	}
	al = rcu_dereference_protected(child->allow, lockdep_rtnl_is_held() ||
				       lockdep_is_held(&child->port->addrs_lock));
	for (i = 0; al && i < al->n && !inside; i++)
		inside = ipv6_prefix_equal(ip, (const struct in6_addr *)al->p[i].addr,
					   al->p[i].len);
	*trusted = inside;
	return inside || !al;
}

struct vfull_allow *vfull_allow_parse(const struct nlattr *nest,
				      struct netlink_ext_ack *extack)
{
	const struct virt_allow_prefix *p;
	const struct nlattr *attr;
	struct vfull_allow *al;
	unsigned int n = 0;
	int rem;

	nla_for_each_nested(attr, nest, rem) {
		p = nla_data(attr);
		if (nla_type(attr) != IFLA_VIRT_ALLOW_PREFIX || p->len > 128 ||
		    p->pad[0] || p->pad[1] || p->pad[2] ||
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

/*
 * Under addrs_lock too: an address being added is checked against the old
 * list or the new, never against the old and inserted after the resync.
 */
void vfull_allow_set(struct vfull_dev *child, struct vfull_allow *al)
{
	struct vfull_port *port = child->port;
	struct vfull_allow *old;

	ASSERT_RTNL();
	spin_lock_bh(&port->addrs_lock);
	old = rcu_replace_pointer(child->allow, al,
				  lockdep_is_held(&port->addrs_lock));
	spin_unlock_bh(&port->addrs_lock);
	if (old)
		kfree_rcu(old, rcu);
}

/* When no reader is left: from the destructor, or a creation that failed
 * (the core frees the device without its destructor where registration
 * failed early): whichever comes first.
 */
void vfull_allow_free(struct vfull_dev *child)
{
	kfree(rcu_access_pointer(child->allow));
	RCU_INIT_POINTER(child->allow, NULL);
}

int vfull_allow_fill(struct sk_buff *skb, struct vfull_dev *child)
{
	const struct vfull_allow *al;
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
		if (!nest) {
			err = -EMSGSIZE;
		} else if (err) {
			nla_nest_cancel(skb, nest);
			err = -EMSGSIZE;
		} else {
			nla_nest_end(skb, nest);
		}
	}
	rcu_read_unlock();
	return err;
}

size_t vfull_allow_size(void)
{
	return nla_total_size(0) + VIRT_ALLOW_MAX_PREFIXES *
	       nla_total_size(sizeof(struct virt_allow_prefix));
}

/*
 * The validator saw someone with CAP_NET_ADMIN over the parent's
 * namespace add @ip to @child: the address event that follows in the same
 * request (IPv4 and IPv6 both send it before the request returns) finds
 * the grant, and takes it. Nothing else may: a kernel thread (IPv6's
 * temporary and regenerated addresses) runs with full capabilities, on
 * no one's behalf.
 */
void vfull_grant_set(struct vfull_dev *child, const struct in6_addr *ip)
{
	struct vfull_port *port = child->port;

	bool granted;

	ASSERT_RTNL();
	granted = !(current->flags & PF_KTHREAD) &&
		  ns_capable_noaudit(dev_net(child->parent)->user_ns, CAP_NET_ADMIN);
	spin_lock_bh(&port->addrs_lock);
	child->grant = *ip;
	child->granted = granted;
	spin_unlock_bh(&port->addrs_lock);
}

/*
 * Was @ip granted to @child just now? Any address event of the child
 * uses the grant up: one the request did not add (the peer of an IPv4
 * peer address, which the validator sees) is no one's.
 */
bool vfull_grant_take(struct vfull_dev *child, const struct in6_addr *ip)
{
	bool granted = child->granted && ipv6_addr_equal(&child->grant, ip);

	lockdep_assert_held(&child->port->addrs_lock);
	child->granted = false;
	return granted;
}
