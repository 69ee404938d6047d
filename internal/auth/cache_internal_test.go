package auth

import (
	"fmt"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/access"
)

// TestPrincipalCacheEntries: an entry is served only under the epochs it was
// read under, within the TTL and before its session's expiry; the cache
// stays bounded.
func TestPrincipalCacheEntries(t *testing.T) {
	t.Parallel()
	var c principalCache
	now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	ttl := 5 * time.Second
	p := access.NewPrincipal(access.Principal{Username: "x"}, nil, nil)
	read := epochs{auth: 3, courts: 7}
	c.put("k", cachedPrincipal{p: p, read: read, loadedAt: now, validUntil: now.Add(time.Hour)}, now, ttl, read)
	for _, tc := range []struct {
		name string
		at   time.Time
		cur  epochs
		hit  bool
	}{
		{"same epochs, in time", now.Add(time.Second), read, true},
		{"a session or user changed since", now.Add(time.Second), epochs{auth: 4, courts: 7}, false},
		{"a court changed since", now.Add(time.Second), epochs{auth: 3, courts: 8}, false},
		{"TTL over", now.Add(ttl), read, false},
		{"clock went back", now.Add(-time.Second), read, false},
	} {
		if got := c.get("k", tc.at, ttl, tc.cur) != nil; got != tc.hit {
			t.Errorf("%s: hit %v, want %v", tc.name, got, tc.hit)
		}
	}
	c.put("k", cachedPrincipal{p: p, read: read, loadedAt: now, validUntil: now.Add(time.Second)}, now, ttl, read)
	if c.get("k", now.Add(time.Second), ttl, read) != nil {
		t.Error("served past the session's expiry")
	}
	c.forget("k")
	if c.get("k", now, ttl, read) != nil {
		t.Error("served after forget")
	}
	for i := range maxCachedPrincipals + 100 {
		c.put(fmt.Sprint(i), cachedPrincipal{p: p, read: read, loadedAt: now, validUntil: now.Add(time.Hour)}, now, ttl, read)
	}
	if n := len(c.entries); n > maxCachedPrincipals {
		t.Fatalf("%d entries, more than %d", n, maxCachedPrincipals)
	}
}
