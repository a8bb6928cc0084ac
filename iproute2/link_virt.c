// SPDX-License-Identifier: GPL-2.0
/*
 * link_virt.so: the iproute2 plugin for the "virt" link kind.
 *
 *	ip link add link eth0 name virt2 type virt mode mirror [mirror-tx on]
 *	ip link set virt2 type virt forward on
 *	ip link set virt1 type virt spoofchk on
 *	ip -d link show virt2		... virt mode mirror mirror-tx on ...
 *
 * ip loads $IP_LIB_DIR/link_virt.so, or link_virt.so from its library
 * directory (/usr/lib/x86_64-linux-gnu/ip on Debian), when it meets a kind
 * it doesn't know, and uses the functions it exports. struct link_util
 * below must match iproute2's own (ip/ip_common.h); its layout has not
 * changed since iproute2 4.x.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "../virt-full/uapi.h"

struct link_util {
	struct link_util *next;
	const char *id;
	int maxattr;
	int (*parse_opt)(struct link_util *, int, char **, struct nlmsghdr *);
	void (*print_opt)(struct link_util *, FILE *, struct rtattr *[]);
	void (*print_xstats)(struct link_util *, FILE *, struct rtattr *);
	void (*print_help)(struct link_util *, int, char **, FILE *);
	int (*parse_ifla_xstats)(struct link_util *, int, char **);
	int (*print_ifla_xstats)(struct nlmsghdr *, void *);
};

/* From the ip binary, which exports them. */
enum output_type { PRINT_FP = 1, PRINT_JSON = 2, PRINT_ANY = 4 };
int addattr8(struct nlmsghdr *n, int maxlen, int type, uint8_t data);
int addattr32(struct nlmsghdr *n, int maxlen, int type, uint32_t data);
int matches(const char *prefix, const char *string);
void invarg(const char *msg, const char *arg) __attribute__((noreturn));
void print_color_string(enum output_type t, int color, const char *key,
			const char *fmt, const char *value);
void print_color_on_off(enum output_type t, int color, const char *key,
			const char *fmt, bool value);

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
		"\n"
		"mode normal: the child answers for its own addresses (the default).\n"
		"mode mirror: the child sees a copy of every frame the parent receives\n"
		"             (and, with mirror-tx on, sends) and takes none of them;\n"
		"             what it sends is dropped unless forward is on.\n"
		"spoofchk on: the child sends only from its MAC and the addresses it\n"
		"             holds (and from 0.0.0.0 or ::); turning it off needs\n"
		"             CAP_NET_ADMIN over the parent's namespace.\n"
		"The mode is fixed at creation.\n");
}

static int on_off(const char *what, const char *arg)
{
	if (!strcmp(arg, "on"))
		return 1;
	if (!strcmp(arg, "off"))
		return 0;
	invarg(what, arg);
}

static int virt_parse_opt(struct link_util *lu, int argc, char **argv,
			  struct nlmsghdr *n)
{
	unsigned int m;

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
		} else if (matches(*argv, "help") == 0) {
			virt_print_help(lu, argc, argv, stdout);
			return -1;
		} else {
			fprintf(stderr, "virt: unknown option \"%s\"\n", *argv);
			virt_print_help(lu, argc, argv, stderr);
			return -1;
		}
	}
	return 0;
}

static uint32_t get_u32(const struct rtattr *rta)
{
	uint32_t v;

	memcpy(&v, RTA_DATA(rta), sizeof(v));
	return v;
}

static void virt_print_opt(struct link_util *lu, FILE *f, struct rtattr *tb[])
{
	uint32_t m;

	if (!tb)
		return;
	if (tb[IFLA_VIRT_MODE]) {
		m = get_u32(tb[IFLA_VIRT_MODE]);
		print_color_string(PRINT_ANY, -1, "mode", "mode %s ",
				   m < __VIRT_MODE_MAX ? modes[m] : "unknown");
	}
	if (tb[IFLA_VIRT_MIRROR_TX])
		print_color_on_off(PRINT_ANY, -1, "mirror_tx", "mirror-tx %s ",
				   *(uint8_t *)RTA_DATA(tb[IFLA_VIRT_MIRROR_TX]));
	if (tb[IFLA_VIRT_FORWARD])
		print_color_on_off(PRINT_ANY, -1, "forward", "forward %s ",
				   *(uint8_t *)RTA_DATA(tb[IFLA_VIRT_FORWARD]));
	if (tb[IFLA_VIRT_SPOOFCHK])
		print_color_on_off(PRINT_ANY, -1, "spoofchk", "spoofchk %s ",
				   *(uint8_t *)RTA_DATA(tb[IFLA_VIRT_SPOOFCHK]));
}

struct link_util virt_link_util = {
	.id		= "virt",
	.maxattr	= IFLA_VIRT_MAX,
	.parse_opt	= virt_parse_opt,
	.print_opt	= virt_print_opt,
	.print_help	= virt_print_help,
};
