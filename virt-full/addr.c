// SPDX-License-Identifier: GPL-2.0
/*
 * The address table: which child answers for which address.
 *
 * A child's addresses are learnt from the inet and inet6 address
 * notifiers. The validator notifiers refuse, with a message, an address
 * that another child of the same parent or the parent itself already
 * holds. IPv4 addresses are stored v4-mapped, so one table and one key
 * size serve both families. The table holds every address of every child,
 * up or down, so a duplicate is found in O(1) whoever holds it; the demux
 * delivers only to a child that is up. Beside the table, the port's
 * address filter counts the addresses by their last bits, which lets the
 * demux pass most of the parent's own frames without hashing, and keeps
 * the address of each slot that holds one alone, which the demux finds
 * without hashing too. A mirror
 * child's addresses are its own business: they steer nothing and
 * conflict with nothing.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/inetdevice.h>
#include <net/addrconf.h>
#include <net/if_inet6.h>
#include <net/ipv6.h>

#include "virt_full.h"

/*
 * Addresses come from a cache of their own, which the allocator merges
 * with no other (compat.h says where it can't promise that): at module
 * exit, destroying it finds any address leaked (the kernel warns), which
 * kmemleak, which sees them as well, can miss.
 */
static struct kmem_cache *virt_addr_cache;

static void virt_addr_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(virt_addr_cache, container_of(head, struct virt_addr, rcu));
}

int virt_addr_port_init(struct virt_port *port)
{
	spin_lock_init(&port->addrs_lock);
	return rhashtable_init(&port->addrs, &virt_addr_params);
}

/* The last child has gone and the receive handler with it: no reader. */
void virt_addr_port_destroy(struct virt_port *port)
{
	rhashtable_destroy(&port->addrs);
}

/*
 * Count @a in (@n 1) or out (-1) of the address filter, and keep its
 * slot's sole address: @a if it came alone; none otherwise, as after a
 * removal that leaves one (finding that one would take a search; the
 * table finds it). Caller holds addrs_lock.
 */
static void virt_addr_filter_add(struct virt_port *port, struct virt_addr *a,
				 int n)
{
	unsigned int slot = virt_addr_slot(&a->ip);
	u32 count = port->addr_filter[slot] + n;

	WRITE_ONCE(port->addr_filter[slot], count);
	if (n > 0 && count == 1)
		rcu_assign_pointer(port->addr_sole[slot], a);
	else
		RCU_INIT_POINTER(port->addr_sole[slot], NULL);
}

/* Caller holds port->addrs_lock. */
static void virt_addr_unlink(struct virt_port *port, struct virt_addr *a)
{
	rhashtable_remove_fast(&port->addrs, &a->node, virt_addr_params);
	virt_addr_filter_add(port, a, -1);
	list_del(&a->anode);
	call_rcu(&a->rcu, virt_addr_free_rcu);
}

/*
 * Any context: IPv6 reports addresses from atomic context. An address the
 * child holds already (under another prefix, or a secondary promoted to
 * primary) keeps its one entry.
 */
static int virt_addr_add(struct virt_dev *child, const struct in6_addr *ip)
{
	struct virt_port *port = child->port;
	struct virt_addr *a, *old;
	int err = 0;

	a = kmem_cache_zalloc(virt_addr_cache, GFP_ATOMIC);
	if (!a)
		return -ENOMEM;
	a->ip = *ip;
	a->child = child;

	spin_lock_bh(&port->addrs_lock);
	old = rhashtable_lookup_get_insert_fast(&port->addrs, &a->node,
						virt_addr_params);
	if (IS_ERR(old)) {
		err = PTR_ERR(old);
	} else if (old) {
		err = old->child == child ? 0 : -EEXIST;
	} else {
		virt_addr_filter_add(port, a, 1);
		list_add_tail(&a->anode, &child->addrs);
		a = NULL;
	}
	spin_unlock_bh(&port->addrs_lock);
	if (a)
		kmem_cache_free(virt_addr_cache, a);
	return err;
}

