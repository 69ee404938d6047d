package audit

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/store"
)

// Problem is the first break found in one court's chain.
type Problem struct {
	CourtID   uuid.UUID
	CourtCode string // "" when the court no longer exists
	Seq       int64  // the record at fault (or the first one missing)
	Kind      string // altered | removed | reordered | head_mismatch
	Detail    string // Chinese
}

func (p Problem) String() string {
	chain := "法院 " + p.CourtCode
	switch {
	case p.CourtID == Platform:
		chain = "平台"
	case p.CourtCode == "":
		chain = "法院 " + p.CourtID.String()
	}
	return fmt.Sprintf("%s的审计链第 %d 条：%s", chain, p.Seq, p.Detail)
}

// Report is the outcome of Verify.
type Report struct {
	Chains   int
	Records  int64
	Problems []Problem // at most one per chain: the first break
}

// OK reports whether every chain verified.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Verify walks every court's chain from its first record and recomputes each
// hash and link. For each chain it reports the first record that was altered
// (its content no longer matches its hash), removed (a sequence number is
// missing, or the chain ends before its head says it does) or reordered (a
// record whose content is intact no longer follows the record it was chained
// to). It reads with q, which should be the database's reader.
func Verify(ctx context.Context, q store.Querier) (Report, error) {
	var rep Report
	type chain struct {
		court   uuid.UUID
		code    string
		headSeq int64
		head    string
		hasHead bool
	}
	// Every chain: those with a head and any court with records but no head.
	rows, err := q.Query(ctx, `SELECT c.court_id, COALESCE(ct.code, ''), COALESCE(h.seq, 0), COALESCE(h.hash, ''),
			h.court_id IS NOT NULL
		FROM (SELECT court_id FROM audit_heads UNION SELECT DISTINCT court_id FROM audit_log) c
		LEFT JOIN audit_heads h ON h.court_id = c.court_id
		LEFT JOIN courts ct ON ct.id = c.court_id
		ORDER BY COALESCE(ct.code, ''), c.court_id`)
	if err != nil {
		return rep, err
	}
	var chains []chain
	for rows.Next() {
		var c chain
		if err := rows.Scan(&c.court, &c.code, &c.headSeq, &c.head, &c.hasHead); err != nil {
			rows.Close()
			return rep, err
		}
		chains = append(chains, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return rep, err
	}
	for _, c := range chains {
		rep.Chains++
		n, p, err := verifyChain(ctx, q, c.court, c.headSeq, c.head, c.hasHead)
		rep.Records += n
		if err != nil {
			return rep, err
		}
		if p != nil {
			p.CourtID, p.CourtCode = c.court, c.code
			rep.Problems = append(rep.Problems, *p)
		}
	}
	return rep, nil
}

func verifyChain(ctx context.Context, q store.Querier, court uuid.UUID, headSeq int64, head string, hasHead bool) (int64, *Problem, error) {
	rows, err := q.Query(ctx, `SELECT `+recordColumns+` FROM audit_log WHERE court_id = ? ORDER BY seq`, court)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	var (
		n        int64
		wantSeq  int64 = 1
		prevHash string
		problem  *Problem
	)
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return n, nil, err
		}
		n++
		if problem != nil {
			continue // count the rest, report the first break only
		}
		intact := r.computeHash() == r.Hash
		switch {
		case r.Seq > wantSeq:
			problem = &Problem{Seq: wantSeq, Kind: "removed",
				Detail: fmt.Sprintf("记录缺失（第 %d 至 %d 条不存在）", wantSeq, r.Seq-1)}
		case !intact:
			problem = &Problem{Seq: r.Seq, Kind: "altered", Detail: "记录内容与其哈希不符，已被修改"}
		case r.PrevHash != prevHash:
			problem = &Problem{Seq: r.Seq, Kind: "reordered", Detail: "记录本身完整，但与前一条记录的链接不符：顺序被调换或前一条记录被替换"}
		}
		wantSeq = r.Seq + 1
		prevHash = r.Hash
	}
	if err := rows.Err(); err != nil {
		return n, nil, err
	}
	if problem != nil {
		return n, problem, nil
	}
	last := wantSeq - 1
	switch {
	case !hasHead:
		problem = &Problem{Seq: 1, Kind: "head_mismatch", Detail: "审计链缺少链头记录"}
	case headSeq > last:
		problem = &Problem{Seq: last + 1, Kind: "removed",
			Detail: fmt.Sprintf("链尾记录缺失（链头记到第 %d 条，实际只到第 %d 条）", headSeq, last)}
	case headSeq < last || head != prevHash:
		problem = &Problem{Seq: last, Kind: "head_mismatch", Detail: "链头与最后一条记录不符"}
	}
	return n, problem, nil
}
