#!/usr/bin/python3
"""A stand-in for journald's native socket: binds PATH, touches READY, prints the fields of the first
datagram as KEY=VALUE lines (values with newlines as Python escapes), exits; 10 s at most."""
import socket
import sys


def parse(buf):
    fields, i = {}, 0
    while i < len(buf):
        nl = buf.index(b"\n", i)
        line = buf[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:  # KEY\n<le64 length><value>\n: the binary-safe form
            k = line
            n = int.from_bytes(buf[nl + 1:nl + 9], "little")
            v = buf[nl + 9:nl + 9 + n]
            i = nl + 9 + n + 1
        fields[k.decode()] = v.decode()
    return fields


def main():
    path, ready = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(10)
    open(ready, "w").close()
    data = s.recv(1 << 16)
    for k, v in sorted(parse(data).items()):
        print(f"{k}={v.encode('unicode_escape').decode()}")


if __name__ == "__main__":
    main()
