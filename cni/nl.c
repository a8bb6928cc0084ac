// SPDX-License-Identifier: GPL-2.0
/*
 * rtnetlink through libmnl: one socket per namespace. A socket stays in
 * the namespace it was made in, so the plugin enters the container's only
 * long enough to make one, and runs the IPAM plugin from the host's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "cni.h"

struct nl {
	struct mnl_socket *sk;
	unsigned int seq;
	unsigned int portid;
	char buf[32768];		/* MNL_SOCKET_BUFFER_SIZE at most */
};

struct nl *nl_open(int netns_fd, struct cni_err *err)
{
	int home = -1, one = 1, saved;
	struct nl *nl = calloc(1, sizeof(*nl));

	if (!nl)
		return cni_fail(err, CNI_ERR_IO, "out of memory"), NULL;
	if (netns_fd >= 0) {
		home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (home < 0 || setns(netns_fd, CLONE_NEWNET)) {
			cni_fail(err, CNI_ERR_PLUGIN,
				 "cannot enter the namespace: %s",
				 strerror(errno));
			goto fail;
		}
	}
	/* not inherited by the IPAM plugin */
	nl->sk = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	saved = errno;
	if (home >= 0 && setns(home, CLONE_NEWNET)) {
		/* in the wrong namespace from here on: stop */
		cni_fail(err, CNI_ERR_IO, "cannot come back from the namespace");
		goto fail;
	}
	if (!nl->sk || mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID)) {
		cni_fail(err, CNI_ERR_IO, "netlink: %s",
			 strerror(nl->sk ? errno : saved));
		goto fail;
	}
	/* the kernel's reasons, which we pass on */
	mnl_socket_setsockopt(nl->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sk, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sk);
	nl->seq = time(NULL);
	if (home >= 0)
		close(home);
	return nl;
fail:
	if (home >= 0)
		close(home);
	if (nl->sk)
		mnl_socket_close(nl->sk);
	free(nl);
	return NULL;
}

void nl_close(struct nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sk);
	free(nl);
}

static int extack_attr(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
		*(const char **)data = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

/* An error's text: the kernel's extack message where it sent one. */
static int nl_error(const struct nlmsghdr *nlh, const char *what,
		    struct cni_err *err)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const char *msg = NULL;
	unsigned int off = sizeof(*e);

	/* the request comes back too, unless the kernel capped it */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    mnl_nlmsg_get_payload_len(nlh) >= off)
		mnl_attr_parse(nlh, off, extack_attr, &msg);
	errno = -e->error;
	cni_fail(err, CNI_ERR_PLUGIN, "%s: %s%s%s", what, strerror(errno),
		 msg ? ": " : "", msg ? msg : "");
	return -1;
}

/*
 * Send one request and read until its acknowledgment or, for a dump, its
 * end. Returns 0, or -1 with errno the kernel's and @err filled.
 */
