package netns

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// clockFile is where node id reads its test-only clock offset (outside
// its data directory, so a wipe keeps it).
func (c *Cluster) clockFile(id string) string { return filepath.Join(c.cfg.WorkDir, id+".clock") }

// SetClockOffset sets node id's clock offset (Config.ClockHook): the node
// adds it to its wall clock within its poll period (10 ms). The file is
// replaced atomically, so the node never reads half a number.
func (c *Cluster) SetClockOffset(id string, offset time.Duration) error {
	if err := c.check(id); err != nil {
		return err
	}
	if !c.cfg.ClockHook {
		return fmt.Errorf("netns: the clock hook is off (Config.ClockHook)")
	}
	path := c.clockFile(id)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.FormatInt(offset.Milliseconds(), 10)+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
