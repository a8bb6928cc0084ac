// SPDX-License-Identifier: GPL-2.0
/*
 * The address table: which child answers for which address, learnt from
 * the inet and inet6 address notifiers. The validators refuse an address
 * a sibling or the host holds, or outside the allow-list; the events
 * leave out what the validators never saw (IPv6 autoconf). IPv4 is stored
 * v4-mapped: one table, one key size. A mirror's addresses steer nothing.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/inetdevice.h>
#include <net/addrconf.h>
#include <net/if_inet6.h>
#include <net/ipv6.h>

#include "virt_full.h"

/* Unmerged, so that destroying it at exit reports a leaked address. */
static struct kmem_cache *vfull_addr_cache;

static void vfull_addr_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(vfull_addr_cache, container_of(head, struct vfull_addr, rcu));
}

int vfull_addr_port_init(struct vfull_port *port)
{
	spin_lock_init(&port->addrs_lock);
	return rhashtable_init(&port->addrs, &vfull_addr_params);
}

void vfull_addr_port_destroy(struct vfull_port *port)
{
	rhashtable_destroy(&port->addrs);
}

/*
 * Count @a in (@n 1) or out (-1) of the address filter, and keep its
 * slot's sole address: @a if it came alone; none otherwise, as after a
 * removal that leaves one (finding that one would take a search; the
 * table finds it).
 */
static void vfull_addr_filter_add(struct vfull_port *port, struct vfull_addr *a,
				  int n)
{
	unsigned int slot = vfull_addr_slot(&a->ip);
	u32 count = port->addr_filter[slot] + n;

	lockdep_assert_held(&port->addrs_lock);
	WRITE_ONCE(port->addr_filter[slot], count);
	if (n > 0 && count == 1)
		rcu_assign_pointer(port->addr_sole[slot], a);
	else
		RCU_INIT_POINTER(port->addr_sole[slot], NULL);
}

static void vfull_addr_unlink(struct vfull_port *port, struct vfull_addr *a)
{
	lockdep_assert_held(&port->addrs_lock);
	rhashtable_remove_fast(&port->addrs, &a->node, vfull_addr_params);
	vfull_addr_filter_add(port, a, -1);
	list_del(&a->anode);
	call_rcu(&a->rcu, vfull_addr_free_rcu);
}

/* Rate-limited: a container may add addresses in a loop. */
static void vfull_addr_warn(struct vfull_dev *child, const struct in6_addr *ip,
			    const char *more, const char *why)
{
	local_bh_disable();
	vfull_stats_inc(child, VIRT_ADDR_REFUSED);
	local_bh_enable();
	if (!net_ratelimit())
		return;
	if (ipv6_addr_v4mapped(ip))
		netdev_warn(child->dev, "%pI4 is not steered here%s: %s\n",
			    &ip->s6_addr32[3], more, why);
	else
		netdev_warn(child->dev, "%pI6c is not steered here%s: %s\n",
			    ip, more, why);
}

/*
 * IPv6 reports addresses from atomic context. An address the child holds
 * already (under another prefix, or a secondary promoted to
 * primary) keeps its one entry, trusted if it is granted now.
 */
static int vfull_addr_add(struct vfull_dev *child, const struct in6_addr *ip)
{
	struct vfull_port *port = child->port;
	struct vfull_addr *a, *old;
	bool trusted = false;
	int err = 0;

	/* Charged to whoever adds the address: a container, in a loop. */
	a = kmem_cache_zalloc(vfull_addr_cache, GFP_ATOMIC | __GFP_ACCOUNT);
	if (!a)
		return -ENOMEM;
	a->ip = *ip;
	a->child = child;

	/* Checked under the lock that vfull_addr_host_took() and
	 * vfull_allow_set() take: the host gaining the address, or a new
	 * allow-list, comes before the check or after the insert.
	 */
	spin_lock_bh(&port->addrs_lock);
	a->granted = vfull_grant_take(child, ip);
	if (vfull_host_holds(port, ip)) {
		old = ERR_PTR(-EADDRINUSE);
	} else if (!vfull_allow_permits(child, ip, &trusted)) {
		old = ERR_PTR(-EACCES);
	} else {
		a->trusted = trusted || a->granted;
		old = rhashtable_lookup_get_insert_fast(&port->addrs, &a->node,
							vfull_addr_params);
	}
	if (IS_ERR(old)) {
		err = PTR_ERR(old);
	} else if (old) {
		err = old->child == child ? 0 : -EEXIST;
		if (!err && a->granted) {
			old->granted = true;
			WRITE_ONCE(old->trusted, true);
		}
	} else {
		vfull_addr_filter_add(port, a, 1);
		list_add_tail(&a->anode, &child->addrs);
		a = NULL;
	}
	spin_unlock_bh(&port->addrs_lock);
	if (a)
		kmem_cache_free(vfull_addr_cache, a);
	return err;
}

