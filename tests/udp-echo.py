#!/usr/bin/python3
# udp-echo.py N SIZE [DST [SRC]]: send N datagrams of SIZE bytes from
# SRC:7778 (10.77.0.1) to the echo at DST:7777 (10.77.0.2, guest-tests/net.elf's),
# a known pattern each with its sequence number (net.elf checks it), at most
# 16 unanswered at once, and check every echo byte for byte. Exit 1 on a
# changed datagram or 10 s without an echo (tests/kvm-net.test,
# tests/kvm-domain.test, scripts/bench-net).
import socket, sys, time
n, size, window = int(sys.argv[1]), int(sys.argv[2]), 16
dst = sys.argv[3] if len(sys.argv) > 3 else "10.77.0.2"
src = sys.argv[4] if len(sys.argv) > 4 else "10.77.0.1"
# byte i of datagram seq is (seq * 31 + i * 7 + 1) & 255 (guest-tests/net.c),
# which depends on seq & 255 only: the 256 tails are made once, so that the
# sender's own time does not cap the rate scripts/bench-net measures
tails = [bytes((seq * 31 + i * 7 + 1) & 255 for i in range(4, size)) for seq in range(256)]
def payload(seq):
    return seq.to_bytes(4, "big") + tails[seq & 255]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 7778))
s.settimeout(10)
sent = got = 0
t0 = time.monotonic()
while got < n:
    while sent < n and sent - got < window:
        s.sendto(payload(sent), (dst, 7777))
        sent += 1
    try:
        data, peer = s.recvfrom(65536)
    except socket.timeout:
        print("sender: no echo for 10 s: %d sent, %d echoed" % (sent, got))
        sys.exit(1)
    seq = int.from_bytes(data[:4], "big")
    if peer != (dst, 7777) or data != payload(seq):
        print("sender: datagram %d came back changed (from %s)" % (seq, peer))
        sys.exit(1)
    got += 1
print("sender: %d datagrams of %d bytes echoed intact in %.2f s" % (got, size, time.monotonic() - t0))
