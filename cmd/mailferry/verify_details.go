package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"mime"
	"net/textproto"
	"strings"

	"github.com/mailferry/mailferry/internal/i18n"

	"github.com/emersion/go-message/charset"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/engine"
)

// maxVerifyDetails bounds how many problem messages verify describes by
// date, sender and subject (the rest are named by reference and key; all
// are in --json).
const maxVerifyDetails = 200

// msgDetail is what a user recognises a message by.
type msgDetail struct{ date, from, subject string }

func (d msgDetail) String() string {
	var parts []string
	for _, s := range []string{d.date, d.from, d.subject} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " | ")
}

var verifyWordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// verifyDetails reads Date, From and Subject of the messages verify
// reported (missing, differing, unreadable) from the source: a second
// walk, headers only, of just the folders that have such a message, and
// only the first maxVerifyDetails of them. A failure leaves a message
// without details; it never changes the verdict.
func verifyDetails(ctx context.Context, src importers.Source, probs []engine.VerifyProblem) map[string]msgDetail {
	want := map[string]map[string]bool{} // folder → refs
	n := 0
	for _, p := range probs {
		if p.Ref == "" || p.Kind == "unaccounted" || n >= maxVerifyDetails {
			continue
		}
		if want[p.Folder] == nil {
			want[p.Folder] = map[string]bool{}
		}
		want[p.Folder][p.Ref] = true
		n++
	}
	out := map[string]msgDetail{}
	if len(want) == 0 || src == nil {
		return out
	}
	fis, err := src.Folders(ctx)
	if err != nil {
		return out
	}
	for _, fi := range fis {
		refs := want[fi.Folder.String()]
		if refs == nil {
			continue
		}
		left := len(refs)
		stop := io.EOF // a private sentinel: stop the walk once all are found
		_ = src.Walk(ctx, fi.Folder, &importers.WalkOptions{HeadersOnly: true}, func(m *importers.Message, err error) error {
			if m == nil || !refs[m.Ref] {
				return nil
			}
			h := m.Header
			if h == nil && m.Body != nil {
				h = readHeader(m.Body)
			}
			out[m.Ref] = detailOf(h)
			if left--; left == 0 {
				return stop
			}
			return nil
		})
	}
	return out
}

// readHeader parses the header of body (nil when it cannot).
func readHeader(b importers.Body) map[string][]string {
	rc, err := b.Open()
	if err != nil {
		return nil
	}
	defer rc.Close()
	h, err := textproto.NewReader(bufio.NewReader(io.LimitReader(rc, 256<<10))).ReadMIMEHeader()
	if err != nil && len(h) == 0 {
		return nil
	}
	return h
}

func detailOf(h map[string][]string) msgDetail {
	get := func(k string) string {
		v := h[k]
		if len(v) == 0 {
			v = h[textproto.CanonicalMIMEHeaderKey(k)]
		}
		if len(v) == 0 {
			return ""
		}
		s := strings.Join(strings.Fields(v[0]), " ")
		if d, err := verifyWordDecoder.DecodeHeader(s); err == nil {
			s = d
		}
		return s
	}
	return msgDetail{date: get("Date"), from: get("From"), subject: get("Subject")}
}

// verifyProblemLine prints one problem of verify: what happened in plain
// words (missing in the target, differs, unreadable), the source folder
// and the target folder, the message as the user knows it (date, sender,
// subject, when they could be read) and its source reference and key.
func verifyProblemLine(w io.Writer, t *i18n.Printer, p engine.VerifyProblem, details map[string]msgDetail) {
	what := p.Kind
	switch p.Kind {
	case "missing":
		what = t.Text("missing in the target")
	case "differs":
		what = t.Text("differs from the source")
	case "error":
		what = t.Text("could not be read")
	case "unaccounted":
		what = t.Text("not accounted for")
	}
	t.Fprintf(w, "  %s: %s → %s\n", what, p.Folder, p.Target)
	if d, ok := details[p.Ref]; ok && d.String() != "" {
		fmt.Fprintf(w, "    %s\n", d)
	}
	ref := p.Ref
	if p.Key != "" {
		ref += " (" + t.Sprintf("key %s", p.Key) + ")"
	}
	if p.Reason != "" {
		ref += ": " + reasonIn(t, p.Code, p.Args, p.Detail, p.Reason) // reasons_i18n.go
	}
	fmt.Fprintf(w, "    %s\n", ref)
}
