// Package i18n is mailferry's message catalogue: English, the language
// the code is written in, and Japanese, the language of most of the people
// it is for. A message's key is its English format string; English output
// is that string formatted by fmt (numbers as they are), Japanese output
// is the catalogue's translation formatted by golang.org/x/text/message.
// A key without a translation prints in English.
package i18n

import (
	"fmt"
	"io"
	"maps"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Lang is an output language.
type Lang string

const (
	English  Lang = "en"
	Japanese Lang = "ja"
)

// Detect picks the output language: the flag ("en", "ja"; "" or "auto"
// for the environment), else the first of LC_ALL, LC_MESSAGES and LANG
// that is set (POSIX order): Japanese when it starts with "ja", English
// otherwise.
func Detect(flag string, getenv func(string) string) (Lang, error) {
	switch strings.ToLower(flag) {
	case "en", "english":
		return English, nil
	case "ja", "japanese", "日本語":
		return Japanese, nil
	case "", "auto":
	default:
		return English, fmt.Errorf("--lang %q: want en, ja or auto", flag)
	}
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := getenv(v); s != "" {
			if strings.HasPrefix(strings.ToLower(s), "ja") {
				return Japanese, nil
			}
			return English, nil
		}
	}
	return English, nil
}

var cat = func() catalog.Catalog {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	maps.Copy(ja, jaReasons) // ja_reasons.go
	for k, v := range ja {
		if err := b.SetString(language.Japanese, k, v); err != nil {
			panic(fmt.Sprintf("i18n: %q: %v", k, err))
		}
	}
	return b
}()

// Printer formats messages in one language. The zero value prints English.
type Printer struct {
	lang Lang
	p    *message.Printer
}

// New returns a Printer for l.
func New(l Lang) *Printer {
	if l == Japanese {
		return &Printer{lang: l, p: message.NewPrinter(language.Japanese, message.Catalog(cat))}
	}
	return &Printer{lang: English}
}

// Lang is the Printer's language.
func (p *Printer) Lang() Lang {
	if p == nil || p.lang == "" {
		return English
	}
	return p.lang
}

// Sprintf formats the catalogue message whose English text is format.
func (p *Printer) Sprintf(format string, a ...any) string {
	if p == nil || p.p == nil {
		return fmt.Sprintf(format, a...)
	}
	return p.p.Sprintf(format, a...)
}

// Text translates a message without verbs (a word, a label).
func (p *Printer) Text(msg string) string {
	if p == nil || p.p == nil {
		return msg
	}
	return p.p.Sprintf(msg)
}

// Fprintf writes the catalogue message whose English text is format.
func (p *Printer) Fprintf(w io.Writer, format string, a ...any) (int, error) {
	return io.WriteString(w, p.Sprintf(format, a...))
}

// Keys lists the catalogue's keys (for tests).
func Keys() []string {
	out := make([]string, 0, len(ja))
	for k := range ja {
		out = append(out, k)
	}
	return out
}
