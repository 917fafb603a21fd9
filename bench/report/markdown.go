package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/runnel-io/runnel/bench/scenario"
)

// Target names, as the harness uses them.
const (
	baseline   = "baseline"
	kinesalite = "kinesalite"
	runnel     = "runnel"
)

// Run is everything one benchmark run produced.
type Run struct {
	Started  time.Time
	Machine  string   // harness.Machine.String()
	Duration string   // per timed scenario
	Targets  []string // one line per target: name and version or skip reason
	Notes    []string
	// Scenarios in order, each with its results in target order.
	Scenarios []ScenarioResults
}

// ScenarioResults is one scenario's rows.
type ScenarioResults struct {
	Scenario scenario.Scenario
	Results  []scenario.Result
}

// Write renders run as a markdown section starting with a level-2 heading.
func Write(w io.Writer, run Run) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## Run of %s\n\n", run.Started.UTC().Format("2006-01-02 15:04:05 MST"))
	fmt.Fprintf(&b, "Machine: %s\n\n", run.Machine)
	fmt.Fprintf(&b, "Timed phase per scenario: %s. All targets on 127.0.0.1, one fresh process per scenario and target; the load generator shares the machine.\n\n", run.Duration)
	for _, t := range run.Targets {
		fmt.Fprintf(&b, "- %s\n", t)
	}
	for _, n := range run.Notes {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	b.WriteString("\n")
	for _, s := range run.Scenarios {
		writeScenario(&b, s)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeScenario(b *strings.Builder, s ScenarioResults) {
	fmt.Fprintf(b, "### %s\n\n%s.\n\n", s.Scenario.Name, s.Scenario.Description)
	b.WriteString("| target | records/s | MiB/s | calls/s | p50 | p99 | max | errors (calls / entries) | integrity | × baseline | runnel ÷ kinesalite |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |\n")
	base, hasBase := find(s.Results, baseline)
	kin, hasKin := find(s.Results, kinesalite)
	for _, r := range s.Results {
		if r.Failed != "" {
			fmt.Fprintf(b, "| %s | — | — | — | — | — | — | — | failed (below) | — | — |\n", r.Target)
			continue
		}
		vsBase := "—"
		if hasBase {
			vsBase = ratio(r.RecordsPerSecond(), base.RecordsPerSecond())
		}
		vsKin := ""
		if r.Target == runnel && hasKin {
			vsKin = ratio(r.RecordsPerSecond(), kin.RecordsPerSecond())
		}
		fmt.Fprintf(b, "| %s | %s | %.2f | %s | %s | %s | %s | %d / %d | %s | %s | %s |\n",
			r.Target, grouped(r.RecordsPerSecond()), r.MiBPerSecond(), grouped(r.CallsPerSecond()),
			duration(r.Latency.P50), duration(r.Latency.P99), duration(r.Latency.Max),
			r.CallErrors, r.RecordErrors, shortVerdict(r.Integrity), vsBase, vsKin)
	}
	b.WriteString("\n")
	for _, r := range s.Results {
		if r.Failed != "" {
			fmt.Fprintf(b, "- %s: failed: %s\n", r.Target, oneLine(r.Failed))
			continue
		}
		fmt.Fprintf(b, "- %s: %d records, %d calls in %v; integrity: %s\n", r.Target, r.Records, r.Calls, r.Elapsed.Round(time.Millisecond), r.Integrity)
		for _, f := range r.Figures {
			fmt.Fprintf(b, "  - **%s**: %s\n", f.Name, oneLine(f.Value))
		}
		for _, n := range r.Notes {
			fmt.Fprintf(b, "  - %s\n", oneLine(n))
		}
		for _, e := range r.ErrorSamples {
			fmt.Fprintf(b, "  - error: %s\n", oneLine(e))
		}
	}
	b.WriteString("\n")
}

func find(results []scenario.Result, target string) (scenario.Result, bool) {
	for _, r := range results {
		if r.Target == target && r.Failed == "" {
			return r, true
		}
	}
	return scenario.Result{}, false
}

// ratio is a/b as "0.42×", or "—" when b is zero.
func ratio(a, b float64) string {
	if b <= 0 {
		return "—"
	}
	return strconv.FormatFloat(a/b, 'f', 2, 64) + "×"
}

// grouped prints v rounded, with thin spaces between thousands.
func grouped(v float64) string {
	s := strconv.FormatFloat(v, 'f', 0, 64)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ' ')
		}
		out = append(out, s[i])
	}
	return string(out)
}

func duration(d time.Duration) string {
	switch {
	case d == 0:
		return "—"
	case d < time.Millisecond:
		return fmt.Sprintf("%d µs", d.Microseconds())
	case d < 100*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
}

func shortVerdict(v string) string {
	switch {
	case strings.HasPrefix(v, "ok"):
		return "ok"
	case strings.HasPrefix(v, "n/a"):
		return "n/a"
	case v == "":
		return "—"
	default:
		return "**FAIL**"
	}
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
