# The host's side of the loopback probe (loopback.c): a TCP listener and a
# UDP socket on ADDR (127.0.0.1, or the wildcard 0.0.0.0 inside a kernel
# network namespace of the test's own, where it means lo alone) and, unless
# NAME is "-", an abstract AF_UNIX listener @NAME. Every connection and
# every datagram is answered with SECRET. The ports go to PORTS_FILE as
# "TCP UDP" once all are listening; each contact is a line in LOG_FILE.
# Runs until killed, or for LIFETIME s.
# Usage: python3 hostnet.py ADDR SECRET PORTS_FILE LOG_FILE NAME LIFETIME
import os
import socket
import sys
import threading
import time

addr, secret, ports_file, log_file, name, lifetime = sys.argv[1:7]
answer = secret.encode()
log_lock = threading.Lock()


def log(what):
    with log_lock, open(log_file, "a") as f:
        f.write(what + "\n")


def serve_stream(srv):
    while True:
        conn, peer = srv.accept()
        log(f"stream {peer!r}")
        try:
            conn.sendall(answer)
        except OSError:
            pass
        conn.close()


tcp = socket.socket()
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind((addr, 0))
tcp.listen(16)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind((addr, 0))
threading.Thread(target=serve_stream, args=(tcp,), daemon=True).start()
if name != "-":
    unix = socket.socket(socket.AF_UNIX)
    unix.bind("\0" + name)
    unix.listen(16)
    threading.Thread(target=serve_stream, args=(unix,), daemon=True).start()


def serve_datagrams():
    while True:
        _, sender = udp.recvfrom(256)
        log(f"datagram {sender!r}")
        udp.sendto(answer, sender)


threading.Thread(target=serve_datagrams, daemon=True).start()
with open(ports_file + ".tmp", "w") as f:
    f.write(f"{tcp.getsockname()[1]} {udp.getsockname()[1]}\n")
os.rename(ports_file + ".tmp", ports_file)
time.sleep(float(lifetime))
