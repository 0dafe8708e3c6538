package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/maildir"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/engine"
	"github.com/mailferry/mailferry/internal/failure"
	"github.com/mailferry/mailferry/internal/i18n"
	"github.com/mailferry/mailferry/internal/imapclient"
)

// reasonsSource is a source whose first folder has a message that is too
// big, a contact (not mail), a message that cannot be read and one good
// message, and whose second folder's independent count finds one item
// more than its walk delivers (a reader that passed over one).
type reasonsSource struct{}

var (
	reasonsInbox   = importers.Folder{"受信トレイ"}
	reasonsArchive = importers.Folder{"アーカイブ"}
)

func reasonsMsg(n int, size int) importers.BytesBody {
	b := fmt.Sprintf("Message-ID: <r%d@example.jp>\r\nFrom: a@example.jp\r\nSubject: %d\r\n\r\n", n, n)
	return importers.BytesBody(b + strings.Repeat("x", size) + "\r\n")
}

// unreadable is a body whose file cannot be opened: the OS error is a
// detail from outside, quoted as given.
type unreadable struct{}

func (unreadable) Open() (io.ReadCloser, error) {
	return nil, &fs.PathError{Op: "open", Path: "/mail/受信トレイ/3.eml", Err: syscall.EACCES}
}
func (unreadable) Len() int64     { return 400 }
func (unreadable) Release() error { return nil }

func (reasonsSource) Folders(context.Context) ([]importers.FolderInfo, error) {
	return []importers.FolderInfo{{Folder: reasonsInbox, Messages: 4}, {Folder: reasonsArchive, Messages: 2}}, nil
}

func (reasonsSource) Walk(_ context.Context, f importers.Folder, _ *importers.WalkOptions, fn importers.WalkFunc) error {
	ref := func(i int) string { return fmt.Sprintf("mem:%s@%d", f.String(), i) }
	date := time.Date(2024, 4, 1, 9, 0, 0, 0, time.UTC)
	var items []func() error
	if f.String() == reasonsInbox.String() {
		items = []func() error{
			func() error {
				return fn(&importers.Message{Ref: ref(1), Folder: f, InternalDate: date, Body: reasonsMsg(1, 100)}, nil)
			},
			func() error {
				return fn(&importers.Message{Ref: ref(2), Folder: f, InternalDate: date, Body: reasonsMsg(2, 5000)}, nil)
			},
			func() error {
				return fn(&importers.Message{Ref: ref(3), Folder: f, InternalDate: date, Body: unreadable{}}, nil)
			},
			func() error {
				m := &importers.Message{Ref: ref(4), Folder: f}
				return fn(m, importers.NewSkipError(m.Ref, f, "contact", importers.SkipNotMailTitledSavable, "山田 太郎", ".vcf"))
			},
		}
	} else {
		items = []func() error{
			func() error {
				return fn(&importers.Message{Ref: ref(1), Folder: f, InternalDate: date, Body: reasonsMsg(11, 100)}, nil)
			},
			func() error {
				return fn(&importers.Message{Ref: ref(2), Folder: f, InternalDate: date, Body: reasonsMsg(12, 100)}, nil)
			},
		}
	}
	for _, it := range items {
		if err := it(); err != nil {
			return err
		}
	}
	return nil
}

func (reasonsSource) CountItems(_ context.Context, f importers.Folder) (int64, error) {
	if f.String() == reasonsInbox.String() {
		return 4, nil
	}
	return 3, nil
}

func (reasonsSource) Caps() importers.Caps { return importers.Caps{} }
func (reasonsSource) Close() error         { return nil }

// noQuotaSink is a Sink that reports no quota (a Maildir reports its
// disk's free space, which would change the golden files).
type noQuotaSink struct{ exporters.Sink }

func (noQuotaSink) Quota(context.Context, []exporters.Target) ([]exporters.QuotaRoot, error) {
	return nil, exporters.ErrQuotaUnknown
}

// reasonsRun copies reasonsSource into a Maildir with a 2000-byte size
// limit, the reporter in lang as the observer, and returns what it printed
// (the copy's error and warning lines, then the summary).
func reasonsRun(t *testing.T, lang string) string {
	t.Helper()
	md, err := maildir.New(filepath.Join(t.TempDir(), "md"), &importers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sink := noQuotaSink{md}
	var out, errb bytes.Buffer
	g := &globalOptions{stdout: &out, stderr: &errb, lang: lang}
	r := g.newReporter(true)
	eng := &engine.Engine{Src: reasonsSource{}, Sink: sink, Opts: engine.Options{MaxSize: 2000, Observer: r}}
	plan, err := eng.Copy(context.Background())
	r.finish()
	if err != nil {
		t.Fatal(err)
	}
	plan.Elapsed = 3 * time.Second
	r.summary(plan, true)
	var got strings.Builder
	got.WriteString("== during the copy\n")
	got.Write(errb.Bytes())
	got.WriteString("== summary\n")
	got.Write(out.Bytes())
	return got.String()
}

// The summary of a copy with a message too big, a contact skipped, a
// message that cannot be read and a folder with an item unaccounted for:
// in English as the engine words it, in Japanese from the catalogue with
// only the OS's error quoted as given.
func TestSummaryReasonsGolden(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		got := reasonsRun(t, lang)
		checkGolden(t, filepath.Join("testdata", "summary_reasons_"+lang+".golden"), got)
		for _, want := range []string{"mem:受信トレイ@2", "mem:受信トレイ@3", "mem:受信トレイ@4", "アーカイブ", "permission denied"} {
			if !strings.Contains(got, want) {
				t.Errorf("%s: %q missing:\n%s", lang, want, got)
			}
		}
		if lang == "ja" {
			assertNoEnglishReasons(t, got)
		}
	}
}

