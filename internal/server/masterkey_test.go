package server

import (
	"bytes"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runnel-io/runnel/internal/config"
)

func TestMasterKeyGeneratedOnceWith0600(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	log := slog.New(slog.DiscardHandler)
	key, err := loadMasterKey(cfg, log)
	if err != nil || len(key) != 32 {
		t.Fatalf("first start: %d bytes, %v", len(key), err)
	}
	path := filepath.Join(cfg.DataDir, "master.key")
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Fatalf("master.key mode %v, want 0600", perm)
	}
	again, err := loadMasterKey(cfg, log)
	if err != nil || !bytes.Equal(again, key) {
		t.Fatalf("second start read a different key (%v)", err)
	}
	if matches, _ := filepath.Glob(filepath.Join(cfg.DataDir, "master.key.tmp*")); len(matches) > 0 {
		t.Fatalf("temporary files left: %v", matches)
	}
}

func TestMasterKeyFileFlag(t *testing.T) {
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	want := bytes.Repeat([]byte{0xab}, 32)
	cfg := config.Default()
	cfg.DataDir = filepath.Join(dir, "data")

	cfg.MasterKeyFile = filepath.Join(dir, "missing.key")
	if _, err := loadMasterKey(cfg, log); err == nil || !strings.Contains(err.Error(), "missing.key") {
		t.Fatalf("missing --master-key-file: %v, want an error naming it", err)
	}
	if _, err := os.Stat(cfg.MasterKeyFile); err == nil {
		t.Fatal("a missing --master-key-file was created")
	}

	for name, content := range map[string][]byte{"raw": want, "hex": []byte(hex.EncodeToString(want) + "\n")} {
		cfg.MasterKeyFile = filepath.Join(dir, name+".key")
		if err := os.WriteFile(cfg.MasterKeyFile, content, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := loadMasterKey(cfg, log)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s key file: %x, %v", name, got, err)
		}
	}

	cfg.MasterKeyFile = filepath.Join(dir, "short.key")
	if err := os.WriteFile(cfg.MasterKeyFile, []byte("too short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadMasterKey(cfg, log); err == nil || !strings.Contains(err.Error(), "refusing to start") {
		t.Fatalf("short key: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "master.key")); err == nil {
		t.Fatal("master.key generated although --master-key-file was given")
	}
}

func TestMasterKeyInMemoryIsPerProcess(t *testing.T) {
	cfg := config.Default()
	cfg.InMemory = true
	cfg.DataDir = t.TempDir()
	key, err := loadMasterKey(cfg, slog.New(slog.DiscardHandler))
	if err != nil || key != nil {
		t.Fatalf("in memory: %x, %v (want nil: the engine draws a random key)", key, err)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "master.key")); err == nil {
		t.Fatal("in-memory server wrote a master key")
	}
}
