package store

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
)

// TimeLayout is how instants are stored as text on SQLite: UTC, fixed-width
// microseconds, so that text order is time order and a value reads back equal
// to what PostgreSQL (microsecond timestamptz) returns.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// rebinds caches the PostgreSQL form of each query text.
var rebinds sync.Map // string -> string

// rebind turns ? placeholders into $1, $2 … on PostgreSQL. Question marks
// inside quoted strings, quoted identifiers and comments are left alone.
func (db *DB) rebind(query string) string {
	if db.engine != Postgres {
		return query
	}
	return Rebind(query)
}

// Rebind returns query with ? placeholders numbered for PostgreSQL.
func Rebind(query string) string {
	if v, ok := rebinds.Load(query); ok {
		return v.(string)
	}
	if !strings.ContainsRune(query, '?') {
		rebinds.Store(query, query)
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch c {
		case '\'', '"':
			j := i + 1
			for j < len(query) && query[j] != c {
				j++
			}
			b.WriteString(query[i:min(j+1, len(query))])
			i = j
		case '-':
			if i+1 < len(query) && query[i+1] == '-' {
				j := strings.IndexByte(query[i:], '\n')
				if j < 0 {
					j = len(query) - i
				}
				b.WriteString(query[i : i+j])
				i += j - 1
			} else {
				b.WriteByte(c)
			}
		case '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	out := b.String()
	rebinds.Store(query, out)
	return out
}

// args adapts argument values to the engine. On SQLite, instants become
// fixed-width UTC text (see TimeLayout); on PostgreSQL they are sent as UTC.
// The caller's slice is never modified.
func (db *DB) args(args []any) []any {
	var out []any
	for i, a := range args {
		var conv any
		switch v := a.(type) {
		case time.Time:
			conv = db.timeArg(v)
		case *time.Time:
			if v == nil {
				continue
			}
			conv = db.timeArg(*v)
		case uuid.UUID:
			if db.engine != Postgres {
				continue
			}
			// pgx encodes its own UUID type directly; a uuid.UUID goes
			// through driver.Valuer, a string and a failed encode plan
			// first (a fifth of the client's CPU in bulk work).
			conv = pgtype.UUID{Bytes: v, Valid: true}
		case uuid.NullUUID:
			if db.engine != Postgres {
				continue
			}
			conv = pgtype.UUID{Bytes: v.UUID, Valid: v.Valid}
		default:
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = conv
	}
	if out == nil {
		return args
	}
	return out
}

func (db *DB) timeArg(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if db.engine == SQLite {
		return t.Format(TimeLayout)
	}
	return t
}