static int nl_talk(struct nl *nl, struct nlmsghdr *req, mnl_cb_t cb,
		   void *data, const char *what, struct cni_err *err)
{
	unsigned int seq = ++nl->seq;
	ssize_t n;
	int ret;

	req->nlmsg_seq = seq;
	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (mnl_socket_sendto(nl->sk, req, req->nlmsg_len) < 0)
		return cni_fail(err, CNI_ERR_IO, "%s: %s", what,
				strerror(errno));
	for (;;) {
		const struct nlmsghdr *h = (void *)nl->buf;

		n = mnl_socket_recvfrom(nl->sk, nl->buf, sizeof(nl->buf));
		if (n < 0)
			return cni_fail(err, CNI_ERR_IO, "%s: %s", what,
					strerror(errno));
		if (mnl_nlmsg_ok(h, n) && h->nlmsg_type == NLMSG_ERROR &&
		    h->nlmsg_seq == seq &&
		    mnl_nlmsg_get_payload_len(h) >= sizeof(struct nlmsgerr) &&
		    ((struct nlmsgerr *)mnl_nlmsg_get_payload(h))->error)
			return nl_error(h, what, err);
		ret = mnl_cb_run(nl->buf, n, seq, nl->portid, cb, data);
		if (ret < 0)
			return cni_fail(err, CNI_ERR_IO, "%s: %s", what,
					strerror(errno));
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

static struct nlmsghdr *nl_req(struct nl *nl, int type, int flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	return nlh;
}

/* A table of attributes by type: types past @max are not ours to know. */
struct attrs {
	const struct nlattr **tb;
	int max;
};

static int attrs_cb(const struct nlattr *a, void *data)
{
	const struct attrs *t = data;
	int type = mnl_attr_get_type(a);

	if (type <= t->max)
		t->tb[type] = a;
	return MNL_CB_OK;
}

/* @nlh's attributes after its family header of @hdr bytes, into @tb. */
static void parse_attrs(const struct nlmsghdr *nlh, size_t hdr,
			const struct nlattr **tb, int max)
{
	struct attrs t = { tb, max };

	mnl_attr_parse(nlh, hdr, attrs_cb, &t);
}

/* A request about the link @index, or, where it is 0, one it names. */
static struct nlmsghdr *link_req(struct nl *nl, int type, int flags, int index)
{
	struct nlmsghdr *nlh = nl_req(nl, type, flags);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	return nlh;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1] = {}, *info[IFLA_INFO_MAX + 1] = {};
	struct nl_link *link = data;

	parse_attrs(nlh, sizeof(*ifi), tb, IFLA_MAX);
	memset(link, 0, sizeof(*link));
	link->index = ifi->ifi_index;
	if (tb[IFLA_LINK] && !mnl_attr_validate(tb[IFLA_LINK], MNL_TYPE_U32))
		link->parent = mnl_attr_get_u32(tb[IFLA_LINK]);
	if (tb[IFLA_MTU] && !mnl_attr_validate(tb[IFLA_MTU], MNL_TYPE_U32))
		link->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6)
		memcpy(link->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
	if (tb[IFLA_LINKINFO]) {
		struct attrs t = { info, IFLA_INFO_MAX };

		mnl_attr_parse_nested(tb[IFLA_LINKINFO], attrs_cb, &t);
		if (info[IFLA_INFO_KIND] &&
		    !mnl_attr_validate(info[IFLA_INFO_KIND], MNL_TYPE_NUL_STRING))
			snprintf(link->kind, sizeof(link->kind), "%s",
				 mnl_attr_get_str(info[IFLA_INFO_KIND]));
	}
	return MNL_CB_OK;
}

/* 0, or -1 with errno ENODEV where there is no such link. */
int nl_link_get(struct nl *nl, const char *name, struct nl_link *link,
		struct cni_err *err)
{
	struct nlmsghdr *nlh = link_req(nl, RTM_GETLINK, 0, 0);

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	link->index = 0;
	if (nl_talk(nl, nlh, link_cb, link, name, err))
		return -1;
	return link->index ? 0 : -1;
}

struct route_match {
	const struct cni_route *want;	/* NULL: the default route's oif */
	int index;			/* 0: any */
	int found;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1] = {};
	struct route_match *m = data;
	size_t alen = rtm->rtm_family == AF_INET ? 4 : 16;
	int oif = 0;

	if (rtm->rtm_table != RT_TABLE_MAIN || rtm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	parse_attrs(nlh, sizeof(*rtm), tb, RTA_MAX);
	if (tb[RTA_OIF] && !mnl_attr_validate(tb[RTA_OIF], MNL_TYPE_U32))
		oif = mnl_attr_get_u32(tb[RTA_OIF]);
	if (!m->want) {
		if (!rtm->rtm_dst_len && oif && !m->found)
			m->found = oif;
		return MNL_CB_OK;
	}
	if ((m->index && oif != m->index) || rtm->rtm_family != m->want->dst.family ||
	    rtm->rtm_dst_len != m->want->dst.len)
		return MNL_CB_OK;
	if (rtm->rtm_dst_len &&
	    (!tb[RTA_DST] || mnl_attr_get_payload_len(tb[RTA_DST]) != alen ||
	     memcmp(mnl_attr_get_payload(tb[RTA_DST]), m->want->dst.addr, alen)))
		return MNL_CB_OK;
	m->found = 1;
	return MNL_CB_OK;
}

static int route_dump(struct nl *nl, int family, struct route_match *m,
		      struct cni_err *err)
{
	struct nlmsghdr *nlh = nl_req(nl, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = family;
	return nl_talk(nl, nlh, route_cb, m, "routes", err);
}

/* The interface of the IPv4 default route (then IPv6's), or 0. */
int nl_default_oif(struct nl *nl, struct cni_err *err)
{
	struct route_match m = {};

	if (route_dump(nl, AF_INET, &m, err))
		return -1;
	if (!m.found && route_dump(nl, AF_INET6, &m, err))
		return -1;
	return m.found;
}

int nl_route_has(struct nl *nl, int index, const struct cni_route *r,
		 struct cni_err *err)
{
	struct route_match m = { .want = r, .index = index };

	if (route_dump(nl, r->dst.family, &m, err))
		return -1;
	return m.found;
}

static int ack_cb(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_OK;
}

static void put_allow(struct nlmsghdr *nlh, const struct virt_allow_prefix *p,
		      int n)
{
	struct nlattr *allow = mnl_attr_nest_start(nlh, IFLA_VIRT_ALLOW);
	int i;

	for (i = 0; i < n; i++)
		mnl_attr_put(nlh, IFLA_VIRT_ALLOW_PREFIX, sizeof(p[i]), &p[i]);
	mnl_attr_nest_end(nlh, allow);
}

/* With @n_allow >= 0, an allow list from the start (empty: none). */
int nl_virt_add(struct nl *nl, const struct cni_conf *conf, int parent,
		int netns_fd, const char *ifname,
		const struct virt_allow_prefix *allow, int n_allow,
		struct cni_err *err)
{
	struct nlmsghdr *nlh = link_req(nl, RTM_NEWLINK,
					NLM_F_CREATE | NLM_F_EXCL, 0);
	struct nlattr *info, *data;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	mnl_attr_put_u32(nlh, IFLA_LINK, parent);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, netns_fd);
	if (conf->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, conf->mtu);
	if (conf->has_mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, conf->mac);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "virt");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_VIRT_MODE, conf->mode);
	if (conf->mode == VIRT_MODE_NORMAL) {
		mnl_attr_put_u8(nlh, IFLA_VIRT_SPOOFCHK, conf->spoofchk);
		if (conf->own_mac)
			mnl_attr_put_u8(nlh, IFLA_VIRT_OWN_MAC, 1);
		if (n_allow >= 0)
			put_allow(nlh, allow, n_allow);
	} else {
		mnl_attr_put_u8(nlh, IFLA_VIRT_MIRROR_TX, conf->mirror_tx);
		mnl_attr_put_u8(nlh, IFLA_VIRT_FORWARD, conf->forward);
	}
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return nl_talk(nl, nlh, ack_cb, NULL, "creating the virt link", err);
}