static void virt_addr_del(struct virt_dev *child, const struct in6_addr *ip)
{
	struct virt_port *port = child->port;
	struct virt_addr *a;

	spin_lock_bh(&port->addrs_lock);
	a = rhashtable_lookup_fast(&port->addrs, ip, virt_addr_params);
	if (a && a->child == child)
		virt_addr_unlink(port, a);
	spin_unlock_bh(&port->addrs_lock);
}

/* Whatever the stack has not reported gone when the child leaves. */
void virt_addr_flush(struct virt_dev *child)
{
	struct virt_port *port = child->port;
	struct virt_addr *a, *next;

	spin_lock_bh(&port->addrs_lock);
	list_for_each_entry_safe(a, next, &child->addrs, anode)
		virt_addr_unlink(port, a);
	spin_unlock_bh(&port->addrs_lock);
}

/* The answering child @dev is, or NULL: a mirror's addresses steer nothing. */
static struct virt_dev *virt_child_of(struct net_device *dev)
{
	struct virt_dev *child;

	if (!virt_is_child(dev))
		return NULL;
	child = netdev_priv(dev);
	return virt_is_mirror(child) ? NULL : child;
}

static void virt_addr_event(struct virt_dev *child, unsigned long event,
			    const struct in6_addr *ip)
{
	int err;

	switch (event) {
	case NETDEV_UP:
		err = virt_addr_add(child, ip);
		/* Only addresses the validators never saw (IPv6 autoconf)
		 * can collide here: keep them off the wire rather than steal.
		 */
		if (err)
			netdev_warn(child->dev, "%pI6c is not steered here: %s\n",
				    ip, err == -EEXIST ?
				    "another virt device on this parent has it" :
				    "out of memory");
		break;
	case NETDEV_DOWN:
		virt_addr_del(child, ip);
		break;
	}
}

/* Does @in_dev hold @addr as a local address? Under RTNL. */
static bool virt_in_dev_holds(struct in_device *in_dev, __be32 addr)
{
	const struct in_ifaddr *ifa;

	in_dev_for_each_ifa_rtnl(ifa, in_dev)
		if (ifa->ifa_local == addr)
			return true;
	return false;
}

/*
 * Under RTNL (IPv4 addresses change only there). A device may hold one
 * address under several prefixes: it goes from the table with the last.
 * (The ifa going down has left the device's list already.)
 */
static int virt_inetaddr_event(struct notifier_block *nb,
			       unsigned long event, void *ptr)
{
	const struct in_ifaddr *ifa = ptr;
	struct virt_dev *child = virt_child_of(ifa->ifa_dev->dev);
	struct in6_addr ip;

	if (!child || (event == NETDEV_DOWN &&
		       virt_in_dev_holds(ifa->ifa_dev, ifa->ifa_local)))
		return NOTIFY_DONE;
	ipv6_addr_set_v4mapped(ifa->ifa_local, &ip);
	virt_addr_event(child, event, &ip);
	return NOTIFY_DONE;
}

/* Atomic context, with or without RTNL. */
static int virt_inet6addr_event(struct notifier_block *nb,
				unsigned long event, void *ptr)
{
	const struct inet6_ifaddr *ifa = ptr;
	struct virt_dev *child = virt_child_of(ifa->idev->dev);

	if (child)
		virt_addr_event(child, event, &ifa->addr);
	return NOTIFY_DONE;
}

/* The child that holds @ip, up or down, or NULL. Only compared, never
 * dereferenced: the child may be on its way out.
 */
static struct virt_dev *virt_addr_holder(struct virt_port *port,
					 const struct in6_addr *ip)
{
	struct virt_dev *holder = NULL;
	struct virt_addr *a;

	rcu_read_lock();
	a = rhashtable_lookup(&port->addrs, ip, virt_addr_params);
	if (a)
		holder = a->child;
	rcu_read_unlock();
	return holder;
}

/* Does @parent itself hold @ip? Under RTNL. */
static bool virt_parent_holds(struct net_device *parent,
			      const struct in6_addr *ip)
{
	struct in_device *in_dev;

	if (!ipv6_addr_v4mapped(ip))
		return ipv6_chk_addr(dev_net(parent), ip, parent, 0);
	in_dev = __in_dev_get_rtnl(parent);
	return in_dev && virt_in_dev_holds(in_dev, ip->s6_addr32[3]);
}

