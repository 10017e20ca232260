package netns

import (
	"strings"
	"testing"
)

func TestLossRules(t *testing.T) {
	got := lossRules([]string{"10.0.0.2", "10.0.0.3"}, 25)
	for _, want := range []string{
		"add table inet redraft_loss\ndelete table inet redraft_loss\n",
		"type filter hook input priority 0;",
		"ip saddr { 10.0.0.2, 10.0.0.3 } numgen random mod 100 < 25 drop",
		"type filter hook output priority 0;",
		"ip daddr { 10.0.0.2, 10.0.0.3 } numgen random mod 100 < 25 drop",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("rules lack %q:\n%s", want, got)
		}
	}
	if got := lossRules([]string{"10.0.0.2"}, 100); !strings.Contains(got, "ip saddr { 10.0.0.2 } drop") || strings.Contains(got, "numgen") {
		t.Errorf("loss 100: every packet dropped, without numgen:\n%s", got)
	}
	if got := lossRules([]string{"10.0.0.2"}, 0); got != "add table inet redraft_loss\ndelete table inet redraft_loss\n" {
		t.Errorf("loss 0: %q, want the table removed only", got)
	}
}
