// Package store runs zhixing on two SQL engines through one code path:
// embedded SQLite (the default) and PostgreSQL (a city or a province).
//
// Feature packages write SQL once, with ? placeholders; the store rebinds them
// for PostgreSQL. All writes go through Transact, which retries busy and
// serialization failures and runs the transaction's before-commit hooks (the
// audit chain, follow-up work) inside the same transaction.
//
// On SQLite there is one writer connection, opened with BEGIN IMMEDIATE, so
// writers queue in Go instead of failing with "database is locked", and a pool
// of query-only reader connections that see committed data through WAL.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Engine names a database engine.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Label is the engine's name for people.
func (e Engine) Label() string {
	if e == Postgres {
		return "PostgreSQL"
	}
	return "SQLite"
}

// DB is an open database: a writer pool and a reader pool (the same pool on
// PostgreSQL).
type DB struct {
	engine Engine
	dsn    string // as given; for SQLite the file path
	write  *sql.DB
	read   *sql.DB
	stmts  *stmtCache // SQLite only

	// retry policy of Transact
	maxAttempts int
	backoff     time.Duration

	memo sync.Map // see Memo
}

// Memo is a per-database cache for derived data that rarely changes (the
// holiday calendar, active rule sets): feature packages keep values under
// their own unexported key types and delete them after a change commits.
func (db *DB) Memo() *sync.Map { return &db.memo }

// Options tune Open. The zero value is the production default.
type Options struct {
	// ReadConns is the size of the SQLite reader pool (default 4).
	ReadConns int
	// MaxConns is the PostgreSQL pool size (default 16).
	MaxConns int
	// ConnectTimeout bounds the first connection (default 5s).
	ConnectTimeout time.Duration
}

// IsPostgresURL reports whether dsn names a PostgreSQL database rather than a
// SQLite file.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// EngineOf returns the engine dsn names.
func EngineOf(dsn string) Engine {
	if IsPostgresURL(dsn) {
		return Postgres
	}
	return SQLite
}

// Open opens the database dsn names (a PostgreSQL URL or a SQLite file path)
// and checks that it answers. An unreachable database is an
// apperr.Unavailable error whose detail says so.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	if opts.ReadConns <= 0 {
		opts.ReadConns = 4
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = 16
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 5 * time.Second
	}
	db := &DB{engine: EngineOf(dsn), dsn: dsn, maxAttempts: 8, backoff: 5 * time.Millisecond}
	var err error
	if db.engine == Postgres {
		err = db.openPostgres(opts)
	} else {
		err = db.openSQLite(opts)
	}
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, opts.ConnectTimeout)
	defer cancel()
	if err := db.Ping(pctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) openSQLite(opts Options) error {
	path := db.dsn
	if strings.HasPrefix(path, "file:") {
		return fmt.Errorf("SQLite 数据库请给出文件路径，而不是 %q", path)
	}
	if path == "" {
		return errors.New("SQLite 数据库文件路径为空")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	db.dsn = abs
	// busy_timeout comes first so that every later pragma waits instead of
	// failing when another process holds the file.
	common := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	if strings.ContainsRune(abs, '?') {
		return fmt.Errorf("SQLite 数据库文件路径不能包含问号：%q", abs)
	}
	writer, err := sql.Open("sqlite", abs+"?"+common+"&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return err
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	reader, err := sql.Open("sqlite", abs+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		writer.Close()
		return err
	}
	reader.SetMaxOpenConns(opts.ReadConns)
	reader.SetMaxIdleConns(opts.ReadConns)
	db.write, db.read, db.stmts = writer, reader, newStmtCache()
	return nil
}

func (db *DB) openPostgres(opts Options) error {
	cfg, err := pgx.ParseConfig(db.dsn)
	if err != nil {
		return fmt.Errorf("PostgreSQL 连接串无法解析：%w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = opts.ConnectTimeout
	}
	// Times are instants: make the session agree with the Go side.
	cfg.RuntimeParams["timezone"] = "UTC"
	// Scan instants as UTC, as SQLite does, so both engines return equal
	// values.
	pool := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(_ context.Context, c *pgx.Conn) error {
		c.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
		return nil
	}))
	pool.SetMaxOpenConns(opts.MaxConns)
	pool.SetMaxIdleConns(opts.MaxConns)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	db.write, db.read = pool, pool
	return nil
}

// Engine returns the engine.
func (db *DB) Engine() Engine { return db.engine }

// Path returns the SQLite file path, or "" on PostgreSQL.
func (db *DB) Path() string {
	if db.engine == SQLite {
		return db.dsn
	}
	return ""
}

// Redacted describes the database for logs, without a password.
func (db *DB) Redacted() string {
	if db.engine == SQLite {
		return db.dsn
	}
	u, err := url.Parse(db.dsn)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}

// Close closes both pools.
func (db *DB) Close() error {
	if db.stmts != nil {
		db.stmts.close()
	}
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return classify(err)
	}
	return nil
}

// Stats returns the writer pool's statistics (for metrics).
func (db *DB) Stats() sql.DBStats { return db.write.Stats() }

// Querier runs read queries: the DB itself (the reader pool) or a Tx.
type Querier interface {
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) *Row
	Engine() Engine
}

// Query runs a read query on the reader pool. It sees committed data only.
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if db.stmts != nil {
		if st := db.stmts.reader(ctx, db.read, query); st != nil {
			rows, err := st.QueryContext(ctx, db.args(args)...)
			return rows, classify(err)
		}
	}
	rows, err := db.read.QueryContext(ctx, db.rebind(query), db.args(args)...)
	return rows, classify(err)
}

// QueryRow runs a one-row read query on the reader pool.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *Row {
	if db.stmts != nil {
		if st := db.stmts.reader(ctx, db.read, query); st != nil {
			return &Row{row: st.QueryRowContext(ctx, db.args(args)...)}
		}
	}
	return &Row{row: db.read.QueryRowContext(ctx, db.rebind(query), db.args(args)...)}
}

// Row is sql.Row with errors classified.
type Row struct{ row *sql.Row }

// Scan is sql.Row.Scan; sql.ErrNoRows passes through unchanged.
func (r *Row) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if err == nil || errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return classify(err)
}

// NewID returns a new UUIDv7: time-ordered, so inserts land at the end of
// indexes.
func NewID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// Conn returns a dedicated connection of the writer pool for work that cannot
// run in a transaction: PostgreSQL advisory locks and CREATE DATABASE, SQLite
// pragmas. Changes to data never go this way; they go through Transact.
func (db *DB) Conn(ctx context.Context) (*sql.Conn, error) {
	c, err := db.write.Conn(ctx)
	return c, classify(err)
}

// ExecOutside runs stmt on the database dsn names outside any transaction,
// over a connection of its own: statements such as CREATE DATABASE and DROP
// DATABASE cannot run in one.
func ExecOutside(ctx context.Context, dsn, stmt string) error {
	admin, err := Open(ctx, dsn, Options{MaxConns: 1})
	if err != nil {
		return err
	}
	defer admin.Close()
	conn, err := admin.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.ExecContext(ctx, stmt)
	return err
}
