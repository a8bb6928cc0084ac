// SPDX-License-Identifier: GPL-2.0
/*
 * link_virt.so: the iproute2 plugin for the "virt" link kind.
 *
 *	ip link add link eth0 name virt2 type virt mode mirror [mirror-tx on]
 *	ip link set virt2 type virt forward on
 *	ip link set virt1 type virt spoofchk on
 *	ip link set virt1 type virt allow 192.0.2.50/32 allow 2001:db8::/64
 *	ip link add link eth0 name virt3 type virt own-mac
 *	ip -d link show virt2		... virt mode mirror mirror-tx on ...
 *
 * ip loads $IP_LIB_DIR/link_virt.so, or link_virt.so from its library
 * directory (/usr/lib/x86_64-linux-gnu/ip on Debian), when it meets a kind
 * it doesn't know, and uses the functions it exports. struct link_util
 * below must match iproute2's own (ip/ip_common.h); its layout has not
 * changed since iproute2 4.x.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/types.h>

#include "ip_exports.h"
#include "../virt-full/uapi.h"

struct link_util {
	struct link_util *next;
	const char *id;
	int maxattr;
	int (*parse_opt)(struct link_util *lu, int argc, char **argv,
			 struct nlmsghdr *n);
	void (*print_opt)(struct link_util *lu, FILE *f, struct rtattr *tb[]);
	void (*print_xstats)(struct link_util *lu, FILE *f,
			     struct rtattr *xstats);
	void (*print_help)(struct link_util *lu, int argc, char **argv,
			   FILE *f);
	int (*parse_ifla_xstats)(struct link_util *lu, int argc, char **argv);
	int (*print_ifla_xstats)(struct nlmsghdr *n, void *arg);
};

#define MAXLEN 1024	/* as iproute2's request buffers, at the least */

static const char *const modes[__VIRT_MODE_MAX] = {
	[VIRT_MODE_NORMAL] = "normal",
	[VIRT_MODE_MIRROR] = "mirror",
};

static void virt_print_help(struct link_util *lu, int argc, char **argv,
			    FILE *f)
{
	fprintf(f,
		"Usage: ... virt [ mode { normal | mirror } ] [ mirror-tx { on | off } ]\n"
		"                [ forward { on | off } ] [ spoofchk { on | off } ]\n"
		"                [ allow PREFIX ]... [ allow none ] [ own-mac ]\n"
		"\n"
		"mode normal: the child answers for its own addresses (the default).\n"
		"mode mirror: the child sees a copy of every frame the parent receives\n"
		"             (and, with mirror-tx on, sends) and takes none of them;\n"
		"             what it sends is dropped unless forward is on.\n"
		"own-mac:     the child has a random MAC address of its own (or the\n"
		"             one given by \"address\"), not the parent's.\n"
		"spoofchk on: the child sends only from its MAC and the addresses it\n"
		"             holds (and from 0.0.0.0 or ::); turning it off needs\n"
		"             CAP_NET_ADMIN over the parent's namespace.\n"
		"allow:       the only addresses the child may hold (IPv4 or IPv6\n"
		"             prefixes, up to 32; each set replaces the list, none\n"
		"             clears it); set with CAP_NET_ADMIN over the parent's\n"
		"             namespace only.\n"
		"The mode and own-mac are fixed at creation.\n");
}

static int on_off(const char *what, const char *arg)
{
	if (!strcmp(arg, "on"))
		return 1;
	if (!strcmp(arg, "off"))
		return 0;
	invarg(what, arg);
}

/* ADDR[/LEN] into @p: IPv4 as ::ffff:ADDR/(96 + LEN). */
static void parse_prefix(const char *arg, struct virt_allow_prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 5], *slash, *end;
	unsigned long len;
	bool v4;

	memset(p, 0, sizeof(*p));
	if (strlen(arg) >= sizeof(buf))
		invarg("allow takes an IPv4 or IPv6 prefix", arg);
	memcpy(buf, arg, strlen(arg) + 1);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	v4 = inet_pton(AF_INET, buf, p->addr + 12) == 1;
	if (v4) {
		p->addr[10] = 0xff;
		p->addr[11] = 0xff;
	} else if (inet_pton(AF_INET6, buf, p->addr) != 1) {
		invarg("allow takes an IPv4 or IPv6 prefix", arg);
	}
	len = v4 ? 32 : 128;
	if (slash) {
		len = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || len > (v4 ? 32 : 128))
			invarg("allow takes an IPv4 or IPv6 prefix", arg);
	}
	p->len = v4 ? 96 + len : len;
}

static int virt_parse_opt(struct link_util *lu, int argc, char **argv,
			  struct nlmsghdr *n)
{
	struct virt_allow_prefix allow[VIRT_ALLOW_MAX_PREFIXES];
	bool allow_set = false, allow_none = false;
	unsigned int m, nallow = 0;
	struct rtattr *nest;

