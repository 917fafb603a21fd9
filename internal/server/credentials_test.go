package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadCredentials(t *testing.T) {
	dir := t.TempDir()
	write := func(text string) string {
		p := filepath.Join(dir, "creds")
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	creds, err := loadCredentials(write("# local accounts\nAKIDA secretA 111111111111\n\nAKIDB,secretB,222222222222\n"))
	if err != nil || len(creds) != 2 || creds[1].AccountID != "222222222222" || creds[0].SecretAccessKey != "secretA" {
		t.Fatalf("got %+v, %v", creds, err)
	}
	for _, bad := range []struct{ text, want string }{
		{"AKIDA secretA", "got 2 fields"},
		{"AKIDA secretA 123", "12 digits"},
		{"AKIDA s 111111111111\nAKIDA t 222222222222", "appears twice"},
		{"# nothing\n", "no credentials"},
	} {
		if _, err := loadCredentials(write(bad.text)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want %q", bad.text, err, bad.want)
		}
	}
}
