package server

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/runnel-io/runnel/internal/fsutil"
)

// keyBytes is the size of the server key (AES-256).
const keyBytes = 32

// lockDataDir creates dir if needed and takes an exclusive lock on it, so
// two servers never write the same data.
func lockDataDir(dir string) (*os.File, error) {
	if err := fsutil.MkdirAllDurable(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create data dir %s: %w", dir, err)
	}
	path := filepath.Join(dir, "LOCK")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("data dir %s is in use by another runnel process (lock %s): %w", dir, path, err)
	}
	return f, nil
}

// loadOrCreateKey reads the server key, creating it on first start. The key
// seals shard iterators and pagination tokens, so keeping it makes them
// survive a restart.
func loadOrCreateKey(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err == nil {
		if len(key) != keyBytes {
			return nil, fmt.Errorf("server key %s has %d bytes, want %d: refusing to start (restore it or remove it to invalidate all outstanding iterators)", path, len(key), keyBytes)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read server key: %w", err)
	}
	return newKeyFile(path)
}

func newKeyFile(path string) ([]byte, error) {
	key := make([]byte, keyBytes)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate server key: %w", err)
	}
	if err := fsutil.AtomicWriteFile(path, key, 0o600); err != nil {
		return nil, fmt.Errorf("write server key: %w", err)
	}
	return key, nil
}
