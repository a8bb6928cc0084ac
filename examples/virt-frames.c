// SPDX-License-Identifier: GPL-2.0
/*
 * virt-frames: your own program on a child's frames. What tcpdump does to
 * read an interface, in one file: an AF_PACKET socket with a TPACKET_V3
 * ring on IFACE (a virt child, a mirror, or any interface), a line a
 * second of the frames seen, by protocol and direction, and optionally a
 * frame written back: every IPv4 UDP datagram to PORT is answered with a
 * copy of itself, from the child, through the same socket.
 *
 *   virt-frames [-c SECONDS] [-n FRAMES] [-e PORT] IFACE
 *
 * Output, key=value (keys with a count of 0 are left out):
 *   t=3 in:arp=1 in:ipv4/icmp=10 out:ipv4/icmp=10 drops=0
 *   total frames=21 in:arp=1 in:ipv4/icmp=10 out:ipv4/icmp=10 echoed=0 packets=21 drops=0
 * "in" is what IFACE received, "out" what it sent; packets and drops are
 * the kernel's count for the socket (PACKET_STATISTICS), packets with the
 * dropped ones. It stops after SECONDS, after FRAMES frames, or on SIGINT
 * or SIGTERM, with status 0; if IFACE goes away, with its totals too and
 * status 1. IFACE down only pauses it.
 *
 * Build: make examples
 */
#define _GNU_SOURCE		/* ppoll() */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* 8 blocks of 256 KiB: 2 MiB, tcpdump's default buffer. */
#define BLOCK_SIZE	(256 * 1024)
#define BLOCK_NR	8
#define FRAME_SIZE	2048	/* V3 packs frames; this only sizes tp_frame_nr */
#define BLOCK_TOV_MS	100	/* a block is handed over at the latest after this */
#define DRAIN_MS	2000	/* at the stop, how long to wait for the last blocks */

enum proto { ARP, V4_ICMP, V4_TCP, V4_UDP, V4_OTHER,
	     V6_ICMP, V6_TCP, V6_UDP, V6_OTHER, OTHER, NPROTO };
static const char *const proto_name[NPROTO] = {
	"arp", "ipv4/icmp", "ipv4/tcp", "ipv4/udp", "ipv4/other",
	"ipv6/icmp", "ipv6/tcp", "ipv6/udp", "ipv6/other", "other",
};

struct counts {
	unsigned long dir[2][NPROTO];	/* [0] received, [1] sent */
	unsigned long frames, echoed, packets, drops;
};

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static enum proto classify(uint16_t ethertype, const uint8_t *net, size_t len)
{
	uint8_t nh;
	size_t off;

	switch (ethertype) {
	case ETH_P_ARP:
		return ARP;
	case ETH_P_IP:
		if (len < 20)
			return V4_OTHER;
		switch (net[9]) {
		case IPPROTO_ICMP: return V4_ICMP;
		case IPPROTO_TCP:  return V4_TCP;
		case IPPROTO_UDP:  return V4_UDP;
		default:           return V4_OTHER;
		}
	case ETH_P_IPV6:
		if (len < 40)
			return V6_OTHER;
		/* Past the options headers: MLD hides behind hop-by-hop. */
		nh = net[6];
		off = 40;
		while ((nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
			nh == IPPROTO_DSTOPTS) && off + 2 <= len) {
			nh = net[off];
			off += (net[off + 1] + 1) * 8;
		}
		switch (nh) {
		case IPPROTO_ICMPV6: return V6_ICMP;
		case IPPROTO_TCP:    return V6_TCP;
		case IPPROTO_UDP:    return V6_UDP;
		default:             return V6_OTHER;
		}
	default:
		return OTHER;
	}
}

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += p[0] << 8 | p[1];
	if (len)
		sum += p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static void swap(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t tmp[6];

	memcpy(tmp, a, n);
	memcpy(a, b, n);
	memcpy(b, tmp, n);
}

/*
 * The datagram back where it came from: MACs, addresses and ports swapped.
 * No UDP checksum (0, allowed over IPv4): the one that came may be
 * unfinished, from a sender on this host that left it to an offload
 * (TP_STATUS_CSUMNOTREADY). Returns whether it was sent.
 */
