package main

import (
	"bytes"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/runnel-io/runnel/internal/config"
)

func TestHelpExplainsEveryFlag(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"--help"}, &out, &errOut, noEnv); code != 0 || !strings.Contains(out.String(), "runnel serve") {
		t.Fatalf("runnel --help: exit %d, output %q", code, out.String())
	}
	out.Reset()
	if code := run([]string{"serve", "--help"}, &out, &errOut, noEnv); code != 0 {
		t.Fatalf("runnel serve --help: exit %d, stderr %q", code, errOut.String())
	}
	for _, f := range []string{"listen", "data-dir", "region", "account-id", "create-stream-delay", "delete-stream-delay", "update-stream-delay", "in-memory", "tls-cert", "tls-key", "tls-self-signed"} {
		if !strings.Contains(out.String(), "--"+f) || !strings.Contains(out.String(), envName(f)) {
			t.Errorf("serve --help does not explain --%s and %s:\n%s", f, envName(f), out.String())
		}
	}
}

func noEnv(string) (string, bool) { return "", false }

func TestEnvironmentSetsFlagsAndFlagsWin(t *testing.T) {
	env := map[string]string{"RUNNEL_LISTEN": "127.0.0.1:9999", "RUNNEL_CREATE_STREAM_DELAY": "0", "RUNNEL_IN_MEMORY": "true", "RUNNEL_REGION": "eu-west-1"}
	cfg := config.Default()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	serveFlags(fs, &cfg)
	if err := applyEnv(fs, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	if err := fs.Parse([]string{"--region", "ap-south-1"}); err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:9999" || cfg.CreateStreamDelay != 0 || !cfg.InMemory || cfg.Region != "ap-south-1" || cfg.DeleteStreamDelay != 500*time.Millisecond {
		t.Fatalf("config = %+v", cfg)
	}
	bad := func(k string) (string, bool) {
		if k == "RUNNEL_DELETE_STREAM_DELAY" {
			return "soon", true
		}
		return "", false
	}
	if err := applyEnv(fs, bad); err == nil || !strings.Contains(err.Error(), "RUNNEL_DELETE_STREAM_DELAY") {
		t.Fatalf("bad env value: %v", err)
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"frobnicate"}, &out, &errOut, noEnv); code != 2 || !strings.Contains(errOut.String(), "unknown command") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}
