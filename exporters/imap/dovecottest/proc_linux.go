package dovecottest

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// procAttr puts the Dovecot master in a process group of its own, so that
// Stop can kill the whole tree, and has the kernel send it SIGTERM if the test
// binary dies without running its cleanups (a panic, a -timeout); the master
// then stops its children and exits within about 2 s. (Strictly, the signal
// follows the death of the OS thread that started the master; Go only ends
// threads of goroutines that exit while locked with runtime.LockOSThread.)
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// groupAlive reports whether a process of group pgid is still running.
// Zombies do not count: orphans are reaped by init, sometimes only after
// seconds.
func groupAlive(pgid int) bool {
	if pgid <= 0 {
		return false
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return syscall.Kill(-pgid, 0) == nil
	}
	want := strconv.Itoa(pgid)
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may contain spaces and ')'.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) >= 3 && f[2] == want && f[0] != "Z" && f[0] != "X" {
			return true
		}
	}
	return false
}
