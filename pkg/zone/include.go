package zone

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// includeError is why an $INCLUDE was refused or failed; miekg wraps it in its ParseError.
type includeError struct{ msg string }

func (e *includeError) Error() string { return e.msg }

// includeFS serves $INCLUDE files to miekg's parser. It opens only files inside root (the
// zone file's folder, symlinks resolved) and wraps each in a tracker. miekg hands it slash
// paths made absolute from the zone file's absolute name, without the leading slash.
type includeFS struct {
	root    string            // absolute, symlinks resolved; "" when includes are impossible
	lexRoot string            // absolute, as named
	display string            // folder of the zone file as the caller named it
	names   map[string]string // name given to miekg -> display name
	shared  *trackers
}

func (f *includeFS) Open(name string) (fs.File, error) {
	if f.root == "" {
		return nil, &includeError{"$INCLUDE needs a zone file name to resolve paths against"}
	}
	p := filepath.FromSlash("/" + name)
	if !inside(f.lexRoot, p) { // the path as written
		return nil, &includeError{fmt.Sprintf("$INCLUDE of %s is outside the zone file's folder", f.describe(p))}
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return nil, &includeError{"$INCLUDE: " + f.describe(p) + ": " + errText(err)}
	}
	if !inside(f.root, real) { // where its symlinks lead
		return nil, &includeError{fmt.Sprintf("$INCLUDE of %s leads outside the zone file's folder", f.describe(p))}
	}
	rel, _ := filepath.Rel(f.root, real)
	file, err := os.Open(real)
	if err != nil {
		return nil, &includeError{"$INCLUDE: " + f.describe(p) + ": " + errText(err)}
	}
	st, err := file.Stat()
	if err != nil || !st.Mode().IsRegular() {
		file.Close()
		return nil, &includeError{"$INCLUDE: " + f.describe(p) + ": not a regular file"}
	}
	disp := filepath.Join(f.display, rel)
	f.names[name] = disp
	return &includedFile{tracker: newTracker(file, disp, f.shared), f: file}, nil
}

// inside reports whether p is in the folder root or below it.
func inside(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// describe names an include target for messages: relative to the zone file's folder when
// possible, so that errors do not print the machine's absolute paths.
func (f *includeFS) describe(p string) string {
	if rel, err := filepath.Rel(f.lexRoot, p); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.Join(f.display, rel)
	}
	return p
}

func errText(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// includedFile is an fs.File whose reads go through a tracker.
type includedFile struct {
	*tracker
	f *os.File
}

func (i *includedFile) Stat() (fs.FileInfo, error) { return i.f.Stat() }
func (i *includedFile) Close() error               { return i.f.Close() }
