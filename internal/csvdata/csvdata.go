// Package csvdata reads the small embedded CSV tables that hold zhixing's
// reference data (courts, team kinds, case types, roles). Each table has a
// header row and a "since" column: the seed version that introduced the row.
package csvdata

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io/fs"
	"strconv"
)

// Row is one record, by column name.
type Row map[string]string

// Since is the seed version that introduced the row.
func (r Row) Since() int {
	n, _ := strconv.Atoi(r["since"])
	return n
}

// Int returns a numeric column, 0 when empty.
func (r Row) Int(col string) int {
	n, _ := strconv.Atoi(r[col])
	return n
}

// Read reads name from fsys. Malformed data is a programming error caught by
// the tests, so it is reported, not tolerated.
func Read(fsys fs.FS, name string) ([]Row, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: no header", name)
	}
	head := recs[0]
	out := make([]Row, 0, len(recs)-1)
	for i, rec := range recs[1:] {
		r := make(Row, len(head))
		for j, h := range head {
			r[h] = rec[j]
		}
		if r.Since() < 1 {
			return nil, fmt.Errorf("%s line %d: since must be a positive version", name, i+2)
		}
		out = append(out, r)
	}
	return out, nil
}

// Between returns the rows introduced after version from, up to version to.
func Between(rows []Row, from, to int) []Row {
	var out []Row
	for _, r := range rows {
		if s := r.Since(); s > from && s <= to {
			out = append(out, r)
		}
	}
	return out
}

// Digest hashes the named files of fsys, for store.Seed.Digest.
func Digest(fsys fs.FS, names ...string) string {
	var parts [][]byte
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			panic(err) // embedded files
		}
		parts = append(parts, []byte(n), b)
	}
	return DigestBytes(parts...)
}

// DigestBytes hashes seed data that is not a file of its own (data built in
// Go, or embedded by another package), for store.Seed.Digest.
func DigestBytes(parts ...[]byte) string {
	h := sha256.New()
	for _, b := range parts {
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
