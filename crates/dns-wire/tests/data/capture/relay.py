#!/usr/bin/env python3
"""A UDP relay on 127.0.0.1 that saves every query and response it passes on.

usage: relay.py LISTEN_PORT UPSTREAM_PORT OUTDIR COUNT

Relays exactly COUNT query/response pairs between a client (dig) and a server on 127.0.0.1
(named), writing OUTDIR/NN.query.bin and OUTDIR/NN.response.bin, then exits. Loopback only;
every wait is bounded (20 s for a query, 5 s for an answer).
"""
import os
import socket
import sys


def main() -> None:
    listen_port, upstream_port, outdir, count = (
        int(sys.argv[1]),
        int(sys.argv[2]),
        sys.argv[3],
        int(sys.argv[4]),
    )
    front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    front.bind(("127.0.0.1", listen_port))
    front.settimeout(20)
    back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    back.settimeout(5)
    for i in range(count):
        query, client = front.recvfrom(65535)
        back.sendto(query, ("127.0.0.1", upstream_port))
        response, _ = back.recvfrom(65535)
        with open(os.path.join(outdir, f"{i:02}.query.bin"), "wb") as f:
            f.write(query)
        with open(os.path.join(outdir, f"{i:02}.response.bin"), "wb") as f:
            f.write(response)
        front.sendto(response, client)


if __name__ == "__main__":
    main()
