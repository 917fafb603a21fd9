package metrics

import "testing"

func TestSweepDropsAStreamMissingFromTwoScrapes(t *testing.T) {
	a := (&Streams{accounts: map[string]*Account{}}).Account("000000000000")
	a.Incoming("gone", 0, 1, 1)
	a.Incoming("gone", 1, 1, 1)
	a.Incoming("back", 0, 1, 1)
	a.Incoming("live", 0, 1, 1)

	a.sweep(map[string]bool{"live": true}) // one absence proves nothing
	if a.lookup("gone", 0) == nil || a.lookup("back", 0) == nil {
		t.Fatal("counters dropped after one absence")
	}
	a.sweep(map[string]bool{"live": true, "back": true})
	if a.lookup("gone", 0) != nil || a.lookup("gone", 1) != nil || a.streams["gone"] != nil {
		t.Error("counters of a stream missing from two scrapes were kept")
	}
	if a.lookup("back", 0) == nil || a.lookup("live", 0) == nil {
		t.Error("counters of a listed stream were dropped")
	}
	a.sweep(map[string]bool{"live": true}) // "back" was seen in between: this is its first absence
	if a.lookup("back", 0) == nil {
		t.Error("an absence before the stream was seen again still counted")
	}
}

func TestObserverDoesNotAllocate(t *testing.T) {
	a := (&Streams{accounts: map[string]*Account{}}).Account("000000000000")
	a.Incoming("s", 3, 1, 1) // first use creates the counters
	a.Outgoing("s", 3, 1, 1, 0)
	allocs := testing.AllocsPerRun(100, func() {
		a.Incoming("s", 3, 500, 50000)
		a.Outgoing("s", 3, 10, 1000, 5)
		a.SubscribeEvent("s", 3, 10, 1000)
		a.Throttled("s", 3, true, 1)
	})
	if allocs != 0 {
		t.Errorf("observer calls allocate %v times", allocs)
	}
}
