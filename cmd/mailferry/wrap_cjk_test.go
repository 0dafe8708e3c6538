package main

import (
	"strings"
	"testing"

	"github.com/mailferry/mailferry/internal/i18n"
)

// Japanese prose has no spaces between words: wrapText breaks it between
// characters (punctuation stays with the character before it), so no line
// exceeds the terminal, and no character is lost or added.
func TestWrapTextJapanese(t *testing.T) {
	ja := i18n.New(i18n.Japanese)
	for _, s := range []string{
		ja.Sprintf("mailferry: interrupted. The summary above says what was done; run the same command again to finish the job (what is already in the target is not copied again).\n"),
		ja.Sprintf("  short by %s: free space on the server, raise the quota, copy fewer folders (--include/--exclude, --since), or --quota-headroom\n", "1.2 GiB"),
		"mailferry: /very/long/path/without/any/space/that/is/wider/than/the/terminal/itself/Inbox.mbox",
	} {
		for _, width := range []int{40, 80, 120} {
			got := wrapText(s, width)
			for _, l := range strings.Split(got, "\n") {
				if w := displayWidth(l); w > width-1 {
					t.Errorf("width %d: line %q is %d columns", width, l, w)
				}
			}
			strip := func(x string) string { return strings.Join(strings.Fields(x), "") }
			if strip(got) != strip(s) {
				t.Errorf("width %d: text changed:\n%s\n%s", width, got, s)
			}
			for _, l := range strings.Split(got, "\n") {
				if tl := strings.TrimSpace(l); tl != "" && strings.ContainsAny(tl[:len(string([]rune(tl)[0]))], "、。)") {
					t.Errorf("width %d: line starts with closing punctuation: %q", width, l)
				}
			}
		}
	}
}
