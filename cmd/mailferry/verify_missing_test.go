package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
)

// verify names a message missing in the target the way the user knows it
// (folder, date, sender, subject) and says where it is missing, in English
// and in Japanese; the closing error says the same.
func TestVerifyNamesMissingMessages(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	mbox := "From a@b Thu Jan  1 00:00:00 2026\nMessage-ID: <1@x>\nFrom: Tanaka <tanaka@example.jp>\nDate: Thu, 1 Jan 2026 09:00:00 +0900\nSubject: =?UTF-8?B?6KaL56mN5pu4?=\n\nbody\n\n" +
		"From a@b Thu Jan  1 00:00:00 2026\nMessage-ID: <2@x>\nFrom: b@example.jp\nSubject: second\n\nbody2\n"
	if err := os.WriteFile(filepath.Join(src, "取引先"), []byte(mbox), 0o600); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "dst")
	var out, errb bytes.Buffer
	if code := runWith([]string{"copy", "-q", "mbox:" + src, "maildir:" + dst}, &out, &errb); code != 0 {
		t.Fatalf("copy: exit %d: %s%s", code, out.String(), errb.String())
	}
	// Lose the first message in the target.
	files, _ := filepath.Glob(filepath.Join(dst, "*", "cur", "*"))
	files2, _ := filepath.Glob(filepath.Join(dst, "cur", "*"))
	files = append(files, files2...)
	lost := false
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if bytes.Contains(b, []byte("<1@x>")) {
			if err := os.Remove(f); err != nil {
				t.Fatal(err)
			}
			lost = true
		}
	}
	if !lost {
		t.Fatalf("no target file holds <1@x> among %v", files)
	}
	for _, c := range []struct {
		lang string
		want []string
	}{
		{"en", []string{"missing in the target: 取引先 → ", "Thu, 1 Jan 2026 09:00:00 +0900 | Tanaka <tanaka@example.jp> | 見積書",
			"mailferry: verify: 1 messages missing in the target"}},
		{"ja", []string{"移行先にありません: 取引先 → ", "Tanaka <tanaka@example.jp> | 見積書", "確認できなかったメッセージ (1):",
			"キーで確認しました: あり 1 通、なし 1 通", "mailferry: verify: 移行先にないメッセージ 1 通"}},
	} {
		out.Reset()
		errb.Reset()
		code := runWith([]string{"--lang", c.lang, "verify", "mbox:" + src, "maildir:" + dst}, &out, &errb)
		if code != exitIncomplete {
			t.Errorf("%s: exit %d, want %d", c.lang, code, exitIncomplete)
		}
		all := out.String() + errb.String()
		for _, w := range c.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: output lacks %q:\n%s", c.lang, w, all)
			}
		}
		if strings.Contains(all, "in the source") {
			t.Errorf("%s: output says \"in the source\" about the target:\n%s", c.lang, all)
		}
		if c.lang == "ja" {
			for _, en := range []string{"SOURCE", "MISSING", "Verified", "Not verified", "messages missing"} {
				if strings.Contains(all, en) {
					t.Errorf("ja: English %q left:\n%s", en, all)
				}
			}
		}
	}
}

// ls and quota speak Japanese too.
func TestLsQuotaJapanese(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Inbox"), []byte("From a@b Thu Jan  1 00:00:00 2026\nSubject: x\n\nbody\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := runWith([]string{"--lang", "ja", "ls", "mbox:" + dir}, &out, &errb); code != 0 {
		t.Fatalf("ls: exit %d: %s", code, errb.String())
	}
	if s := out.String(); !strings.Contains(s, "フォルダ") || !strings.Contains(s, "合計 (1 フォルダ)") || strings.Contains(s, "TOTAL") {
		t.Errorf("ls in Japanese:\n%s", s)
	}
	out.Reset()
	if code := runWith([]string{"--lang", "ja", "quota", "maildir:" + filepath.Join(dir, "md")}, &out, &errb); code != 0 {
		t.Fatalf("quota: exit %d: %s", code, errb.String())
	}
	if s := out.String(); !strings.Contains(s, "使用") || strings.Contains(s, "used of") {
		t.Errorf("quota in Japanese:\n%s", s)
	}
}

// Japanese mail often carries ISO-2022-JP encoded words: verify decodes
// them for the line that names a missing message.
func TestVerifyDetailISO2022JP(t *testing.T) {
	enc, err := japanese.ISO2022JP.NewEncoder().String("見積書の件")
	if err != nil {
		t.Fatal(err)
	}
	subj := "=?ISO-2022-JP?B?" + base64.StdEncoding.EncodeToString([]byte(enc)) + "?="
	d := detailOf(map[string][]string{"Subject": {subj}, "From": {"a@b"}, "Date": {"Thu, 1 Jan 2026 09:00:00 +0900"}})
	if d.subject != "見積書の件" || d.String() != "Thu, 1 Jan 2026 09:00:00 +0900 | a@b | 見積書の件" {
		t.Errorf("detail %+v", d)
	}
}
