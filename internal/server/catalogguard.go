package server

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// segmentHeaderBytes is the size of a segment file holding no record
// (docs/format/log.md).
const segmentHeaderBytes = 32

// checkCatalogPresent refuses to start when the catalog is missing but the
// log holds records: starting with an empty catalog would orphan every
// stream on disk and, with new streams, write over them. A catalog that
// exists but is damaged is refused by the metastore itself. Empty segments
// are not data (a crash between creating a stream's logs and saving the
// catalog leaves those), nor are other accounts' setups.
func checkCatalogPresent(dataDir string) error {
	catalog := filepath.Join(dataDir, "catalog")
	if _, err := os.Stat(catalog); !errors.Is(err, fs.ErrNotExist) {
		return nil // present, or unreadable: Load reports that
	}
	if others, _ := filepath.Glob(filepath.Join(dataDir, "accounts", "*", "catalog")); len(others) > 0 {
		return nil
	}
	segs, err := filepath.Glob(filepath.Join(dataDir, "log", "*", "*", "*.seg"))
	if err != nil {
		return fmt.Errorf("check catalog: %w", err)
	}
	streams := map[string]bool{}
	for _, s := range segs {
		stream := filepath.Base(filepath.Dir(filepath.Dir(s)))
		if strings.HasSuffix(stream, ".deleted") {
			continue
		}
		if info, err := os.Stat(s); err == nil && info.Size() > segmentHeaderBytes {
			streams[stream] = true
		}
	}
	if len(streams) > 0 {
		return fmt.Errorf("catalog file %s is missing but %s holds records of %d stream(s); refusing to start empty over existing data (restore the catalog from a backup, or move the data directory aside to start afresh)",
			catalog, filepath.Join(dataDir, "log"), len(streams))
	}
	return nil
}