int nl_virt_allow(struct nl *nl, int index, const struct virt_allow_prefix *p,
		  int n, struct cni_err *err)
{
	struct nlmsghdr *nlh = link_req(nl, RTM_NEWLINK, 0, index);
	struct nlattr *info, *data;

	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "virt");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	put_allow(nlh, p, n);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return nl_talk(nl, nlh, ack_cb, NULL, "setting the allow list", err);
}

int nl_link_rename(struct nl *nl, int index, const char *name,
		   struct cni_err *err)
{
	struct nlmsghdr *nlh = link_req(nl, RTM_NEWLINK, 0, index);

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nl_talk(nl, nlh, ack_cb, NULL, "renaming the link", err);
}

int nl_link_up(struct nl *nl, int index, struct cni_err *err)
{
	struct nlmsghdr *nlh = link_req(nl, RTM_NEWLINK, 0, index);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return nl_talk(nl, nlh, ack_cb, NULL, "setting the link up", err);
}

/* By @index, or by @name where that is 0. */
int nl_link_del(struct nl *nl, int index, const char *name,
		struct cni_err *err)
{
	struct nlmsghdr *nlh = link_req(nl, RTM_DELLINK, 0, index);

	if (!index)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nl_talk(nl, nlh, ack_cb, NULL, "deleting the link", err);
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

int nl_addr_add(struct nl *nl, int index, const struct cni_prefix *p,
		struct cni_err *err)
{
	struct nlmsghdr *nlh = nl_req(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = p->family;
	ifa->ifa_prefixlen = p->len;
	ifa->ifa_index = index;
	/*
	 * IPAM has given the address to this container alone: no duplicate
	 * address detection to wait for, as the reference plugins wait.
	 */
	if (p->family == AF_INET6)
		ifa->ifa_flags = IFA_F_NODAD;
	mnl_attr_put(nlh, IFA_LOCAL, addr_len(p->family), p->addr);
	mnl_attr_put(nlh, IFA_ADDRESS, addr_len(p->family), p->addr);
	if (p->family == AF_INET && p->len < 31) {
		unsigned char bcast[4];
		int i;

		/* as ip addr add ... brd +, and the reference plugins */
		for (i = 0; i < 4; i++) {
			int bits = p->len - 8 * i;
			unsigned char mask = bits >= 8 ? 0xff :
					     bits <= 0 ? 0 : 0xff << (8 - bits);

			bcast[i] = p->addr[i] | (unsigned char)~mask;
		}
		mnl_attr_put(nlh, IFA_BROADCAST, 4, bcast);
	}
	return nl_talk(nl, nlh, ack_cb, NULL, "adding an address", err);
}

struct addr_match {
	const struct cni_prefix *want;
	int index;
	bool found;
};

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = {}, *a;
	struct addr_match *m = data;
	size_t len = addr_len(m->want->family);

