package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/bench"
	"github.com/zhixing-court/zhixing/internal/config"
	"github.com/zhixing-court/zhixing/internal/store"
)

const benchUsage = `用法：zhixing bench intake [--cases N] [--runs N] [--cpuprofile 文件] [--db 连接串] [--data-dir 目录]
      zhixing bench inquiry [--cases N,N…] [--runs N] [--faults] [--unlimited] [--batch-size N] [--claim-limit N] [--sim-run]
                            [--cpuprofile 文件] [--db 连接串] [--data-dir 目录]
      zhixing bench ledger [--transfers N] [--workers N] [--courts N] [--runs N] [--db 连接串] [--data-dir 目录]
      zhixing bench claims [--duration 5s] [--workers N] [--cases N] [--db 连接串] [--data-dir 目录]
      zhixing bench scan [--due N] [--sizes N,M…] [--runs N] [--db 连接串] [--data-dir 目录]
      zhixing bench kpis [--sizes N,M…] [--calls N] [--cpuprofile 文件] [--db 连接串] [--data-dir 目录]
      zhixing bench scale [--sizes N,M…] [--calls N] [--cpuprofile 文件] [--db 连接串] [--data-dir 目录]
  intake：测量 PERFORMANCE.md 的 P1（立案）；inquiry：测量 P4（网络查控经接口发往协执单位模拟器）；
  ledger：测量 P5（案款账转账，与单行 INSERT 比较；八成转账集中于一个法院的执行款专户时与均匀分布比较）；
  claims：测量 P6（经 HTTP 读取案件、涉众登记，与最简 net/http 处理器比较，并在七成最大速率下测 p99）；
  scan：测量 P2（到期案件数不变、在办案件由少到多时督办日常扫描的用时）；
  kpis：测量 P3（法院、地市、全省一年的指标由累计数读取与即席 GROUP BY 的用时），并核验累计数与重新计算一致。
  scale：测量 P7（案件总量由少到多时，经 HTTP 读取案件、法官待办列表、法院指标与看板的 p99 之比）。
  SQLite 在数据目录中新建临时文件，PostgreSQL 在 --db 所指服务器上新建临时数据库（需要 CREATEDB 权限）；
  结束后删除。--db 所指的数据库本身不会被读写。
`

