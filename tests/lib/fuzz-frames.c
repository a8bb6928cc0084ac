// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz-frames: send malformed and random Ethernet frames, fast.
 *
 *	fuzz-frames IFACE COUNT DST_MAC CHILD_IPV4 CHILD_IPV6 all|malformed [SEED]
 *
 * Sends COUNT frames through a packet socket on IFACE and prints one line
 * per kind of frame: "kind sent". With "all" it cycles through every kind
 * below, addressed to DST_MAC (our parent), to broadcast, to IPv6
 * multicast or to a random MAC. With "malformed" it sends only frames
 * whose IPv4, ARP or IPv6 header lies about itself, and only to DST_MAC or
 * broadcast, and to the children's addresses, so that every one that
 * arrives is read by the demux and must be counted malformed, and none
 * steered (one for an address no child holds is the parent's, unread).
 * Otherwise frames name CHILD_IPV4/CHILD_IPV6 or a random address, so
 * that the demux's lookups both hit and miss. Built and run by
 * tests/stress-malformed-frames.sh inside the VM.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define BATCH 64
#define MAXLEN 9014

enum kind {
	RUNT, SHORT_L3, ARP_BAD_FIELDS, ARP_TRUNCATED, IPV4_SHORT_IHL,
	IPV4_BAD_VERSION, IPV4_BAD_TOTLEN, IPV6_TRUNCATED, IPV6_BAD_VERSION,
	IPV6_BAD_PLEN, NDP_NS_TRUNCATED, NDP_NA_TRUNCATED, VLAN_TAGGED, JUMBO,
	RANDOM_BYTES, GOOD_UDP4, GOOD_ARP, KINDS
};

static const char *const kind_name[KINDS] = {
	"runt", "short_l3", "arp_bad_fields", "arp_truncated",
	"ipv4_short_ihl", "ipv4_bad_version", "ipv4_bad_totlen",
	"ipv6_truncated", "ipv6_bad_version", "ipv6_bad_plen",
	"ndp_ns_truncated", "ndp_na_truncated", "vlan_tagged", "jumbo",
	"random_bytes", "good_udp4", "good_arp",
};

static uint64_t rng_state;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

static void fill_random(uint8_t *p, size_t n)
{
	while (n--)
		*p++ = rnd();
}

static uint8_t dst_mac[6];
static uint8_t child4[4], child6[16];
static int malformed_only;

/* The kinds "malformed" sends: every one is a lying header. */
static const enum kind malformed_kinds[] = {
	SHORT_L3, ARP_BAD_FIELDS, ARP_TRUNCATED, IPV4_SHORT_IHL,
	IPV4_BAD_VERSION, IPV4_BAD_TOTLEN, IPV6_TRUNCATED, IPV6_BAD_VERSION,
	IPV6_BAD_PLEN, NDP_NS_TRUNCATED, NDP_NA_TRUNCATED,
};

#define N_MALFORMED (sizeof(malformed_kinds) / sizeof(malformed_kinds[0]))

/* Destination: mostly the parent, then broadcast, IPv6 multicast, random. */
static void put_eth(uint8_t *f, uint16_t type)
{
	uint32_t r = rnd() % (malformed_only ? 6 : 8);

	if (r < 5) {
		memcpy(f, dst_mac, 6);
	} else if (r == 5) {
		memset(f, 0xff, 6);
	} else if (r == 6) {
		static const uint8_t m[6] = { 0x33, 0x33, 0xff, 0, 0, 0 };

		memcpy(f, m, 6);
		memcpy(f + 3, child6 + 13, 3);
	} else {
		fill_random(f, 6);
		f[0] &= 0xfe;
	}
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x99", 6);
	f[12] = type >> 8;
	f[13] = type & 0xff;
}

/* Half the time a child's address, else a random one ("all" only). */
static void put_ip4(uint8_t *p)
{
	if (malformed_only || rnd() & 1)
		memcpy(p, child4, 4);
	else
		fill_random(p, 4);
}

static void put_ip6(uint8_t *p)
{
	if (malformed_only || rnd() & 1)
		memcpy(p, child6, 16);
	else
		fill_random(p, 16);
}

static void ipv4_header(uint8_t *ip, unsigned int tot_len, uint8_t proto)
{
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = tot_len >> 8;
	ip[3] = tot_len & 0xff;
	ip[8] = 64;
	ip[9] = proto;
	fill_random(ip + 12, 4);
	put_ip4(ip + 16);
}

static void ipv6_header(uint8_t *ip, unsigned int plen, uint8_t next)
{
	memset(ip, 0, 40);
	ip[0] = 0x60;
	ip[4] = plen >> 8;
	ip[5] = plen & 0xff;
	ip[6] = next;
	ip[7] = 255;
	fill_random(ip + 8, 16);
	put_ip6(ip + 24);
}

/* Build one frame of @k into @f; return its length. */
static size_t build(enum kind k, uint8_t *f)
{
	uint8_t *l3 = f + 14;
	size_t n;

	switch (k) {
	case RUNT:
		/* Below Ethernet's 60 bytes; a packet socket sends no less
		 * than a header.
		 */
		n = 14 + rnd() % 46;
		fill_random(f, n);
		memcpy(f, dst_mac, 6);
		return n;
	case SHORT_L3: {
		static const uint16_t types[3] = { 0x0800, 0x0806, 0x86dd };

		put_eth(f, types[rnd() % 3]);
		n = rnd() % 20;
		fill_random(l3, n);
		return 14 + n;
	}
	case ARP_BAD_FIELDS:
	case ARP_TRUNCATED:
	case GOOD_ARP:
		put_eth(f, 0x0806);
		l3[0] = 0; l3[1] = 1;		/* Ethernet */
		l3[2] = 0x08; l3[3] = 0;	/* IPv4 */
		l3[4] = 6; l3[5] = 4;
		l3[6] = 0; l3[7] = 1 + rnd() % 2;
		fill_random(l3 + 8, 10);
		memset(l3 + 18, 0, 6);
		put_ip4(l3 + 24);
		if (k == ARP_BAD_FIELDS)
			l3[rnd() % 6] ^= 1 + rnd() % 255;
		if (k == ARP_TRUNCATED)
			return 14 + rnd() % 28;
		return 14 + 28;
	case IPV4_SHORT_IHL:
	case IPV4_BAD_VERSION:
	case IPV4_BAD_TOTLEN:
	case GOOD_UDP4:
		put_eth(f, 0x0800);
		n = 8 + rnd() % 64;
		ipv4_header(l3, 20 + n, 17);
		fill_random(l3 + 20, n);
		if (k == IPV4_SHORT_IHL)
			l3[0] = 0x40 | rnd() % 5;
		if (k == IPV4_BAD_VERSION)
			l3[0] = (4 + 1 + rnd() % 15) % 16 << 4 | 5;	/* not 4 */
		if (k == IPV4_BAD_TOTLEN) {
			unsigned int bad = rnd() & 1 ? 20 + n + 64 + rnd() % 2000
						     : rnd() % 20;

			l3[2] = bad >> 8;
			l3[3] = bad & 0xff;
		}
		return 14 + 20 + n;
	case IPV6_TRUNCATED:
		put_eth(f, 0x86dd);
		ipv6_header(l3, 0, 17);
		return 14 + rnd() % 40;
	case IPV6_BAD_VERSION:
	case IPV6_BAD_PLEN:
		put_eth(f, 0x86dd);
		n = 8 + rnd() % 64;
		ipv6_header(l3, n, 17);
		fill_random(l3 + 40, n);
		if (k == IPV6_BAD_VERSION)
			l3[0] = (6 + 1 + rnd() % 15) % 16 << 4;	/* not 6 */
		else
			l3[4] = 1 + rnd() % 255;	/* far past the end */
		return 14 + 40 + n;
	case NDP_NS_TRUNCATED:
	case NDP_NA_TRUNCATED:
		put_eth(f, 0x86dd);
		n = rnd() % 24;			/* an nd_msg is 24 bytes */
		ipv6_header(l3, n, 58);
		memcpy(l3 + 24, "\xff\x02\0\0\0\0\0\0\0\0\0\x01\xff", 13);
		memcpy(l3 + 37, child6 + 13, 3);
		fill_random(l3 + 40, n);
		if (n > 0)
			l3[40] = k == NDP_NS_TRUNCATED ? 135 : 136;
		if (n > 8)
			memcpy(l3 + 48, child6, n - 8);
		return 14 + 40 + n;
	case VLAN_TAGGED:
		put_eth(f, 0x8100);
		l3[0] = rnd() % 16;
		l3[1] = rnd();
		l3[2] = 0x08;
		l3[3] = 0;
		n = 8 + rnd() % 64;
		ipv4_header(l3 + 4, 20 + n, 17);
		fill_random(l3 + 24, n);
		return 14 + 4 + 20 + n;
	case JUMBO:
		put_eth(f, 0x0800);
		n = 1500 + rnd() % (MAXLEN - 14 - 20 - 1500);
		ipv4_header(l3, 20 + n, 17);
		fill_random(l3 + 20, n);
		return 14 + 20 + n;
	case RANDOM_BYTES:
		n = 14 + rnd() % 1501;
		fill_random(f, n);
		if (rnd() & 1)
			memcpy(f, dst_mac, 6);
		return n;
	case KINDS:
		break;
	}
	return 0;
}

static int parse_mac(const char *s, uint8_t *mac)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		      &mac[2], &mac[3], &mac[4], &mac[5]) == 6 ? 0 : -1;
}

