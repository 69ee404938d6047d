// Package ratelimit limits how often one key — a client's address — may do
// something, in this process: a token bucket per key, idle keys forgotten.
package ratelimit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Keyed is a token bucket per key. The zero value is not usable; use New.
type Keyed struct {
	limit rate.Limit
	burst int
	now   func() time.Time

	mu   sync.Mutex
	keys map[string]*entry
}

type entry struct {
	lim  *rate.Limiter
	seen time.Time
}

// maxKeys is how many keys are kept before the idle ones are dropped.
const maxKeys = 10000

// idle is how long a key unused is kept past maxKeys.
const idle = 10 * time.Minute

// New returns a limiter allowing each key limit events a second with bursts
// of burst; now is time.Now when nil.
func New(limit rate.Limit, burst int, now func() time.Time) *Keyed {
	if now == nil {
		now = time.Now
	}
	return &Keyed{limit: limit, burst: burst, now: now, keys: map[string]*entry{}}
}

// Allow reports whether key may act now, and counts it when it may.
func (k *Keyed) Allow(key string) bool {
	now := k.now()
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.keys) > maxKeys {
		for name, e := range k.keys {
			if now.Sub(e.seen) > idle {
				delete(k.keys, name)
			}
		}
	}
	e := k.keys[key]
	if e == nil {
		e = &entry{lim: rate.NewLimiter(k.limit, k.burst)}
		k.keys[key] = e
	}
	e.seen = now
	return e.lim.AllowN(now, 1)
}
