#!/usr/bin/env python3
"""A userspace stand-in for `tc qdisc ... netem` (the kernels here are built without sch_netem): fixed delay and
random loss on the IPv4 traffic between test network namespaces.

    netem-relay.py --delay-ms 300 --loss-percent 5 NS1=10.213.7.1 NS2=10.213.7.2 ...

Creates a TUN device `gvnetem` in each namespace, prints `ready` once all exist, then relays every packet that a
namespace sends into its `gvnetem` to the `gvnetem` of the namespace holding the packet's destination address, after
the delay, dropping each packet with the given probability. The caller sets the devices up and routes the traffic it
wants slowed through them (`ip -n NS route add PEER/32 dev gvnetem src OWN`). The devices, and the routes through
them, disappear when this process exits (SIGTERM or SIGKILL). Needs root. Used by NetnsCluster and
scripts/netns-cluster.sh.
"""
import argparse
import ctypes
import fcntl
import heapq
import os
import random
import select
import signal
import socket
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
DEVICE = b"gvnetem"


def attach(libc, namespace):
    ns = os.open("/var/run/netns/" + namespace, os.O_RDONLY)
    try:
        if libc.setns(ns, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, "setns into %s: %s" % (namespace, os.strerror(err)))
    finally:
        os.close(ns)
    tun = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(tun, TUNSETIFF, struct.pack("16sH", DEVICE, IFF_TUN | IFF_NO_PI))
    return tun


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay-ms", type=float, default=0)
    parser.add_argument("--loss-percent", type=float, default=0)
    parser.add_argument("members", nargs="+", help="NAMESPACE=IPV4")
    args = parser.parse_args()
    libc = ctypes.CDLL(None, use_errno=True)
    by_address = {}
    fds = []
    for member in args.members:
        namespace, address = member.split("=")
        fd = attach(libc, namespace)
        by_address[socket.inet_aton(address)] = fd
        fds.append(fd)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ready", flush=True)

    delay = args.delay_ms / 1000.0
    loss = args.loss_percent / 100.0
    queue = []
    counter = 0
    while True:
        timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else 1.0
        readable, _, _ = select.select(fds, [], [], timeout)
        for fd in readable:
            while True:
                try:
                    packet = os.read(fd, 65535)
                except BlockingIOError:
                    break
                if len(packet) < 20 or packet[0] >> 4 != 4:
                    continue
                target = by_address.get(packet[16:20])
                if target is None or random.random() < loss:
                    continue
                counter += 1
                heapq.heappush(queue, (time.monotonic() + delay, counter, target, packet))
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, target, packet = heapq.heappop(queue)
            try:
                os.write(target, packet)
            except OSError:
                pass  # device down or queue full: a lost packet, as on a real link


if __name__ == "__main__":
    main()
