package scenario

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// procStats is a process's resident memory and open descriptors, read
// from /proc.
type procStats struct {
	rssKiB int64
	fds    int
}

func (p procStats) String() string {
	return fmt.Sprintf("RSS %.1f MiB, %d open file descriptors", float64(p.rssKiB)/1024, p.fds)
}

// readProc reads /proc/PID/status (VmRSS) and counts /proc/PID/fd.
func readProc(pid int) (procStats, error) {
	var st procStats
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return st, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			fields := strings.Fields(rest)
			if len(fields) > 0 {
				st.rssKiB, _ = strconv.ParseInt(fields[0], 10, 64)
			}
		}
	}
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return st, err
	}
	st.fds = len(entries)
	return st, nil
}
