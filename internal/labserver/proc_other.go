//go:build !linux

package labserver

import (
	"syscall"
)

const supported = false

func isRoot() bool                             { return false }
func procAttr() *syscall.SysProcAttr           { return nil }
func signalGroup(pgid int, sig syscall.Signal) {}
func groupAlive(pgid int) bool                 { return false }
func mountNS(pid int) string                   { return "" }
func killNamespace(ns string) bool             { return false }
func listenerPID(addr string) int              { return 0 }
func processGroup(pid int) int                 { return 0 }
