/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virt, the CNI plugin: what its parts share. main.c runs the commands,
 * conf.c reads the network configuration and IPAM results, ipam.c runs the
 * IPAM plugin, nl.c talks rtnetlink, result.c writes results and errors.
 */
#ifndef VIRT_CNI_H
#define VIRT_CNI_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include <jansson.h>

#include "../virt-full/uapi.h"

/* The error codes of the CNI specification (1.0, "Error"). */
enum {
	CNI_ERR_VERSION = 1,		/* incompatible CNI version */
	CNI_ERR_FIELD = 2,		/* unsupported field */
	CNI_ERR_CONTAINER = 3,		/* container unknown or gone */
	CNI_ERR_ENV = 4,		/* invalid environment variable */
	CNI_ERR_IO = 5,
	CNI_ERR_DECODE = 6,		/* content that doesn't parse */
	CNI_ERR_CONFIG = 7,		/* invalid network configuration */
	CNI_ERR_AGAIN = 11,
	CNI_ERR_PLUGIN = 100,		/* ours: the kernel refused */
};

struct cni_err {
	int code;
	char msg[256];
	char details[256];
};

void cni_sanitize(char *s);
int cni_fail(struct cni_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define CNI_MAX_INPUT	(1024 * 1024)	/* bytes of configuration or result */
#define CNI_MAX_IPS	16
#define CNI_MAX_ROUTES	64

struct cni_prefix {
	int family;			/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned char len;
};

struct cni_ip {
	struct cni_prefix addr;
	bool ours;			/* on CNI_IFNAME, or on no interface */
	bool has_gw;
	unsigned char gw[16];
};

struct cni_route {
	struct cni_prefix dst;
	bool has_gw;
	unsigned char gw[16];
};

struct cni_result {
	struct cni_ip ips[CNI_MAX_IPS];
	int n_ips;
	struct cni_route routes[CNI_MAX_ROUTES];
	int n_routes;
	json_t *dns;			/* the IPAM plugin's, as it gave it */
};

struct cni_conf {
	json_t *root;
	const char *version;		/* cniVersion */
	const char *name;
	char master[IFNAMSIZ];		/* empty: the default route's */
	int mtu;			/* 0: the parent's */
	int mode;			/* enum virt_mode */
	bool own_mac;
	bool has_mac;
	unsigned char mac[6];
	bool spoofchk;
	bool mirror_tx;
	bool forward;
	bool has_allow;			/* else the IPAM addresses, if any */
	struct virt_allow_prefix allow[VIRT_ALLOW_MAX_PREFIXES];
	int n_allow;
	const char *ipam_type;		/* NULL: no IPAM */
	json_t *dns;			/* the configuration's, for the result */
	json_t *prev_result;
};

extern const char *const cni_versions[];

int cni_conf_parse(const char *buf, size_t len, struct cni_conf *conf,
		   struct cni_err *err);
void cni_conf_free(struct cni_conf *conf);
int cni_result_parse(json_t *obj, const char *what, const char *ifname,
		     struct cni_result *res, struct cni_err *err);
void cni_result_free(struct cni_result *res);
int cni_parse_prefix(const char *s, struct cni_prefix *p);
void cni_allow_prefix(const struct cni_prefix *p, struct virt_allow_prefix *a);

char *cni_read_all(int fd, size_t *len);
int ipam_exec(const char *type, const char *command, const char *conf,
	      size_t len, struct cni_result *res, bool *allocated,
	      struct cni_err *err);

/* A link as rtnetlink reports it. */
struct nl_link {
	int index;
	int parent;			/* IFLA_LINK */
	int mtu;
	unsigned char mac[6];
	char kind[16];
};

struct nl;
struct nl *nl_open(int netns_fd, struct cni_err *err);
void nl_close(struct nl *nl);
int nl_link_get(struct nl *nl, const char *name, struct nl_link *link,
		struct cni_err *err);
int nl_default_oif(struct nl *nl, struct cni_err *err);
int nl_virt_add(struct nl *nl, const struct cni_conf *conf, int parent,
		int netns_fd, const char *ifname,
		const struct virt_allow_prefix *allow, int n_allow,
		struct cni_err *err);
int nl_virt_allow(struct nl *nl, int index, const struct virt_allow_prefix *p,
		  int n, struct cni_err *err);
int nl_link_rename(struct nl *nl, int index, const char *name,
		   struct cni_err *err);
int nl_link_up(struct nl *nl, int index, struct cni_err *err);
int nl_link_del(struct nl *nl, int index, const char *name,
		struct cni_err *err);
int nl_addr_add(struct nl *nl, int index, const struct cni_prefix *p,
		struct cni_err *err);
int nl_addr_has(struct nl *nl, int index, const struct cni_prefix *p,
		struct cni_err *err);
int nl_route_add(struct nl *nl, int index, const struct cni_route *r,
		 struct cni_err *err);
int nl_route_has(struct nl *nl, int index, const struct cni_route *r,
		 struct cni_err *err);

int result_print(const char *version, const char *ifname, const char *netns,
		 const struct nl_link *link, const struct cni_result *res);
void error_print(const char *version, const struct cni_err *err);

#endif /* VIRT_CNI_H */
