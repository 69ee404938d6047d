package store

import (
	"fmt"

	"github.com/gofrs/flock"
)

// ClaimServer makes this process the only server on a SQLite file: it takes an
// exclusive lock on "<file>.lock" for as long as the server runs, so a second
// `zhixing serve` on the same file refuses to start instead of competing for
// the writer. Command-line tools (user add, audit verify) do not claim it:
// SQLite's own locking lets them work beside a running server. On PostgreSQL,
// where several servers are the point, it does nothing.
func (db *DB) ClaimServer() (release func() error, err error) {
	if db.engine != SQLite {
		return func() error { return nil }, nil
	}
	path := db.dsn + ".lock"
	fl := flock.New(path)
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("无法锁定 %s：%w", path, err)
	}
	if !ok {
		return nil, fmt.Errorf("另一个 zhixing 服务正在使用数据库 %s（锁文件 %s 已被占用）；同一个 SQLite 文件只能由一个服务使用，请先停止那个服务，或改用 PostgreSQL 运行多个服务", db.dsn, path)
	}
	return fl.Unlock, nil
}
