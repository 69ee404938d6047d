package org

import (
	"sync/atomic"

	"github.com/zhixing-court/zhixing/internal/store"
)

// versionKey keys the courts' version in store.DB.Memo.
type versionKey struct{}

func versionOf(db *store.DB) *atomic.Uint64 {
	if v, ok := db.Memo().Load(versionKey{}); ok {
		return v.(*atomic.Uint64)
	}
	v, _ := db.Memo().LoadOrStore(versionKey{}, new(atomic.Uint64))
	return v.(*atomic.Uint64)
}

// Version counts the changes to courts (a court added, or edited) committed
// in this process. Caches of what derives from the courts — a signed-in
// user's court name and the courts below theirs (auth's principal cache) —
// hold the version they were read under and are stale once it moved.
func Version(db *store.DB) uint64 { return versionOf(db).Load() }

// courtsChanged moves the version once tx commits.
func courtsChanged(tx *store.Tx) {
	db := tx.DB()
	tx.AfterCommit(func() { versionOf(db).Add(1) })
}