static int echo_udp(int fd, int ifindex, const uint8_t *frame, size_t len,
		    int port)
{
	uint8_t out[ETH_FRAME_LEN + 4], *ip = out + ETH_HLEN, *udp;
	const uint8_t *in = frame + ETH_HLEN;
	struct sockaddr_ll to = { .sll_family = AF_PACKET };
	size_t ihl, tot_len;
	uint16_t sum;
	ssize_t sent;

	/*
	 * What the other host says is only trusted as far as it was captured:
	 * an IPv4 header of at least 20 bytes, a UDP header after it, and
	 * the whole datagram (tot_len) in the frame. Not a fragment (after
	 * the first, the port is not there to read).
	 */
	if (len < ETH_HLEN + 20)
		return 0;
	ihl = (in[0] & 0x0f) * 4;
	tot_len = in[2] << 8 | in[3];
	if (in[0] >> 4 != 4 || ihl < 20 || tot_len < ihl + 8 ||
	    tot_len > len - ETH_HLEN || ETH_HLEN + tot_len > sizeof(out) ||
	    (in[6] & 0x3f) || in[7])
		return 0;
	/* Without the padding the wire may have added after the datagram. */
	len = ETH_HLEN + tot_len;
	memcpy(out, frame, len);
	udp = ip + ihl;
	if ((udp[2] << 8 | udp[3]) != port)
		return 0;
	swap(out, out + ETH_ALEN, ETH_ALEN);
	swap(ip + 12, ip + 16, 4);
	swap(udp, udp + 2, 2);
	udp[6] = udp[7] = 0;
	ip[8] = 64;			/* a fresh TTL, as a reply has */
	ip[10] = ip[11] = 0;
	sum = ip_checksum(ip, ihl);
	ip[10] = sum >> 8;
	ip[11] = sum & 0xff;
	/* A plain send, no TX ring: the frame goes out of IFACE as it is. */
	to.sll_ifindex = ifindex;
	to.sll_protocol = htons(ETH_P_IP);
	/*
	 * SIGINT and SIGTERM only come in ppoll(), but a send that blocks
	 * (the socket's buffer full) could still be interrupted by another.
	 */
	do
		sent = sendto(fd, out, len, 0, (struct sockaddr *)&to, sizeof(to));
	while (sent < 0 && errno == EINTR);
	if (sent < 0) {
		perror("sendto");
		return 0;
	}
	return 1;
}

/* Every frame of a block the kernel has handed over. */
static void walk_block(struct tpacket_block_desc *bd, struct counts *c,
		       int fd, int ifindex, int echo_port)
{
	struct tpacket3_hdr *h = (void *)((uint8_t *)bd +
					  bd->hdr.bh1.offset_to_first_pkt);
	uint32_t i;

	for (i = 0; i < bd->hdr.bh1.num_pkts; i++) {
		/* With SOCK_RAW the sockaddr_ll follows the header. */
		struct sockaddr_ll *sll = (void *)((uint8_t *)h +
					TPACKET_ALIGN(sizeof(*h)));
		const uint8_t *net = (uint8_t *)h + h->tp_net;
		/* A frame shorter than its MAC header has no network part. */
		unsigned int mac_len = h->tp_net > h->tp_mac ?
				       h->tp_net - h->tp_mac : 0;
		size_t net_len = h->tp_snaplen > mac_len ?
				 h->tp_snaplen - mac_len : 0;
		int out = sll->sll_pkttype == PACKET_OUTGOING;
		enum proto p = classify(ntohs(sll->sll_protocol), net, net_len);

		c->dir[out][p]++;
		c->frames++;
		if (echo_port >= 0 && p == V4_UDP &&
		    sll->sll_pkttype == PACKET_HOST && h->tp_snaplen == h->tp_len)
			c->echoed += echo_udp(fd, ifindex, (uint8_t *)h + h->tp_mac,
					      h->tp_snaplen, echo_port);
		h = (void *)((uint8_t *)h + h->tp_next_offset);
	}
}

