#!/usr/bin/python3 -S
"""Hand-made frames, sent on an interface through a packet socket, for
what the stack won't send on its own: forged sources, a DHCP discover from
0.0.0.0, an ARP reply nobody asked for.

  frames.py DEV ping SRC DST [--mac SRC_MAC]    an ICMP echo request, IPv4
  frames.py DEV dhcp [--xid HEX [--client-id ID]]
                                                UDP 0.0.0.0:68 -> 255.255.255.255:67
  frames.py DEV arp-reply SENDER_IP TARGET_IP   "SENDER_IP is at DEV's MAC", broadcast
  frames.py DEV arp-probe TARGET_IP             who-has TARGET_IP, from 0.0.0.0
  frames.py DEV raw ETHERTYPE                   a payload of an ethertype (hex)

A discover's transaction id is 0x76697274, its client hardware address
zeros, and it asks for broadcast replies, unless --xid gives the id: then
its client hardware address is the frame's source MAC and it asks for none
(the server answers at that MAC and the address it offers), as a real
client's discover does; --client-id ID adds ID as option 61.

--count N sends each N times. The Ethernet source is DEV's MAC unless
--mac says otherwise; the destination is broadcast, or --to MAC.
"""

import argparse
import socket
import struct


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def ipv4(src, dst, proto, payload):
    head = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, 64,
                       proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    head = head[:10] + struct.pack("!H", checksum(head)) + head[12:]
    return head + payload


def ping(src, dst):
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x7672, 1) + b"virt spoof test"
    icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
    return 0x0800, ipv4(src, dst, 1, icmp)


def dhcp(xid=0x76697274, chaddr=b"", client_id=None, flags=0x8000):
    # A DHCPDISCOVER's shape: BOOTP request, magic cookie, message type 1.
    bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid,
                        0, flags, b"\0" * 4, b"\0" * 4, b"\0" * 4, b"\0" * 4,
                        chaddr.ljust(16, b"\0"), b"\0" * 64, b"\0" * 128)
    bootp += b"\x63\x82\x53\x63" + b"\x35\x01\x01"
    if client_id:
        bootp += bytes([61, len(client_id)]) + client_id.encode()
    bootp += b"\xff"
    udp = struct.pack("!HHHH", 68, 67, 8 + len(bootp), 0) + bootp
    return 0x0800, ipv4("0.0.0.0", "255.255.255.255", 17, udp)


def arp(op, smac, sip, tip):
    return 0x0806, struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, smac,
                               socket.inet_aton(sip), b"\0" * 6,
                               socket.inet_aton(tip))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dev")
    ap.add_argument("kind", choices=["ping", "dhcp", "arp-reply", "arp-probe", "raw"])
    ap.add_argument("args", nargs="*")
    ap.add_argument("--mac")
    ap.add_argument("--to", default="ff:ff:ff:ff:ff:ff")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--xid")
    ap.add_argument("--client-id")
    a = ap.parse_args()

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.dev, 0))
    own = s.getsockname()[4]  # DEV's MAC: its sysfs may be another namespace's
    src = mac_bytes(a.mac) if a.mac else own
    if a.kind == "ping":
        proto, body = ping(*a.args)
    elif a.kind == "dhcp":
        proto, body = (dhcp(int(a.xid, 16), src, a.client_id, 0) if a.xid
                       else dhcp())
    elif a.kind == "raw":
        proto, body = int(a.args[0], 16), b"virt raw frame test"
    elif a.kind == "arp-reply":
        proto, body = arp(2, src, a.args[0], a.args[1])
    else:
        proto, body = arp(1, src, "0.0.0.0", a.args[0])
    frame = mac_bytes(a.to) + src + struct.pack("!H", proto) + body
    frame = frame.ljust(60, b"\0")
    for _ in range(a.count):
        s.send(frame)


if __name__ == "__main__":
    main()
