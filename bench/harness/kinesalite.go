package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// installTimeout bounds `npm install`.
const installTimeout = 5 * time.Minute

// kinesaliteScript starts kinesalite in memory with no CREATING/DELETING
// delay — what `cli.js --createStreamMs 0 --deleteStreamMs 0` does — but
// bound to 127.0.0.1 (cli.js listens on every interface) on a port the
// kernel picks, and logs a ready line in runnel's shape.
const kinesaliteScript = `
const kinesalite = require(process.argv[1]);
const server = kinesalite({createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 10000});
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  console.log('msg="kinesalite ready" addr=' + a.address + ':' + a.port);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
`

// EnsureKinesalite returns the directory of the kinesalite npm package under
// benchDir/node_modules, installing kinesalite@3 there on first use.
func EnsureKinesalite(ctx context.Context, benchDir string) (string, error) {
	pkg := filepath.Join(benchDir, "node_modules", "kinesalite")
	if _, err := os.Stat(filepath.Join(pkg, "index.js")); err == nil {
		return pkg, nil
	}
	if _, err := exec.LookPath("node"); err != nil {
		return "", fmt.Errorf("node is not installed: %w", err)
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", fmt.Errorf("npm is not installed: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, installTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "install", "--prefix", benchDir, "--no-save", "--no-audit", "--no-fund", "kinesalite@3")
	cmd.Dir = benchDir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm install kinesalite@3: %w\n%s", err, tail(string(out), 2000))
	}
	if _, err := os.Stat(filepath.Join(pkg, "index.js")); err != nil {
		return "", fmt.Errorf("npm install kinesalite@3 left no %s: %w", pkg, err)
	}
	return pkg, nil
}

// StartKinesalite starts the kinesalite package at pkg under node.
func StartKinesalite(ctx context.Context, pkg, dir string) (*Process, error) {
	return startProcess(ctx, Kinesalite, readyPattern(Kinesalite), dir, "node", "-e", kinesaliteScript, pkg)
}

// KinesaliteVersion describes node and the kinesalite package, e.g.
// "kinesalite 3.3.3 on node v22.1.0".
func KinesaliteVersion(ctx context.Context, pkg string) string {
	version := "?"
	if b, err := os.ReadFile(filepath.Join(pkg, "package.json")); err == nil {
		var meta struct{ Version string }
		if json.Unmarshal(b, &meta) == nil && meta.Version != "" {
			version = meta.Version
		}
	}
	return "kinesalite " + version + " on node " + commandLine(ctx, "node", "--version")
}

// commandLine runs a short command and returns its trimmed output, or "?".
func commandLine(ctx context.Context, name string, args ...string) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}
