#!/usr/bin/python3 -S
"""What ethtool -S costs the kernel, without ethtool's process.

  ethtool-reads.py [--ifindex] DEV COUNT

Reads DEV's ethtool statistics (the ETHTOOL_GSTATS ioctl, which runs
under RTNL) COUNT times in a row and prints the microseconds one read
took on average: how long each holds every other network configuration
change back, without the cost of starting an ethtool process. COUNT 0
reads until killed, as a container looping ethtool -S would, as fast as
it can. --ifindex reads DEV's ifindex instead (SIOCGIFINDEX, under RCU
only): the same loop on the same CPUs, without RTNL.
"""

import ctypes
import fcntl
import socket
import struct
import sys
import time

SIOCGIFINDEX = 0x8933
SIOCETHTOOL = 0x8946
ETHTOOL_GSSET_INFO = 0x37
ETHTOOL_GSTATS = 0x1d
ETH_SS_STATS = 1


def ethtool(sock, dev, buf):
    ifr = struct.pack("16sP", dev.encode(), ctypes.addressof(buf))
    fcntl.ioctl(sock, SIOCETHTOOL, ifr)


def main():
    args = sys.argv[1:]
    ifindex = args[0] == "--ifindex"
    if ifindex:
        args = args[1:]
    dev, count = args[0], int(args[1])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if ifindex:
        ifr = struct.pack("16s16x", dev.encode())

        def read():
            fcntl.ioctl(sock, SIOCGIFINDEX, ifr)
    else:
        # How many counters DEV has: struct ethtool_sset_info, one set.
        info = ctypes.create_string_buffer(
            struct.pack("IIQI", ETHTOOL_GSSET_INFO, 0, 1 << ETH_SS_STATS, 0))
        ethtool(sock, dev, info)
        n = struct.unpack_from("I", info, 16)[0]
        # struct ethtool_stats: cmd, n_stats, then the counters.
        stats = ctypes.create_string_buffer(
            struct.pack("II", ETHTOOL_GSTATS, n) + bytes(8 * n))

        def read():
            ethtool(sock, dev, stats)
    if not count:
        while True:
            read()
    start = time.monotonic()
    for _ in range(count):
        read()
    print(int((time.monotonic() - start) * 1e6 / count))


main()
