package jepsen

import (
	"fmt"
	"strings"
	"time"
)

// The clock nemesis: bump (set an offset and leave it) or strobe (flip it
// between 0 and the offset every period, on a goroutine of the nemesis)
// through the node's test-only clock offset (Cluster.SetClockOffset).

// startClock applies a clock start event; it returns the op's result.
func (n *nemesis) startClock(e Event) string {
	n.stopStrobe()
	off := time.Duration(e.OffsetMs) * time.Millisecond
	res := n.each(e.Nodes, func(id string) string {
		if err := n.c.SetClockOffset(id, off); err != nil {
			return fmt.Sprintf("%q", err.Error())
		}
		n.mu.Lock()
		n.clocked[id] = true
		n.mu.Unlock()
		return fmt.Sprintf(":offset %+dms", e.OffsetMs)
	})
	if e.Kind == ClockStrobe && e.PeriodMs > 0 {
		stop, done := make(chan struct{}), make(chan struct{})
		n.mu.Lock()
		n.strobeStop, n.strobeDone = stop, done
		n.mu.Unlock()
		nodes := append([]string(nil), e.Nodes...)
		go func() {
			defer close(done)
			t := time.NewTicker(time.Duration(e.PeriodMs) * time.Millisecond)
			defer t.Stop()
			on := true
			for {
				select {
				case <-t.C:
					on = !on
					cur := time.Duration(0)
					if on {
						cur = off
					}
					for _, id := range nodes {
						n.c.SetClockOffset(id, cur) // a failure shows in the next set
					}
				case <-stop:
					return
				}
			}
		}()
	}
	return res
}

// stopStrobe ends the strobe in progress, if any, and waits for it.
func (n *nemesis) stopStrobe() {
	n.mu.Lock()
	stop, done := n.strobeStop, n.strobeDone
	n.strobeStop, n.strobeDone = nil, nil
	n.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

// resetClocks stops any strobe and sets every moved clock back to 0.
func (n *nemesis) resetClocks() string {
	n.stopStrobe()
	ids := n.set(n.clocked)
	if len(ids) == 0 {
		return ":no-clock-moved"
	}
	var errs []string
	for _, id := range ids {
		if err := n.c.SetClockOffset(id, 0); err != nil {
			errs = append(errs, id+": "+err.Error())
			continue
		}
		n.mu.Lock()
		delete(n.clocked, id)
		n.mu.Unlock()
	}
	if len(errs) > 0 {
		return fmt.Sprintf("%q", strings.Join(errs, "; "))
	}
	return ":clocks-reset"
}