static void vfull_addr_del(struct vfull_dev *child, const struct in6_addr *ip)
{
	struct vfull_port *port = child->port;
	struct vfull_addr *a;

	spin_lock_bh(&port->addrs_lock);
	a = rhashtable_lookup_fast(&port->addrs, ip, vfull_addr_params);
	if (a && a->child == child)
		vfull_addr_unlink(port, a);
	spin_unlock_bh(&port->addrs_lock);
}

void vfull_addr_flush(struct vfull_dev *child)
{
	struct vfull_port *port = child->port;
	struct vfull_addr *a, *next;

	spin_lock_bh(&port->addrs_lock);
	list_for_each_entry_safe(a, next, &child->addrs, anode)
		vfull_addr_unlink(port, a);
	spin_unlock_bh(&port->addrs_lock);
}

static const char *vfull_addr_why(int err)
{
	switch (err) {
	case -EEXIST:
		return "another virt device on this parent has it";
	case -EADDRINUSE:
		return "the host holds it";
	case -EACCES:
		return "not in the allow-list";
	}
	return "out of memory";
}

/* The answering child @dev is, or NULL: a mirror's addresses steer nothing. */
static struct vfull_dev *vfull_child_of(struct net_device *dev)
{
	struct vfull_dev *child;

	if (!vfull_is_child(dev))
		return NULL;
	child = netdev_priv(dev);
	return vfull_is_mirror(child) ? NULL : child;
}

static void vfull_addr_event(struct vfull_dev *child, unsigned long event,
			     const struct in6_addr *ip)
{
	int err;

	switch (event) {
	case NETDEV_UP:
		err = vfull_addr_add(child, ip);
		/* Only addresses the validators never saw (IPv6 autoconf, an
		 * IPv4 peer address's local end) can be refused here: the
		 * stack keeps them, the demux never steers them.
		 */
		if (err)
			vfull_addr_warn(child, ip, "", vfull_addr_why(err));
		break;
	case NETDEV_DOWN:
		vfull_addr_del(child, ip);
		break;
	}
}

static bool vfull_in_dev_holds(struct in_device *in_dev, __be32 addr)
{
	const struct in_ifaddr *ifa;

	in_dev_for_each_ifa_rtnl(ifa, in_dev)
		if (ifa->ifa_local == addr)
			return true;
	return false;
}

/*
 * The host gained @ip on @dev, a device that is no virt child: it wins
 * over a child of any port of its namespace that held it. (A child that
 * gains an address another port's child holds is refused instead.)
 */
static void vfull_addr_host_took(struct net_device *dev, const struct in6_addr *ip)
{
	struct vfull_port *port;
	struct net_device *d;
	struct vfull_addr *a;

	rcu_read_lock();
	for_each_netdev_rcu(dev_net(dev), d) {
		if (!vfull_is_port(d))
			continue;
		port = vfull_port_get_rcu(d);
		spin_lock_bh(&port->addrs_lock);
		a = rhashtable_lookup_fast(&port->addrs, ip, vfull_addr_params);
		if (a) {
			vfull_addr_warn(a->child, ip, " any more", "the host took it");
			vfull_addr_unlink(port, a);
		}
		spin_unlock_bh(&port->addrs_lock);
	}
	rcu_read_unlock();
}

/*
 * A device may hold one IPv4 address under several prefixes: it goes
 * from the table with the last. (The ifa going down has left the
 * device's list already.)
 */
static int vfull_inetaddr_event(struct notifier_block *nb,
				unsigned long event, void *ptr)
{
	const struct in_ifaddr *ifa = ptr;
	struct net_device *dev = ifa->ifa_dev->dev;
	struct vfull_dev *child = vfull_child_of(dev);
	struct in6_addr ip;

	ASSERT_RTNL();
	ipv6_addr_set_v4mapped(ifa->ifa_local, &ip);
	if (!vfull_is_child(dev) && event == NETDEV_UP)
		vfull_addr_host_took(dev, &ip);
	if (!child || (event == NETDEV_DOWN &&
		       vfull_in_dev_holds(ifa->ifa_dev, ifa->ifa_local)))
		return NOTIFY_DONE;
	vfull_addr_event(child, event, &ip);
	return NOTIFY_DONE;
}

