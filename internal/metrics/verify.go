package metrics

import (
	"context"
	"fmt"

	"github.com/zhixing-court/zhixing/internal/store"
)

// Mismatch is a bucket whose kept figures differ from the recomputed ones.
type Mismatch struct {
	Bucket    Bucket
	Want, Got Counts
}

// Report is what Verify or Rebuild found.
type Report struct {
	Cases      int
	Buckets    int        // recomputed buckets with any figure
	Mismatches int        // buckets that differ
	First      []Mismatch // the first few of them
}

// OK reports whether the kept aggregates agree with the cases.
func (r *Report) OK() bool { return r.Mismatches == 0 }

// Recompute reads every case once and returns the aggregates they make,
// with the contribution function Apply uses.
func Recompute(ctx context.Context, q store.Querier) (map[Bucket]Counts, int, error) {
	rows, err := q.Query(ctx, `SELECT `+snapshotColumns+` FROM cases`)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := map[Bucket]Counts{}
	n := 0
	for rows.Next() {
		s, err := scanSnapshot(rows)
		if err != nil {
			return nil, 0, err
		}
		n++
		for k, c := range contributions(s) {
			out[k] = out[k].add(c, 1)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rollUp(out)
	return out, n, nil
}

// kept reads the aggregates as kept: case_stats and its roll-ups.
func kept(ctx context.Context, q store.Querier) (map[Bucket]Counts, error) {
	out := map[Bucket]Counts{}
	read := func(query string, scan func(sc store.Scanner, k *Bucket, c *Counts) error) error {
		rows, err := q.Query(ctx, query)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k Bucket
			var c Counts
			if err := scan(rows, &k, &c); err != nil {
				return err
			}
			out[k] = c
		}
		return rows.Err()
	}
	err := read(`SELECT `+statColumns+` FROM case_stats`, func(sc store.Scanner, k *Bucket, c *Counts) error {
		return sc.Scan(&k.CourtID, &k.Day, &k.TeamID, &k.HandlerID, &k.CaseType, &k.Lane, &c.Received, &c.Closed, &c.ClosedPerformed,
			&c.ClosedActual, &c.ClosedZhongben, &c.ClosedInTerm, &c.ClosedDays, &c.ClosedClaimFen, &c.ClosedRecoveredFen)
	})
	if err != nil {
		return nil, err
	}
	err = read(`SELECT `+rollupColumns+` FROM case_stats_rollup`, func(sc store.Scanner, k *Bucket, c *Counts) error {
		return sc.Scan(&k.CourtID, &k.Grain, &k.Day, &k.TeamID, &k.HandlerID, &k.CaseType, &k.Lane, &c.Received, &c.Closed, &c.ClosedPerformed,
			&c.ClosedActual, &c.ClosedZhongben, &c.ClosedInTerm, &c.ClosedDays, &c.ClosedClaimFen, &c.ClosedRecoveredFen)
	})
	return out, err
}

// Verify recomputes the aggregates from the cases and compares them with
// those kept, bucket by bucket (zhixing metrics verify).
func Verify(ctx context.Context, db *store.DB) (*Report, error) {
	var r *Report
	// One transaction: the cases and the aggregates read at one moment.
	err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		want, n, err := Recompute(ctx, tx)
		if err != nil {
			return err
		}
		got, err := kept(ctx, tx)
		if err != nil {
			return err
		}
		r = compare(want, got, n)
		return nil
	})
	return r, err
}

func compare(want, got map[Bucket]Counts, cases int) *Report {
	r := &Report{Cases: cases}
	var keys []Bucket
	for k, c := range want {
		if c != (Counts{}) {
			r.Buckets++
		}
		if got[k] != c {
			keys = append(keys, k)
		}
	}
	for k, c := range got {
		if _, ok := want[k]; !ok && c != (Counts{}) {
			keys = append(keys, k)
		}
	}
	sortBuckets(keys)
	r.Mismatches = len(keys)
	for _, k := range keys[:min(len(keys), 20)] {
		r.First = append(r.First, Mismatch{Bucket: k, Want: want[k], Got: got[k]})
	}
	return r
}

// Rebuild replaces the kept aggregates with those recomputed from the
// cases, in one transaction (zhixing metrics rebuild), and reports what
// differed before.
func Rebuild(ctx context.Context, db *store.DB) (*Report, error) {
	var r *Report
	err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		want, n, err := Recompute(ctx, tx)
		if err != nil {
			return err
		}
		got, err := kept(ctx, tx)
		if err != nil {
			return err
		}
		r = compare(want, got, n)
		for _, table := range []string{"case_stats", "case_stats_rollup"} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+table); err != nil {
				return err
			}
		}
		full, rolls := split(want)
		err = store.InsertRows(ctx, tx, `INSERT INTO case_stats (`+statColumns+`) VALUES `, 15, len(full), func(i int, args []any) []any {
			return appendRow(args, full[i], want[full[i]])
		})
		if err != nil {
			return err
		}
		return store.InsertRows(ctx, tx, `INSERT INTO case_stats_rollup (`+rollupColumns+`) VALUES `, 16, len(rolls), func(i int, args []any) []any {
			return appendRollupRow(args, rolls[i], want[rolls[i]])
		})
	})
	if err != nil {
		return nil, fmt.Errorf("metrics: rebuild: %w", err)
	}
	return r, nil
}
