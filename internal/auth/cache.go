package auth

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
)

// The principal cache spares Authenticate its four queries (the session,
// the user, the role and its permissions, the courts in scope) on the
// requests that follow one another with the same token or cookie.
//
// Correctness within one process: every change that can end a session or
// change what a principal stands for — logout, the revocation of a user's
// sessions, a password reset or change, disabling a user, any edit of a user,
// a role or its permissions, and (through org.Version) any court added or
// edited — bumps an epoch of the database once its transaction has
// committed, before the call that made it returns. A cached principal
// remembers the epochs it was read under (taken before its reads) and is
// used only while they are still current, so a request that starts after a
// revoking call returned never sees the old answer.
//
// Across processes (two servers on one PostgreSQL database, or `zhixing
// user disable` run beside a server) the epoch does not travel: another
// process keeps accepting a revoked token for at most PrincipalTTL (5 s by
// default) after the revocation committed. Set PrincipalTTL negative to
// turn the cache off where that is not acceptable.

// maxCachedPrincipals bounds the cache; beyond it stale entries go first,
// then arbitrary ones.
const maxCachedPrincipals = 4096

// epochKey keys the database's principal epoch in store.DB.Memo.
type epochKey struct{}

func principalEpoch(db *store.DB) *atomic.Uint64 {
	if v, ok := db.Memo().Load(epochKey{}); ok {
		return v.(*atomic.Uint64)
	}
	v, _ := db.Memo().LoadOrStore(epochKey{}, new(atomic.Uint64))
	return v.(*atomic.Uint64)
}

// principalsChanged marks every cached principal of tx's database stale once
// tx commits. Call it in any transaction that ends sessions or changes a
// user, a role or a permission.
func principalsChanged(tx *store.Tx) {
	db := tx.DB()
	tx.AfterCommit(func() { principalEpoch(db).Add(1) })
}

// epochs is what a cached principal was read under.
type epochs struct{ auth, courts uint64 }

func currentEpochs(db *store.DB) epochs {
	return epochs{auth: principalEpoch(db).Load(), courts: org.Version(db)}
}

type cachedPrincipal struct {
	p        *access.Principal
	read     epochs
	loadedAt time.Time // by the service's clock
	// validUntil is the earlier of the session's absolute and idle expiry
	// as read: past it the session must be read again (another process may
	// have pushed the idle expiry on; or it ended).
	validUntil time.Time
}

type principalCache struct {
	mu      sync.Mutex
	entries map[string]cachedPrincipal // by token hash
}

// get returns the cached principal of the token hashed to key, if it is
// still good at now under the current epochs cur.
func (c *principalCache) get(key string, now time.Time, ttl time.Duration, cur epochs) *access.Principal {
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if !ok || e.read != cur || now.Sub(e.loadedAt) >= ttl || now.Before(e.loadedAt) || !now.Before(e.validUntil) {
		return nil
	}
	return e.p
}

func (c *principalCache) put(key string, e cachedPrincipal, now time.Time, ttl time.Duration, cur epochs) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = make(map[string]cachedPrincipal)
	}
	if len(c.entries) >= maxCachedPrincipals {
		for k, old := range c.entries {
			if old.read != cur || now.Sub(old.loadedAt) >= ttl || !now.Before(old.validUntil) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < maxCachedPrincipals*3/4 {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[key] = e
}

// forget drops one token's entry (a token found invalid).
func (c *principalCache) forget(key string) {
	c.mu.Lock()
	delete(c.entries, key)
	c.mu.Unlock()
}
