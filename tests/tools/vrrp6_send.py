#!/usr/bin/env python3
"""Sends forged VRRPv3 adverts over IPv6 (RFC 5798 5.1.2) for hostile-input tests:
vrrp6_send.py IFNAME VRID PRIORITY ADDR[,ADDR...] [hop=N] [badsum=1] [count=N]
to ff02::12 from the interface's link-local address, hop limit N (default 255). The checksum is
the kernel's (IPV6_CHECKSUM at offset 6, the pseudo-header form), or a wrong one with badsum=1."""
import socket
import struct
import sys


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    ifname, vrid, prio = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    addrs = [socket.inet_pton(socket.AF_INET6, a) for a in sys.argv[4].split(",")]
    opts = dict(a.split("=", 1) for a in sys.argv[5:])
    hop, badsum, count = int(opts.get("hop", 255)), opts.get("badsum") == "1", int(opts.get("count", 1))
    # version 3, type 1; Max Adver Int 100 cs; checksum 0 (filled below or by the kernel)
    msg = struct.pack("!BBBBH H", 0x31, vrid, prio, len(addrs), 100, 0) + b"".join(addrs)
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 112)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, hop)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, socket.if_nametoindex(ifname))
    if badsum:
        msg = msg[:6] + b"\xde\xad" + msg[8:]
    else:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_CHECKSUM, 6)
    for _ in range(count):
        s.sendto(msg, ("ff02::12", 0, 0, socket.if_nametoindex(ifname)))
    print(f"sent {count} advert(s): vrid {vrid} priority {prio} hop limit {hop}{' bad checksum' if badsum else ''}")


if __name__ == "__main__":
    main()
