/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The netlink attributes of the "virt" link kind, in IFLA_INFO_DATA:
 * shared by the module and the iproute2 plugin (iproute2/link_virt.c).
 */
#ifndef VIRT_UAPI_H
#define VIRT_UAPI_H

enum {
	IFLA_VIRT_UNSPEC,
	IFLA_VIRT_MODE,		/* u32, enum virt_mode; fixed at creation */
	IFLA_VIRT_MIRROR_TX,	/* u8: a mirror copies the parent's output too */
	IFLA_VIRT_FORWARD,	/* u8: what a mirror sends goes out */
	IFLA_VIRT_SPOOFCHK,	/* u8: send only from addresses held */
	IFLA_VIRT_ALLOW,	/* nested IFLA_VIRT_ALLOW_PREFIX: the only
				 * addresses the child may hold; empty: any
				 */
	IFLA_VIRT_OWN_MAC,	/* u8: a MAC of its own, not the parent's
				 * (random unless IFLA_ADDRESS gives it);
				 * fixed at creation
				 */
	__IFLA_VIRT_MAX,
};

#define IFLA_VIRT_MAX (__IFLA_VIRT_MAX - 1)

enum {
	IFLA_VIRT_ALLOW_UNSPEC,
	IFLA_VIRT_ALLOW_PREFIX,	/* struct virt_allow_prefix */
	__IFLA_VIRT_ALLOW_MAX,
};

#define IFLA_VIRT_ALLOW_MAX (__IFLA_VIRT_ALLOW_MAX - 1)

/* How many prefixes an allow-list holds at most. */
#define VIRT_ALLOW_MAX_PREFIXES 32

/* One prefix of an allow-list: IPv4 as ::ffff:a.b.c.d/(96 + its length). */
struct virt_allow_prefix {
	unsigned char addr[16];
	unsigned char len;		/* 0..128 */
	unsigned char pad[3];
};

enum virt_mode {
	VIRT_MODE_NORMAL,	/* answers for its own addresses */
	VIRT_MODE_MIRROR,	/* sees a copy of all the parent's traffic */
	__VIRT_MODE_MAX,
};

#endif /* VIRT_UAPI_H */
