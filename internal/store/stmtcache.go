package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps SQLite statements prepared, so that a query is parsed once
// instead of on every call (parsing was a fifth of the cost of a small write
// transaction). PostgreSQL needs none: pgx caches prepared statements per
// connection itself.
//
// Reads prepare on the reader pool at first use. Writes cannot: the one
// writer connection is held by the transaction that runs the query, and
// preparing on the pool would wait for it. So a write-side query is only
// noted during the transaction and prepared right after it commits, when the
// writer is free; later transactions bind the prepared statement to their
// connection with Tx.StmtContext, which reuses it.
type stmtCache struct {
	mu      sync.Mutex
	read    map[string]*sql.Stmt
	write   map[string]*sql.Stmt
	pending map[string]bool
}

// maxCached bounds each side of the cache: queries built with variable IN
// lists could otherwise grow it without end.
const maxCached = 1024

func newStmtCache() *stmtCache {
	return &stmtCache{read: map[string]*sql.Stmt{}, write: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// reader returns the prepared reader statement for query, preparing it on
// pool if needed; nil when it cannot be cached.
func (c *stmtCache) reader(ctx context.Context, pool *sql.DB, query string) *sql.Stmt {
	c.mu.Lock()
	st, ok := c.read[query]
	full := len(c.read) >= maxCached
	c.mu.Unlock()
	if ok || full {
		return st
	}
	st, err := pool.PrepareContext(ctx, query)
	if err != nil {
		return nil // the query itself will report the error
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.read[query]; ok { // prepared meanwhile by another caller
		st.Close()
		return prev
	}
	c.read[query] = st
	return st
}

// writer returns the prepared writer statement for query, or nil, noting the
// query to be prepared after the transaction.
func (c *stmtCache) writer(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.write[query]; ok {
		return st
	}
	if len(c.write)+len(c.pending) < maxCached {
		c.pending[query] = true
	}
	return nil
}

// preparePending prepares the noted writer queries on pool; it runs when no
// transaction holds the writer.
func (c *stmtCache) preparePending(ctx context.Context, pool *sql.DB) {
	c.mu.Lock()
	if len(c.pending) == 0 {
		c.mu.Unlock()
		return
	}
	queries := make([]string, 0, len(c.pending))
	for q := range c.pending {
		queries = append(queries, q)
	}
	clear(c.pending)
	c.mu.Unlock()
	for _, q := range queries {
		st, err := pool.PrepareContext(ctx, q)
		if err != nil {
			continue // DDL, or a statement that failed: it runs unprepared
		}
		c.mu.Lock()
		if _, ok := c.write[q]; ok {
			st.Close()
		} else {
			c.write[q] = st
		}
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range []map[string]*sql.Stmt{c.read, c.write} {
		for q, st := range m {
			st.Close()
			delete(m, q)
		}
	}
}
