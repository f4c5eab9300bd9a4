package controller

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/stamp"
	"github.com/twinzone/twinzone/pkg/zone"
)

// desiredFile is a zone file watched for changes: the desired state, observed every round.
// A new version replaces the old one only if it parses: a broken file is reported and never
// pushed anywhere.
type desiredFile struct {
	path, origin string
	watch        *fileWatch

	mu  sync.Mutex
	cur desired
	bad string // the broken version (fileWatch key) reported last
}

// desired is one parsed version of the zone file.
type desired struct {
	zone  *zone.Zone
	stamp stamp.Stamp
}

func newDesiredFile(zc *config.Zone, parsed *zone.Zone) (*desiredFile, error) {
	d := &desiredFile{path: zc.File, origin: zc.Name, watch: newFileWatch(zc.File)}
	if parsed == nil {
		if zc.File == "" {
			return d, nil
		}
		z, err := zone.ParseFile(zc.File, zc.Name)
		if err != nil {
			return nil, err
		}
		parsed = z
	}
	d.cur = desired{zone: parsed, stamp: plan.StampOf(parsed.RRsets)}
	return d, nil
}

func (d *desiredFile) current() desired {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cur
}

// refresh re-reads the file when it changed on disk. It returns the old and new stamps when
// a new version was adopted, and err (once per broken version: reported is true) when the new
// version does not parse; the old version stays in force then.
func (d *desiredFile) refresh() (old, cur stamp.Stamp, adopted bool, err error, reported bool) {
	if d.path == "" {
		return
	}
	key, changed := d.watch.changed()
	if !changed {
		return
	}
	z, perr := zone.ParseFile(d.path, d.origin)
	d.mu.Lock()
	defer d.mu.Unlock()
	if perr != nil {
		// Looked at again when it changes next (an editor still writing changes it again).
		first := d.bad != key
		d.bad = key
		return d.cur.stamp, d.cur.stamp, false, perr, first
	}
	d.bad = ""
	old = d.cur.stamp
	d.cur = desired{zone: z, stamp: plan.StampOf(z.RRsets)}
	return old, d.cur.stamp, old != d.cur.stamp, nil, false
}

// fileWatch notices that a file changed (size or modification time; a write within the same
// clock tick that keeps the size is caught on the next change).
type fileWatch struct {
	path string
	mu   sync.Mutex
	key  string
}

func newFileWatch(path string) *fileWatch {
	w := &fileWatch{path: path}
	w.key, _ = w.stat()
	return w
}

func (w *fileWatch) stat() (string, bool) {
	if w.path == "" {
		return "", false
	}
	st, err := os.Stat(w.path)
	if err != nil {
		return "missing: " + err.Error(), true
	}
	return fmt.Sprintf("%d %s", st.Size(), st.ModTime().UTC().Format(time.RFC3339Nano)), true
}

// changed reports whether the file differs from the version seen last, and remembers it.
func (w *fileWatch) changed() (string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	key, ok := w.stat()
	if !ok || key == w.key {
		return key, false
	}
	w.key = key
	return key, true
}
