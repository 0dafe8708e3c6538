package ui

// A minimal Chrome DevTools Protocol client over a pipe, for the browser
// tests: Chromium is started with --remote-debugging-pipe, reads commands
// from its fd 3 and writes answers and events to its fd 4, each message a
// JSON object ended by a NUL byte. No WebSocket, no library.

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// findChromium returns the Chromium binary; without one the test is
// skipped, unless CI=true (then it fails: .ci/run installs it).
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium installed (.ci/run installs it)")
	}
	t.Skip("no chromium installed")
	return ""
}

type cdpMsg struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    any             `json:"params,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// browser is a headless Chromium and one page of it.
type browser struct {
	t       *testing.T
	cmd     *exec.Cmd
	in      *os.File // Chromium's fd 3
	mu      sync.Mutex
	nextID  int
	waiting map[int]chan cdpMsg
	session string
	done    chan struct{}
}

// startBrowser starts headless Chromium with a fresh profile and opens a
// page of width×height whose language is lang (Accept-Language and
// navigator.language).
func startBrowser(t *testing.T, width, height int, lang string) *browser {
	t.Helper()
	bin := findChromium(t)
	dir := t.TempDir()
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--no-first-run", "--no-default-browser-check",
		"--disable-extensions", "--disable-background-networking", "--disable-sync", "--mute-audio",
		"--lang="+lang, "--hide-scrollbars", "about:blank")
	cmd.ExtraFiles = []*os.File{inR, outW} // fd 3: its input, fd 4: its output
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	inR.Close()
	outW.Close()
	b := &browser{t: t, cmd: cmd, in: inW, waiting: map[int]chan cdpMsg{}, done: make(chan struct{})}
	go b.read(bufio.NewReader(outR))
	t.Cleanup(func() {
		b.call("", "Browser.close", nil)
		inW.Close()
		ch := make(chan struct{})
		go func() { cmd.Wait(); close(ch) }()
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-ch
		}
		outR.Close()
	})
	var target struct {
		TargetID string `json:"targetId"`
	}
	b.callInto("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var att struct {
		SessionID string `json:"sessionId"`
	}
	b.callInto("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &att)
	b.session = att.SessionID
	b.do("Page.enable", nil)
	b.do("Runtime.enable", nil)
	b.do("Emulation.setDeviceMetricsOverride", map[string]any{"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false})
	b.do("Emulation.setUserAgentOverride", map[string]any{"userAgent": "Mozilla/5.0 (X11; Linux x86_64) mailferry-test", "acceptLanguage": lang})
	return b
}

func (b *browser) read(rd *bufio.Reader) {
	defer close(b.done)
	for {
		raw, err := rd.ReadBytes(0)
		if err != nil {
			return
		}
		var m cdpMsg
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil || m.ID == 0 {
			continue // events are not used
		}
		b.mu.Lock()
		ch := b.waiting[m.ID]
		delete(b.waiting, m.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
}

// call sends a command (to the page's session unless session is "")
// and waits for its answer.
func (b *browser) call(session, method string, params any) (json.RawMessage, error) {
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	ch := make(chan cdpMsg, 1)
	b.waiting[id] = ch
	b.mu.Unlock()
	msg, _ := json.Marshal(cdpMsg{ID: id, Method: method, Params: params, SessionID: session})
	if _, err := b.in.Write(append(msg, 0)); err != nil {
		return nil, err
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return nil, fmt.Errorf("%s: %s", method, m.Error.Message)
		}
		return m.Result, nil
	case <-b.done:
		return nil, fmt.Errorf("%s: chromium went away", method)
	case <-time.After(60 * time.Second):
		return nil, fmt.Errorf("%s: no answer in 60 s", method)
	}
}

// callInto calls and decodes the answer into v.
func (b *browser) callInto(session, method string, params, v any) {
	b.t.Helper()
	res, err := b.call(session, method, params)
	if err != nil {
		b.t.Fatal(err)
	}
	if err := json.Unmarshal(res, v); err != nil {
		b.t.Fatal(err)
	}
}

// do runs a command on the page.
func (b *browser) do(method string, params any) json.RawMessage {
	b.t.Helper()
	res, err := b.call(b.session, method, params)
	if err != nil {
		b.t.Fatal(err)
	}
	return res
}

// eval evaluates a JavaScript expression in the page (promises awaited)
// and returns its value as JSON.
func (b *browser) eval(expr string) (json.RawMessage, error) {
	res, err := b.call(b.session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true})
	if err != nil {
		return nil, err
	}
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		return nil, err
	}
	if r.Exception != nil {
		return nil, fmt.Errorf("%s: %s %s", expr, r.Exception.Text, r.Exception.Exception.Description)
	}
	return r.Result.Value, nil
}

// js evaluates expr and fails the test on an exception.
func (b *browser) js(expr string) json.RawMessage {
	b.t.Helper()
	v, err := b.eval(expr)
	if err != nil {
		b.t.Fatal(err)
	}
	return v
}

// text returns the innerText of the first element matching sel ("" when
// none).
func (b *browser) text(sel string) string {
	b.t.Helper()
	var s string
	json.Unmarshal(b.js(fmt.Sprintf(`(document.querySelector(%q)||{}).innerText||""`, sel)), &s)
	return s
}

// waitFor waits until sel matches an element.
func (b *browser) waitFor(sel string, timeout time.Duration) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		v, err := b.eval(fmt.Sprintf(`!!document.querySelector(%q)`, sel))
		if err == nil && string(v) == "true" {
			return
		}
		select {
		case <-ctx.Done():
			b.t.Fatalf("no %s after %s; the page says:\n%s", sel, timeout, b.text("body"))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (b *browser) navigate(url string) {
	b.t.Helper()
	b.do("Page.navigate", map[string]any{"url": url})
}

// click clicks the first element matching sel.
func (b *browser) click(sel string) {
	b.t.Helper()
	b.waitFor(sel, 30*time.Second)
	b.js(fmt.Sprintf(`document.querySelector(%q).click()`, sel))
}

// fill types value into the input sel (as the input event reports it).
func (b *browser) fill(sel, value string) {
	b.t.Helper()
	b.waitFor(sel, 30*time.Second)
	b.js(fmt.Sprintf(`(()=>{const e=document.querySelector(%q);e.value=%q;e.dispatchEvent(new Event("input",{bubbles:true}));})()`, sel, value))
}

// screenshot returns a PNG of the whole page.
func (b *browser) screenshot() []byte {
	b.t.Helper()
	var r struct {
		Data string `json:"data"`
	}
	b.callInto(b.session, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true}, &r)
	png, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		b.t.Fatal(err)
	}
	return png
}