// quoted is a detail from outside, quoted as given after a sentence.
var quoted = regexp.MustCompile(`「[^」]*」`)

// assertNoEnglishReasons fails when a line of a Japanese run still has an
// English sentence: after the references, the quoted details and the
// names of options, no word of four Latin letters or more may remain.
func assertNoEnglishReasons(t *testing.T, got string) {
	t.Helper()
	for _, en := range []string{"bytes is over", "not mail", "could not", "accounted", "independent", "skipped", "error:", "warning:", "refused"} {
		if strings.Contains(quoted.ReplaceAllString(got, ""), en) {
			t.Errorf("Japanese output still has English %q:\n%s", en, got)
		}
	}
	word := regexp.MustCompile(`[A-Za-z]{4,}`)
	allowed := map[string]bool{"nonmail": true, "INBOX": true, "QUOTA": true}
	for _, l := range strings.Split(got, "\n") {
		if strings.HasPrefix(l, "== ") {
			continue // the test's own headings
		}
		l = quoted.ReplaceAllString(l, "")
		l = regexp.MustCompile(`mem:\S+`).ReplaceAllString(l, "")
		for _, w := range word.FindAllString(l, -1) {
			if !allowed[w] {
				t.Errorf("Japanese line has the English word %q: %q", w, l)
			}
		}
	}
}

// Every code of the engine and of SkipError has a Japanese sentence.
func TestReasonCodesTranslated(t *testing.T) {
	ja := i18n.New(i18n.Japanese)
	codes := append(engine.Codes(), importers.SkipCodes()...)
	for _, c := range codes {
		f := engine.ReasonFormat(c)
		if f == "" {
			t.Errorf("code %q has no format", c)
			continue
		}
		if ja.Text(f) == f {
			t.Errorf("code %q: %q has no Japanese translation", c, f)
		}
	}
}

// The end-of-run errors without a message of their own say their failure
// kind in Japanese and quote the error as given; English is unchanged.
func TestFailureInJapanese(t *testing.T) {
	ja, en := i18n.New(i18n.Japanese), i18n.New(i18n.English)
	store := failure.Permanent(failure.Store, errors.New("imap: connection reset by peer"))
	if _, ok := localizedError(store, en); ok {
		t.Errorf("English: a store failure is localized")
	}
	got, ok := localizedError(store, ja)
	if !ok || !strings.Contains(got, "中止しました") || !strings.Contains(got, "「imap: connection reset by peer」") {
		t.Errorf("Japanese store failure: %q", got)
	}
	qe := &engine.QuotaError{Checks: []engine.QuotaCheck{{Root: "User quota", Known: true, Used: 900 << 20, Limit: 1 << 30,
		Need: 300 << 20, Available: 21 << 20, Headroom: 0.9, LimitMsgs: -1}}}
	got, _ = localizedError(qe, ja)
	if !strings.Contains(got, "容量制限のため中止しました: User quota には 300.0 MiB 必要ですが") {
		t.Errorf("Japanese quota refusal: %q", got)
	}
	login := fmt.Errorf("imaps://info@mail.example.jp: %w: [AUTHENTICATIONFAILED] Authentication failed.", imapclient.ErrLogin)
	if got, _ = localizedError(login, ja); !strings.HasPrefix(got, "サーバーがログインを拒否しました") || !strings.Contains(got, "「imaps://info@mail.example.jp: login refused: [AUTHENTICATIONFAILED] Authentication failed.」") {
		t.Errorf("Japanese refused login: %q", got)
	}
	locked := &exporters.LockedError{Target: "/srv/mail", Lock: "/srv/mail/.mailferry.lock"}
	if got, _ = localizedError(locked, ja); !strings.HasPrefix(got, "/srv/mail には別の実行が書き込み中です") {
		t.Errorf("Japanese lock: %q", got)
	}
	mid := &engine.QuotaError{MidRun: true, Err: errors.New("no space left on device")}
	if got, _ = localizedError(mid, ja); got != "コピーの途中で移行先がいっぱいになりました:「no space left on device」" {
		t.Errorf("Japanese mid-run quota: %q", got)
	}
}
