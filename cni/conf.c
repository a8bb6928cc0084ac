// SPDX-License-Identifier: GPL-2.0
/*
 * The network configuration a runtime hands us on stdin, and the results
 * IPAM plugins (and earlier plugins, as prevResult) give back. Keys the
 * reference ipvlan and macvlan plugins have keep their names; unknown keys
 * are ignored, as the specification asks; a bad value is refused with the
 * key's name.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "cni.h"

const char *const cni_versions[] = {
	"0.3.0", "0.3.1", "0.4.0", "1.0.0", NULL
};

/* Printable ASCII only: a message quotes what it was given. */
void cni_sanitize(char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			*s = '?';
}

int cni_fail(struct cni_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	cni_sanitize(err->msg);
	return -1;
}

/* "a.b.c.d/n" or "x::y/n" */
int cni_parse_prefix(const char *s, struct cni_prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 4], *slash, *end;
	long len;

	if ((size_t)snprintf(buf, sizeof(buf), "%s", s) >= sizeof(buf))
		return -1;
	slash = strchr(buf, '/');
	if (!slash)
		return -1;
	*slash++ = '\0';
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, buf, p->addr) == 1)
		p->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, p->addr) == 1 &&
		 !IN6_IS_ADDR_V4MAPPED((struct in6_addr *)p->addr))
		p->family = AF_INET6;	/* v4-mapped: the module's IPv4 */
	else
		return -1;
	errno = 0;
	len = strtol(slash, &end, 10);
	if (errno || end == slash || *end ||
	    len < 0 || len > (p->family == AF_INET ? 32 : 128))
		return -1;
	p->len = len;
	return 0;
}

/* @p in the module's form: IPv4 v4-mapped, its length 96 more. */
void cni_allow_prefix(const struct cni_prefix *p, struct virt_allow_prefix *a)
{
	memset(a, 0, sizeof(*a));
	if (p->family == AF_INET) {
		a->addr[10] = 0xff;
		a->addr[11] = 0xff;
		memcpy(a->addr + 12, p->addr, 4);
		a->len = p->len + 96;
	} else {
		memcpy(a->addr, p->addr, 16);
		a->len = p->len;
	}
}

static int parse_gw(const char *s, int family, unsigned char *gw)
{
	return inet_pton(family, s, gw) == 1 ? 0 : -1;
}

/* A key that may be absent; present, it must have the type asked for. */
static json_t *opt(json_t *obj, const char *key, json_type type,
		   const char *what, struct cni_err *err, bool *bad)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return NULL;
	if (json_typeof(v) != type &&
	    !(type == JSON_TRUE && json_is_boolean(v))) {
		cni_fail(err, CNI_ERR_CONFIG, "%s: must be %s", key, what);
		*bad = true;
	}
	return *bad ? NULL : v;
}

static bool opt_bool(json_t *obj, const char *key, bool def,
		     struct cni_err *err, bool *bad)
{
	json_t *v = opt(obj, key, JSON_TRUE, "true or false", err, bad);

	return v ? json_is_true(v) : def;
}

static const char *opt_str(json_t *obj, const char *key, struct cni_err *err,
			   bool *bad)
{
	json_t *v = opt(obj, key, JSON_STRING, "a string", err, bad);

	return v ? json_string_value(v) : NULL;
}

static int parse_version(struct cni_conf *conf, struct cni_err *err)
{
	bool bad = false;
	const char *v = opt_str(conf->root, "cniVersion", err, &bad);
	int i;

	if (bad)
		return -1;
	if (!v)
		return cni_fail(err, CNI_ERR_VERSION, "cniVersion: missing");
	for (i = 0; cni_versions[i]; i++)
		if (!strcmp(v, cni_versions[i])) {
			conf->version = cni_versions[i];
			return 0;
		}
	cni_fail(err, CNI_ERR_VERSION, "cniVersion: %.64s is not supported", v);
	snprintf(err->details, sizeof(err->details),
		 "supported: 0.3.0 0.3.1 0.4.0 1.0.0");
	return -1;
}

static int parse_master(struct cni_conf *conf, struct cni_err *err)
{
	bool bad = false;
	const char *s = opt_str(conf->root, "master", err, &bad);

	if (bad)
		return -1;
	if (!s)
		return 0;
	if (!*s || strlen(s) >= IFNAMSIZ || strchr(s, '/'))
		return cni_fail(err, CNI_ERR_CONFIG,
				"master: not an interface name");
	snprintf(conf->master, sizeof(conf->master), "%s", s);
	return 0;
}

