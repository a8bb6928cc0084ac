// SPDX-License-Identifier: GPL-2.0
/*
 * virt, a CNI plugin (the Container Network Interface specification 1.0):
 * a virt_full child of the host's interface as a container's interface,
 * as the reference ipvlan and macvlan plugins make theirs.
 *
 * ADD makes the child in the container's namespace, asks the IPAM plugin
 * for addresses, puts them and the routes on it, and allows the child
 * those addresses alone. DEL releases the addresses and deletes the child
 * and succeeds when either is gone already. CHECK compares the namespace
 * with prevResult. A failed ADD leaves neither a link nor an allocation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>

#include "cni.h"

struct cni_env {
	const char *command;
	const char *netns;
	const char *ifname;
	const char *stdin_data;
	size_t stdin_len;
};

static bool valid_ifname(const char *s)
{
	if (!*s || strlen(s) >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static int env_read(struct cni_env *e, struct cni_err *err)
{
	const char *id = getenv("CNI_CONTAINERID");

	e->netns = getenv("CNI_NETNS");
	e->ifname = getenv("CNI_IFNAME");
	if (!id || !*id)
		return cni_fail(err, CNI_ERR_ENV, "CNI_CONTAINERID: missing");
	if (!e->ifname || !valid_ifname(e->ifname))
		return cni_fail(err, CNI_ERR_ENV,
				"CNI_IFNAME: missing or not an interface name");
	if (strcmp(e->command, "DEL") && (!e->netns || !*e->netns))
		return cni_fail(err, CNI_ERR_ENV, "CNI_NETNS: missing");
	return 0;
}

/* The namespace at CNI_NETNS; -1 with errno ENOENT where there is none. */
static int netns_open(const char *path, struct cni_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		int saved = errno;

		cni_fail(err, CNI_ERR_ENV, "CNI_NETNS: %s", strerror(errno));
		errno = saved;
		return -1;
	}
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		close(fd);
		errno = EINVAL;
		return cni_fail(err, CNI_ERR_ENV,
				"CNI_NETNS: not a network namespace");
	}
	return fd;
}

static int master_index(struct nl *host, const struct cni_conf *conf,
			struct cni_err *err)
{
	struct nl_link link;
	int oif;

	if (!conf->master[0]) {
		oif = nl_default_oif(host, err);
		if (!oif)
			cni_fail(err, CNI_ERR_CONFIG,
				 "master: not given, and no default route's");
		return oif > 0 ? oif : -1;
	}
	if (nl_link_get(host, conf->master, &link, err))
		return errno == ENODEV ?
			cni_fail(err, CNI_ERR_CONFIG, "master: no interface %s",
				 conf->master) : -1;
	return link.index;
}

/* The result's addresses and routes on the link, as ipam.ConfigureIface. */
static int apply(struct nl *ctr, int index, const struct cni_result *res,
		 struct cni_err *err)
{
	const unsigned char *gw4 = NULL, *gw6 = NULL;
	struct cni_route r;
	int i;

	for (i = 0; i < res->n_ips; i++) {
		const struct cni_ip *ip = &res->ips[i];

		if (nl_addr_add(ctr, index, &ip->addr, err))
			return -1;
		if (ip->has_gw && ip->addr.family == AF_INET && !gw4)
			gw4 = ip->gw;
		if (ip->has_gw && ip->addr.family == AF_INET6 && !gw6)
			gw6 = ip->gw;
	}
	for (i = 0; i < res->n_routes; i++) {
		const unsigned char *gw;

		r = res->routes[i];
		gw = r.dst.family == AF_INET ? gw4 : gw6;
		if (!r.has_gw && gw) {
			memcpy(r.gw, gw, 16);
			r.has_gw = true;
		}
		if (nl_route_add(ctr, index, &r, err))
			return -1;
	}
	return 0;
}

/*
 * What the child may hold: the configuration's "allow", else the addresses
 * IPAM gave it, each alone. A container's root can then add no other.
 */
static int allow(struct nl *ctr, int index, const struct cni_conf *conf,
		 const struct cni_result *res, struct cni_err *err)
{
	struct virt_allow_prefix list[CNI_MAX_IPS] = {};
	int i;

	if (conf->mode != VIRT_MODE_NORMAL)
		return 0;
	if (conf->has_allow)
		return nl_virt_allow(ctr, index, conf->allow, conf->n_allow,
				     err);
	if (!res->n_ips)
		return 0;
	for (i = 0; i < res->n_ips; i++) {
		const struct cni_prefix *p = &res->ips[i].addr;

		if (p->family == AF_INET) {
			list[i].addr[10] = 0xff;
			list[i].addr[11] = 0xff;
			memcpy(list[i].addr + 12, p->addr, 4);
		} else {
			memcpy(list[i].addr, p->addr, 16);
		}
		list[i].len = 128;
	}
	return nl_virt_allow(ctr, index, list, res->n_ips, err);
}

