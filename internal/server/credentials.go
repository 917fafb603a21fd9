package server

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/runnel-io/runnel/internal/api"
)

var accountIDPattern = regexp.MustCompile(`^\d{12}$`)

// loadCredentials reads a credentials file: one credential a line,
// "ACCESS_KEY_ID SECRET_ACCESS_KEY ACCOUNT_ID" separated by spaces, tabs or
// commas; blank lines and lines starting with # are ignored. An access key
// may appear once.
func loadCredentials(path string) ([]api.Credential, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("credentials file: %w", err)
	}
	defer f.Close()
	var creds []api.Credential
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' })
		if len(fields) != 3 {
			return nil, fmt.Errorf("credentials file %s line %d: want ACCESS_KEY_ID SECRET_ACCESS_KEY ACCOUNT_ID, got %d fields", path, line, len(fields))
		}
		if !accountIDPattern.MatchString(fields[2]) {
			return nil, fmt.Errorf("credentials file %s line %d: account id %q must be 12 digits", path, line, fields[2])
		}
		if seen[fields[0]] {
			return nil, fmt.Errorf("credentials file %s line %d: access key %s appears twice", path, line, fields[0])
		}
		seen[fields[0]] = true
		creds = append(creds, api.Credential{AccessKeyID: fields[0], SecretAccessKey: fields[1], AccountID: fields[2]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("credentials file %s: %w", path, err)
	}
	if len(creds) == 0 {
		return nil, fmt.Errorf("credentials file %s holds no credentials", path)
	}
	return creds, nil
}