static int parse_mtu(struct cni_conf *conf, struct cni_err *err)
{
	json_t *v = json_object_get(conf->root, "mtu");

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 65535)
		return cni_fail(err, CNI_ERR_CONFIG,
				"mtu: must be an integer from 68 to 65535");
	/* 0 is the reference plugins' "the parent's" */
	conf->mtu = json_integer_value(v);
	if (conf->mtu && conf->mtu < 68)
		return cni_fail(err, CNI_ERR_CONFIG,
				"mtu: must be an integer from 68 to 65535");
	return 0;
}

static int parse_mode(struct cni_conf *conf, struct cni_err *err)
{
	bool bad = false;
	const char *s = opt_str(conf->root, "mode", err, &bad);

	if (bad)
		return -1;
	if (!s || !strcmp(s, "normal"))
		conf->mode = VIRT_MODE_NORMAL;
	else if (!strcmp(s, "mirror"))
		conf->mode = VIRT_MODE_MIRROR;
	else
		return cni_fail(err, CNI_ERR_CONFIG,
				"mode: %.64s is not normal or mirror", s);
	return 0;
}

static int parse_mac(struct cni_conf *conf, struct cni_err *err)
{
	bool bad = false;
	const char *s = opt_str(conf->root, "mac", err, &bad);
	unsigned int m[6];
	char end;
	int i;

	conf->own_mac = opt_bool(conf->root, "ownMac", false, err, &bad);
	if (bad)
		return -1;
	if (!s)
		return 0;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2],
		   &m[3], &m[4], &m[5], &end) != 6 || strlen(s) != 17 ||
	    (m[0] & 1) || !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]))
		return cni_fail(err, CNI_ERR_CONFIG,
				"mac: not a unicast MAC address");
	for (i = 0; i < 6; i++)
		conf->mac[i] = m[i];
	conf->has_mac = true;
	conf->own_mac = true;
	return 0;
}

static int parse_allow(struct cni_conf *conf, struct cni_err *err)
{
	bool bad = false;
	json_t *list = opt(conf->root, "allow", JSON_ARRAY, "a list of prefixes",
			   err, &bad), *v;
	struct cni_prefix p;
	size_t i;

	if (bad)
		return -1;
	if (!list)
		return 0;
	if (json_array_size(list) > VIRT_ALLOW_MAX_PREFIXES)
		return cni_fail(err, CNI_ERR_CONFIG,
				"allow: more than %d prefixes",
				VIRT_ALLOW_MAX_PREFIXES);
	conf->has_allow = true;
	json_array_foreach(list, i, v) {
		struct virt_allow_prefix *a = &conf->allow[conf->n_allow++];

		if (!json_is_string(v) ||
		    cni_parse_prefix(json_string_value(v), &p))
			return cni_fail(err, CNI_ERR_CONFIG,
					"allow: item %zu is not a prefix", i);
		cni_allow_prefix(&p, a);
	}
	return 0;
}

static int parse_ipam(struct cni_conf *conf, struct cni_err *err)
{
	bool bad = false;
	json_t *ipam = opt(conf->root, "ipam", JSON_OBJECT, "an object", err,
			   &bad);
	const char *type;

	if (bad)
		return -1;
	/* {} is "no IPAM", as the reference plugins read it */
	if (!ipam || !json_object_size(ipam))
		return 0;
	type = opt_str(ipam, "type", err, &bad);
	if (bad)
		return cni_fail(err, CNI_ERR_CONFIG, "ipam.type: not a string");
	if (!type || !*type)
		return cni_fail(err, CNI_ERR_CONFIG, "ipam.type: missing");
	/* a name looked up in CNI_PATH, never a path */
	if (strchr(type, '/') || !strcmp(type, ".") || !strcmp(type, "..") ||
	    strlen(type) > 64)
		return cni_fail(err, CNI_ERR_CONFIG,
				"ipam.type: not a plugin name");
	conf->ipam_type = type;
	return 0;
}

int cni_conf_parse(const char *buf, size_t len, struct cni_conf *conf,
		   struct cni_err *err)
{
	json_error_t jerr;
	bool bad = false;