/* Every block the kernel has handed over, from *CUR on, each given back. */
static void walk_ring(uint8_t *ring, unsigned int *cur, struct counts *c,
		      int fd, int ifindex, int echo_port)
{
	for (;;) {
		struct tpacket_block_desc *bd =
			(void *)(ring + (size_t)*cur * BLOCK_SIZE);

		if (!(__atomic_load_n(&bd->hdr.bh1.block_status,
				      __ATOMIC_ACQUIRE) & TP_STATUS_USER))
			return;
		walk_block(bd, c, fd, ifindex, echo_port);
		__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL,
				 __ATOMIC_RELEASE);
		*cur = (*cur + 1) % BLOCK_NR;
	}
}

/*
 * Up to MS for the kernel to hand over a block, with the signals of MASK
 * let in meanwhile. Returns the socket's error if it has one (IFACE went
 * down: ENETDOWN), having read it: SO_ERROR clears it, poll() would report
 * POLLERR at once, forever, otherwise.
 */
static int wait_ring(int fd, long ms, const sigset_t *mask)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec ts = { 0, 0 };
	socklen_t len = sizeof(int);
	sigset_t pending;
	int err = 0;

	if (ms > 0) {
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = ms % 1000 * 1000000;
	}
	if (ppoll(&pfd, 1, &ts, mask) < 0) {
		if (errno != EINTR)
			die("ppoll");
		return 0;
	}
	/*
	 * ppoll() lets a pending signal in only when it returns EINTR, with
	 * nothing ready: under a flood that fills a block per wait, never.
	 */
	if (!sigpending(&pending) && (sigismember(&pending, SIGINT) ||
				      sigismember(&pending, SIGTERM)))
		stop = 1;
	if ((pfd.revents & POLLERR) &&
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		die("SO_ERROR");
	return err;
}

/* The kernel's count since the last time we asked (asking resets it). */
static void read_stats(int fd, struct counts *c)
{
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);

	if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0)
		die("PACKET_STATISTICS");
	c->packets += st.tp_packets;
	c->drops += st.tp_drops;
}

/* A second's line (t=SECOND), or with t 0 the total's. */
static void print_counts(unsigned int t, const struct counts *c)
{
	int d, p;

	if (t)
		printf("t=%u", t);
	else
		printf("total frames=%lu", c->frames);
	for (d = 0; d < 2; d++)
		for (p = 0; p < NPROTO; p++)
			if (c->dir[d][p])
				printf(" %s:%s=%lu", d ? "out" : "in",
				       proto_name[p], c->dir[d][p]);
	if (!t)
		printf(" echoed=%lu packets=%lu", c->echoed, c->packets);
	printf(" drops=%lu\n", c->drops);
}

