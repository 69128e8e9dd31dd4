// A Go program (no libc: Go makes its syscalls itself) that chowns and
// mknods and prints what stat says, for the identity e2e test: cocoon must
// fake ownership for it as for a libc program, where LD_PRELOAD fakeroot
// cannot reach.
package main

import (
	"fmt"
	"os"
	"syscall"
)

func main() {
	path := os.Args[1]
	if err := os.WriteFile(path, nil, 0644); err != nil {
		fmt.Println("create:", err)
		os.Exit(1)
	}
	if err := os.Chown(path, 12, 34); err != nil {
		fmt.Println("chown:", err)
		os.Exit(1)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		fmt.Println("stat:", err)
		os.Exit(1)
	}
	fmt.Printf("uid=%d gid=%d\n", st.Uid, st.Gid)
	dev := path + ".dev"
	if err := syscall.Mknod(dev, syscall.S_IFCHR|0600, 1<<8|3); err != nil {
		fmt.Println("mknod:", err)
		os.Exit(1)
	}
	if err := syscall.Lstat(dev, &st); err != nil {
		fmt.Println("lstat:", err)
		os.Exit(1)
	}
	fmt.Printf("chr=%v rdev=%d:%d euid=%d\n", st.Mode&syscall.S_IFMT == syscall.S_IFCHR,
		st.Rdev>>8, st.Rdev&0xff, os.Geteuid())
}