static int vfull_inet6addr_event(struct notifier_block *nb,
				 unsigned long event, void *ptr)
{
	const struct inet6_ifaddr *ifa = ptr;
	struct net_device *dev = ifa->idev->dev;
	struct vfull_dev *child = vfull_child_of(dev);

	/* v4-mapped: the IPv4 address's key, which is not this one's. */
	if (ipv6_addr_v4mapped(&ifa->addr))
		return NOTIFY_DONE;
	if (!vfull_is_child(dev) && event == NETDEV_UP)
		vfull_addr_host_took(dev, &ifa->addr);
	if (child)
		vfull_addr_event(child, event, &ifa->addr);
	return NOTIFY_DONE;
}

static void vfull_addr_rejoin(struct vfull_dev *child, const struct in6_addr *ip)
{
	bool held, trusted;

	rcu_read_lock();
	held = vfull_holds_rcu(child, ip, false);
	rcu_read_unlock();
	if (!held && vfull_allow_permits(child, ip, &trusted))
		vfull_addr_event(child, NETDEV_UP, ip);
}

void vfull_addr_resync(struct vfull_dev *child)
{
	struct vfull_port *port = child->port;
	const struct in_ifaddr *ifa;
	struct vfull_addr *a, *next;
	struct inet6_ifaddr *ifp;
	struct in_device *in_dev;
	struct inet6_dev *idev;
	struct in6_addr ip;
	bool trusted;

	ASSERT_RTNL();
	spin_lock_bh(&port->addrs_lock);
	list_for_each_entry_safe(a, next, &child->addrs, anode) {
		if (vfull_allow_permits(child, &a->ip, &trusted)) {
			WRITE_ONCE(a->trusted, trusted || a->granted);
			continue;
		}
		vfull_addr_warn(child, &a->ip, " any more", "not in the allow-list");
		vfull_addr_unlink(port, a);
	}
	spin_unlock_bh(&port->addrs_lock);

	in_dev = __in_dev_get_rtnl(child->dev);
	if (in_dev) {
		in_dev_for_each_ifa_rtnl(ifa, in_dev) {
			ipv6_addr_set_v4mapped(ifa->ifa_local, &ip);
			vfull_addr_rejoin(child, &ip);
		}
	}
	idev = __in6_dev_get(child->dev);
	if (idev) {
		read_lock_bh(&idev->lock);
		list_for_each_entry(ifp, &idev->addr_list, if_list)
			if (!(ifp->flags & IFA_F_DADFAILED) &&
			    !ipv6_addr_v4mapped(&ifp->addr))
				vfull_addr_rejoin(child, &ifp->addr);
		read_unlock_bh(&idev->lock);
	}
}

/*
 * A child may take @ip if no sibling and nothing of the host's holds it
 * and its allow-list lets it; with the host's authority (the caller's
 * CAP_NET_ADMIN over the parent's namespace), the address is granted.
 */
static int vfull_addr_validate_child(struct vfull_dev *child,
				     const struct in6_addr *ip,
				    struct netlink_ext_ack *extack)
{
	struct vfull_addr *a;
	bool other, trusted;

	rcu_read_lock();
	a = rhashtable_lookup(&child->port->addrs, ip, vfull_addr_params);
	other = a && a->child != child;
	rcu_read_unlock();
	if (other) {
		NL_SET_ERR_MSG(extack,
			       "Address already assigned to another virt device on this parent");
		return -EADDRINUSE;
	}
	if (vfull_host_holds(child->port, ip)) {
		NL_SET_ERR_MSG(extack,
			       "Address already assigned to the parent of this virt device, or to another interface of its namespace");
		return -EADDRINUSE;
	}
	if (!vfull_allow_permits(child, ip, &trusted)) {
		NL_SET_ERR_MSG(extack, "Address not in the allow-list of this virt device");
		return -EPERM;
	}
	vfull_grant_set(child, ip);
	return 0;
}

/*
 * The host may take @ip on @dev unless a child holds it with the host's
 * trust: a child's own claim never keeps the host from its addresses.
 */
static int vfull_addr_validate_host(struct net_device *dev,
				    const struct in6_addr *ip,
				   struct netlink_ext_ack *extack)
{
	struct vfull_addr *a;
	struct net_device *d;
	bool trusted;

