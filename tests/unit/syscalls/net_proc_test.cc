// /proc/net as an emulated network namespace shows it (net_proc.h): from
// the host's text of each file, only the namespace's own sockets, in the
// names the guest gave them. The lines are the kernel's formats
// (tcp4_seq_show, udp4_format_sock, tcp6's, unix_seq_show), on a
// little-endian host as the hex words read.
#include "namespaces/net_proc.h"

#include <gtest/gtest.h>

#include <endian.h>

#include <string>

namespace cocoon::syscalls {
namespace {

constexpr std::uint32_t kL = 127u << 24 | 5u << 16 | 6u << 8 | 7u;  // 127.5.6.7: 0706057F

const std::string kTcpHeader =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

TEST(NetProc, FilesByName) {
  EXPECT_EQ(net_proc_file_of("/net/tcp"), NetProcFile::kInet);
  EXPECT_EQ(net_proc_file_of("/net/udp"), NetProcFile::kInet);
  EXPECT_EQ(net_proc_file_of("/net/tcp6"), NetProcFile::kInet6);
  EXPECT_EQ(net_proc_file_of("/net/udp6"), NetProcFile::kInet6);
  EXPECT_EQ(net_proc_file_of("/net/unix"), NetProcFile::kUnix);
  EXPECT_EQ(net_proc_file_of("/net/dev"), NetProcFile::kDev);
  EXPECT_EQ(net_proc_file_of("/net/route"), NetProcFile::kFirstWord);
  EXPECT_EQ(net_proc_file_of("/net/igmp6"), NetProcFile::kSecondWord);
  EXPECT_EQ(net_proc_file_of("/net/arp"), NetProcFile::kLastWord);
  EXPECT_EQ(net_proc_file_of("/net/snmp"), std::nullopt);
  EXPECT_EQ(net_proc_file_of("/status"), std::nullopt);
}

TEST(NetProc, TcpKeepsTheNamespacesOwnAt127001) {
  if (BYTE_ORDER != LITTLE_ENDIAN) GTEST_SKIP() << "the lines are written as a little-endian host prints them";
  const std::string host = kTcpHeader +
      "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 11 1\n"
      "   1: 0706057F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000 65534        0 12 1\n"
      "   2: 0806057F:0051 00000000:0000 0A 00000000:00000000 00:00000000 00000000 65534        0 13 1\n"
      "   3: 0706057F:C000 0706057F:0050 01 00000000:00000000 00:00000000 00000000 65534        0 14 1\n";
  EXPECT_EQ(filter_net_proc(host, NetProcFile::kInet, kL),
            kTcpHeader +
                "   0: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000 65534        0 12 1\n"
                "   1: 0100007F:C000 0100007F:0050 01 00000000:00000000 00:00000000 00000000 65534        0 14 1\n");
}

TEST(NetProc, NoLoopbackYetMeansNoSocket) {
  const std::string host = kTcpHeader + "   0: 0100007F:1F90 00000000:0000 0A 0 0 0 0 1000 0 11 1\n";
  EXPECT_EQ(filter_net_proc(host, NetProcFile::kInet, 0), kTcpHeader);
  EXPECT_EQ(filter_net_proc("", NetProcFile::kInet, kL), "");
}

TEST(NetProc, UdpKeepsItsWiderNumbers) {
  if (BYTE_ORDER != LITTLE_ENDIAN) GTEST_SKIP() << "little-endian lines";
  const std::string header = "   sl  local_address rem_address   st\n";
  const std::string host = header + "  100: 0100007F:0035 00000000:0000 07\n  101: 0706057F:0035 00000000:0000 07\n";
  EXPECT_EQ(filter_net_proc(host, NetProcFile::kInet, kL), header + "    0: 0100007F:0035 00000000:0000 07\n");
}

TEST(NetProc, Tcp6ShowsMappedLoopbackAsOne) {
  if (BYTE_ORDER != LITTLE_ENDIAN) GTEST_SKIP() << "little-endian lines";
  const std::string header = "  sl  local_address                         remote_address                        st\n";
  const std::string host = header +
      "   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A\n"
      "   1: 0000000000000000FFFF00000706057F:0050 00000000000000000000000000000000:0000 0A\n";
  EXPECT_EQ(filter_net_proc(host, NetProcFile::kInet6, kL),
            header + "   0: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A\n");
}

TEST(NetProc, UnixKeepsTheNamespacesAbstractNamesWithoutThePrefix) {
  const std::string header = "Num       RefCount Protocol Flags    Type St Inode Path\n";
  const std::string host = header +
      "0000000000000001: 00000002 00000000 00010000 0001 01 100 @/tmp/.X11-unix/X0\n"
      "0000000000000002: 00000002 00000000 00010000 0001 01 101 @cc050607/app\n"
      "0000000000000003: 00000002 00000000 00010000 0001 01 102 /run/dbus/system_bus_socket\n"
      "0000000000000004: 00000003 00000000 00000000 0001 03 103\n"
      "0000000000000005: 00000002 00000000 00010000 0001 01 104 @cc050608/other\n";
  EXPECT_EQ(filter_net_proc(host, NetProcFile::kUnix, kL),
            header + "0000000000000002: 00000002 00000000 00010000 0001 01 101 @app\n");
}

// The files that list interfaces keep lo's lines (dev_seq_printf_stats()'s,
// rt_seq_show()'s, if6_seq_show()'s, arp_seq_show()'s formats).
TEST(NetProc, DevKeepsLoWithZeroCounters) {
  const std::string header =
      "Inter-|   Receive                                                |  Transmit\n"
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n";
  const std::string host = header +
      "  eth0: 123456789  98765    0    0    0     0          0         0  5555555   4444    0    0    0     0       0          0\n"
      "    lo:   12345     120    0    0    0     0          0         0    12345     120    0    0    0     0       0          0\n";
  EXPECT_EQ(filter_net_proc(host, NetProcFile::kDev, kL),
            header +
                "    lo:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0\n");
}

TEST(NetProc, DeviceColumns) {
  const std::string route = "Iface\tDestination\tGateway \tFlags\n";
  EXPECT_EQ(filter_net_proc(route + "eth0\t00000000\t010200C0\t0003\n", NetProcFile::kFirstWord, kL), route);
  const std::string arp = "IP address       HW type     Flags       HW address            Mask     Device\n";
  EXPECT_EQ(filter_net_proc(arp + "192.0.2.1        0x1         0x2         02:fc:00:00:00:02     *        eth0\n",
                            NetProcFile::kLastWord, kL),
            arp);
  const std::string lo6 = "00000000000000000000000000000001 01 80 10 80       lo\n";
  EXPECT_EQ(filter_net_proc("fd000000000000000000000000000002 04 40 00 80     eth0\n" + lo6, NetProcFile::kLastWord, kL), lo6);
  const std::string igmp6 = "1    lo              ff020000000000000000000000000001     1 0000000C 0\n";
  EXPECT_EQ(filter_net_proc(igmp6 + "4    eth0            ff020000000000000000000000000001     1 0000000C 0\n",
                            NetProcFile::kSecondWord, kL),
            igmp6);
}

}  // namespace
}  // namespace cocoon::syscalls
