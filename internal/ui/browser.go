package ui

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
)

// OpenBrowser opens url in the default browser when there is one
// (xdg-open on a desktop, open on macOS, the URL handler on Windows). It
// returns an error, never blocks, when there is none: the caller prints
// the URL anyway.
func OpenBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	case "darwin":
		cmd = exec.Command("open", url)
	default:
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return errors.New("no graphical display")
		}
		p, err := exec.LookPath("xdg-open")
		if err != nil {
			return err
		}
		cmd = exec.Command(p, url)
	}
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait()
	return nil
}
