package ui

// mailferry ui end to end in a real browser: headless Chromium (driven
// over the DevTools pipe, cdp_test.go) walks the wizard from a Thunderbird
// profile into a private Dovecot, in English and in Japanese, and is
// refused by a small quota. Screenshots go to $MAILFERRY_ARTIFACTS (else a
// temporary directory); MAILFERRY_UPDATE_SCREENSHOTS=1 also rewrites the
// README's testdata/ui/ui-en.png and ui-ja.png.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	buildDir  string
)

// mailferryBinary builds cmd/mailferry once per test run.
func mailferryBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "mailferry-ui-test")
		if buildErr != nil {
			return
		}
		builtBin = filepath.Join(buildDir, "mailferry")
		out, err := exec.Command("go", "build", "-o", builtBin, "github.com/mailferry/mailferry/cmd/mailferry").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// artifacts is where screenshots go.
func artifacts(t *testing.T) string {
	if d := os.Getenv("MAILFERRY_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err == nil {
			return d
		}
	}
	return t.TempDir()
}

func saveShot(t *testing.T, b *browser, name, readme string) {
	t.Helper()
	png := b.screenshot()
	if len(png) < 1000 || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("screenshot %s: not a PNG (%d bytes)", name, len(png))
	}
	p := filepath.Join(artifacts(t), name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
	if readme != "" && os.Getenv("MAILFERRY_UPDATE_SCREENSHOTS") == "1" {
		dst := filepath.Join("..", "..", "testdata", "ui", readme)
		os.MkdirAll(filepath.Dir(dst), 0o755)
		if err := os.WriteFile(dst, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// tbMessage is one message of a Thunderbird mbox with a body of size
// bytes.
func tbMessage(id string, size int) string {
	body := strings.Repeat("This is line of a long message, kept for the test.\n", size/51+1)
	return "From - Mon Mar  4 14:06:07 2019\nX-Mozilla-Status: 0001\nX-Mozilla-Status2: 00000000\n" +
		"Message-ID: <" + id + "@example.com>\nFrom: a@example.com\nTo: b@example.com\nSubject: " + id +
		"\nDate: Mon, 04 Mar 2019 14:06:07 +0900\n\n" + body + "\n"
}

// bigProfile writes a Thunderbird base directory with two profiles and
// returns it: "big" (its Local Folders hold about 1.5 MiB, more than the
// user "small" may fill) and "mid" (about 260 KiB).
func bigProfile(t *testing.T) string {
	base := filepath.Join(t.TempDir(), ".thunderbird")
	for _, p := range []struct {
		name string
		n    int
	}{{"big", 6}, {"mid", 1}, {"many", 0}} {
		lf := filepath.Join(base, p.name+".default", "Mail", "Local Folders")
		os.MkdirAll(lf, 0o700)
		var arch, inbox strings.Builder
		for i := 0; i < p.n; i++ {
			arch.WriteString(tbMessage(fmt.Sprintf("%s-archive-%d", p.name, i), 250<<10))
		}
		n := 3
		if p.name == "many" {
			n = 3000
		}
		for i := 0; i < n; i++ {
			inbox.WriteString(tbMessage(fmt.Sprintf("%s-inbox-%d", p.name, i), 2<<10))
		}
		os.WriteFile(filepath.Join(lf, "Archive"), []byte(arch.String()), 0o600)
		os.WriteFile(filepath.Join(lf, "Inbox"), []byte(inbox.String()), 0o600)
	}
	os.WriteFile(filepath.Join(base, "profiles.ini"), []byte("[Profile0]\nName=big\nIsRelative=1\nPath=big.default\nDefault=1\n\n[Profile1]\nName=mid\nIsRelative=1\nPath=mid.default\n\n[Profile2]\nName=many\nIsRelative=1\nPath=many.default\n"), 0o600)
	return base
}

// fillBox copies n old messages (2019) of 270 KiB into user's box.
func fillBox(t *testing.T, bin string, srv *dovecottest.Server, user string, n int) {
	old := filepath.Join(t.TempDir(), "Old")
	var mb strings.Builder
	for i := 0; i < n; i++ {
		mb.WriteString(tbMessage(fmt.Sprintf("old-%s-%d", user, i), 270<<10))
	}
	os.WriteFile(old, []byte(mb.String()), 0o600)
	fill := exec.Command(bin, "copy", "-q", "mbox:"+old, "imap://"+user+"@"+srv.Addr)
	fill.Env = append(os.Environ(), "MAILFERRY_PASSWORD="+dovecottest.Password)
	if out, err := fill.CombinedOutput(); err != nil {
		t.Fatalf("filling %s's box: %v\n%s", user, err, out)
	}
}

type wizardEnv struct {
	srv     *dovecottest.Server
	bin     string
	tbBase  string // the repository's Thunderbird fixture
	bigBase string
}

func (e *wizardEnv) start(t *testing.T) *Server {
	abs, _ := filepath.Abs(e.tbBase)
	return startTest(t, Config{Exe: e.bin, Roots: []string{abs, filepath.Dir(e.bigBase)}, ThunderbirdDirs: []string{abs, e.bigBase}})
}

// toTarget fills the target page for user on the private Dovecot
// (STARTTLS on its plain port; loopback) and tests the login.
func (e *wizardEnv) toTarget(t *testing.T, b *browser, user string) {
	b.click("#next-source")
	b.waitFor("#page-target", 10*time.Second)
	b.click(`input[name="target-security"][value="starttls"]`)
	host, port, _ := strings.Cut(e.srv.Addr, ":")
	b.fill("#target-host", host)
	b.fill("#target-port", port)
	b.fill("#target-user", user)
	b.fill("#target-password", dovecottest.Password)
	b.click("#test-target")
	b.waitFor("#test-result:not(.wait)", 60*time.Second)
}

func TestUIWizardInChromium(t *testing.T) {
	findChromium(t)
	// alice's box is small and partly used (the gauge of the README's
	// screenshot): 3 MiB, 0.8 MiB in it; the big profile's 1.5 MiB fit
	// below the 90 % line.
	srv := dovecottest.Start(t, &dovecottest.Config{QuotaBytes: 3 << 20})
	env := &wizardEnv{srv: srv, bin: mailferryBinary(t), tbBase: filepath.Join("..", "..", "testdata", "thunderbird", "home", ".thunderbird"), bigBase: bigProfile(t)}
	fillBox(t, env.bin, srv, "alice", 3)

	for _, c := range []struct {
		lang, user string
		profile    string              // the profile to pick ("": the default)
		want       map[string][]string // element → texts
	}{
		{"en", "alice", "big.default", map[string][]string{
			"#page-source":   {"Where is your mail now?", "Profile default-release", "POP account", "Local Folders", "13 messages · 9 folders"},
			"#test-result":   {"Login works. The box uses"},
			"#plan-lead":     {"messages in the source", "to copy"},
			"#gauge":         {"How full the box is", "Used now", "After the copy", "Limit", "Headroom line"},
			"#folders":       {"Source folder", "INBOX"},
			"#result-lead":   {"All messages are in the target."},
			"#verify-result": {"Verified: all", "messages are in the target."},
		}},
		{"ja", "bob", "", map[string][]string{
			"#page-source":   {"今、メールはどこにありますか?", "プロファイル default-release", "POP アカウント", "ローカルフォルダ", "13 通 · 9 フォルダ"},
			"#test-result":   {"ログインできました", "を使っています"},
			"#plan-lead":     {"移行元に", "コピーするのは"},
			"#gauge":         {"メールボックスの使用量", "現在の使用量", "コピーの後", "上限", "余裕を残す線"},
			"#folders":       {"移行元フォルダ", "INBOX"},
			"#result-lead":   {"すべてのメッセージが移行先にあります。"},
			"#verify-result": {"確認しました", "通すべてが移行先にあります。"},
		}},
	} {
		t.Run(c.lang, func(t *testing.T) {
			s := env.start(t)
			b := startBrowser(t, 1280, 800, c.lang)
			check := func(sel string) {
				t.Helper()
				got := b.text(sel)
				for _, w := range c.want[sel] {
					if !strings.Contains(got, w) {
						t.Errorf("%s lacks %q; it says:\n%s", sel, w, got)
					}
				}
			}
			b.navigate(s.URL())
			b.waitFor(".profile", 30*time.Second)
			if u := string(b.js(`location.href`)); strings.Contains(u, "token") {
				t.Errorf("the address still carries the token: %s", u)
			}
			check("#page-source")
			if notes := b.text(".profile .note"); !strings.Contains(notes, "IMAP") {
				t.Errorf("the skipped IMAP account is not named: %q", notes)
			}
			saveShot(t, b, "ui-"+c.lang+"-source.png", "")
			if c.profile != "" {
				b.click(`input[name="tb-account"][data-profile$="` + c.profile + `"][value=""]`)
			}

			env.toTarget(t, b, c.user)
			check("#test-result")
			b.click("#next-target")
			b.waitFor("#plan-lead", 60*time.Second)
			check("#plan-lead")
			check("#gauge")
			check("#folders")
			if b.text("#refused") != "" {
				t.Fatalf("the plan was refused: %s", b.text("#refused"))
			}
			saveShot(t, b, "ui-"+c.lang+"-plan.png", map[string]string{"en": "ui-en.png"}[c.lang])

			b.click("#start-copy")
			b.waitFor("#page-result", 120*time.Second)
			b.waitFor("#verify-result", 120*time.Second)
			check("#result-lead")
			check("#verify-result")
			saveShot(t, b, "ui-"+c.lang+"-result.png", map[string]string{"ja": "ui-ja.png"}[c.lang])

			// The report downloads, is self-contained and in the page's
			// language.
			var rep string
			if v, err := b.eval(`fetch(document.querySelector("#download-report").href).then(r=>r.text())`); err != nil {
				t.Fatal(err)
			} else if err := json.Unmarshal(v, &rep); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(artifacts(t), "report-"+c.lang+".html"), []byte(rep), 0o644)
			if !strings.Contains(rep, "<svg") || strings.Contains(rep, "src=") || strings.Contains(rep, "href=") || strings.Contains(rep, "@import") {
				t.Errorf("report: want an inline gauge and no external resource:\n%s", rep)
			}
			if c.lang == "ja" && !strings.Contains(rep, "mailferry 報告書") || c.lang == "en" && !strings.Contains(rep, "mailferry report") {
				t.Errorf("report not in %s", c.lang)
			}
			if strings.Contains(rep, dovecottest.Password) {
				t.Error("the report holds the password")
			}

			// A narrow window: the page still fits (no horizontal scroll
			// of the whole page).
			b.do("Emulation.setDeviceMetricsOverride", map[string]any{"width": 400, "height": 800, "deviceScaleFactor": 1, "mobile": false})
			if w := string(b.js(`document.documentElement.scrollWidth <= window.innerWidth + 1`)); w != "true" {
				t.Errorf("at 400 px the page scrolls sideways (scrollWidth %s)", b.js(`document.documentElement.scrollWidth`))
			}
			saveShot(t, b, "ui-"+c.lang+"-narrow.png", "")
		})
	}

	// Stop in the middle of a copy; copy again finishes it.
	t.Run("stop", func(t *testing.T) {
		s := env.start(t)
		b := startBrowser(t, 1280, 800, "en")
		b.navigate(s.URL())
		b.waitFor(".profile", 30*time.Second)
		b.click(`input[name="tb-account"][data-profile$="many.default"][value=""]`)
		env.toTarget(t, b, "bob")
		b.click("#next-target")
		b.waitFor("#start-copy", 60*time.Second)
		b.click("#start-copy")
		b.waitFor("#stop", 30*time.Second)
		deadline := time.Now().Add(time.Minute)
		for m := b.text("#p-msgs"); m == "" || strings.HasPrefix(m, "0 of"); m = b.text("#p-msgs") {
			if time.Now().After(deadline) {
				t.Fatalf("no progress: %s", b.text("body"))
			}
			time.Sleep(20 * time.Millisecond)
		}
		b.click("#stop")
		b.waitFor("#stopped", 60*time.Second)
		if got := b.text("#stopped"); !strings.Contains(got, "Stopped.") || !strings.Contains(got, "nothing is copied twice") {
			t.Errorf("after Stop: %s", got)
		}
		saveShot(t, b, "ui-en-stopped.png", "")
		var done int64
		fmt.Sscanf(b.text("#p-msgs"), "%d", &done)
		if done <= 0 || done >= 3000 {
			t.Errorf("stopped after %d of 3000 messages", done)
		}
		b.click("#copy-again")
		b.waitFor("#verify-result", 180*time.Second)
		if got := b.text("#verify-result"); !strings.Contains(got, "Verified: all 3000 messages") {
			t.Errorf("verify after copying again: %s", got)
		}
		if got := b.text("#totals"); !strings.Contains(got, "Already there") {
			t.Errorf("totals: %s", got)
		}
	})

	// The box of "small" (1 MiB) holds 0.8 MiB of mail from 2019: the mid
	// profile does not fit; the archive page moves the old mail into a
	// local folder, and then the plan fits and the copy goes through.
	t.Run("quota-refusal-archive", func(t *testing.T) {
		fillBox(t, env.bin, srv, "small", 3)
		s := env.start(t)
		b := startBrowser(t, 1280, 800, "en")
		b.navigate(s.URL())
		b.waitFor(".profile", 30*time.Second)
		b.click(`input[name="tb-account"][data-profile$="mid.default"][value=""]`)
		env.toTarget(t, b, "small")
		b.click("#next-target")
		b.waitFor("#refused", 60*time.Second)
		ref := b.text("#refused")
		for _, w := range []string{"This copy does not fit into the box.", "The largest folders to copy:", "Archive", "mailferry archive"} {
			if !strings.Contains(ref, w) {
				t.Errorf("the refusal lacks %q:\n%s", w, ref)
			}
		}
		if b.text("#largest") == "" {
			t.Error("no largest folders listed")
		}
		if string(b.js(`!!document.querySelector("#start-copy")`)) != "false" {
			t.Error("a plan that does not fit offers to start the copy")
		}
		if !strings.Contains(string(b.js(`document.querySelector("#gauge").className`)), "over") {
			t.Error("the gauge does not show the overflow")
		}
		saveShot(t, b, "ui-en-refused.png", "")

		// Make room: archive what is older than a year.
		b.click("#to-archive")
		b.waitFor("#page-archive", 10*time.Second)
		arch := filepath.Join(filepath.Dir(env.bigBase), "archive")
		b.fill("#archive-path", arch)
		b.click("#archive-show")
		b.waitFor("#archive-plan", 60*time.Second)
		if got := b.text("#archive-plan"); !strings.Contains(got, "0 B (0%)") || !strings.Contains(got, "3 messages") || !strings.Contains(got, "would move to the archive") || !strings.Contains(got, "After the archive") {
			t.Errorf("archive plan:\n%s", got)
		}
		saveShot(t, b, "ui-en-archive-plan.png", "")
		b.click("#archive-run")
		b.waitFor("#archive-result", 120*time.Second)
		if got := b.text("#archive-lead"); !strings.Contains(got, "3 messages moved to the archive") {
			t.Errorf("archive result:\n%s", b.text("#archive-result"))
		}
		saveShot(t, b, "ui-en-archive.png", "")
		if ents, err := os.ReadDir(arch); err != nil || len(ents) == 0 {
			t.Errorf("the archive folder %s is empty: %v", arch, err)
		}

		// Now the plan fits.
		b.click("#archive-back")
		b.waitFor("#plan-lead", 60*time.Second)
		if r := b.text("#refused"); r != "" {
			t.Fatalf("still refused after the archive: %s", r)
		}
		b.click("#start-copy")
		b.waitFor("#verify-result", 120*time.Second)
		if got := b.text("#verify-result"); !strings.Contains(got, "Verified: all") {
			t.Errorf("verify after the archive: %s", got)
		}
	})
}

// An mbox file picked with the file browser, copied into a Maildir backup
// folder (a local target: the gauge is the disk's free space), without a
// server.
func TestUIFileBrowserToLocalFolderInChromium(t *testing.T) {
	findChromium(t)
	bin := mailferryBinary(t)
	home := t.TempDir()
	mail := filepath.Join(home, "Mail")
	os.MkdirAll(mail, 0o700)
	var mb strings.Builder
	for i := 0; i < 5; i++ {
		mb.WriteString(tbMessage(fmt.Sprintf("local-%d", i), 1<<10))
	}
	os.WriteFile(filepath.Join(mail, "saved.mbox"), []byte(mb.String()), 0o600)
	s := startTest(t, Config{Exe: bin, Roots: []string{home}})
	b := startBrowser(t, 1280, 800, "en")
	b.navigate(s.URL())
	b.waitFor("#page-source", 30*time.Second)
	b.click(`input[name="source-kind"][value="mbox"]`)
	b.click("#source-path + button") // Browse…
	b.waitFor(".browser", 10*time.Second)
	// The roots, then home, then Mail, then the file.
	b.js(fmt.Sprintf(`[...document.querySelectorAll(".browser button.link")].find(e => e.textContent.includes(%q)).click()`, home))
	b.waitFor(`.browser .where`, 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	b.js(`[...document.querySelectorAll(".browser button.link")].find(e => e.textContent.includes("Mail")).click()`)
	time.Sleep(300 * time.Millisecond)
	b.js(`[...document.querySelectorAll(".browser button.link")].find(e => e.textContent.includes("saved.mbox")).click()`)
	time.Sleep(300 * time.Millisecond)
	if got := string(b.js(`document.querySelector("#source-path").value`)); !strings.Contains(got, filepath.Join(mail, "saved.mbox")) {
		t.Fatalf("the file browser chose %s", got)
	}
	// Outside the roots: refused.
	var code int
	json.Unmarshal(b.js(`fetch("/api/files?path=/etc").then(r=>r.status)`), &code)
	if code != 403 {
		t.Errorf("/api/files?path=/etc: %d, want 403", code)
	}
	b.click("#next-source")
	b.click(`input[name="target-kind"][value="local"]`)
	b.fill("#target-path", filepath.Join(home, "backup"))
	b.click("#next-target")
	b.waitFor("#plan-lead", 60*time.Second)
	if got := b.text("#plan-lead"); !strings.Contains(got, "5 to copy") {
		t.Errorf("plan: %s", got)
	}
	b.click("#start-copy")
	b.waitFor("#verify-result", 120*time.Second)
	if got := b.text("#verify-result"); !strings.Contains(got, "Verified: all 5 messages") {
		t.Errorf("verify: %s", got)
	}
	if ents, err := os.ReadDir(filepath.Join(home, "backup")); err != nil || len(ents) == 0 {
		t.Errorf("no Maildir written: %v", err)
	}
	saveShot(t, b, "ui-en-local.png", "")
}
