// SPDX-License-Identifier: GPL-2.0
/*
 * virt_full: children that coexist with their parent, each answering for
 * its own addresses (like ipvlan in L2 mode: one MAC, demux by IP).
 *
 *	ip link add link eth0 name virt1 type virt	(module autoloads)
 *	insmod virt_full.ko link=eth0 [ifname=virt]	(as in the article)
 *
 * This file: module init and exit, and the legacy link= path.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/net_namespace.h>

#include "virt_full.h"

static char *vfull_link;
module_param_named(link, vfull_link, charp, 0444);
MODULE_PARM_DESC(link,
		 "Parent Ethernet interface of a child created at load, e.g. eth0 (optional: ip link add ... type virt needs none)");

static char *vfull_ifname = "virt";
module_param_named(ifname, vfull_ifname, charp, 0444);
MODULE_PARM_DESC(ifname,
		 "Name prefix of the child created at load: <ifname>N (default \"virt\", at most 13 characters)");

static char *virt_mode = "normal";
module_param_named(mode, virt_mode, charp, 0444);
MODULE_PARM_DESC(mode,
		 "Mode of the child created at load: normal (answers for its own addresses, the default) or mirror (sees a copy of all the parent's traffic)");

/* insmod virt_full.ko link=eth0: one child in init_net. */
static int vfull_create_at_load(u32 mode)
{
	struct net_device *parent;
	char pattern[IFNAMSIZ];
	int err;

	parent = stacked_find_parent(vfull_link, vfull_port_handle_frame);
	if (IS_ERR(parent))
		return PTR_ERR(parent);
	snprintf(pattern, sizeof(pattern), "%s%%d", vfull_ifname);
	err = vfull_link_create(parent, pattern, mode);
	if (err)
		pr_err("link=%s: cannot create a child: %d\n", vfull_link, err);
	return err;
}

static int __init vfull_full_init(void)
{
	u32 mode = VIRT_MODE_NORMAL;
	int err;

	/* A bad mode= or ifname= is refused even without the link= they are
	 * for: a value typed wrong is not silently ignored.
	 */
	if (!strcmp(virt_mode, "mirror")) {
		mode = VIRT_MODE_MIRROR;
	} else if (strcmp(virt_mode, "normal")) {
		pr_err("mode=%.32s: not a mode (normal or mirror)\n", virt_mode);
		return -EINVAL;
	}
	err = stacked_check_params(vfull_link, vfull_ifname, false);
	if (err)
		return err;
	err = vfull_addr_init();
	if (err)
		return err;
	err = vfull_port_init();
	if (err)
		goto err_addr;
	err = rtnl_link_register(&vfull_link_ops);
	if (err)
		goto err_port;
	if (vfull_link) {
		rtnl_lock();
		err = vfull_create_at_load(mode);
		rtnl_unlock();
		if (err)
			goto err_link;
	}
	return 0;

err_link:
	rtnl_link_unregister(&vfull_link_ops);
err_port:
	vfull_port_exit();
err_addr:
	vfull_addr_exit();
	return err;
}

static void __exit vfull_full_exit(void)
{
	/* Deletes every child in every namespace; the ports go with them. */
	rtnl_link_unregister(&vfull_link_ops);
	vfull_port_exit();
	vfull_addr_exit();
}

module_init(vfull_full_init);
module_exit(vfull_full_exit);

MODULE_DESCRIPTION("Second identities for an Ethernet interface: children that coexist with their parent, each answering for its own addresses");
MODULE_LICENSE("GPL");
MODULE_VERSION("1.0");
MODULE_ALIAS_RTNL_LINK(VIRT_KIND);
