#!/usr/bin/python3 -S
"""The netfilter hooks on a device's egress, as the kernel lists them.

  nfhooks.py DEV        prints "FUNCTION MODULE" for each hook, one a line

Asks nfnetlink_hook (NFNL_MSG_HOOK_GET, family netdev, hook egress) the
way "nft list hooks" does; the nft of Debian 12 lists no egress hooks.
Exits 2 if the kernel can't answer (no nfnetlink_hook, or before 5.16).
"""

import os
import socket
import struct
import sys

NETLINK_NETFILTER = 12
NFNL_SUBSYS_HOOK = 12
NFPROTO_NETDEV = 5
NF_NETDEV_EGRESS = 1
NFNLA_HOOK_HOOKNUM, NFNLA_HOOK_DEV = 1, 3
NFNLA_HOOK_FUNCTION_NAME, NFNLA_HOOK_MODULE_NAME = 4, 5
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3


def attr(kind, data):
    a = struct.pack("=HH", 4 + len(data), kind) + data
    return a + b"\0" * (-len(a) % 4)


def attrs(data):
    out = {}
    while len(data) >= 4:
        size, kind = struct.unpack("=HH", data[:4])
        out[kind & 0x3FFF] = data[4:size]
        data = data[(size + 3) & ~3:]
    return out


def main():
    body = struct.pack("=BBH", NFPROTO_NETDEV, 0, 0)
    body += attr(NFNLA_HOOK_HOOKNUM, struct.pack("!I", NF_NETDEV_EGRESS))
    body += attr(NFNLA_HOOK_DEV, sys.argv[1].encode() + b"\0")
    msg = struct.pack("=IHHII", 16 + len(body), NFNL_SUBSYS_HOOK << 8,
                      NLM_F_REQUEST | NLM_F_DUMP, 1, 0) + body
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    s.send(msg)
    while True:
        data = s.recv(65536)
        while len(data) >= 16:
            size, kind = struct.unpack("=IH", data[:6])
            payload = data[16:size]
            data = data[(size + 3) & ~3:]
            if kind == NLMSG_DONE:
                return 0
            if kind == NLMSG_ERROR:
                err = struct.unpack("=i", payload[:4])[0]
                if err:
                    print(os.strerror(-err), file=sys.stderr)
                    return 2
                continue
            a = attrs(payload[4:])
            name = lambda k: a.get(k, b"?").rstrip(b"\0").decode()
            print(name(NFNLA_HOOK_FUNCTION_NAME), name(NFNLA_HOOK_MODULE_NAME))


if __name__ == "__main__":
    sys.exit(main())