	for_each_netdev(dev_net(dev), d) {
		if (!vfull_is_port(d))
			continue;
		rcu_read_lock();
		a = rhashtable_lookup(&vfull_port_get_rtnl(d)->addrs, ip,
				      vfull_addr_params);
		trusted = a && READ_ONCE(a->trusted);
		rcu_read_unlock();
		if (!trusted)
			continue;
		if (d == dev)
			NL_SET_ERR_MSG(extack,
				       "Address already assigned to a virt device on this interface");
		else
			NL_SET_ERR_MSG(extack,
				       "Address already assigned to a virt device in this namespace");
		return -EADDRINUSE;
	}
	return 0;
}

/* Refuse an address that would be steered to two places. */
static int vfull_addr_validate(struct net_device *dev, const struct in6_addr *ip,
			       struct netlink_ext_ack *extack)
{
	struct vfull_dev *child = vfull_child_of(dev);
	int err = 0;

	ASSERT_RTNL();
	if (child)
		err = vfull_addr_validate_child(child, ip, extack);
	else if (!vfull_is_child(dev))
		err = vfull_addr_validate_host(dev, ip, extack);
	return notifier_from_errno(err);
}

static int vfull_inetaddr_validate(struct notifier_block *nb,
				   unsigned long event, void *ptr)
{
	struct in_validator_info *ivi = ptr;
	struct in6_addr ip;

	if (event != NETDEV_UP)
		return NOTIFY_DONE;
	ipv6_addr_set_v4mapped(ivi->ivi_addr, &ip);
	return vfull_addr_validate(ivi->ivi_dev->dev, &ip, ivi->extack);
}

static int vfull_inet6addr_validate(struct notifier_block *nb,
				    unsigned long event, void *ptr)
{
	struct in6_validator_info *i6vi = ptr;

	if (event != NETDEV_UP)
		return NOTIFY_DONE;
	if (ipv6_addr_v4mapped(&i6vi->i6vi_addr) && vfull_child_of(i6vi->i6vi_dev->dev)) {
		NL_SET_ERR_MSG(i6vi->extack,
			       "A virt device takes IPv4 addresses as IPv4, not v4-mapped");
		return notifier_from_errno(-EINVAL);
	}
	return vfull_addr_validate(i6vi->i6vi_dev->dev, &i6vi->i6vi_addr,
				  i6vi->extack);
}

static struct notifier_block vfull_inetaddr_nb = {
	.notifier_call = vfull_inetaddr_event,
};

static struct notifier_block vfull_inet6addr_nb = {
	.notifier_call = vfull_inet6addr_event,
};

static struct notifier_block vfull_inetaddr_validator_nb = {
	.notifier_call = vfull_inetaddr_validate,
};

static struct notifier_block vfull_inet6addr_validator_nb = {
	.notifier_call = vfull_inet6addr_validate,
};

int vfull_addr_init(void)
{
	int err;

	vfull_addr_cache = KMEM_CACHE(vfull_addr, VIRT_SLAB_OWN);
	if (!vfull_addr_cache)
		return -ENOMEM;
	err = register_inetaddr_validator_notifier(&vfull_inetaddr_validator_nb);
	if (err)
		goto err_cache;
	err = register_inet6addr_validator_notifier(&vfull_inet6addr_validator_nb);
	if (err)
		goto err_v4_validator;
	err = register_inetaddr_notifier(&vfull_inetaddr_nb);
	if (err)
		goto err_v6_validator;
	err = register_inet6addr_notifier(&vfull_inet6addr_nb);
	if (err)
		goto err_v4;
	return 0;

err_v4:
	unregister_inetaddr_notifier(&vfull_inetaddr_nb);
err_v6_validator:
	unregister_inet6addr_validator_notifier(&vfull_inet6addr_validator_nb);
err_v4_validator:
	unregister_inetaddr_validator_notifier(&vfull_inetaddr_validator_nb);
err_cache:
	kmem_cache_destroy(vfull_addr_cache);
	return err;
}

void vfull_addr_exit(void)
{
	unregister_inet6addr_notifier(&vfull_inet6addr_nb);
	unregister_inetaddr_notifier(&vfull_inetaddr_nb);
	unregister_inet6addr_validator_notifier(&vfull_inet6addr_validator_nb);
	unregister_inetaddr_validator_notifier(&vfull_inetaddr_validator_nb);
	/* The last addresses' RCU callbacks run module code. */
	rcu_barrier();
	kmem_cache_destroy(vfull_addr_cache);
}
