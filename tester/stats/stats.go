// Package stats counts a history's operations by outcome, as Jepsen's
// stats checker does, for both test runners (tester/linkv and
// tester/jepsen): per f and over all ops. Whether every f needs an ok
// (the checker's verdict) is the runner's, since the fs are its
// workload's.
package stats

// Counts are the outcomes of some ops (one f's, or all).
type Counts struct {
	Count int `json:"count"`
	Ok    int `json:"ok-count"`
	Fail  int `json:"fail-count"`
	Info  int `json:"info-count"`
}

// Add counts one op of type typ: ok, fail, and anything else as info (the
// op may or may not have taken effect).
func (c *Counts) Add(typ string) {
	c.Count++
	switch typ {
	case "ok":
		c.Ok++
	case "fail":
		c.Fail++
	default:
		c.Info++
	}
}
