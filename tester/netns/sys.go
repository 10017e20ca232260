package netns

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Sentinel errors.
var (
	ErrUnavailable = errors.New("netns: network namespaces are unavailable")
	ErrNode        = errors.New("netns: no such node")
)

// cmdTimeout bounds one ip or nft command; they return in milliseconds
// unless the kernel is wedged.
const cmdTimeout = 20 * time.Second

// tools are the commands the package runs, with the Debian package that
// provides each.
var tools = []struct{ cmd, pkg string }{
	{"ip", "iproute2"},
	{"nft", "nftables"},
}

// Available reports why clusters cannot be created here, or nil: the
// process must be root, ip and nft must be installed, and a probe namespace
// must be creatable.
func Available() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: must run as root (network namespaces need CAP_NET_ADMIN and CAP_SYS_ADMIN)", ErrUnavailable)
	}
	var missing []string
	for _, t := range tools {
		if _, err := exec.LookPath(t.cmd); err != nil {
			missing = append(missing, fmt.Sprintf("%s (Debian package %s)", t.cmd, t.pkg))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: missing %s; install with apt-get install -y iproute2 nftables (linkv does it with --install)", ErrUnavailable, strings.Join(missing, ", "))
	}
	probe := fmt.Sprintf("%sprobe", prefix(os.Getpid()))
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	if _, err := run(ctx, nil, "ip", "netns", "add", probe); err != nil {
		return fmt.Errorf("%w: cannot create a namespace: %v", ErrUnavailable, err)
	}
	defer run(ctx, nil, "ip", "netns", "del", probe)
	if _, err := run(ctx, nil, "ip", "netns", "exec", probe, "nft", "list", "ruleset"); err != nil {
		return fmt.Errorf("%w: nftables does not work inside a namespace: %v", ErrUnavailable, err)
	}
	return nil
}

// Install installs iproute2 and nftables with apt-get when ip or nft is
// missing; it does nothing when both are present.
func Install(ctx context.Context) error {
	var pkgs []string
	for _, t := range tools {
		if _, err := exec.LookPath(t.cmd); err != nil {
			pkgs = append(pkgs, t.pkg)
		}
	}
	if len(pkgs) == 0 {
		return nil
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return fmt.Errorf("%w: missing packages %s and no apt-get to install them", ErrUnavailable, strings.Join(pkgs, " "))
	}
	if _, err := run(ctx, nil, "apt-get", "update"); err != nil {
		return err
	}
	args := append([]string{"install", "-y"}, pkgs...)
	_, err := run(ctx, nil, "apt-get", args...)
	return err
}

// run runs a command with stdin (may be nil) and returns its stdout; the
// error carries stderr.
func run(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}
