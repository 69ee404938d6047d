// Package simkit is what the simulators of outside parties (the agencies in
// internal/sim/agencies, the custody bank in internal/sim/bank) share: the
// journal file they survive restarts with, the checks and error replies of
// their signed HTTP routes, and Serve. Each simulator keeps its own record
// formats, replay and routes.
package simkit

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/gofrs/flock"
)

// ErrClosed is the error (wrapped with the simulator's prefix) of writing to
// or syncing a closed journal.
var ErrClosed = errors.New("journal closed")

// Journal is an append-only file of JSON lines, locked against a second
// simulator (path + ".lock"). It is read once after opening (Read), then
// appended to; a line is durable once Sync has gone past its end. Its
// methods are safe for concurrent use; Append, Written and Sync do nothing
// on a nil Journal (a simulator in memory only).
type Journal struct {
	path   string
	prefix string // of error messages: "agencies", "bank sim"
	name   string // of log messages: "协执单位模拟器"
	closed error  // ErrClosed with the prefix
	lock   *flock.Flock

	mu     sync.Mutex // guards f's writes, size, isDone and err
	f      *os.File
	size   int64
	isDone bool  // closed or abandoned
	err    error // a failed write: the end of the file is unknown, nothing more is written

	syncMu sync.Mutex // one fsync at a time; the others wait and usually find their data synced (group commit)
	synced atomic.Int64
}

// OpenJournal opens or creates the journal at path (and its directory) and
// locks it. prefix begins its error messages ("agencies"); name is the
// simulator in its log messages, in Chinese ("协执单位模拟器").
func OpenJournal(path, prefix, name string) (*Journal, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("%s: journal directory: %w", prefix, err)
		}
	}
	lk := flock.New(path + ".lock")
	ok, err := lk.TryLock()
	if err != nil {
		return nil, fmt.Errorf("%s: locking journal %s: %w", prefix, path, err)
	}
	if !ok {
		return nil, fmt.Errorf("%s: journal %s is in use by another simulator", prefix, path)
	}
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		_ = lk.Unlock()
		return nil, fmt.Errorf("%s: opening journal: %w", prefix, err)
	}
	if errors.Is(statErr, os.ErrNotExist) {
		// A new file: make its directory entry durable too.
		if d, err := os.Open(filepath.Dir(path)); err == nil {
			_ = d.Sync()
			_ = d.Close()
		}
	}
	return &Journal{
		path: path, prefix: prefix, name: name, lock: lk, f: f,
		closed: fmt.Errorf("%s: %w", prefix, ErrClosed),
	}, nil
}

// Path is the journal's file.
func (j *Journal) Path() string { return j.path }

// Read calls apply on every line in order, trimmed of white space, with the
// offset in the file of its first byte; blank lines are skipped. A last
// line that is incomplete or that apply refuses is taken for a write cut
// short by a crash: it is logged and cut off the file. A line before the
// last that apply refuses is an error naming the line. Appends go after
// what was read.
func (j *Journal) Read(log *slog.Logger, apply func(line []byte, off int64) error) error {
	r := bufio.NewReaderSize(j.f, 1<<20)
	var good int64
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if len(line) == 0 && err == io.EOF {
			break
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("%s: reading journal: %w", j.prefix, err)
		}
		if err == io.EOF {
			log.Warn(j.name+"日志末行不完整（上次运行中断），已忽略", "path", j.path, "line", n, "bytes", len(line))
			break
		}
		if body := bytes.TrimSpace(line); len(body) > 0 {
			lead := len(line) - len(bytes.TrimLeft(line, " \t\r\n"))
			if aerr := apply(body, good+int64(lead)); aerr != nil {
				if _, perr := r.Peek(1); perr == io.EOF {
					log.Warn(j.name+"日志末行无法解析（上次运行中断），已忽略", "path", j.path, "line", n, "err", aerr)
					break
				}
				return fmt.Errorf("%s: journal %s line %d: %w", j.prefix, j.path, n, aerr)
			}
		}
		good += int64(len(line))
	}
	st, err := j.f.Stat()
	if err != nil {
		return err
	}
	if st.Size() > good {
		if err := j.f.Truncate(good); err != nil {
			return fmt.Errorf("%s: cutting the torn end of the journal: %w", j.prefix, err)
		}
		if err := j.f.Sync(); err != nil {
			return err
		}
	}
	if _, err := j.f.Seek(good, io.SeekStart); err != nil {
		return err
	}
	j.mu.Lock()
	j.size = good
	j.mu.Unlock()
	j.synced.Store(good)
	return nil
}

// Append writes b at the end and returns the size of the journal after it.
// After a failed write it writes nothing more and answers that error.
func (j *Journal) Append(b []byte) (int64, error) {
	if j == nil {
		return 0, nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.isDone {
		return j.size, j.closed
	}
	if j.err != nil {
		return j.size, j.err
	}
	n, err := j.f.Write(b)
	j.size += int64(n)
	if err != nil {
		j.err = fmt.Errorf("%s: writing journal: %w", j.prefix, err)
		return j.size, j.err
	}
	return j.size, nil
}

// AppendSync appends b and syncs it. A failed sync, like a failed write,
// stops all further writes.
func (j *Journal) AppendSync(b []byte) error {
	off, err := j.Append(b)
	if err != nil {
		return err
	}
	if err := j.Sync(off); err != nil {
		j.mu.Lock()
		if j.err == nil && !errors.Is(err, ErrClosed) {
			j.err = err
		}
		j.mu.Unlock()
		return err
	}
	return nil
}

// ReadAt reads n bytes at off (safe beside appends).
func (j *Journal) ReadAt(off int64, n int32) ([]byte, error) {
	b := make([]byte, n)
	if _, err := j.f.ReadAt(b, off); err != nil {
		return nil, fmt.Errorf("%s: reading journal: %w", j.prefix, err)
	}
	return b, nil
}

// Written is the size of the journal so far.
func (j *Journal) Written() int64 {
	if j == nil {
		return 0
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.size
}

// Sync makes the journal durable at least up to off. Concurrent calls share
// one fsync where they can.
func (j *Journal) Sync(off int64) error {
	if j == nil || off <= j.synced.Load() {
		return nil
	}
	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	if off <= j.synced.Load() {
		return nil
	}
	j.mu.Lock()
	target, done := j.size, j.isDone
	j.mu.Unlock()
	if done {
		return j.closed
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("%s: syncing journal: %w", j.prefix, err)
	}
	j.synced.Store(target)
	return nil
}

// Close syncs and closes the file and releases the lock. Closing again does
// nothing.
func (j *Journal) Close() error {
	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.isDone {
		return nil
	}
	j.isDone = true
	err := j.f.Sync()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	if uerr := j.lock.Unlock(); err == nil {
		err = uerr
	}
	return err
}

// Abandon closes the file without syncing, as a crash leaves it, and
// releases the lock (tests restart from it).
func (j *Journal) Abandon() {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.isDone {
		return
	}
	j.isDone = true
	_ = j.f.Close()
	_ = j.lock.Unlock()
}
