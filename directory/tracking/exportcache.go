package tracking

import (
	"hash/fnv"
	"io"
	"os"
	"sync"
	"time"
)

// scans keeps the scans of the exports read, so that Servers and Read,
// which both need a file's before reading it, scan it once.
var scans = scanCache{files: map[scanKey]*exportScan{}}

// maxScans bounds scans: past it, one scan kept gives way for each new.
const maxScans = 256

type scanCache struct {
	sync.Mutex
	files map[scanKey]*exportScan
}

// scanKey names a scan: the file, the record cap it was scanned with, and
// what tells a file rewritten since: its size, its modification time and a
// hash of its first and last bytes (a copy may keep the time, and a file
// system's clock may be coarse).
type scanKey struct {
	path      string
	maxRecord int
	size      int64
	mod       time.Time
	ends      uint64
}

// fingerprintBytes is how much of each end of a file its key hashes.
const fingerprintBytes = 64 << 10

func fileKey(f *os.File, path string, maxRecord int) (scanKey, bool) {
	fi, err := f.Stat()
	if err != nil {
		return scanKey{}, false
	}
	h := fnv.New64a()
	buf := make([]byte, fingerprintBytes)
	for _, at := range []int64{0, max(0, fi.Size()-fingerprintBytes)} {
		n, err := f.ReadAt(buf, at)
		if err != nil && err != io.EOF {
			return scanKey{}, false
		}
		h.Write(buf[:n])
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return scanKey{}, false
	}
	return scanKey{path, maxRecord, fi.Size(), fi.ModTime(), h.Sum64()}, true
}

func (c *scanCache) get(k scanKey) (*exportScan, bool) {
	c.Lock()
	defer c.Unlock()
	s, ok := c.files[k]
	return s, ok
}

func (c *scanCache) put(k scanKey, s *exportScan) {
	c.Lock()
	defer c.Unlock()
	if len(c.files) >= maxScans {
		for old := range c.files {
			delete(c.files, old)
			break
		}
	}
	c.files[k] = s
}