	for (; argc > 0; argc--, argv++) {
		if (!strcmp(*argv, "mode") && argc > 1) {
			argc--, argv++;
			for (m = 0; m < __VIRT_MODE_MAX; m++)
				if (!strcmp(*argv, modes[m]))
					break;
			if (m == __VIRT_MODE_MAX)
				invarg("mode must be \"normal\" or \"mirror\"", *argv);
			addattr32(n, MAXLEN, IFLA_VIRT_MODE, m);
		} else if (!strcmp(*argv, "mirror-tx") && argc > 1) {
			argc--, argv++;
			addattr8(n, MAXLEN, IFLA_VIRT_MIRROR_TX,
				 on_off("mirror-tx must be \"on\" or \"off\"", *argv));
		} else if (!strcmp(*argv, "forward") && argc > 1) {
			argc--, argv++;
			addattr8(n, MAXLEN, IFLA_VIRT_FORWARD,
				 on_off("forward must be \"on\" or \"off\"", *argv));
		} else if (!strcmp(*argv, "spoofchk") && argc > 1) {
			argc--, argv++;
			addattr8(n, MAXLEN, IFLA_VIRT_SPOOFCHK,
				 on_off("spoofchk must be \"on\" or \"off\"", *argv));
		} else if (!strcmp(*argv, "own-mac")) {
			addattr8(n, MAXLEN, IFLA_VIRT_OWN_MAC, 1);
		} else if (!strcmp(*argv, "allow") && argc > 1) {
			argc--, argv++;
			allow_set = true;
			if (!strcmp(*argv, "none")) {
				allow_none = true;
			} else {
				if (nallow == VIRT_ALLOW_MAX_PREFIXES)
					invarg("an allow-list holds 32 prefixes at most",
					       *argv);
				parse_prefix(*argv, &allow[nallow++]);
			}
			if (allow_none && nallow)
				invarg("allow none takes no prefix beside it", *argv);
		} else {
			bool help = !matches(*argv, "help");

			if (!help)
				fprintf(stderr, "virt: unknown option \"%s\"\n",
					*argv);
			virt_print_help(lu, argc, argv, help ? stdout : stderr);
			return -1;
		}
	}
	if (allow_set) {
		nest = addattr_nest(n, MAXLEN, IFLA_VIRT_ALLOW);
		for (m = 0; m < nallow; m++)
			addattr_l(n, MAXLEN, IFLA_VIRT_ALLOW_PREFIX, &allow[m],
				  sizeof(allow[m]));
		addattr_nest_end(n, nest);
	}
	return 0;
}

/* "ADDR/LEN" of @p, as the user wrote it: IPv4 unmapped. */
static void format_prefix(const struct virt_allow_prefix *p, char *buf,
			  size_t size)
{
	static const unsigned char v4mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	bool v4 = !memcmp(p->addr, v4mapped, sizeof(v4mapped)) && p->len >= 96;
	size_t n;

	inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? p->addr + 12 : p->addr, buf,
		  size);
	n = strlen(buf);
	snprintf(buf + n, size - n, "/%u", v4 ? p->len - 96 : p->len);
}

static void print_allow(const struct rtattr *nest)
{
	char buf[INET6_ADDRSTRLEN + 5];
	const struct rtattr *rta;
	int rem = RTA_PAYLOAD(nest);

	open_json_array(PRINT_JSON, "allow");
	for (rta = RTA_DATA(nest); RTA_OK(rta, rem); rta = RTA_NEXT(rta, rem)) {
		if (rta->rta_type != IFLA_VIRT_ALLOW_PREFIX ||
		    RTA_PAYLOAD(rta) < sizeof(struct virt_allow_prefix))
			continue;
		format_prefix(RTA_DATA(rta), buf, sizeof(buf));
		print_color_string(PRINT_JSON, -1, NULL, NULL, buf);
		print_color_string(PRINT_FP, -1, NULL, "allow %s ", buf);
	}
	close_json_array(PRINT_JSON, NULL);
}

static __u32 get_u32(const struct rtattr *rta)
{
	__u32 v;

	memcpy(&v, RTA_DATA(rta), sizeof(v));
	return v;
}

static void virt_print_opt(struct link_util *lu, FILE *f, struct rtattr *tb[])
{
	__u32 m;

	if (!tb)
		return;
	if (tb[IFLA_VIRT_MODE]) {
		m = get_u32(tb[IFLA_VIRT_MODE]);
		print_color_string(PRINT_ANY, -1, "mode", "mode %s ",
				   m < __VIRT_MODE_MAX ? modes[m] : "unknown");
	}
	if (tb[IFLA_VIRT_MIRROR_TX])
		print_color_on_off(PRINT_ANY, -1, "mirror_tx", "mirror-tx %s ",
				   *(__u8 *)RTA_DATA(tb[IFLA_VIRT_MIRROR_TX]));
	if (tb[IFLA_VIRT_FORWARD])
		print_color_on_off(PRINT_ANY, -1, "forward", "forward %s ",
				   *(__u8 *)RTA_DATA(tb[IFLA_VIRT_FORWARD]));
	if (tb[IFLA_VIRT_SPOOFCHK])
		print_color_on_off(PRINT_ANY, -1, "spoofchk", "spoofchk %s ",
				   *(__u8 *)RTA_DATA(tb[IFLA_VIRT_SPOOFCHK]));
	if (tb[IFLA_VIRT_ALLOW])
		print_allow(tb[IFLA_VIRT_ALLOW]);
	if (tb[IFLA_VIRT_OWN_MAC] && *(__u8 *)RTA_DATA(tb[IFLA_VIRT_OWN_MAC])) {
		print_color_on_off(PRINT_JSON, -1, "own_mac", NULL, true);
		print_color_string(PRINT_FP, -1, NULL, "%s ", "own-mac");
	}
}

struct link_util virt_link_util = {
	.id		= "virt",
	.maxattr	= IFLA_VIRT_MAX,
	.parse_opt	= virt_parse_opt,
	.print_opt	= virt_print_opt,
	.print_help	= virt_print_help,
};
