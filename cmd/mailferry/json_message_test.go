package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestJSONExitMessageInUserLanguage: the exit event of --json keeps the
// English error and adds the message in the user's language, which is
// what mailferry ui shows on a Japanese page.
func TestJSONExitMessageInUserLanguage(t *testing.T) {
	_, stdout, _ := runCLI(t, "--json", "--lang", "ja", "copy", "maildir:/nonexistent-mailferry-src", "maildir:"+t.TempDir())
	var exit map[string]any
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var ev map[string]any
		if json.Unmarshal([]byte(line), &ev) == nil && ev["type"] == "exit" {
			exit = ev
		}
	}
	if exit == nil {
		t.Fatalf("no exit event in %q", stdout)
	}
	if e, _ := exit["error"].(string); !strings.Contains(e, "no such directory") {
		t.Errorf("error %q is not the English text", e)
	}
	if m, _ := exit["message"].(string); !strings.Contains(m, "nonexistent-mailferry-src") || !strings.ContainsAny(m, "指定実行") {
		t.Errorf("message %q is not the Japanese text naming the source", m)
	}
}