static void add(struct counts *to, const struct counts *from)
{
	int d, p;

	for (d = 0; d < 2; d++)
		for (p = 0; p < NPROTO; p++)
			to->dir[d][p] += from->dir[d][p];
	to->frames += from->frames;
	to->echoed += from->echoed;
	to->packets += from->packets;
	to->drops += from->drops;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(void)
{
	fprintf(stderr, "usage: virt-frames [-c SECONDS] [-n FRAMES] [-e PORT] IFACE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct tpacket_req3 req = {
		.tp_block_size = BLOCK_SIZE, .tp_block_nr = BLOCK_NR,
		.tp_frame_size = FRAME_SIZE,
		.tp_frame_nr = BLOCK_SIZE / FRAME_SIZE * BLOCK_NR,
		.tp_retire_blk_tov = BLOCK_TOV_MS,
	};
	struct sigaction sa = { .sa_handler = on_signal };
	struct counts total = { 0 }, sec = { 0 };
	unsigned long seconds = 0, max_frames = 0;
	long tick, deadline;
	int fd, ifindex, opt, err, echo_port = -1, version = TPACKET_V3;
	int down = 0, gone = 0;
	unsigned int cur = 0, t = 0;
	struct sockaddr_ll ll = { .sll_family = AF_PACKET };
	struct sock_filter none = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog take_none = { .len = 1, .filter = &none };
	sigset_t sigs, orig;
	const char *name;
	uint8_t *ring;

	while ((opt = getopt(argc, argv, "c:n:e:")) != -1) {
		switch (opt) {
		case 'c': seconds = strtoul(optarg, NULL, 0); break;
		case 'n': max_frames = strtoul(optarg, NULL, 0); break;
		case 'e': echo_port = atoi(optarg); break;
		default: usage();
		}
	}
	if (optind != argc - 1 || echo_port > 65535)
		usage();
	name = argv[optind];
	ifindex = if_nametoindex(name);
	if (!ifindex)
		die(name);

	/*
	 * Protocol 0: the socket hears nothing until bound to IFACE below.
	 * With ETH_P_ALL here it would take every interface's frames
	 * meanwhile, and count them.
	 */
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		die("socket(AF_PACKET)");
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)))
		die("PACKET_VERSION");
	if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)))
		die("PACKET_RX_RING");
	ring = mmap(NULL, (size_t)BLOCK_SIZE * BLOCK_NR, PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, 0);
	if (ring == MAP_FAILED)
		die("mmap");
	ll.sll_protocol = htons(ETH_P_ALL);
	ll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&ll, sizeof(ll)))
		die("bind");

	/*
	 * SIGINT and SIGTERM are let in only while ppoll() waits: one that
	 * comes while the ring is read waits, then ends the next ppoll() at
	 * once. With poll(), it could land between the test of stop and the
	 * call, and be seen a second late.
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, &orig);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	fprintf(stderr, "listening on %s (ifindex %d), TPACKET_V3, %d blocks of %d KiB, %d ms\n",
		name, ifindex, BLOCK_NR, BLOCK_SIZE / 1024, BLOCK_TOV_MS);

	tick = now_ms() + 1000;
	while (!stop && !gone && !(seconds && t >= seconds) &&
	       !(max_frames && total.frames + sec.frames >= max_frames)) {
		err = wait_ring(fd, tick - now_ms(), &orig);
		/*
		 * IFACE down: the kernel unhooks the socket, and hooks it
		 * again when IFACE comes up. Deleted: the same ENETDOWN, as
		 * it closes, maybe while its name still resolves, then
		 * nothing ever again: from the first ENETDOWN on, the name is
		 * looked up at every wake-up (once a second while down).
		 */
		if (err == ENETDOWN) {
			fprintf(stderr, "%s is down\n", name);
			down = 1;
		} else if (err) {
			fprintf(stderr, "%s: %s\n", name, strerror(err));
			gone = 1;
		}
		if (down && if_nametoindex(name) != (unsigned int)ifindex) {
			fprintf(stderr, "%s is gone\n", name);
			gone = 1;
		}
		walk_ring(ring, &cur, &sec, fd, ifindex, echo_port);
		if (now_ms() >= tick) {
			read_stats(fd, &sec);
			print_counts(++t, &sec);
			add(&total, &sec);
			memset(&sec, 0, sizeof(sec));
			tick += 1000;
		}
	}

	/*
	 * The stop. First a filter that takes nothing: the kernel's count,
	 * read next, is then the last (but for a frame another CPU had let
	 * through already), where frames still coming would be counted by
	 * us, not in it. Then the ring until it has handed over every frame
	 * of that count that it kept (packets counts the dropped ones too):
	 * the last ones wait in the block the kernel is filling until it
	 * retires it, within BLOCK_TOV_MS, later on a busy machine, which a
	 * fixed wait missed. DRAIN_MS at most, then a warning.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &take_none,
		       sizeof(take_none)))
		die("SO_ATTACH_FILTER");
	read_stats(fd, &sec);
	deadline = now_ms() + DRAIN_MS;
	while (total.frames + sec.frames + total.drops + sec.drops <
	       total.packets + sec.packets) {
		if (now_ms() >= deadline) {
			fprintf(stderr, "virt-frames: %lu frames not handed over after %d ms\n",
				total.packets + sec.packets - total.drops - sec.drops -
				total.frames - sec.frames, DRAIN_MS);
			break;
		}
		wait_ring(fd, deadline - now_ms(), &orig);
		walk_ring(ring, &cur, &sec, fd, ifindex, echo_port);
	}
	/* The last part of a second, if anything came in it. */
	if (sec.frames || sec.drops)
		print_counts(t + 1, &sec);
	add(&total, &sec);
	print_counts(0, &total);
	munmap(ring, (size_t)BLOCK_SIZE * BLOCK_NR);
	close(fd);
	return gone;
}