	if (ifa->ifa_index != (unsigned int)m->index ||
	    ifa->ifa_family != m->want->family ||
	    ifa->ifa_prefixlen != m->want->len)
		return MNL_CB_OK;
	parse_attrs(nlh, sizeof(*ifa), tb, IFA_MAX);
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (a && mnl_attr_get_payload_len(a) == len &&
	    !memcmp(mnl_attr_get_payload(a), m->want->addr, len))
		m->found = true;
	return MNL_CB_OK;
}

int nl_addr_has(struct nl *nl, int index, const struct cni_prefix *p,
		struct cni_err *err)
{
	struct nlmsghdr *nlh = nl_req(nl, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	struct addr_match m = { .want = p, .index = index };

	ifa->ifa_family = p->family;
	if (nl_talk(nl, nlh, addr_cb, &m, "addresses", err))
		return -1;
	return m.found;
}

int nl_route_add(struct nl *nl, int index, const struct cni_route *r,
		 struct cni_err *err)
{
	/* a route IPAM gives twice, or the kernel's own, is no error */
	struct nlmsghdr *nlh = nl_req(nl, RTM_NEWROUTE, NLM_F_CREATE);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = r->dst.family;
	rtm->rtm_dst_len = r->dst.len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_scope = r->has_gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	if (r->dst.len)
		mnl_attr_put(nlh, RTA_DST, addr_len(r->dst.family), r->dst.addr);
	if (r->has_gw)
		mnl_attr_put(nlh, RTA_GATEWAY, addr_len(r->dst.family), r->gw);
	mnl_attr_put_u32(nlh, RTA_OIF, index);
	return nl_talk(nl, nlh, ack_cb, NULL, "adding a route", err);
}