func (e *env) bench(args []string) int {
	if len(args) > 0 && args[0] == "inquiry" {
		return e.benchInquiry(args[1:])
	}
	if len(args) > 0 && args[0] == "ledger" {
		return e.benchLedger(args[1:])
	}
	if len(args) > 0 && args[0] == "claims" {
		return e.benchClaims(args[1:])
	}
	if len(args) > 0 && args[0] == "scan" {
		return e.benchScan(args[1:])
	}
	if len(args) > 0 && args[0] == "kpis" {
		return e.benchKPIs(args[1:])
	}
	if len(args) > 0 && args[0] == "scale" {
		return e.benchScale(args[1:])
	}
	if len(args) == 0 || args[0] != "intake" {
		fmt.Fprint(e.stderr, benchUsage)
		return exitUsage
	}
	fs := flag.NewFlagSet("zhixing bench intake", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	build := config.Flags(fs, e.getenv, false)
	cases := fs.Int("cases", 1000, "每轮逐件立案的案件数（同数的单行 INSERT 作基准）")
	runs := fs.Int("runs", 3, "轮数；报告取中位数")
	cpuprofile := fs.String("cpuprofile", "", "把测量期间的 CPU 剖析写入此文件（go tool pprof 读取）")
	if err := fs.Parse(args[1:]); err != nil {
		return exitUsage
	}
	cfg, err := build()
	if err != nil {
		fmt.Fprintf(e.stderr, "zhixing: %v\n", err)
		return exitUsage
	}
	if *cases < 1 || *runs < 1 {
		fmt.Fprint(e.stderr, benchUsage)
		return exitUsage
	}
	db, drop, err := e.scratch(cfg.DB, cfg.DataDir)
	if err != nil {
		return e.fail("%v", err)
	}
	defer drop()
	fmt.Fprintf(e.stdout, "P1 立案基准：%s，%d 核，每轮 %d 件，%d 轮\n", db.Engine().Label(), runtime.NumCPU(), *cases, *runs)
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return e.fail("%v", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return e.fail("%v", err)
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := bench.Intake(e.ctx, db, bench.IntakeOptions{Cases: *cases, Runs: *runs, Progress: e.stdout})
	if err != nil {
		return e.fail("基准中断：%v", err)
	}
	fmt.Fprintf(e.stdout, "\n| engine | measure | per op | rate | ratio to raw | target |\n|---|---|---|---|---|---|\n")
	fmt.Fprintf(e.stdout, "| %s | raw single-row INSERT, one commit each | %s | %.0f/s | 1.00 | |\n", rep.Engine, rep.Raw.PerOp().Round(1000), rep.Raw.Rate())
	fmt.Fprintf(e.stdout, "| %s | full intake of one case, one commit each | %s | %.0f/s | %.2f | ≥ 0.35 |\n", rep.Engine, rep.Single.PerOp().Round(1000), rep.Single.Rate(), rep.SingleRatio())
	fmt.Fprintf(e.stdout, "| %s | bulk intake, one batch of %d | %s | %.0f/s | %.2f | ≥ 1.0 |\n", rep.Engine, *cases, rep.Bulk.PerOp().Round(1000), rep.Bulk.Rate(), rep.BulkRatio())
	return exitOK
}

// benchInquiry is `zhixing bench inquiry`: P4, the asset-inquiry fan-out
// through the connector to the agency simulator, at one or more sizes (two
// sizes show whether memory stays flat), each run on a fresh scratch
// database. It exits non-zero when any request was lost or answered twice.
func (e *env) benchInquiry(args []string) int {
	fs := flag.NewFlagSet("zhixing bench inquiry", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	build := config.Flags(fs, e.getenv, false)
	casesFlag := fs.String("cases", "2000,4000", "立案件数，可用逗号分隔多个规模（比较内存是否平稳）；每件立案产生一次查询")
	runs := fs.Int("runs", 1, "每个规模的轮数（每轮新建临时数据库）；报告取消息速率的中位数")
	faults := fs.Bool("faults", false, "在发送高峰中让模拟器应答 500、停止并从日志重启（同一地址）、停机维护（503），最后核验无一丢失、无一重复")
	batch := fs.Int("batch-size", 0, "调度器每批发送的请求数（0：默认 500）")
	claim := fs.Int("claim-limit", 0, "调度器每轮领取的请求数（0：默认 2000）")
	unlimited := fs.Bool("unlimited", false, "取消各协执单位的限速（两端），测量本系统而不是最慢的单位（海事、渔船每秒 50 条）")
	simRun := fs.Bool("sim-run", false, "用模拟器自带的 Run 循环（与 serve 相同）而不是循环调用 RunDue")
	series := fs.Bool("series", false, "逐秒列出消息数与内存")
	cpuprofile := fs.String("cpuprofile", "", "把最后一轮发送高峰期间的 CPU 剖析写入此文件（go tool pprof 读取）")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	cfg, err := build()
	if err != nil {
		fmt.Fprintf(e.stderr, "zhixing: %v\n", err)
		return exitUsage
	}
	var sizes []int
	for f := range strings.SplitSeq(*casesFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fmt.Fprint(e.stderr, benchUsage)
			return exitUsage
		}
		sizes = append(sizes, n)
	}
	if *runs < 1 || *batch < 0 || *claim < 0 || fs.NArg() > 0 {
		fmt.Fprint(e.stderr, benchUsage)
		return exitUsage
	}
	mode := "无故障"
	if *faults {
		mode = "含故障"
	}
	if *unlimited {
		mode += "，不限速"
	} else {
		mode += "，按名录限速"
	}
	fmt.Fprintf(e.stdout, "P4 网络查控基准：%s，%d 核，GOMAXPROCS %d，规模 %s 件，每个规模 %d 轮，%s\n", store.EngineOf(cfg.DB).Label(), runtime.NumCPU(),
		runtime.GOMAXPROCS(0), *casesFlag, *runs, mode)
	var profile *os.File
	if *cpuprofile != "" {
		if profile, err = os.Create(*cpuprofile); err != nil {
			return e.fail("%v", err)
		}
		defer profile.Close()
	}
	var reports []bench.InquiryReport // the median run of each size
	failed := false
	for si, n := range sizes {
		var all []bench.InquiryReport
		for run := range *runs {
			fmt.Fprintf(e.stdout, "\n— %d 件，第 %d/%d 轮\n", n, run+1, *runs)
			opts := bench.InquiryOptions{Cases: n, Faults: *faults, SimRun: *simRun, Unlimited: *unlimited, Progress: e.stdout,
				Dispatch: assets.Config{BatchSize: *batch, ClaimLimit: *claim}}
			if profile != nil && si == len(sizes)-1 && run == *runs-1 {
				opts.CPUProfile = profile
			}
			rep, err := e.inquiryRun(cfg.DB, cfg.DataDir, opts)
			if rep.Requests == 0 && err != nil {
				return e.fail("基准中断：%v", err)
			}
			if err != nil {
				failed = true
				fmt.Fprintf(e.stderr, "zhixing: %v\n", err)
			}
			if *series {
				printSeries(e.stdout, rep)
			}
			all = append(all, rep)
		}
		slices.SortFunc(all, func(a, b bench.InquiryReport) int {
			switch {
			case a.Rate() < b.Rate():
				return -1
			case a.Rate() > b.Rate():
				return 1
			}
			return 0
		})
		reports = append(reports, all[len(all)/2])
	}
	printInquiry(e.stdout, reports, *runs)
	if failed {
		return e.fail("P4 核验失败：有请求丢失、未答复或被重复记录（见上）")
	}
	return exitOK
}

func (e *env) inquiryRun(dsn, dir string, opts bench.InquiryOptions) (bench.InquiryReport, error) {
	db, drop, err := e.scratch(dsn, dir)
	if err != nil {
		return bench.InquiryReport{}, err
	}
	defer drop()
	return bench.Inquiry(e.ctx, db, opts)
}

func mib(b uint64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func printInquiry(w io.Writer, reps []bench.InquiryReport, runs int) {
	median := ""
	if runs > 1 {
		median = fmt.Sprintf("（%d 轮取中位数）", runs)
	}
	fmt.Fprintf(w, "\n消息速率%s：发送 = 经接口发出并被受理的请求，回复 = 经回调（或轮询）记录的答复；每条请求与其答复各计一条消息。\n", median)
	fmt.Fprintf(w, "\n| engine | cases | requests | msgs/s | sent/s | applied/s | per second after warm-up: lowest / median | first send → last answer | target |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range reps {
		lo, med := r.Sustained()
		fmt.Fprintf(w, "| %s | %d | %d | **%.0f** | %.0f | %.0f | %d / %d | %s | ≥ 1,000 |\n", r.Engine, r.Cases, r.Requests, r.Rate(),
			r.SendRate(), r.ApplyRate(), lo, med, r.Elapsed.Round(10*time.Millisecond))
	}
	fmt.Fprintf(w, "\n| engine | cases | heap in use: start / peak / end | after GC: with / without the simulator | Go Sys: start / peak | RSS: start / peak / end |\n|---|---|---|---|---|---|\n")
	for _, r := range reps {
		fmt.Fprintf(w, "| %s | %d | %s / %s / %s | %s / %s | %s / %s | %s / %s / %s |\n", r.Engine, r.Cases,
			mib(r.MemStart.HeapInuse), mib(r.MemPeak.HeapInuse), mib(r.MemEnd.HeapInuse), mib(r.HeapRetained), mib(r.HeapWithoutSim),
			mib(r.MemStart.Sys), mib(r.MemPeak.Sys), mib(r.MemStart.RSS), mib(r.MemPeak.RSS), mib(r.MemEnd.RSS))
	}
	fmt.Fprintf(w, "\n| engine | cases | simulators | answered / requests | via callback / poll | resends | acked duplicate | callbacks repeated | 500 and 503 played | double actions | problems |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range reps {
		var dup, played, double int64
		for _, st := range r.Sims {
			dup += st.Duplicates
			played += st.Faults
			double += st.DoubleActions
		}
		problems := "none"
		if !r.OK() {
			problems = strings.Join(r.Problems, "; ")
		}
		fmt.Fprintf(w, "| %s | %d | %d | %d / %d | %d / %d | %d | %d | %d | %d | %d | %s |\n", r.Engine, r.Cases, len(r.Sims), r.Answered,
			r.Requests, r.Applied, r.Polled, r.Resends, dup, r.Repeats, played, double, problems)
	}
	for _, r := range reps {
		if r.PGDeadlocks > 0 {
			fmt.Fprintf(w, "\n%s %d 件：PostgreSQL 死锁 %d 次（事务已自动重试）\n", r.Engine, r.Cases, r.PGDeadlocks)
		}
		if len(r.FaultLog) > 0 {
			fmt.Fprintf(w, "\n%s %d 件的故障：\n", r.Engine, r.Cases)
			for _, l := range r.FaultLog {
				fmt.Fprintf(w, "  %s\n", l)
			}
		}
	}
}

// printSeries lists each second of a run: messages and the memory at its
// end.
func printSeries(w io.Writer, r bench.InquiryReport) {
	fmt.Fprintf(w, "\n| second | sent | applied | msgs | heap in use | RSS |\n|---|---|---|---|---|---|\n")
	j := 0
	var last bench.MemSample
	for i, s := range r.Series {
		for j < len(r.Mem) && r.Mem[j].At < time.Duration(i+1)*time.Second {
			last = r.Mem[j]
			j++
		}
		fmt.Fprintf(w, "| %d | %d | %d | %d | %s | %s |\n", i, s.Sent, s.Applied, s.Msgs(), mib(last.HeapInuse), mib(last.RSS))
	}
}

// benchLedger is `zhixing bench ledger`: P5, ledger transfers against the
// raw INSERT rate, spread over many courts' custody accounts and with 80 %
// on one. It exits non-zero when the ledger does not verify afterwards.
func (e *env) benchLedger(args []string) int {
	fs := flag.NewFlagSet("zhixing bench ledger", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	build := config.Flags(fs, e.getenv, false)
	transfers := fs.Int("transfers", 5000, "每轮转账笔数（同数的单行 INSERT 作基准）")
	workers := fs.Int("workers", 4, "并发写入的数量（各自的案件）")
	courts := fs.Int("courts", 9, "均匀分布时案件分散到的法院数")
	runs := fs.Int("runs", 3, "轮数；报告取中位数")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	cfg, err := build()
	if err != nil {
		fmt.Fprintf(e.stderr, "zhixing: %v\n", err)
		return exitUsage
	}
	if *transfers < 1 || *workers < 1 || *courts < 1 || *runs < 1 {
		fmt.Fprint(e.stderr, benchUsage)
		return exitUsage
	}
	db, drop, err := e.scratch(cfg.DB, cfg.DataDir)
	if err != nil {
		return e.fail("%v", err)
	}
	defer drop()
	fmt.Fprintf(e.stdout, "P5 案款账基准：%s，%d 核，每轮 %d 笔，%d 个并发写入，%d 轮\n", db.Engine().Label(), runtime.NumCPU(), *transfers, *workers, *runs)
	rep, err := bench.Ledger(e.ctx, db, bench.LedgerOptions{Transfers: *transfers, Workers: *workers, Courts: *courts, Runs: *runs,
		Progress: e.stdout})
	if err != nil {
		return e.fail("基准中断：%v", err)
	}
	fmt.Fprintf(e.stdout, "\n| engine | measure | per op | rate | ratio | target |\n|---|---|---|---|---|---|\n")
	fmt.Fprintf(e.stdout, "| %s | raw single-row INSERT, one commit each, %d writers | %s | %.0f/s | 1.00 | |\n", rep.Engine, rep.Workers,
		rep.Raw.PerOp().Round(1000), rep.Raw.Rate())
	fmt.Fprintf(e.stdout, "| %s | ledger transfer, one commit each, custody accounts of %d courts | %s | %.0f/s | %.2f of raw | ≥ 0.5 |\n", rep.Engine,
		rep.Courts, rep.Uniform.PerOp().Round(1000), rep.Uniform.Rate(), rep.UniformRatio())
	fmt.Fprintf(e.stdout, "| %s | ledger transfer, %.0f %% on one court's custody account | %s | %.0f/s | %.2f of uniform | ≥ 0.8 |\n", rep.Engine,
		100*rep.CustodyShare, rep.Hot.PerOp().Round(1000), rep.Hot.Rate(), rep.HotRatio())
	if !rep.VerifiedBalanced {
		fmt.Fprintf(e.stdout, "\n案款账核验失败：\n  %s\n", strings.Join(rep.VerifyProblems, "\n  "))
		return exitFail
	}
	fmt.Fprintf(e.stdout, "\n案款账核验通过：%d 笔转账借贷平衡，专户与各分户合计相符。\n", rep.VerifiedTransfers)
	return exitOK
}

// benchClaims is `zhixing bench claims`: P6, the HTTP API's case read and
// claimant registration against a bare net/http handler.
func (e *env) benchClaims(args []string) int {
	fs := flag.NewFlagSet("zhixing bench claims", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	build := config.Flags(fs, e.getenv, false)
	duration := fs.Duration("duration", 5*time.Second, "每项测量的时长")
	workers := fs.Int("workers", 8, "测最大速率时的并发客户端数")
	cases := fs.Int("cases", 200, "预先立案、供随机读取的案件数")
	cpuprofile := fs.String("cpuprofile", "", "把测量期间的 CPU 剖析写入此文件（go tool pprof 读取）")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	cfg, err := build()
	if err != nil {
		fmt.Fprintf(e.stderr, "zhixing: %v\n", err)
		return exitUsage
	}
	if *duration < 100*time.Millisecond || *workers < 1 || *cases < 1 {
		fmt.Fprint(e.stderr, benchUsage)
		return exitUsage
	}
	db, drop, err := e.scratch(cfg.DB, cfg.DataDir)
	if err != nil {
		return e.fail("%v", err)
	}
	defer drop()
	fmt.Fprintf(e.stdout, "P6 接口基准：%s，%d 核，每项 %s，%d 个并发客户端\n", db.Engine().Label(), runtime.NumCPU(), *duration, *workers)
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return e.fail("%v", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return e.fail("%v", err)
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := bench.API(e.ctx, db, bench.APIOptions{Duration: *duration, Workers: *workers, Cases: *cases, DataDir: cfg.DataDir, Progress: e.stdout})
	if err != nil {
		return e.fail("基准中断：%v", err)
	}
	fmt.Fprintf(e.stdout, "\n| engine | endpoint | max rate (%d clients) | ratio to bare | target | at 70 %%: rate, p50, p99 | p99 target | errors |\n|---|---|---|---|---|---|---|---|\n", rep.Workers)
	for _, r := range []struct {
		name          string
		ep            bench.Endpoint
		ratio, target string
	}{
		{"bare net/http handler", rep.Bare, "1.00", ""},
		{"GET /api/v1/cases/{id}", rep.CaseRead, fmt.Sprintf("%.2f", rep.CaseReadRatio()), "≥ 0.25"},
		{"POST /api/v1/public/campaigns/{id}/claims", rep.Register, fmt.Sprintf("%.2f", rep.RegisterRatio()), "≥ 0.2"},
	} {
		fmt.Fprintf(e.stdout, "| %s | %s | %.0f/s | %s | %s | %.0f/s, %s, %s | ≤ 20 ms | %d |\n", rep.Engine, r.name, r.ep.Max.Rate(), r.ratio, r.target,
			r.ep.At70.Rate(), r.ep.P50.Round(10*time.Microsecond), r.ep.P99.Round(10*time.Microsecond), r.ep.Errors)
	}
	if rep.CaseRead.Errors+rep.Register.Errors > 0 {
		return exitFail
	}
	return exitOK
}

// benchScan is `zhixing bench scan`: P2, the supervision scan at growing
// open populations with the same cases due.
func (e *env) benchScan(args []string) int {
	fs := flag.NewFlagSet("zhixing bench scan", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	build := config.Flags(fs, e.getenv, false)
	due := fs.Int("due", 2000, "扫描当日到期的案件数")
	sizes := fs.String("sizes", "1000000,10000000", "在办案件规模，逗号分隔，从小到大")
	runs := fs.Int("runs", 3, "每个规模的轮数；报告取中位数")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	cfg, err := build()
	if err != nil {
		fmt.Fprintf(e.stderr, "zhixing: %v\n", err)
		return exitUsage
	}
	ns, ok := parseSizes(*sizes)
	if *due < 1 || *runs < 1 || !ok {
		fmt.Fprint(e.stderr, benchUsage)
		return exitUsage
	}
	db, drop, err := e.scratch(cfg.DB, cfg.DataDir)
	if err != nil {
		return e.fail("%v", err)
	}
	defer drop()
	fmt.Fprintf(e.stdout, "P2 督办扫描基准：%s，%d 核，到期 %d 件，在办 %s 件，每个规模 %d 轮\n", db.Engine().Label(), runtime.NumCPU(), *due, *sizes, *runs)
	rep, err := bench.Scan(e.ctx, db, bench.ScanOptions{Due: *due, Sizes: ns, Runs: *runs, Progress: e.stdout})
	if err != nil {
		return e.fail("基准中断：%v", err)
	}
	fmt.Fprintf(e.stdout, "\n| engine | open cases | due | scan | per due case | items raised |\n|---|---|---|---|---|---|\n")
	for _, p := range rep.Points {
		fmt.Fprintf(e.stdout, "| %s | %d | %d | %s | %s | %d |\n", rep.Engine, p.Open, rep.Due, p.Scan.Elapsed.Round(time.Millisecond),
			p.Scan.PerOp().Round(time.Microsecond), p.Raised)
	}
	fmt.Fprintf(e.stdout, "\nP2：最大规模与最小规模的扫描用时之比 %.2f（目标 ≤ 1.5）\n", rep.Ratio())
	return exitOK
}

// parseSizes reads a comma-separated ascending list of sizes.
func parseSizes(s string) ([]int, bool) {
	var ns []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || len(ns) > 0 && n <= ns[len(ns)-1] {
			return nil, false
		}
		ns = append(ns, n)
	}
	return ns, len(ns) > 0
}

// benchKPIs is `zhixing bench kpis`: P3, and the aggregates against the
// recomputation at scale.
func (e *env) benchKPIs(args []string) int {
	b, code := e.sizedBench("kpis", args, "1000000", 50, "每个范围计时的调用次数（取 p50、p99）",
		"把最大规模下各范围聚合调用期间的 CPU 剖析写入此文件（go tool pprof 读取）")
	if b == nil {
		return code
	}
	defer b.close()
	db := b.db
	fmt.Fprintf(e.stdout, "P3 指标基准：%s，%d 核，规模 %s 件\n", db.Engine().Label(), runtime.NumCPU(), b.sizesText)
	opts := bench.KPIOptions{Sizes: b.sizes, Calls: b.calls, Progress: e.stdout, Seed: 1, CPUProfile: b.profile}
	rep, err := bench.KPIs(e.ctx, db, opts)
	if err != nil {
		return e.fail("基准中断：%v", err)
	}
	fmt.Fprintf(e.stdout, "\n| engine | cases | scope | aggregates p50 | p99 | ad-hoc GROUP BY | speed-up | verify |\n|---|---|---|---|---|---|---|---|\n")
	agree := true
	for _, p := range rep.Points {
		agree = agree && p.Agree
		for _, s := range p.Scopes {
			fmt.Fprintf(e.stdout, "| %s | %d | %s | %s | %s | %s | %.0f× | %s |\n", rep.Engine, p.Cases, s.Name, s.P50.Round(10*time.Microsecond),
				s.P99.Round(10*time.Microsecond), s.AdHoc.Round(time.Millisecond), s.Speedup(), map[bool]string{true: "agree", false: "DIFFER"}[p.Agree])
		}
	}
	if !agree {
		fmt.Fprintln(e.stdout, "\n累计数与重新计算不一致。")
		return exitFail
	}
	return exitOK
}

// sizedRun is what `bench kpis` and `bench scale` share: the sizes, the
// timed calls, a scratch database and the CPU profile file (nil without
// --cpuprofile).
type sizedRun struct {
	cfg       config.Config
	sizes     []int
	sizesText string
	calls     int
	db        *store.DB
	profile   io.Writer
	close     func()
}

// sizedBench parses the flags of `zhixing bench <name>` (--sizes, --calls,
// --cpuprofile and the database's) and opens the scratch database; nil and
// the exit code when it cannot.
func (e *env) sizedBench(name string, args []string, sizes string, calls int, callsDoc, profileDoc string) (*sizedRun, int) {
	fs := flag.NewFlagSet("zhixing bench "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	build := config.Flags(fs, e.getenv, false)
	sizesFlag := fs.String("sizes", sizes, "案件规模，逗号分隔，从小到大")
	callsFlag := fs.Int("calls", calls, callsDoc)
	cpuprofile := fs.String("cpuprofile", "", profileDoc)
	if err := fs.Parse(args); err != nil {
		return nil, exitUsage
	}
	cfg, err := build()
	if err != nil {
		fmt.Fprintf(e.stderr, "zhixing: %v\n", err)
		return nil, exitUsage
	}
	ns, ok := parseSizes(*sizesFlag)
	if !ok || *callsFlag < 1 {
		fmt.Fprint(e.stderr, benchUsage)
		return nil, exitUsage
	}
	r := &sizedRun{cfg: cfg, sizes: ns, sizesText: *sizesFlag, calls: *callsFlag}
	var drop func()
	if r.db, drop, err = e.scratch(cfg.DB, cfg.DataDir); err != nil {
		return nil, e.fail("%v", err)
	}
	r.close = drop
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			drop()
			return nil, e.fail("%v", err)
		}
		r.profile = f
		r.close = func() { f.Close(); drop() }
	}
	return r, exitOK
}

// scratch creates a benchmark's scratch database (bench.Scratch) and
// returns it with the function that deletes it, reporting a failure to.
func (e *env) scratch(dsn, dir string) (*store.DB, func(), error) {
	db, drop, err := bench.Scratch(e.ctx, dsn, dir)
	if err != nil {
		return nil, nil, err
	}
	return db, func() {
		if err := drop(); err != nil {
			fmt.Fprintf(e.stderr, "zhixing: 删除临时数据库失败：%v\n", err)
		}
	}, nil
}

// benchScale is `zhixing bench scale`: P7, the p99 of a case read, a
// judge's task list, the court's KPIs and its board as the cases grow.
func (e *env) benchScale(args []string) int {
	b, code := e.sizedBench("scale", args, "100000,10000000", 400, "每种请求在每个规模下计时的次数",
		"把最大规模下法院指标请求期间的 CPU 剖析写入此文件（go tool pprof 读取）")
	if b == nil {
		return code
	}
	defer b.close()
	db := b.db
	fmt.Fprintf(e.stdout, "P7 规模基准：%s，%d 核，规模 %s 件\n", db.Engine().Label(), runtime.NumCPU(), b.sizesText)
	opts := bench.ScaleOptions{Sizes: b.sizes, Calls: b.calls, DataDir: b.cfg.DataDir, Progress: e.stdout, Seed: 1, CPUProfile: b.profile}
	rep, err := bench.Scale(e.ctx, db, opts)
	if err != nil {
		return e.fail("基准中断：%v", err)
	}
	fmt.Fprintf(e.stdout, "\n| engine | cases | generated in | case read p50 / p99 | task list p50 / p99 | dashboard p50 / p99 | board p50 / p99 |\n")
	fmt.Fprintf(e.stdout, "|---|---|---|---|---|---|---|\n")
	lat := func(l bench.Latency) string {
		return l.P50.Round(10*time.Microsecond).String() + " / " + l.P99.Round(10*time.Microsecond).String()
	}
	for _, p := range rep.Points {
		fmt.Fprintf(e.stdout, "| %s | %d | %s | %s | %s | %s | %s |\n", rep.Engine, p.Cases, p.Fill.Round(time.Second), lat(p.CaseRead),
			lat(p.TaskList), lat(p.Dashboard), lat(p.Board))
	}
	if len(rep.Points) > 1 {
		fmt.Fprintf(e.stdout, "\np99 之比（最大规模 ÷ 最小规模，目标 ≤ 2）：读取案件 %.2f，待办列表 %.2f，指标 %.2f，看板 %.2f\n",
			rep.Ratio(func(p bench.ScalePoint) bench.Latency { return p.CaseRead }),
			rep.Ratio(func(p bench.ScalePoint) bench.Latency { return p.TaskList }),
			rep.Ratio(func(p bench.ScalePoint) bench.Latency { return p.Dashboard }),
			rep.Ratio(func(p bench.ScalePoint) bench.Latency { return p.Board }))
	}
	return exitOK
}