int main(int argc, char **argv)
{
	static uint8_t buf[BATCH][MAXLEN];
	unsigned long sent[KINDS] = { 0 }, total = 0, attempts, count;
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	enum kind kinds[BATCH];
	struct sockaddr_ll sll;
	int fd, i, n;

	if (argc < 7 || parse_mac(argv[3], dst_mac) ||
	    inet_pton(AF_INET, argv[4], child4) != 1 ||
	    inet_pton(AF_INET6, argv[5], child6) != 1 ||
	    (strcmp(argv[6], "all") && strcmp(argv[6], "malformed"))) {
		fprintf(stderr, "usage: %s IFACE COUNT DST_MAC CHILD_IPV4 CHILD_IPV6 all|malformed [SEED]\n",
			argv[0]);
		return 2;
	}
	count = strtoul(argv[2], NULL, 0);
	malformed_only = !strcmp(argv[6], "malformed");
	rng_state = argc > 7 ? strtoull(argv[7], NULL, 0) : 0x5eed;
	if (!rng_state)
		rng_state = 1;

	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = if_nametoindex(argv[1]);
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror(argv[1]);
		return 1;
	}

	/* COUNT frames sent; a kind the link refuses (jumbo, on a small
	 * MTU) is skipped, up to twice COUNT attempts in all.
	 */
	for (attempts = 0; total < count && attempts < 2 * count; attempts += n) {
		n = count - total < BATCH ? count - total : BATCH;
		for (i = 0; i < n; i++) {
			kinds[i] = malformed_only ?
				   malformed_kinds[(attempts + i) % N_MALFORMED] :
				   (enum kind)((attempts + i) % KINDS);
			iov[i].iov_base = buf[i];
			iov[i].iov_len = build(kinds[i], buf[i]);
			memset(&msgs[i], 0, sizeof(msgs[i]));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		/* Stops at the first refused frame: that one is skipped. */
		i = sendmmsg(fd, msgs, n, 0);
		if (i < 0)
			i = 0;
		for (int j = 0; j < i; j++)
			sent[kinds[j]]++;
		total += i;
		if (i < n)
			n = i + 1;
	}
	for (i = 0; i < KINDS; i++)
		printf("%s %lu\n", kind_name[i], sent[i]);
	return 0;
}
