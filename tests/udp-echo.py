#!/usr/bin/python3
# udp-echo.py N SIZE: send N datagrams of SIZE bytes from 10.77.0.1:7778 to
# guest-tests/net.elf's echo at 10.77.0.2:7777, a known pattern each with its
# sequence number (net.elf checks it), at most 16 unanswered at once, and
# check every echo byte for byte. Exit 1 on a changed datagram or 10 s
# without an echo (tests/kvm-net.test, tests/kvm-domain.test).
import socket, sys, time
n, size, window = int(sys.argv[1]), int(sys.argv[2]), 16
def payload(seq):
    return seq.to_bytes(4, "big") + bytes((seq * 31 + i * 7 + 1) & 255 for i in range(4, size))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.1", 7778))
s.settimeout(10)
sent = got = 0
t0 = time.monotonic()
while got < n:
    while sent < n and sent - got < window:
        s.sendto(payload(sent), ("10.77.0.2", 7777))
        sent += 1
    try:
        data, peer = s.recvfrom(65536)
    except socket.timeout:
        print("sender: no echo for 10 s: %d sent, %d echoed" % (sent, got))
        sys.exit(1)
    seq = int.from_bytes(data[:4], "big")
    if peer != ("10.77.0.2", 7777) or data != payload(seq):
        print("sender: datagram %d came back changed (from %s)" % (seq, peer))
        sys.exit(1)
    got += 1
print("sender: %d datagrams of %d bytes echoed intact in %.2f s" % (got, size, time.monotonic() - t0))
