#!/usr/bin/python3 -S
"""UDP endpoints for the tests: a listener that counts, and a sender.

  udp.py listen PORT COUNTFILE [--dev DEV] [--group ADDR] [--v6]
      Count datagrams into COUNTFILE (rewritten after each one). --dev binds
      the socket to DEV (SO_BINDTODEVICE); --group joins a multicast group
      on it. Runs until killed; COUNTFILE holds 0 once it listens.
  udp.py send ADDR PORT N [--dev DEV] [--loop] [--interval SECONDS]
      Send N datagrams. --dev sends through DEV (multicast: IP_MULTICAST_IF)
      and --loop keeps multicast looped back to the sending host;
      --interval paces them, SECONDS apart.
"""
import argparse
import os
import socket
import struct
import time


def write_count(path, n):
    # A reader never sees the file empty: write aside, then rename.
    with open(path + ".new", "w") as f:
        f.write("%d\n" % n)
    os.replace(path + ".new", path)


def listen(a):
    fam = socket.AF_INET6 if a.v6 else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.dev:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.dev.encode())
    s.bind(("::" if a.v6 else "0.0.0.0", a.port))
    if a.group:
        if a.v6:
            idx = socket.if_nametoindex(a.dev) if a.dev else 0
            mreq = socket.inet_pton(fam, a.group) + struct.pack("@I", idx)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
        else:
            # struct ip_mreqn: group, local address, interface index
            idx = socket.if_nametoindex(a.dev) if a.dev else 0
            mreq = socket.inet_aton(a.group) + socket.inet_aton("0.0.0.0") + struct.pack("@i", idx)
            s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    n = 0
    write_count(a.countfile, 0)
    while True:
        s.recv(65535)
        n += 1
        write_count(a.countfile, n)


def send(a):
    fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if a.dev:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.dev.encode())
        idx = socket.if_nametoindex(a.dev)
        if fam == socket.AF_INET:
            s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                         struct.pack("@4s4si", b"\0" * 4, b"\0" * 4, idx))
        else:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
    if fam == socket.AF_INET:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, int(a.loop))
    else:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, int(a.loop))
    for i in range(a.n):
        if i and a.interval:
            time.sleep(a.interval)
        s.sendto(b"virt test %d" % i, (a.addr, a.port))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    lp = sub.add_parser("listen")
    lp.add_argument("port", type=int)
    lp.add_argument("countfile")
    lp.add_argument("--dev")
    lp.add_argument("--group")
    lp.add_argument("--v6", action="store_true")
    sp = sub.add_parser("send")
    sp.add_argument("addr")
    sp.add_argument("port", type=int)
    sp.add_argument("n", type=int)
    sp.add_argument("--dev")
    sp.add_argument("--loop", action="store_true")
    sp.add_argument("--interval", type=float, default=0)
    a = p.parse_args()
    listen(a) if a.cmd == "listen" else send(a)


if __name__ == "__main__":
    main()
