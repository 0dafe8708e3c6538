package batch

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The shipped deploy/ files agree with mailferry: the Indexed Job's
// completions, parallelism and MAILFERRY_SHARDS are one number, its batch
// file (in the ConfigMap) passes validation with the Secret's variables,
// and the image is static and not root. (No schema checker: kubeconform
// fetches its schemas from the network, which CI does not have.)
func TestDeployFiles(t *testing.T) {
	b, err := os.ReadFile("../../deploy/indexed-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := string(b)
	num := func(re string) string {
		t.Helper()
		s := regexp.MustCompile(re).FindStringSubmatch(m)
		if s == nil {
			t.Fatalf("manifest lacks %s", re)
		}
		return s[1]
	}
	c, p, n := num(`(?m)^  completions: (\d+)$`), num(`(?m)^  parallelism: (\d+)$`), num(`name: MAILFERRY_SHARDS\s+value: "(\d+)"`)
	if c != p || c != n {
		t.Errorf("completions %s, parallelism %s, MAILFERRY_SHARDS %s: want one number", c, p, n)
	}
	for _, want := range []string{"completionMode: Indexed", "subPathExpr: shard-$(JOB_COMPLETION_INDEX)", "- /config/office.csv", "runAsNonRoot: true", "readOnlyRootFilesystem: true", "restartPolicy: Never"} {
		if !strings.Contains(m, want) {
			t.Errorf("manifest lacks %q", want)
		}
	}
	// The ConfigMap's batch file, and the Secret's keys as the environment.
	csv := regexp.MustCompile(`(?s)office\.csv: \|\n((?:    [^\n]*\n)+)`).FindStringSubmatch(m)
	if csv == nil {
		t.Fatal("no office.csv in the ConfigMap")
	}
	secret := map[string]string{}
	for _, kv := range regexp.MustCompile(`(?m)^  ([A-Z_]+): (\S+)$`).FindAllStringSubmatch(m, -1) {
		secret[kv[1]] = kv[2]
	}
	p2 := filepath.Join(t.TempDir(), "office.csv")
	os.WriteFile(p2, []byte(strings.ReplaceAll(csv[1], "\n    ", "\n")[4:]), 0o600)
	jobs, err := ParseFile(p2, Env{LookupEnv: func(k string) (string, bool) { v, ok := secret[k]; return v, ok }})
	if err != nil || len(jobs) == 0 {
		t.Errorf("the ConfigMap's batch file: %v", err)
	}
	// The YAML example, with its secrets' variables and file present.
	pwFile := filepath.Join(t.TempDir(), "bob-old")
	os.WriteFile(pwFile, []byte("x"), 0o600)
	y, err := os.ReadFile("../../deploy/office.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p3 := filepath.Join(t.TempDir(), "office.yaml")
	os.WriteFile(p3, []byte(strings.ReplaceAll(string(y), "/run/secrets/bob-old", pwFile)), 0o600)
	yjobs, err := ParseFile(p3, Env{LookupEnv: func(k string) (string, bool) { return "x", true }})
	if err != nil || len(yjobs) != 3 || yjobs[2].Opts["folder_map"] != "Posteingang=INBOX;Gesendete Elemente=Sent" {
		t.Errorf("office.example.yaml: %d jobs, %v", len(yjobs), err)
	}
	d, err := os.ReadFile("../../deploy/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CGO_ENABLED=0", "distroless/static", "USER 65532"} {
		if !strings.Contains(string(d), want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}
