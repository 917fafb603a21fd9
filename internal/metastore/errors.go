package metastore

import "fmt"

// CorruptError reports a catalog file that exists but cannot be trusted.
// The server must not start over it: starting with an empty catalog would
// orphan, and later overwrite, every stream the file describes.
type CorruptError struct {
	Path   string
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("catalog file %s is corrupt: %s; refusing to start rather than start empty over existing data (restore the file from a backup or move it aside)", e.Path, e.Reason)
}