	memset(conf, 0, sizeof(*conf));
	conf->version = "1.0.0";
	conf->root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!conf->root) {
		cni_fail(err, CNI_ERR_DECODE, "configuration: not JSON");
		snprintf(err->details, sizeof(err->details), "line %d: %s",
			 jerr.line, jerr.text);
		cni_sanitize(err->details);
		return -1;
	}
	if (!json_is_object(conf->root))
		return cni_fail(err, CNI_ERR_DECODE,
				"configuration: not a JSON object");
	if (parse_version(conf, err))
		return -1;
	conf->name = opt_str(conf->root, "name", err, &bad);
	if (bad)
		return -1;
	if (!conf->name || !*conf->name)
		return cni_fail(err, CNI_ERR_CONFIG, "name: missing");
	conf->spoofchk = opt_bool(conf->root, "spoofchk", true, err, &bad);
	conf->mirror_tx = opt_bool(conf->root, "mirrorTx", false, err, &bad);
	conf->forward = opt_bool(conf->root, "forward", false, err, &bad);
	conf->prev_result = opt(conf->root, "prevResult", JSON_OBJECT,
				"an object", err, &bad);
	conf->dns = opt(conf->root, "dns", JSON_OBJECT, "an object", err, &bad);
	if (bad || parse_master(conf, err) || parse_mtu(conf, err) ||
	    parse_mode(conf, err) || parse_mac(conf, err) ||
	    parse_allow(conf, err) || parse_ipam(conf, err))
		return -1;
	if (conf->mode == VIRT_MODE_MIRROR && conf->own_mac)
		return cni_fail(err, CNI_ERR_CONFIG,
				"ownMac: a mirror has the parent's MAC");
	if (conf->mode == VIRT_MODE_MIRROR && conf->has_allow)
		return cni_fail(err, CNI_ERR_CONFIG, "allow: for mode normal only");
	if (conf->mode == VIRT_MODE_NORMAL && (conf->mirror_tx || conf->forward))
		return cni_fail(err, CNI_ERR_CONFIG,
				"mirrorTx, forward: for mode mirror only");
	return 0;
}

void cni_conf_free(struct cni_conf *conf)
{
	json_decref(conf->root);
	conf->root = NULL;
}

static int parse_ip(json_t *v, json_t *ifs, const char *what,
		    const char *ifname, struct cni_ip *ip, struct cni_err *err)
{
	json_t *a = json_object_get(v, "address");
	json_t *gw = json_object_get(v, "gateway");
	json_t *i = json_object_get(v, "interface"), *name;

	name = json_object_get(json_array_get(ifs, json_integer_value(i)),
			       "name");
	ip->ours = !json_is_integer(i) ||
		   (json_is_string(name) && ifname &&
		    !strcmp(json_string_value(name), ifname));

	if (!json_is_string(a) ||
	    cni_parse_prefix(json_string_value(a), &ip->addr))
		return cni_fail(err, CNI_ERR_DECODE,
				"%s: ips: an address that isn't one", what);
	ip->has_gw = json_is_string(gw);
	if (ip->has_gw &&
	    parse_gw(json_string_value(gw), ip->addr.family, ip->gw))
		return cni_fail(err, CNI_ERR_DECODE,
				"%s: ips: a gateway that isn't one", what);
	return 0;
}

static int parse_route(json_t *v, const char *what, struct cni_route *r,
		       struct cni_err *err)
{
	json_t *dst = json_object_get(v, "dst");
	json_t *gw = json_object_get(v, "gw");

	if (!json_is_string(dst) ||
	    cni_parse_prefix(json_string_value(dst), &r->dst))
		return cni_fail(err, CNI_ERR_DECODE,
				"%s: routes: a dst that isn't a prefix", what);
	r->has_gw = json_is_string(gw);
	if (r->has_gw && parse_gw(json_string_value(gw), r->dst.family, r->gw))
		return cni_fail(err, CNI_ERR_DECODE,
				"%s: routes: a gw that isn't one", what);
	return 0;
}

/* A result of any version from 0.3.0 on: 1.0.0 only dropped "version". */
int cni_result_parse(json_t *obj, const char *what, const char *ifname,
		     struct cni_result *res, struct cni_err *err)
{
	json_t *ifs = json_object_get(obj, "interfaces");
	json_t *ips = json_object_get(obj, "ips");
	json_t *routes = json_object_get(obj, "routes");
	json_t *dns = json_object_get(obj, "dns");
	json_t *v;
	size_t i;

	memset(res, 0, sizeof(*res));
	if (!json_is_object(obj))
		return cni_fail(err, CNI_ERR_DECODE, "%s: not an object", what);
	if ((ips && !json_is_array(ips)) || (routes && !json_is_array(routes)))
		return cni_fail(err, CNI_ERR_DECODE,
				"%s: ips or routes not a list", what);
	if (json_array_size(ips) > CNI_MAX_IPS ||
	    json_array_size(routes) > CNI_MAX_ROUTES)
		return cni_fail(err, CNI_ERR_DECODE,
				"%s: more than %d ips or %d routes", what,
				CNI_MAX_IPS, CNI_MAX_ROUTES);
	json_array_foreach(ips, i, v)
		if (parse_ip(v, ifs, what, ifname, &res->ips[res->n_ips++],
			     err))
			return -1;
	json_array_foreach(routes, i, v)
		if (parse_route(v, what, &res->routes[res->n_routes++], err))
			return -1;
	if (json_is_object(dns))
		res->dns = json_incref(dns);
	return 0;
}

void cni_result_free(struct cni_result *res)
{
	json_decref(res->dns);
	res->dns = NULL;
}