static int cmd_add(const struct cni_env *e, const struct cni_conf *conf,
		   struct cni_err *err)
{
	struct cni_result res = {};
	struct nl *host = NULL, *ctr = NULL;
	struct nl_link link = {};
	struct cni_err undo;
	bool allocated = false;
	int fd, parent, ret = -1;
	char tmp[IFNAMSIZ];

	fd = netns_open(e->netns, err);
	if (fd < 0)
		return -1;
	host = nl_open(-1, err);
	if (!host)
		goto out;
	ctr = nl_open(fd, err);
	if (!ctr)
		goto out;
	parent = master_index(host, conf, err);
	if (parent < 0)
		goto out;
	/*
	 * Made in the container's namespace under a name of its own, then
	 * renamed there: the kernel looks a new link's name up in the
	 * caller's namespace, where CNI_IFNAME (eth0) may well exist.
	 */
	snprintf(tmp, sizeof(tmp), "virt%08lx", random() & 0xffffffffUL);
	if (nl_virt_add(host, conf, parent, fd, tmp, err) ||
	    nl_link_get(ctr, tmp, &link, err))
		goto out;
	if (nl_link_rename(ctr, link.index, e->ifname, err)) {
		if (errno == EEXIST)
			cni_fail(err, CNI_ERR_PLUGIN,
				 "CNI_IFNAME: %s exists in the namespace",
				 e->ifname);
		goto undo;
	}
	if (nl_link_up(ctr, link.index, err))
		goto undo;
	if (conf->ipam_type) {
		if (ipam_exec(conf->ipam_type, "ADD", e->stdin_data,
			      e->stdin_len, &res, err))
			goto undo;
		allocated = true;
	}
	if (apply(ctr, link.index, &res, err) ||
	    allow(ctr, link.index, conf, &res, err))
		goto undo;
	ret = result_print(conf->version, e->ifname, e->netns, &link, &res);
	goto out;
undo:
	if (allocated)
		ipam_exec(conf->ipam_type, "DEL", e->stdin_data, e->stdin_len,
			  NULL, &undo);
	if (link.index)
		nl_link_del(ctr, link.index, &undo);
out:
	cni_result_free(&res);
	nl_close(ctr);
	nl_close(host);
	close(fd);
	return ret;
}

/* Idempotent: what is gone already is no error. */
static int cmd_del(const struct cni_env *e, const struct cni_conf *conf,
		   struct cni_err *err)
{
	struct nl_link link;
	struct nl *ctr;
	int fd, ret = 0;

	if (conf->ipam_type &&
	    ipam_exec(conf->ipam_type, "DEL", e->stdin_data, e->stdin_len,
		      NULL, err))
		return -1;
	if (!e->netns || !*e->netns)
		return 0;
	fd = netns_open(e->netns, err);
	if (fd < 0)
		return errno == ENOENT || errno == EINVAL ? 0 : -1;
	ctr = nl_open(fd, err);
	if (!ctr) {
		close(fd);
		return -1;
	}
	if (nl_link_get(ctr, e->ifname, &link, err))
		ret = errno == ENODEV ? 0 : -1;
	else if (strcmp(link.kind, "virt"))
		/* someone else's: never ours to delete */
		fprintf(stderr, "virt: %s is a %s link, left alone\n",
			e->ifname, link.kind[0] ? link.kind : "non-virt");
	else
		ret = nl_link_del(ctr, link.index, err);
	nl_close(ctr);
	close(fd);
	return ret;
}

static int check_link(struct nl *host, struct nl *ctr,
		      const struct cni_env *e, const struct cni_conf *conf,
		      struct nl_link *link, struct cni_err *err)
{
	int parent;

	if (nl_link_get(ctr, e->ifname, link, err))
		return errno == ENODEV ?
			cni_fail(err, CNI_ERR_PLUGIN,
				 "CNI_IFNAME: no %s in the namespace",
				 e->ifname) : -1;
	if (strcmp(link->kind, "virt"))
		return cni_fail(err, CNI_ERR_PLUGIN, "%s: not a virt link",
				e->ifname);
	parent = master_index(host, conf, err);
	if (parent < 0)
		return -1;
	if (link->parent != parent)
		return cni_fail(err, CNI_ERR_PLUGIN,
				"%s: not a child of master", e->ifname);
	if (conf->mtu && link->mtu != conf->mtu)
		return cni_fail(err, CNI_ERR_PLUGIN, "%s: mtu %d, not %d",
				e->ifname, link->mtu, conf->mtu);
	return 0;
}

