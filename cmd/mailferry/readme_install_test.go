package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The install lines of README.md and README.ja.md name exactly what
// .ci/release produces: mailferry_VERSION_OS_ARCH.tar.gz (.zip for
// Windows) holding a directory of that name with mailferry (mailferry.exe),
// and SHA256SUMS; and the go install line names this module's command.
func TestReadmeInstallMatchesRelease(t *testing.T) {
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", p))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	rel := read(".ci/release")
	for _, w := range []string{`name="mailferry_${version}_${os}_${arch}"`, `exe=mailferry.exe`, `exe=mailferry`,
		`zip -qr "$name.zip" "$name"`, `-czf "$out/$name.tar.gz" "$name"`, `>SHA256SUMS`,
		"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"} {
		if !strings.Contains(rel, w) {
			t.Errorf(".ci/release no longer has %q: update README.md and README.ja.md Install, then this test", w)
		}
	}
	gomod := read("go.mod")
	module := regexp.MustCompile(`(?m)^module (\S+)$`).FindStringSubmatch(gomod)
	if module == nil || strings.Contains(gomod, "\nreplace ") {
		t.Fatalf("go.mod: no module line, or a replace directive (go install …@latest refuses those)")
	}
	for _, readme := range []string{"README.md", "README.ja.md"} {
		s := read(readme)
		for _, w := range []string{
			"go install " + module[1] + "/cmd/mailferry@latest",
			"sha256sum -c SHA256SUMS --ignore-missing",
			"tar xzf mailferry_*_linux_amd64.tar.gz",
			"./mailferry_*_linux_amd64/mailferry version",
			"_windows_amd64.zip",
		} {
			if !strings.Contains(s, w) {
				t.Errorf("%s lacks %q", readme, w)
			}
		}
		for _, name := range regexp.MustCompile(`mailferry_[A-Za-z*…]*_?[a-z]+_[a-z0-9*]+\.(?:tar\.gz|zip)`).FindAllString(s, -1) {
			if !regexp.MustCompile(`^mailferry_(VERSION_|\*_|…_)?(linux|darwin|windows|\*)_(amd64|arm64|\*)\.(tar\.gz|zip)$`).MatchString(strings.Replace(name, "…_", "", 1)) {
				t.Errorf("%s names an archive .ci/release does not make: %s", readme, name)
			}
			if strings.Contains(name, "windows") != strings.HasSuffix(name, ".zip") {
				t.Errorf("%s: %s: Windows archives are .zip, the others .tar.gz", readme, name)
			}
		}
	}
}
