package history

import (
	"strings"
	"testing"
	"time"
)

func TestLines(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	var l Lines
	l.Invoke(ms(0), Event("0", "invoke", "write", "[1 2]"))
	l.Complete(ms(5), Event("0", "ok", "write", "[1 2]"))
	l.Invoke(ms(5), Event("1", "invoke", "read", "[1 nil]"))
	l.Complete(ms(3), Event("1", "fail", "read", "[1 nil]")+"\terr")
	l.Nemesis([]NemesisOp{{F: "kill", Value: ":one", Result: ResultMap(map[string]string{"n2": ":killed", "n1": ":killed"}), Invoke: ms(5), End: ms(6)}})
	want := []string{
		"0\t:invoke\t:write\t[1 2]",
		"1\t:fail\t:read\t[1 nil]\terr",
		"1\t:invoke\t:read\t[1 nil]",
		":nemesis\t:info\t:kill\t:one",
		"0\t:ok\t:write\t[1 2]",
		":nemesis\t:info\t:kill\t{\"n1\" :killed, \"n2\" :killed}",
	}
	var b strings.Builder
	if err := l.Write(&b); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != strings.Join(want, "\n")+"\n" {
		t.Fatalf("Write:\n%s", got)
	}
	b.Reset()
	if err := l.WriteTimed(&b); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	times := []string{"  0.000000", "  0.003000", "  0.005000", "  0.005000", "  0.005000", "  0.006000"}
	for i := range want {
		if got[i] != times[i]+"\t"+want[i] {
			t.Errorf("WriteTimed line %d = %q, want %q", i, got[i], times[i]+"\t"+want[i])
		}
	}
}
