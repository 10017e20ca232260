package jepsen

import (
	"strconv"
	"strings"

	"redraft/tester/verdict"
)

// summaryListAppend is the list-append part of summary.md: Elle's
// verdict, the anomalies by kind, and each explained with its ops.
func summaryListAppend(w func(string, ...any), a *Analysis) {
	e := a.Elle
	w("| checker | result |\n|---|---|\n")
	w("| elle list-append (strict serializable: G0, G1a, G1b, G1c, G-single, G2 and -realtime, internal, incompatible-order, duplicates, garbage, lost appends) | %v |\n", verdict.JSON(e.Valid))
	w("| transactions (ok) | %d (%d) |\n", e.TxnCount, e.OkCount)
	w("| keys, final reads answered | %d, %d |\n", e.Keys, e.FinalReads)
	w("| dependency graph | %d transactions, %d edges (ww, wr, rw, real-time) |\n", e.GraphNodes, e.GraphEdges)
	w("| unknown appends observed / never observed | %d / %d |\n", e.InfoObserved, e.InfoNotObserved)
	anoms := "none"
	if len(e.AnomalyTypes) > 0 {
		var parts []string
		for _, k := range e.AnomalyTypes {
			parts = append(parts, k+" × "+itoa(e.Counts[k]))
		}
		anoms = strings.Join(parts, ", ")
	}
	w("| anomalies | %s |\n", anoms)
	w("| stats (every f has an ok) | %v |\n", a.StatsValid)
	for _, n := range e.Notes {
		w("\nNote: %s\n", n)
	}
	if len(e.AnomalyTypes) == 0 {
		return
	}
	w("\n### Anomalies\n\nTransactions are named T<index in history.jsonl>.\n")
	for _, k := range e.AnomalyTypes {
		w("\n#### %s (%d)\n\n", k, e.Counts[k])
		for _, an := range e.Anomalies[k] {
			w("```\n%s\n```\n", an.Explanation)
		}
	}
}

// summaryQueue is the queue part of summary.md.
func summaryQueue(w func(string, ...any), a *Analysis) {
	q := a.Queue
	w("| checker | result |\n|---|---|\n")
	w("| queue (lost, lost-moved, duplicated, unexpected, fail-present, divergent final reads) | %v |\n", verdict.JSON(q.Valid))
	w("| enqueues attempted / acknowledged | %d / %d |\n", q.Attempts, q.Acked)
	w("| dequeued from %s / moved to %s / dequeued from %s | %d / %d / %d |\n", queueKey, queueMovedKey, queueMovedKey, q.Dequeued, q.Moved, q.MovedDequeued)
	w("| final reads answered; left in %s / %s | %d; %d / %d |\n", queueKey, queueMovedKey, q.FinalReads, q.FinalQueued, q.FinalMoved)
	w("| consumers of unknown outcome (dequeue %s / move / dequeue %s) | %d / %d / %d |\n", queueKey, queueMovedKey,
		q.UnknownTakers["dequeue "+queueKey], q.UnknownTakers["move "+queueKey], q.UnknownTakers["dequeue "+queueMovedKey])
	w("| lost | %d %s |\n", len(q.Lost), clipInts(q.Lost))
	w("| lost-moved | %d %s |\n", len(q.LostMoved), clipInts(q.LostMoved))
	w("| duplicated | %d %s |\n", len(q.Duplicated), clipInts(q.Duplicated))
	w("| unexpected | %d %s |\n", len(q.Unexpected), clipInts(q.Unexpected))
	w("| fail-present | %d %s |\n", len(q.FailPresent), clipInts(q.FailPresent))
	w("| divergent final reads | %s |\n", strings.Join(q.Divergent, ", "))
	w("| missing, covered by unknown consumers | %d %s |\n", len(q.Missing), clipInts(q.Missing))
	w("| stats (every f has an ok) | %v |\n", a.StatsValid)
	if len(q.Examples) > 0 {
		w("\n### Anomalies\n\n")
		for _, e := range q.Examples {
			w("- %s\n", e)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
