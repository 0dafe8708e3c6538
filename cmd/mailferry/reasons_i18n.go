package main

import (
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/engine"
	"github.com/mailferry/mailferry/internal/i18n"
)

// Reasons in the user's language. The engine types each reason of a
// Problem or an Event (engine.Problem.Code, Args, Detail; see
// internal/engine/reasons.go): English output prints its Reason exactly
// as before, other languages the catalogue's sentence for the code with
// its Args. The Detail is text that comes from outside mailferry (a
// server's NO text, an OS error, what a driver reports of a failure, a
// file's first line): it is shown as given, quoted after the translated
// sentence, never translated.

// reasonIn is the reason (code, args, detail; english as the engine
// wrote it) in the language of t.
func reasonIn(t *i18n.Printer, code string, args []any, detail, english string) string {
	if t.Lang() == i18n.English || code == "" {
		return english
	}
	f := engine.ReasonFormat(code)
	if f == "" {
		return english
	}
	if (code == engine.CodeSkipped || importers.SkipFormat(code) != "") && len(args) > 0 {
		// A skipped item's sentence starts with its kind ("contact").
		if kind, ok := args[0].(string); ok {
			args = append([]any{kindIn(t, kind)}, args[1:]...)
		}
	}
	s := t.Sprintf(f, args...)
	if detail != "" {
		s = t.Sprintf("%s: \"%s\"", s, detail)
	}
	return s
}

// problemReason is p's reason in the language of t.
func problemReason(t *i18n.Printer, p engine.Problem) string {
	return reasonIn(t, p.Code, p.Args, p.Detail, p.Reason)
}

// eventReason is ev's reason in the language of t.
func eventReason(t *i18n.Printer, ev engine.Event) string {
	return reasonIn(t, ev.Code, ev.Args, ev.Detail, ev.Reason)
}

// kindIn names a SkipError kind ("contact") in the language of t.
func kindIn(t *i18n.Printer, kind string) string {
	if t.Lang() == i18n.Japanese {
		if s, ok := jaKind[kind]; ok { // nonmail_i18n.go
			return s
		}
	}
	return kind
}
