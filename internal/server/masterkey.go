package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/runnel-io/runnel/internal/config"
	"github.com/runnel-io/runnel/internal/engine"
	"github.com/runnel-io/runnel/internal/fsutil"
)

// masterKeyFileName is the master key's file in the data directory when
// --master-key-file is not given (docs/format/encryption.md).
const masterKeyFileName = "master.key"

// loadMasterKey returns the master key that wraps the streams' data keys:
// read from --master-key-file if given (which must exist), else from
// <data-dir>/master.key, generated there (0600, atomically) on first start.
// In memory without a file it returns nil: the engine then uses a random
// key for the life of the process.
func loadMasterKey(cfg config.Config, log *slog.Logger) ([]byte, error) {
	if cfg.MasterKeyFile != "" {
		return readMasterKey(cfg.MasterKeyFile, log)
	}
	if cfg.InMemory {
		return nil, nil
	}
	path := filepath.Join(cfg.DataDir, masterKeyFileName)
	key, err := readMasterKey(path, log)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	key = make([]byte, engine.MasterKeyBytes)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate master key: %w", err)
	}
	if err := fsutil.AtomicWriteFile(path, key, 0o600); err != nil {
		return nil, fmt.Errorf("write master key: %w", err)
	}
	return key, nil
}

// readMasterKey reads a master key file: 32 raw bytes, or 64 hex digits
// (a trailing newline allowed).
func readMasterKey(path string, log *slog.Logger) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read master key %s: %w", path, err)
	}
	if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
		log.Warn("master key file is readable by others than its owner; chmod 600 it", "path", path, "mode", info.Mode().Perm().String())
	}
	if len(data) == engine.MasterKeyBytes {
		return data, nil
	}
	if text := strings.TrimSpace(string(data)); len(text) == 2*engine.MasterKeyBytes {
		if key, err := hex.DecodeString(text); err == nil {
			return key, nil
		}
	}
	return nil, fmt.Errorf("master key %s must hold %d raw bytes or %d hex digits, it has %d bytes: refusing to start", path, engine.MasterKeyBytes, 2*engine.MasterKeyBytes, len(data))
}
