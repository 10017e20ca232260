package objstore

import (
	"fmt"
	"time"
)

// SimFaults are the faults a Sim injects. Each float is the probability,
// in [0, 1], that one call suffers that fault; the zero value injects
// nothing. A failed call's error wraps ErrInjected.
type SimFaults struct {
	// PutFail: Put fails before storing anything.
	PutFail float64
	// PutLostAck: Put stores the whole object, then reports failure (the
	// caller cannot tell this from PutFail: the outcome is unknown).
	PutLostAck float64
	// TornPuts: a Put that fails by injection (PutFail) or is cut by a
	// crash leaves a truncated prefix of its bytes visible under its name.
	// Stronger than the Store contract (which promises all or nothing); it
	// exists to prove that readers reject torn data by checksum.
	TornPuts bool
	// GetFail: Get fails before returning a reader.
	GetFail float64
	// ReadFail: the reader Get returns fails partway, after a random
	// prefix of the (correct) bytes.
	ReadFail float64
	// ListFail: List fails.
	ListFail float64
	// DeleteFail: Delete fails before deleting.
	DeleteFail float64
	// DeleteLostAck: Delete deletes, then reports failure.
	DeleteLostAck float64
	// BitFlip: when an object is stored, one random bit of it flips at
	// rest; Put still succeeds and every later Get sees the flipped bit.
	BitFlip float64
}

// validate rejects probabilities outside [0, 1] (NaN included).
func (f SimFaults) validate() error {
	for _, p := range []struct {
		name string
		v    float64
	}{
		{"PutFail", f.PutFail}, {"PutLostAck", f.PutLostAck}, {"GetFail", f.GetFail},
		{"ReadFail", f.ReadFail}, {"ListFail", f.ListFail}, {"DeleteFail", f.DeleteFail},
		{"DeleteLostAck", f.DeleteLostAck}, {"BitFlip", f.BitFlip},
	} {
		if !(p.v >= 0 && p.v <= 1) {
			return fmt.Errorf("objstore: sim fault %s = %v, want a probability in [0, 1]", p.name, p.v)
		}
	}
	return nil
}

// SimOptions configure a Sim. The zero value is a fault-free store with
// no latency.
type SimOptions struct {
	Faults SimFaults
	// LatencyMax > 0 makes every call wait a seeded random duration in
	// [0, LatencyMax] through Sleep (required then). Under testing/synctest,
	// Sleep = time.Sleep waits in virtual time.
	LatencyMax time.Duration
	Sleep      func(time.Duration)
}

func (o SimOptions) validate() error {
	if err := o.Faults.validate(); err != nil {
		return err
	}
	if o.LatencyMax < 0 {
		return fmt.Errorf("objstore: sim LatencyMax = %v, want >= 0", o.LatencyMax)
	}
	if o.LatencyMax > 0 && o.Sleep == nil {
		return fmt.Errorf("objstore: sim LatencyMax = %v needs a Sleep function", o.LatencyMax)
	}
	return nil
}

// SimStats counts a Sim's calls and the faults it injected.
type SimStats struct {
	Ops           int // calls that reached the store (not rejected up front)
	PutFails      int
	PutLostAcks   int
	TornPuts      int // truncated objects left visible
	GetFails      int
	ReadFails     int
	ListFails     int
	DeleteFails   int
	DeleteLostAck int
	BitFlips      int // injected at random (Corrupt not counted)
	Crashes       int
}
