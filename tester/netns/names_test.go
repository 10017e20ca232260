package netns

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestNamesFitAndParse(t *testing.T) {
	const pid = 4194304 // the largest pid Linux hands out
	for _, tc := range []struct {
		name string
		want int
	}{
		{nsName(pid, 1), pid},
		{nsName(pid, maxNodes), pid},
		{hostVeth(pid, maxNodes), pid},
		{peerVeth(pid, 3), pid},
		{bridgeName(pid), pid},
		{prefix(pid) + "probe", pid},
		{"rdj12x", 0},
		{"eth0", 0},
		{"rd123-n1", 0},
	} {
		if got := owner(tc.name); got != tc.want {
			t.Errorf("owner(%q) = %d, want %d", tc.name, got, tc.want)
		}
	}
	for _, n := range []string{hostVeth(pid, maxNodes), peerVeth(pid, maxNodes), bridgeName(pid)} {
		if len(n) > 15 {
			t.Errorf("interface name %q is %d bytes, more than IFNAMSIZ-1 = 15", n, len(n))
		}
	}
}

func TestRules(t *testing.T) {
	for _, tc := range []struct {
		addrs []string
		want  []string
		not   []string
	}{
		{nil, []string{"delete table inet " + tableName}, []string{"drop"}},
		{[]string{"10.77.3.1", "10.77.3.2"}, []string{"ip saddr { 10.77.3.1, 10.77.3.2 } drop", "hook input"}, nil},
	} {
		got := rules(tc.addrs)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("rules(%v) lacks %q:\n%s", tc.addrs, w, got)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(got, w) {
				t.Errorf("rules(%v) has %q:\n%s", tc.addrs, w, got)
			}
		}
	}
}

// TestAvailableNamesWhatIsMissing: with nft off the PATH, Available says
// so and names the package.
func TestAvailableNamesWhatIsMissing(t *testing.T) {
	if os.Geteuid() != 0 {
		if err := Available(); err == nil || !strings.Contains(err.Error(), "must run as root") {
			t.Fatalf("unprivileged Available() = %v", err)
		}
		return
	}
	ip, err := exec.LookPath("ip")
	if err != nil {
		t.Skip("no ip on PATH")
	}
	dir := t.TempDir()
	if err := os.Symlink(ip, filepath.Join(dir, "ip")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	err = Available()
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "nft (Debian package nftables)") {
		t.Fatalf("Available() without nft = %v", err)
	}
}
