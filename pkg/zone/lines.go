package zone

import "slices"

// lineIndex holds where each RRset's first record was read: the keys in canonical order
// and, for each, a file index and line (8 bytes).
type lineIndex struct {
	keys  []Key
	pos   []filePos
	files []string
}

type filePos struct {
	file int32 // index into files
	line int32
}

func (l *lineIndex) at(k Key) Pos {
	if l == nil {
		return Pos{}
	}
	i, ok := slices.BinarySearchFunc(l.keys, k, Key.Compare)
	if !ok {
		return Pos{}
	}
	return l.get(l.pos[i])
}

func (l *lineIndex) get(p filePos) Pos {
	return Pos{File: l.files[p.file], Line: int(p.line)}
}

// fileID returns the index of a file name, adding it if new.
func (l *lineIndex) fileID(name string) int32 {
	for i, f := range l.files {
		if f == name {
			return int32(i)
		}
	}
	l.files = append(l.files, name)
	return int32(len(l.files) - 1)
}
