#!/usr/bin/python3 -S
"""Ping many addresses at once, from one process.

  sweep.py [--from ADDR] [--timeout SECONDS] ADDR...

Sends ICMP (or ICMPv6) echo requests to every ADDR, again every half
second to those that have not answered, for at most --timeout seconds
(default 5), and prints each address that answered, one per line, in the
order given. The tests check hundreds of addresses this way: a ping process
per address costs half a second each on the debug kernel.
"""

import argparse
import os
import select
import socket
import struct
import time

from frames import checksum  # this directory is on sys.path, -S or not


def echo(v6, ident, seq):
    kind = 128 if v6 else 8
    payload = b"virt sweep"
    head = struct.pack("!BBHHH", kind, 0, 0, ident, seq)
    if v6:  # the kernel fills in ICMPv6 checksums on raw sockets
        return head + payload
    return struct.pack("!BBHHH", kind, 0, checksum(head + payload), ident, seq) + payload


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--from", dest="src")
    ap.add_argument("--timeout", type=float, default=5)
    ap.add_argument("addrs", nargs="+")
    a = ap.parse_args()

    ident = os.getpid() & 0xFFFF
    socks = {}
    for v6, fam, proto in ((False, socket.AF_INET, socket.IPPROTO_ICMP),
                           (True, socket.AF_INET6, socket.IPPROTO_ICMPV6)):
        if any((":" in x) == v6 for x in a.addrs):
            s = socket.socket(fam, socket.SOCK_RAW, proto)
            if a.src and (":" in a.src) == v6:
                s.bind((a.src, 0))
            socks[v6] = s
    # Each address by its packed form (one spelling per address), with
    # the sequence number its requests carry.
    key = {x: socket.inet_pton(socket.AF_INET6 if ":" in x else socket.AF_INET, x)
           for x in a.addrs}
    seq = {x: i for i, x in enumerate(a.addrs)}
    by_key = {(key[x], seq[x]): x for x in a.addrs}
    answered = set()
    end = time.monotonic() + a.timeout
    next_send = 0
    while len(answered) < len(a.addrs) and time.monotonic() < end:
        if time.monotonic() >= next_send:
            for x in a.addrs:
                if x not in answered:
                    v6 = ":" in x
                    try:
                        socks[v6].sendto(echo(v6, ident, seq[x]), (x, 0))
                    except OSError:
                        pass  # unreachable for now: try again
            next_send = time.monotonic() + 0.5
        ready, _, _ = select.select(list(socks.values()), [], [], 0.1)
        for s in ready:
            data, peer = s.recvfrom(2048)
            v6 = s.family == socket.AF_INET6
            icmp = data if v6 else data[(data[0] & 0x0F) * 4:]
            kind, _, _, rid, rseq = struct.unpack("!BBHHH", icmp[:8])
            src = socket.inet_pton(s.family, peer[0].split("%")[0])
            if kind == (129 if v6 else 0) and rid == ident and (src, rseq) in by_key:
                answered.add(by_key[(src, rseq)])
    for x in a.addrs:
        if x in answered:
            print(x)


if __name__ == "__main__":
    main()