static int check_result(struct nl *ctr, int index,
			const struct cni_result *prev, struct cni_err *err)
{
	char buf[INET6_ADDRSTRLEN];
	int i, has;

	for (i = 0; i < prev->n_ips; i++) {
		const struct cni_prefix *p = &prev->ips[i].addr;

		if (!prev->ips[i].ours)
			continue;
		has = nl_addr_has(ctr, index, p, err);
		if (has < 0)
			return -1;
		if (!has)
			return cni_fail(err, CNI_ERR_PLUGIN, "address %s/%d: gone",
					inet_ntop(p->family, p->addr, buf,
						  sizeof(buf)), p->len);
	}
	for (i = 0; i < prev->n_routes; i++) {
		const struct cni_prefix *p = &prev->routes[i].dst;

		has = nl_route_has(ctr, 0, &prev->routes[i], err);
		if (has < 0)
			return -1;
		if (!has)
			return cni_fail(err, CNI_ERR_PLUGIN, "route %s/%d: gone",
					inet_ntop(p->family, p->addr, buf,
						  sizeof(buf)), p->len);
	}
	return 0;
}

static int cmd_check(const struct cni_env *e, const struct cni_conf *conf,
		     struct cni_err *err)
{
	struct cni_result prev = {};
	struct nl *host = NULL, *ctr = NULL;
	struct nl_link link;
	int fd, ret = -1;

	if (!conf->prev_result)
		return cni_fail(err, CNI_ERR_CONFIG, "prevResult: missing");
	if (cni_result_parse(conf->prev_result, "prevResult", e->ifname, &prev,
			     err))
		return -1;
	fd = netns_open(e->netns, err);
	if (fd < 0)
		goto out_res;
	if (conf->ipam_type &&
	    ipam_exec(conf->ipam_type, "CHECK", e->stdin_data, e->stdin_len,
		      NULL, err))
		goto out;
	host = nl_open(-1, err);
	ctr = host ? nl_open(fd, err) : NULL;
	if (ctr && !check_link(host, ctr, e, conf, &link, err))
		ret = check_result(ctr, link.index, &prev, err);
out:
	nl_close(ctr);
	nl_close(host);
	close(fd);
out_res:
	cni_result_free(&prev);
	return ret;
}

static void version_print(void)
{
	int i;

	printf("{\"cniVersion\": \"1.0.0\", \"supportedVersions\": [");
	for (i = 0; cni_versions[i]; i++)
		printf("%s\"%s\"", i ? ", " : "", cni_versions[i]);
	printf("]}\n");
}

static int run(struct cni_env *e, struct cni_conf *conf, struct cni_err *err)
{
	char *in;

	if (!e->command)
		return cni_fail(err, CNI_ERR_ENV, "CNI_COMMAND: missing");
	if (!strcmp(e->command, "VERSION")) {
		version_print();
		return 0;
	}
	if (strcmp(e->command, "ADD") && strcmp(e->command, "DEL") &&
	    strcmp(e->command, "CHECK"))
		return cni_fail(err, CNI_ERR_ENV,
				"CNI_COMMAND: not ADD, DEL, CHECK or VERSION");
	if (env_read(e, err))
		return -1;
	in = cni_read_all(0, &e->stdin_len);
	if (!in)
		return cni_fail(err, CNI_ERR_IO,
				"stdin: unreadable, or more than %d bytes",
				CNI_MAX_INPUT);
	e->stdin_data = in;
	if (cni_conf_parse(in, e->stdin_len, conf, err))
		return -1;
	if (!strcmp(e->command, "ADD"))
		return cmd_add(e, conf, err);
	if (!strcmp(e->command, "DEL"))
		return cmd_del(e, conf, err);
	return cmd_check(e, conf, err);
}

int main(void)
{
	struct cni_env e = { .command = getenv("CNI_COMMAND") };
	struct cni_conf conf = { .version = "1.0.0" };
	struct cni_err err = {};
	struct timespec ts;
	int ret;

	clock_gettime(CLOCK_REALTIME, &ts);
	srandom(ts.tv_nsec ^ getpid());
	ret = run(&e, &conf, &err);
	if (ret)
		error_print(conf.version, &err);
	cni_conf_free(&conf);
	free((char *)e.stdin_data);
	return ret ? 1 : 0;
}
