# What a program expects of a network of its own (tests/e2e/netns.sh):
#   pair              a server and a client in one namespace, over TCP (IPv4
#                     and IPv6), UDP (recvfrom and recvmsg) and abstract
#                     AF_UNIX (stream, and datagrams from an autobound name):
#                     the data, and every name the calls show
#   serve DIR NAME    a TCP listener on 127.0.0.1 and an abstract one @NAME,
#                     the port in DIR/port, until DIR/done.same and
#                     DIR/done.other exist
#   reach DIR NAME W  connects to both, says whether each answered, touches
#                     DIR/done.W
# Ports vary from run to run and are not printed; everything else is, so
# the output can be compared with a kernel network namespace's.
import os
import socket
import sys
import time

A4, A6, AU = socket.AF_INET, socket.AF_INET6, socket.AF_UNIX


def host(name):
    return name[0] if isinstance(name, tuple) else name


def tcp(family, bind_to, connect_to):
    srv = socket.socket(family)
    srv.bind((bind_to, 0))
    srv.listen()
    port = srv.getsockname()[1]
    c = socket.socket(family)
    c.connect((connect_to, port))
    a, peer = srv.accept()
    c.sendall(b"ping")
    own = host(srv.getsockname()) if bind_to not in ("0.0.0.0", "::") else "(wildcard)"
    return [a.recv(4).decode(), own, host(peer), host(c.getpeername()), host(a.getsockname()),
            host(c.getsockname())]


def udp(family, addr, with_recvmsg):
    srv = socket.socket(family, socket.SOCK_DGRAM)
    srv.bind((addr, 0))
    c = socket.socket(family, socket.SOCK_DGRAM)
    c.sendto(b"ping", srv.getsockname())
    if with_recvmsg:
        data, _, _, sender = srv.recvmsg(16)
    else:
        data, sender = srv.recvfrom(16)
    srv.sendto(b"pong", sender)  # the reply goes where the sender's name says
    reply, source = c.recvfrom(16)
    return [data.decode(), host(sender), reply.decode(), host(source)]


def unix_pair(name):
    srv = socket.socket(AU)
    srv.bind("\0" + name)
    srv.listen()
    c = socket.socket(AU)
    c.connect("\0" + name)
    a, _ = srv.accept()
    c.sendall(b"ping")
    d = socket.socket(AU, socket.SOCK_DGRAM)
    d.bind("\0" + name + ".d")
    e = socket.socket(AU, socket.SOCK_DGRAM)
    e.bind("")  # autobind: "\0" and five hex digits
    e.sendto(b"ping", "\0" + name + ".d")
    data, sender = d.recvfrom(16)
    d.sendto(b"pong", sender)
    return [a.recv(4).decode(), srv.getsockname(), c.getpeername(), data.decode(), len(sender),
            sender == e.getsockname(), e.recv(16).decode()]


def pair():
    print("tcp4", *tcp(A4, "127.0.0.1", "127.0.0.1"))
    print("tcp4 wildcard", *tcp(A4, "0.0.0.0", "127.0.0.1"))
    print("tcp6", *tcp(A6, "::1", "::1"))
    print("udp4", *udp(A4, "127.0.0.1", False))
    print("udp4 recvmsg", *udp(A4, "127.0.0.1", True))
    print("udp6", *udp(A6, "::1", False))
    print("unix", *unix_pair("netpair-" + sys.argv[2]))


def serve(d, name):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    un = socket.socket(AU)
    un.bind("\0" + name)
    un.listen()
    with open(d + "/port.tmp", "w") as f:
        f.write(str(srv.getsockname()[1]))
    os.rename(d + "/port.tmp", d + "/port")
    for s in (srv, un):
        s.settimeout(0.1)
    deadline = time.time() + 30
    while time.time() < deadline and not all(os.path.exists(d + "/done." + w) for w in ("same", "other")):
        for s in (srv, un):
            try:
                s.accept()[0].sendall(b"hello")
            except OSError:
                pass


def reach(d, name, who):
    deadline = time.time() + 30
    while not os.path.exists(d + "/port") and time.time() < deadline:
        time.sleep(0.05)
    port = int(open(d + "/port").read())
    out = [who]
    for family, addr in ((A4, ("127.0.0.1", port)), (AU, "\0" + name)):
        s = socket.socket(family)
        s.settimeout(5)
        try:
            s.connect(addr)
            out.append(s.recv(5).decode())
        except OSError as e:
            out.append(str(e.errno))
    # One write(2) for the whole line: the two reachers share stdout, and
    # print() makes a write per item when PYTHONUNBUFFERED is set (as on the
    # CI machine), which interleaved their words once.
    os.write(1, (" ".join(out) + "\n").encode())
    open(d + "/done." + who, "w").close()


if sys.argv[1] == "pair":
    pair()
elif sys.argv[1] == "serve":
    serve(sys.argv[2], sys.argv[3])
else:
    reach(sys.argv[2], sys.argv[3], sys.argv[4])
