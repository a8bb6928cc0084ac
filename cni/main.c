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
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>

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

/*
 * The namespace at CNI_NETNS; -1 with errno ENOENT where there is none,
 * EINVAL where it is something else. Never our own: a runtime's mix-up
 * must not put a container's interface, or take one away, on the host.
 */
static int netns_open(const char *path, struct cni_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st, self;
	struct statfs sfs;

	if (fd < 0) {
		int saved = errno;

		cni_fail(err, CNI_ERR_ENV, "CNI_NETNS: %s", strerror(errno));
		errno = saved;
		return -1;
	}
	/* nsfs first: the ioctl must not reach whatever device @path is */
	if (fstatfs(fd, &sfs) || sfs.f_type != NSFS_MAGIC ||
	    ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		close(fd);
		errno = EINVAL;
		return cni_fail(err, CNI_ERR_ENV,
				"CNI_NETNS: not a network namespace");
	}
	if (!fstat(fd, &st) && !stat("/proc/self/ns/net", &self) &&
	    st.st_dev == self.st_dev && st.st_ino == self.st_ino) {
		close(fd);
		errno = EINVAL;
		return cni_fail(err, CNI_ERR_ENV,
				"CNI_NETNS: the plugin's own namespace");
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

/* Does the child get an allow list: a normal one, with IPAM or "allow"? */
static bool listed(const struct cni_conf *conf)
{
	return conf->mode == VIRT_MODE_NORMAL &&
	       (conf->has_allow || conf->ipam_type);
}

/*
 * What the child may hold: the configuration's "allow", else the addresses
 * IPAM gave it, each alone. A container's root can then add no other. It
 * is set before the addresses go on (the module refuses any outside it).
 */
static int allow(struct nl *ctr, int index, const struct cni_conf *conf,
		 const struct cni_result *res, struct cni_err *err)
{
	struct virt_allow_prefix list[CNI_MAX_IPS];
	struct cni_prefix host;
	int i;

	if (!listed(conf))
		return 0;
	if (conf->has_allow)
		return nl_virt_allow(ctr, index, conf->allow, conf->n_allow,
				     err);
	for (i = 0; i < res->n_ips; i++) {
		host = res->ips[i].addr;
		host.len = host.family == AF_INET ? 32 : 128;
		cni_allow_prefix(&host, &list[i]);
	}
	return nl_virt_allow(ctr, index, list, res->n_ips, err);
}

/*
 * Until IPAM has answered, a child that will have a list may hold nothing
 * (::/128, which no one holds): it is up before, for the dhcp daemon.
 */
static const struct virt_allow_prefix allow_none[1] = { { .len = 128 } };

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
	if (nl_virt_add(host, conf, parent, fd, tmp, allow_none,
			listed(conf) ? 1 : -1, err))
		goto out;
	if (nl_link_get(ctr, tmp, &link, err))
		goto undo;
	/* the container's processes may run already: is it still ours? */
	if (strcmp(link.kind, "virt") || link.parent != parent) {
		cni_fail(err, CNI_ERR_PLUGIN, "%s: not the link made", tmp);
		link.index = 0;
		goto out;
	}
	if (nl_link_rename(ctr, link.index, e->ifname, err)) {
		if (errno == EEXIST)
			cni_fail(err, CNI_ERR_PLUGIN,
				 "CNI_IFNAME: %s exists in the namespace",
				 e->ifname);
		goto undo;
	}
	if (nl_link_up(ctr, link.index, err))
		goto undo;
	if (conf->ipam_type &&
	    ipam_exec(conf->ipam_type, "ADD", e->stdin_data, e->stdin_len,
		      &res, &allocated, err))
		goto undo;
	if (conf->ipam_type && !res.n_ips) {
		cni_fail(err, CNI_ERR_PLUGIN, "ipam %s: no address",
			 conf->ipam_type);
		goto undo;
	}
	if (allow(ctr, link.index, conf, &res, err) ||
	    apply(ctr, link.index, &res, err))
		goto undo;
	if (conf->dns) {
		json_decref(res.dns);
		res.dns = json_incref(conf->dns);
	}
	if (!result_print(conf->version, e->ifname, e->netns, &link, &res)) {
		ret = 0;
		goto out;
	}
	cni_fail(err, CNI_ERR_IO, "stdout: %s", strerror(errno));
undo:
	if (allocated)
		ipam_exec(conf->ipam_type, "DEL", e->stdin_data, e->stdin_len,
			  NULL, NULL, &undo);
	nl_link_del(ctr, link.index, tmp, &undo);
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
		      NULL, NULL, err))
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
		ret = nl_link_del(ctr, link.index, NULL, err);
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

/* @has, what nl_*_has() said of @what @p: 0 where it is there. */
static int still_there(int has, const char *what, const struct cni_prefix *p,
		       struct cni_err *err)
{
	char buf[INET6_ADDRSTRLEN];

	if (has > 0)
		return 0;
	if (!has)
		cni_fail(err, CNI_ERR_PLUGIN, "%s %s/%d: gone", what,
			 inet_ntop(p->family, p->addr, buf, sizeof(buf)), p->len);
	return -1;
}

static int check_result(struct nl *ctr, int index,
			const struct cni_result *prev, struct cni_err *err)
{
	int i;

	for (i = 0; i < prev->n_ips; i++) {
		const struct cni_prefix *p = &prev->ips[i].addr;

		if (prev->ips[i].ours &&
		    still_there(nl_addr_has(ctr, index, p, err), "address", p,
				err))
			return -1;
	}
	for (i = 0; i < prev->n_routes; i++)
		if (still_there(nl_route_has(ctr, 0, &prev->routes[i], err),
				"route", &prev->routes[i].dst, err))
			return -1;
	return 0;
}

static int cmd_check(const struct cni_env *e, const struct cni_conf *conf,
		     struct cni_err *err)
{
	struct cni_result prev = {};
	struct nl *host = NULL, *ctr = NULL;
	struct nl_link link;
	int fd, ret = -1;

	if (strcmp(conf->version, "0.4.0") < 0)
		return cni_fail(err, CNI_ERR_VERSION,
				"cniVersion: %s has no CHECK", conf->version);
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
		      NULL, NULL, err))
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
