// SPDX-License-Identifier: GPL-2.0
/*
 * What the runtime reads on our stdout: a result in the version it asked
 * for, or an error. 0.3.x and 0.4.0 results name each address's family
 * ("version"), which 1.0.0 dropped.
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "cni.h"

static json_t *addr_str(int family, const unsigned char *addr, int len)
{
	char buf[INET6_ADDRSTRLEN + 4];

	inet_ntop(family, addr, buf, INET6_ADDRSTRLEN);
	if (len >= 0)
		snprintf(buf + strlen(buf), 5, "/%d", len);
	return json_string(buf);
}

static json_t *ips_json(const struct cni_result *res, bool old)
{
	json_t *ips = json_array(), *ip;
	int i;

	for (i = 0; i < res->n_ips; i++) {
		const struct cni_ip *p = &res->ips[i];

		ip = json_object();
		if (old)
			json_object_set_new(ip, "version",
					    json_string(p->addr.family == AF_INET ?
							"4" : "6"));
		json_object_set_new(ip, "address", addr_str(p->addr.family,
							    p->addr.addr,
							    p->addr.len));
		if (p->has_gw)
			json_object_set_new(ip, "gateway",
					    addr_str(p->addr.family, p->gw, -1));
		json_object_set_new(ip, "interface", json_integer(0));
		json_array_append_new(ips, ip);
	}
	return ips;
}

static json_t *routes_json(const struct cni_result *res)
{
	json_t *routes = json_array(), *r;
	int i;

	for (i = 0; i < res->n_routes; i++) {
		const struct cni_route *p = &res->routes[i];

		r = json_object();
		json_object_set_new(r, "dst", addr_str(p->dst.family,
						       p->dst.addr, p->dst.len));
		if (p->has_gw)
			json_object_set_new(r, "gw",
					    addr_str(p->dst.family, p->gw, -1));
		json_array_append_new(routes, r);
	}
	return routes;
}

int result_print(const char *version, const char *ifname, const char *netns,
		 const struct nl_link *link, const struct cni_result *res)
{
	json_t *out = json_object(), *ifs = json_array(), *iface = json_object();
	char mac[18];
	int ret;

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
		 link->mac[0], link->mac[1], link->mac[2], link->mac[3],
		 link->mac[4], link->mac[5]);
	json_object_set_new(iface, "name", json_string(ifname));
	json_object_set_new(iface, "mac", json_string(mac));
	json_object_set_new(iface, "sandbox", json_string(netns));
	json_array_append_new(ifs, iface);
	json_object_set_new(out, "cniVersion", json_string(version));
	json_object_set_new(out, "interfaces", ifs);
	json_object_set_new(out, "ips", ips_json(res, strcmp(version, "1.0.0")));
	json_object_set_new(out, "routes", routes_json(res));
	json_object_set_new(out, "dns",
			    res->dns ? json_incref(res->dns) : json_object());
	ret = json_dumpf(out, stdout, JSON_INDENT(4));
	putchar('\n');
	json_decref(out);
	return ret;
}

void error_print(const char *version, const struct cni_err *err)
{
	json_t *out = json_object();

	json_object_set_new(out, "cniVersion", json_string(version));
	json_object_set_new(out, "code", json_integer(err->code));
	json_object_set_new(out, "msg", json_string(err->msg));
	if (err->details[0])
		json_object_set_new(out, "details", json_string(err->details));
	json_dumpf(out, stdout, JSON_INDENT(4));
	putchar('\n');
	json_decref(out);
	fprintf(stderr, "virt: %s\n", err->msg);
}
