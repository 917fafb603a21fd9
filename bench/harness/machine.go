package harness

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Machine describes where a run happened.
type Machine struct {
	CPUs     int    // online CPUs (nproc)
	CPUModel string // /proc/cpuinfo "model name"
	MemTotal string // /proc/meminfo MemTotal, e.g. "23.5 GiB"
	Kernel   string // /proc/sys/kernel/osrelease
	Go       string // the Go toolchain, e.g. "go1.26.8 linux/amd64"
	Commit   string // git rev-parse --short HEAD, or "unknown"
	DataDisk string // df of the data directory
	Load     string // /proc/loadavg 1-minute load when described: other work skews numbers
}

// DescribeMachine gathers the Machine; root is the repository (for the
// commit), dataDir the directory the durable targets write to.
func DescribeMachine(ctx context.Context, root, dataDir string) Machine {
	m := Machine{
		CPUs:     runtime.NumCPU(),
		CPUModel: procField("/proc/cpuinfo", "model name"),
		MemTotal: memTotal(),
		Go:       runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		Commit:   commandLine(ctx, "git", "-C", root, "rev-parse", "--short", "HEAD"),
		DataDisk: dataDisk(ctx, dataDir),
	}
	if n, err := strconv.Atoi(commandLine(ctx, "nproc")); err == nil {
		m.CPUs = n
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "linux " + strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			m.Load = f[0]
		}
	}
	if m.Commit == "?" {
		m.Commit = "unknown"
	}
	return m
}

// String is the one-line form printed above every result table.
func (m Machine) String() string {
	return fmt.Sprintf("%d CPU (%s), %s RAM, %s, %s, commit %s, data dir on %s, load average %s at start",
		m.CPUs, orUnknown(m.CPUModel), orUnknown(m.MemTotal), orUnknown(m.Kernel), m.Go, m.Commit, orUnknown(m.DataDisk), orUnknown(m.Load))
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// procField returns the value of the first "key : value" line in path.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		k, v, ok := strings.Cut(scanner.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return ""
}

func memTotal() string {
	fields := strings.Fields(procField("/proc/meminfo", "MemTotal")) // "24683520 kB"
	if len(fields) != 2 || fields[1] != "kB" {
		return ""
	}
	kb, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%.1f GiB", kb/(1<<20))
}

// dataDisk summarises `df -PhT dir`: device, file system, size and free.
func dataDisk(ctx context.Context, dir string) string {
	out := commandLine(ctx, "df", "-PhT", dir)
	lines := strings.Split(out, "\n")
	if len(lines) < 2 {
		return ""
	}
	f := strings.Fields(lines[len(lines)-1]) // Filesystem Type Size Used Avail Use% Mounted
	if len(f) < 7 {
		return ""
	}
	return fmt.Sprintf("%s (%s, %s, %s free, mounted at %s)", f[0], f[1], f[2], f[4], f[6])
}
