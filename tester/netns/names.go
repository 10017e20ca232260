package netns

import (
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

// namePrefix starts every object name; the creating process's pid follows.
// Interface names are limited to 15 bytes (IFNAMSIZ-1): "rdj" + 7 pid
// digits + "n" + 2 node digits + "h" is 14.
const namePrefix = "rdj"

// maxNodes bounds the node count so that names fit IFNAMSIZ and addresses
// fit the /24 (.1 .. .maxNodes, the bridge is .254).
const maxNodes = 99

// subnetBase is the private /16 the per-run /24s are taken from.
var subnetBase = [2]byte{10, 77}

func prefix(pid int) string { return namePrefix + strconv.Itoa(pid) }

func nsName(pid, i int) string   { return fmt.Sprintf("%s-n%d", prefix(pid), i) }
func hostVeth(pid, i int) string { return fmt.Sprintf("%sn%dh", prefix(pid), i) }
func peerVeth(pid, i int) string { return fmt.Sprintf("%sn%dp", prefix(pid), i) }
func bridgeName(pid int) string  { return prefix(pid) + "br" }
func nodeAddr(sub byte, i int) netip.Addr {
	return netip.AddrFrom4([4]byte{subnetBase[0], subnetBase[1], sub, byte(i)})
}
func bridgeAddr(sub byte) netip.Addr { return nodeAddr(sub, 254) }

// ownerRE extracts the pid from the names this package creates.
var ownerRE = regexp.MustCompile(`^` + namePrefix + `(\d+)(?:-n\d+|br|n\d+[hp]|probe)$`)

// owner returns the pid in a name this package created, or 0.
func owner(name string) int {
	m := ownerRE.FindStringSubmatch(name)
	if m == nil {
		return 0
	}
	pid, err := strconv.Atoi(m[1])
	if err != nil {
		return 0
	}
	return pid
}

// alive reports whether pid is a running process.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}

// Sweep removes the namespaces and bridges of runs whose process is gone,
// killing whatever still runs inside such a namespace first. It returns the
// names it removed.
func Sweep(ctx context.Context) ([]string, error) {
	var removed []string
	out, err := run(ctx, nil, "ip", "netns", "list")
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(out), "\n") {
		name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		pid := owner(name)
		if pid == 0 || alive(pid) {
			continue
		}
		killNamespace(ctx, name)
		if _, err := run(ctx, nil, "ip", "netns", "del", name); err != nil {
			return removed, err
		}
		removed = append(removed, name)
	}
	out, err = run(ctx, nil, "ip", "-o", "link", "show", "type", "bridge")
	if err != nil {
		return removed, err
	}
	for _, line := range strings.Split(string(out), "\n") {
		// "12: rdj123br: <...>"
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		name := strings.TrimSuffix(f[1], ":")
		name, _, _ = strings.Cut(name, "@")
		pid := owner(name)
		if pid == 0 || alive(pid) {
			continue
		}
		if _, err := run(ctx, nil, "ip", "link", "del", name); err != nil {
			return removed, err
		}
		removed = append(removed, name)
	}
	return removed, nil
}

// killNamespace SIGKILLs every process inside the namespace.
func killNamespace(ctx context.Context, name string) {
	out, err := run(ctx, nil, "ip", "netns", "pids", name)
	if err != nil {
		return
	}
	for _, f := range strings.Fields(string(out)) {
		if pid, err := strconv.Atoi(f); err == nil && pid > 1 {
			_ = syscall.Kill(pid, syscall.SIGCONT)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// pickSubnet chooses the third octet of a 10.77.x.0/24 no interface uses,
// starting from one derived from pid.
func pickSubnet(ctx context.Context, pid int) (byte, error) {
	out, err := run(ctx, nil, "ip", "-4", "-o", "addr", "show")
	if err != nil {
		return 0, err
	}
	used := map[byte]bool{}
	for _, f := range strings.Fields(string(out)) {
		p, err := netip.ParsePrefix(f)
		if err != nil || !p.Addr().Is4() {
			continue
		}
		a := p.Addr().As4()
		if a[0] == subnetBase[0] && a[1] == subnetBase[1] {
			used[a[2]] = true
		}
	}
	for k := 0; k < 250; k++ {
		s := byte(1 + (pid+k)%250)
		if !used[s] {
			return s, nil
		}
	}
	return 0, fmt.Errorf("%w: every 10.77.x.0/24 is in use", ErrUnavailable)
}
