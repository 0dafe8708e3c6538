package imapclient

import "testing"

func TestParseRawQuota(t *testing.T) {
	for _, c := range []struct {
		in   string
		root string
		res  map[string][2]int64
	}{
		{`QUOTA "ROOT"`, "ROOT", nil},
		{`QUOTA "ROOT" (STORAGE 0 2048)`, "ROOT", map[string][2]int64{"STORAGE": {0, 2048}}},
		{`QUOTA INBOX ()`, "INBOX", nil},
		{`QUOTA INBOX (STORAGE 3 1024 MESSAGE 2 10)`, "INBOX", map[string][2]int64{"STORAGE": {3, 1024}, "MESSAGE": {2, 10}}},
		{`quota "a \"b\"" (storage 1 2)`, `a "b"`, map[string][2]int64{"STORAGE": {1, 2}}},
	} {
		q, ok := parseRawQuota(c.in)
		if !ok || q.Root != c.root || len(q.Resources) != len(c.res) {
			t.Errorf("%s: got %+v %v", c.in, q, ok)
			continue
		}
		for k, v := range c.res {
			if q.Resources[k] != v {
				t.Errorf("%s: %s = %v, want %v", c.in, k, q.Resources[k], v)
			}
		}
	}
	if _, ok := parseRawQuota(`QUOTAROOT INBOX ROOT`); ok {
		t.Error("QUOTAROOT parsed as QUOTA")
	}
}
