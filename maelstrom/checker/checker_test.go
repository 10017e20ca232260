package checker

import (
	"strings"
	"testing"
	"time"
)

func s(v string) *string { return &v }

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestHandWrittenHistories(t *testing.T) {
	for _, tc := range []struct {
		name string
		ops  []Op
		want Verdict
	}{
		{"write then read", []Op{
			{Process: 0, Kind: Write, Key: "0", Value: s("1"), Call: ms(0), Return: ms(1)},
			{Process: 1, Kind: Read, Key: "0", Value: s("1"), Call: ms(2), Return: ms(3)},
		}, Valid},
		{"stale read after acknowledged write", []Op{
			{Process: 0, Kind: Write, Key: "0", Value: s("1"), Call: ms(0), Return: ms(1)},
			{Process: 0, Kind: Write, Key: "0", Value: s("2"), Call: ms(2), Return: ms(3)},
			{Process: 1, Kind: Read, Key: "0", Value: s("1"), Call: ms(4), Return: ms(5)},
		}, Invalid},
		{"concurrent read may see either", []Op{
			{Process: 0, Kind: Write, Key: "0", Value: s("1"), Call: ms(0), Return: ms(1)},
			{Process: 0, Kind: Write, Key: "0", Value: s("2"), Call: ms(2), Return: ms(10)},
			{Process: 1, Kind: Read, Key: "0", Value: s("1"), Call: ms(3), Return: ms(4)},
		}, Valid},
		{"null read matches anything", []Op{
			{Process: 0, Kind: Write, Key: "0", Value: s("1"), Call: ms(0), Return: ms(1)},
			{Process: 1, Kind: Read, Key: "0", Value: nil, Call: ms(2), Return: ms(3)},
		}, Valid},
		{"read of a value never written", []Op{
			{Process: 1, Kind: Read, Key: "0", Value: s("4"), Call: ms(2), Return: ms(3)},
		}, Invalid},
		{"unknown write may take effect later", []Op{
			{Process: 0, Kind: Write, Key: "0", Value: s("3"), Outcome: Info, Call: ms(0)},
			{Process: 1, Kind: Read, Key: "0", Value: s("3"), Call: ms(50), Return: ms(51)},
		}, Valid},
		{"unknown write may never happen", []Op{
			{Process: 0, Kind: Write, Key: "0", Value: s("1"), Call: ms(0), Return: ms(1)},
			{Process: 2, Kind: Write, Key: "0", Value: s("3"), Outcome: Info, Call: ms(2)},
			{Process: 1, Kind: Read, Key: "0", Value: s("1"), Call: ms(50), Return: ms(51)},
		}, Valid},
		{"unknown write cannot take effect before its call", []Op{
			{Process: 1, Kind: Read, Key: "0", Value: s("3"), Call: ms(0), Return: ms(1)},
			{Process: 0, Kind: Write, Key: "0", Value: s("3"), Outcome: Info, Call: ms(5)},
		}, Invalid},
		{"failed write is dropped", []Op{
			{Process: 0, Kind: Write, Key: "0", Value: s("3"), Outcome: Fail, Call: ms(0), Return: ms(1)},
			{Process: 1, Kind: Read, Key: "0", Value: s("3"), Call: ms(5), Return: ms(6)},
		}, Invalid},
		{"ok cas needs the expected value", []Op{
			{Process: 0, Kind: Write, Key: "0", Value: s("1"), Call: ms(0), Return: ms(1)},
			{Process: 0, Kind: CAS, Key: "0", From: "2", To: "3", Call: ms(2), Return: ms(3)},
		}, Invalid},
		{"cas chain", []Op{
			{Process: 0, Kind: Write, Key: "0", Value: s("1"), Call: ms(0), Return: ms(1)},
			{Process: 0, Kind: CAS, Key: "0", From: "1", To: "2", Call: ms(2), Return: ms(3)},
			{Process: 1, Kind: Read, Key: "0", Value: s("2"), Call: ms(4), Return: ms(5)},
		}, Valid},
		{"unknown cas as a no-op", []Op{
			{Process: 0, Kind: Write, Key: "0", Value: s("1"), Call: ms(0), Return: ms(1)},
			{Process: 0, Kind: CAS, Key: "0", From: "1", To: "2", Outcome: Info, Call: ms(2)},
			{Process: 1, Kind: Read, Key: "0", Value: s("1"), Call: ms(4), Return: ms(5)},
			{Process: 1, Kind: Read, Key: "0", Value: s("2"), Call: ms(6), Return: ms(7)},
			{Process: 1, Kind: Read, Key: "0", Value: s("1"), Call: ms(8), Return: ms(9)},
		}, Invalid},
		{"keys are independent", []Op{
			{Process: 0, Kind: Write, Key: "0", Value: s("1"), Call: ms(0), Return: ms(1)},
			{Process: 1, Kind: Read, Key: "1", Value: s("1"), Call: ms(2), Return: ms(3)},
		}, Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Check(tc.ops, 10*time.Second).Verdict; got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestTimelineRenders(t *testing.T) {
	r := Check([]Op{{Process: 0, Kind: Write, Key: "0", Value: s("1"), Call: ms(0), Return: ms(1)}}, time.Second)
	var b stringsBuilder
	if err := r.Timeline("0", &b); err != nil || b.n == 0 {
		t.Fatalf("timeline: %v, %d bytes", err, b.n)
	}
}

type stringsBuilder struct{ n int }

func (b *stringsBuilder) Write(p []byte) (int, error) { b.n += len(p); return len(p), nil }

func TestTimelineWithWindows(t *testing.T) {
	r := Check([]Op{{Process: 0, Kind: Write, Key: "0", Value: s("1"), Call: ms(0), Return: ms(1)}}, time.Second)
	var b strings.Builder
	err := r.TimelineWithWindows("0", &b, []Window{{Tag: "nemesis", Start: 0, End: ms(1), Description: "partition one", Color: "#ddd"}})
	if err != nil || !strings.Contains(b.String(), "partition one") {
		t.Fatalf("timeline: %v, annotation missing: %t", err, !strings.Contains(b.String(), "partition one"))
	}
	if err := r.TimelineWithWindows("9", &b, nil); err == nil {
		t.Fatal("want an error for a key without history")
	}
}
