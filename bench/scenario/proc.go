package scenario

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
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

// userHZ is the unit of /proc/PID/stat's CPU times (USER_HZ, 100 on every
// Linux the benchmark runs on).
const userHZ = 100

// cpuMark is the CPU time (user + system) the target and this load
// generator had used at one moment.
type cpuMark struct {
	at           time.Time
	target, self time.Duration
	ok           bool
}

// markCPU reads the target's CPU time from /proc/PID/stat and this
// process's from getrusage. A target that cannot be read gives ok false.
func markCPU(pid int) cpuMark {
	m := cpuMark{at: time.Now()}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		m.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	m.target, m.ok = procCPU(pid)
	return m
}

// procCPU reads a process's CPU time (user + system) from /proc/PID/stat.
func procCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name (field 2) may hold spaces: count from its ')'.
	rest := string(b)
	if i := strings.LastIndexByte(rest, ')'); i >= 0 {
		rest = rest[i+1:]
	}
	fields := strings.Fields(rest) // fields[0] is field 3 (state)
	if len(fields) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(fields[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * time.Second / userHZ, true
}

// cpuNote describes the CPU the target and the load generator used between
// two marks, in cores and per unit (call or record), so that a figure can
// be told apart as the server's or the client's limit.
func cpuNote(what string, from, to cpuMark, n int64, unit string) string {
	wall := to.at.Sub(from.at)
	if !from.ok || !to.ok || wall <= 0 {
		return fmt.Sprintf("CPU during %s: not available (the target's /proc/PID/stat could not be read)", what)
	}
	target, self := to.target-from.target, to.self-from.self
	per := func(d time.Duration) string {
		if n <= 0 {
			return ""
		}
		return fmt.Sprintf(", %.0f µs per %s", float64(d.Microseconds())/float64(n), unit)
	}
	return fmt.Sprintf("CPU during %s (%v, %d cores on the machine): target %.2f cores%s; load generator %.2f cores%s",
		what, wall.Round(time.Millisecond), runtime.NumCPU(),
		target.Seconds()/wall.Seconds(), per(target), self.Seconds()/wall.Seconds(), per(self))
}
