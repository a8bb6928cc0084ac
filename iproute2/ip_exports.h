/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the ip binary exports to a link plugin, as iproute2 declares it
 * (include/libnetlink.h, include/json_print.h, include/utils.h). A
 * plugin is loaded into ip, so these resolve against ip itself.
 */
#ifndef IP_EXPORTS_H
#define IP_EXPORTS_H

#include <stdbool.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/types.h>

enum output_type { PRINT_FP = 1, PRINT_JSON = 2, PRINT_ANY = 4 };

int addattr8(struct nlmsghdr *n, int maxlen, int type, __u8 data);
int addattr32(struct nlmsghdr *n, int maxlen, int type, __u32 data);
int addattr_l(struct nlmsghdr *n, int maxlen, int type, const void *data,
	      int alen);
struct rtattr *addattr_nest(struct nlmsghdr *n, int maxlen, int type);
int addattr_nest_end(struct nlmsghdr *n, struct rtattr *nest);
void open_json_array(enum output_type type, const char *delim);
void close_json_array(enum output_type type, const char *delim);
int matches(const char *prefix, const char *string);
void invarg(const char *msg, const char *arg) __attribute__((noreturn));
void print_color_string(enum output_type t, int color, const char *key,
			const char *fmt, const char *value);
void print_color_on_off(enum output_type t, int color, const char *key,
			const char *fmt, bool value);

#endif
