package labserver

import (
	"strconv"
	"strings"
	"testing"
)

// TestPortTakenByAnotherServer: issue 22's Cyrus flakes. Cyrus' master and
// Courier's couriertcpd keep running when their port is taken, and the
// other server greets in their stead; with the same users and password the
// new "server" was silently another test's (quota roots of the other
// instance, messages appended by the other test). A launcher must notice
// and take another port.
func TestPortTakenByAnotherServer(t *testing.T) {
	other := Start(t, Cyrus, nil)
	busy, _ := strconv.Atoi(other.Addr[strings.LastIndex(other.Addr, ":")+1:])
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			calls := 0
			pickPorts = func(n int) ([]int, error) {
				calls++
				if calls == 1 {
					return []int{busy}, nil
				}
				return freePorts(n)
			}
			defer func() { pickPorts = freePorts }()
			s := Start(t, k, nil)
			if calls != 2 {
				t.Errorf("ports picked %d times, want 2", calls)
			}
			if s.Addr == other.Addr {
				t.Fatalf("%s runs on the other server's %s", k, s.Addr)
			}
			if err := s.listensOn(s.Addr); err != nil {
				t.Error(err)
			}
			// What one server holds, the other does not.
			c := s.Dial(t, "alice")
			if err := c.Create(s.Folder("OnlyHere"), nil).Wait(); err != nil {
				t.Fatal(err)
			}
			boxes, err := other.Dial(t, "alice").List("", "*", nil).Collect()
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range boxes {
				if strings.HasSuffix(b.Mailbox, "OnlyHere") {
					t.Errorf("the other server has %s", b.Mailbox)
				}
			}
		})
	}
}
