// SPDX-License-Identifier: GPL-2.0
/*
 * The port: per-parent state, from the parent's first child to its last.
 * It holds the receive handler and a tracked reference on the parent, and
 * follows the parent through the netdevice notifier.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "virt_full.h"

/* Unmerged, so that destroying it at exit reports a leaked port. */
static struct kmem_cache *vfull_port_cache;

static int vfull_port_create(struct net_device *parent)
{
	struct vfull_port *port;
	int err;

	port = kmem_cache_zalloc(vfull_port_cache, GFP_KERNEL);
	if (!port)
		return -ENOMEM;
	port->dev = parent;
	INIT_LIST_HEAD(&port->children);
	INIT_LIST_HEAD(&port->mirrors);
	ida_init(&port->ida);
	/* Children share the parent's MAC: none may share its dev_id too,
	 * or their IPv6 link-local addresses would collide.
	 */
	if (parent->dev_id) {
		err = ida_alloc_range(&port->ida, parent->dev_id,
				      parent->dev_id, GFP_KERNEL);
		if (err < 0)
			goto err_free;
	}
	port->stats = netdev_alloc_pcpu_stats(struct vfull_port_pcpu_stats);
	if (!port->stats) {
		err = -ENOMEM;
		goto err_free;
	}
	err = vfull_wait_port_init(port);
	if (err)
		goto err_free;
	err = vfull_addr_port_init(port);
	if (err)
		goto err_free;
	vfull_bc_port_init(port);
	netdev_hold(parent, &port->dev_tracker, GFP_KERNEL);
	/* The egress hook comes with the children that need it. */
	err = netdev_rx_handler_register(parent, vfull_port_handle_frame, port);
	if (err)
		goto err_put;
	pr_debug("%s: port created\n", parent->name);
	return 0;

err_put:
	netdev_put(parent, &port->dev_tracker);
	vfull_addr_port_destroy(port);
err_free:
	vfull_wait_port_destroy(port);
	free_percpu(port->stats);
	ida_destroy(&port->ida);
	kmem_cache_free(vfull_port_cache, port);
	return err;
}

static void vfull_port_destroy(struct vfull_port *port)
{
	struct net_device *parent = port->dev;

	vfull_host_detach(port);
	/* Waits for a grace period: no handler, ours or netfilter's, runs on
	 * the port after it.
	 */
	netdev_rx_handler_unregister(parent);
	/* The last child is gone too: nothing queues copies any more. */
	vfull_bc_port_destroy(port);
	vfull_addr_port_destroy(port);
	vfull_wait_port_destroy(port);
	free_percpu(port->stats);
	ida_destroy(&port->ida);
	pr_debug("%s: port destroyed\n", parent->name);
	netdev_put(parent, &port->dev_tracker);
	kmem_cache_free(vfull_port_cache, port);
}

int vfull_port_attach(struct vfull_dev *child)
{
	struct net_device *parent = child->parent;
	struct vfull_port *port;
	int err, id;

	ASSERT_RTNL();
	if (!vfull_is_port(parent)) {
		err = vfull_port_create(parent);
		if (err)
			return err;
	}
	port = vfull_port_get_rtnl(parent);
	id = ida_alloc_range(&port->ida, 1, U16_MAX - 1, GFP_KERNEL);
	if (id < 0) {
		if (!port->count)
			vfull_port_destroy(port);
		return id;
	}
	child->id = id;
	/* A shared MAC needs the id in the link-local address; an own
	 * MAC makes the plain EUI-64 one, as on a NIC.
	 */
	child->dev->dev_id = child->own_mac ? 0 : id;
	child->port = port;
	port->count++;
	return 0;
}

void vfull_port_detach(struct vfull_dev *child)
{
	struct vfull_port *port = child->port;

	ASSERT_RTNL();
	ida_free(&port->ida, child->id);
	if (!--port->count)
		vfull_port_destroy(port);
}

/* Children follow their parent; they go with it when it goes. */
static int vfull_port_event(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct netdev_notifier_pre_changeaddr_info *pre;
	struct vfull_dev *child, *next;
	struct vfull_port *port;
	LIST_HEAD(kill);

	/* A child that moved to another namespace may need the hook now,
	 * or no longer (its first registration, before it is on a list,
	 * is vfull_link_attach()'s).
	 */
	if (event == NETDEV_REGISTER && vfull_is_child(dev)) {
		child = netdev_priv(dev);
		if (!list_empty(&child->pnode) && vfull_host_sync(child->port))
			netdev_warn(dev, "the host can't reach it locally in this namespace\n");
		return NOTIFY_DONE;
	}
	if (!vfull_is_port(dev))
		return NOTIFY_DONE;
	port = vfull_port_get_rtnl(dev);

	switch (event) {
	case NETDEV_PRE_TYPE_CHANGE:
		/* Children only make sense on Ethernet. */
		return NOTIFY_BAD;
	case NETDEV_UNREGISTER:
		/* A move to another namespace unregisters and registers
		 * again: the children stay where they are, the demux crosses
		 * namespaces, and the egress hook follows the parent.
		 */
		if (dev->reg_state != NETREG_UNREGISTERING) {
			vfull_host_detach(port);
			break;
		}
		list_for_each_entry_safe(child, next, &port->children, pnode)
			child->dev->rtnl_link_ops->dellink(child->dev, &kill);
		list_for_each_entry_safe(child, next, &port->mirrors, pnode)
			child->dev->rtnl_link_ops->dellink(child->dev, &kill);
		unregister_netdevice_many(&kill);
		break;
	case NETDEV_REGISTER:
		if (vfull_host_sync(port))
			netdev_warn(dev, "host and children can't talk locally in this namespace\n");
		vfull_mac_refill(port);
		break;
	case NETDEV_PRE_CHANGEADDR:
		/* Two devices with one MAC would take each other's frames. */
		pre = ptr;
		if (vfull_mac_owned(port, pre->dev_addr))
			return notifier_from_errno(-EADDRINUSE);
		break;
	default:
		list_for_each_entry(child, &port->children, pnode)
			if (event != NETDEV_CHANGEADDR || !child->own_mac)
				stacked_follow_parent(event, child->dev,
						      &child->mtu);
		list_for_each_entry(child, &port->mirrors, pnode)
			stacked_follow_parent(event, child->dev, &child->mtu);
	}
	return NOTIFY_DONE;
}

static struct notifier_block vfull_port_notifier = {
	.notifier_call = vfull_port_event,
};

int vfull_port_init(void)
{
	int err;

	vfull_port_cache = KMEM_CACHE(vfull_port, VIRT_SLAB_OWN);
	if (!vfull_port_cache)
		return -ENOMEM;
	err = register_netdevice_notifier(&vfull_port_notifier);
	if (err)
		kmem_cache_destroy(vfull_port_cache);
	return err;
}

/* After every child and port is gone (rtnl_link_unregister()). */
void vfull_port_exit(void)
{
	unregister_netdevice_notifier(&vfull_port_notifier);
	kmem_cache_destroy(vfull_port_cache);
}