/*
 * Refuse an address that would be steered to two places: to a child when
 * another child of its parent, or the parent, holds it; to a parent when
 * one of its children holds it. Under RTNL.
 */
static int virt_addr_validate(struct net_device *dev, const struct in6_addr *ip,
			      struct netlink_ext_ack *extack)
{
	struct virt_dev *child = virt_child_of(dev);
	struct virt_dev *holder;

	if (child) {
		holder = virt_addr_holder(child->port, ip);
		if (holder && holder != child) {
			NL_SET_ERR_MSG(extack,
				       "Address already assigned to another virt device on this parent");
			return notifier_from_errno(-EADDRINUSE);
		}
		if (virt_parent_holds(child->parent, ip)) {
			NL_SET_ERR_MSG(extack,
				       "Address already assigned to the parent of this virt device");
			return notifier_from_errno(-EADDRINUSE);
		}
	} else if (virt_is_port(dev) &&
		   virt_addr_holder(virt_port_get_rtnl(dev), ip)) {
		NL_SET_ERR_MSG(extack,
			       "Address already assigned to a virt device on this interface");
		return notifier_from_errno(-EADDRINUSE);
	}
	return NOTIFY_DONE;
}

static int virt_inetaddr_validate(struct notifier_block *nb,
				  unsigned long event, void *ptr)
{
	struct in_validator_info *ivi = ptr;
	struct in6_addr ip;

	if (event != NETDEV_UP)
		return NOTIFY_DONE;
	ipv6_addr_set_v4mapped(ivi->ivi_addr, &ip);
	return virt_addr_validate(ivi->ivi_dev->dev, &ip, ivi->extack);
}

static int virt_inet6addr_validate(struct notifier_block *nb,
				   unsigned long event, void *ptr)
{
	struct in6_validator_info *i6vi = ptr;

	if (event != NETDEV_UP)
		return NOTIFY_DONE;
	return virt_addr_validate(i6vi->i6vi_dev->dev, &i6vi->i6vi_addr,
				  i6vi->extack);
}

static struct notifier_block virt_inetaddr_nb = {
	.notifier_call = virt_inetaddr_event,
};

static struct notifier_block virt_inet6addr_nb = {
	.notifier_call = virt_inet6addr_event,
};

static struct notifier_block virt_inetaddr_validator_nb = {
	.notifier_call = virt_inetaddr_validate,
};

static struct notifier_block virt_inet6addr_validator_nb = {
	.notifier_call = virt_inet6addr_validate,
};

int virt_addr_init(void)
{
	int err;

	virt_addr_cache = KMEM_CACHE(virt_addr, VIRT_SLAB_OWN);
	if (!virt_addr_cache)
		return -ENOMEM;
	err = register_inetaddr_validator_notifier(&virt_inetaddr_validator_nb);
	if (err)
		goto err_cache;
	err = register_inet6addr_validator_notifier(&virt_inet6addr_validator_nb);
	if (err)
		goto err_v4_validator;
	err = register_inetaddr_notifier(&virt_inetaddr_nb);
	if (err)
		goto err_v6_validator;
	err = register_inet6addr_notifier(&virt_inet6addr_nb);
	if (err)
		goto err_v4;
	return 0;

err_v4:
	unregister_inetaddr_notifier(&virt_inetaddr_nb);
err_v6_validator:
	unregister_inet6addr_validator_notifier(&virt_inet6addr_validator_nb);
err_v4_validator:
	unregister_inetaddr_validator_notifier(&virt_inetaddr_validator_nb);
err_cache:
	kmem_cache_destroy(virt_addr_cache);
	return err;
}

void virt_addr_exit(void)
{
	unregister_inet6addr_notifier(&virt_inet6addr_nb);
	unregister_inetaddr_notifier(&virt_inetaddr_nb);
	unregister_inet6addr_validator_notifier(&virt_inet6addr_validator_nb);
	unregister_inetaddr_validator_notifier(&virt_inetaddr_validator_nb);
	/* The last addresses' RCU callbacks run module code. */
	rcu_barrier();
	kmem_cache_destroy(virt_addr_cache);
}
