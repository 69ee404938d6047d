package main

import (
	"flag"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zhixing-court/zhixing/internal/app"
	"github.com/zhixing-court/zhixing/internal/config"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/sim/agencies"
	banksim "github.com/zhixing-court/zhixing/internal/sim/bank"
	"github.com/zhixing-court/zhixing/internal/textutil"
	"github.com/zhixing-court/zhixing/internal/triage"
)

const simUsage = simAgenciesUsage + "\n" + simBankUsage

const simAgenciesUsage = `用法：zhixing sim agencies [--addr 127.0.0.1:7070] [--secret-file 文件] [--key-id sim] [--time-scale 0.01] [--seed 1] [--journal 文件]
  启动协执单位模拟器：模拟银行、支付机构、证券登记、不动产登记、车管、海事、市场监管、民政、公安、
  社保、公积金、税务、保险和通信运营商，按 docs/agency-protocol.md 受理 zhixing 的查询和控制请求，
  延时后把结果签名回调给 zhixing，也可轮询取得。
  --addr         监听地址（默认 127.0.0.1:7070）
  --secret-file  与 zhixing 共用的签名密钥文件（十六进制）；不存在时生成 32 字节随机密钥，权限 0600
                 （默认 数据目录/agency-sim.key，与 zhixing serve 所用的相同）
  --key-id       密钥编号（默认 sim）
  --time-scale   答复延时的倍数：1 为真实延时（银行数十秒至十分钟，不动产一小时至一天），
                 0.01 为百分之一，0 为立即答复（默认 0.01）
  --seed         生成被执行人财产的种子；同一种子下同一被执行人的财产总是相同（默认 1）
  --journal      日志文件：受理的请求和作出的答复都先写入此文件，重启后据以恢复；
                 给空字符串则只保存在内存中（默认 数据目录/agency-sim.journal）
  数据目录取自环境变量 ZHIXING_DATA_DIR（默认 zhixing-data）。
`

func (e *env) sim(args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "agencies":
			return e.simAgencies(args)
		case "bank":
			return e.simBank(args)
		}
	}
	fmt.Fprint(e.stderr, simUsage)
	return exitUsage
}

// simDataDir is the data directory, where the simulators keep their keys
// and journals by default.
func (e *env) simDataDir() string {
	if d := strings.TrimSpace(e.getenv("ZHIXING_DATA_DIR")); d != "" {
		return d
	}
	return config.DefaultDataDir
}

func (e *env) simAgencies(args []string) int {
	dataDir := e.simDataDir()
	fs := flag.NewFlagSet("zhixing sim agencies", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { fmt.Fprint(e.stderr, simAgenciesUsage) }
	addr := fs.String("addr", "127.0.0.1:7070", "监听地址")
	secretFile := fs.String("secret-file", filepath.Join(dataDir, app.SimSecretFile), "签名密钥文件")
	keyID := fs.String("key-id", app.SimKeyID, "密钥编号")
	scale := fs.Float64("time-scale", 0.01, "答复延时的倍数")
	seed := fs.Uint64("seed", 1, "生成财产的种子")
	journal := fs.String("journal", filepath.Join(dataDir, "agency-sim.journal"), "日志文件（空字符串：只在内存中）")
	if err := fs.Parse(args[1:]); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "zhixing sim agencies: 多余的参数 %q\n", fs.Args())
		return exitUsage
	}
	if math.IsNaN(*scale) || math.IsInf(*scale, 0) || *scale < 0 {
		fmt.Fprintln(e.stderr, "zhixing sim agencies: --time-scale 应为不小于 0 的数，如 0.01")
		return exitUsage
	}
	if strings.TrimSpace(*keyID) == "" {
		fmt.Fprintln(e.stderr, "zhixing sim agencies: --key-id 不能为空")
		return exitUsage
	}
	_, statErr := os.Stat(*secretFile)
	existed := statErr == nil
	secret, err := app.ReadOrCreateSecret(*secretFile)
	if err != nil {
		return e.fail("读取签名密钥失败：%v", err)
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s, err := agencies.New(agencies.Options{KeyID: *keyID, Secret: secret, TimeScale: *scale, Seed: *seed, JournalPath: *journal,
		Log: log.With("component", "agency-sim")})
	if err != nil {
		return e.fail("启动协执单位模拟器失败：%v", err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			fmt.Fprintf(e.stderr, "zhixing: 关闭模拟器日志失败：%v\n", err)
		}
	}()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return e.fail("无法监听 %s：%v", *addr, err)
	}
	base := "http://" + ln.Addr().String()
	e.printSimBanner(s, base, *keyID, *secretFile, !existed, *journal, *scale, *seed)
	if err := s.Serve(e.ctx, ln); err != nil {
		return e.fail("协执单位模拟器异常停止：%v", err)
	}
	st := s.Stats()
	fmt.Fprintf(e.stdout, "协执单位模拟器已停止：本次受理请求 %d 条（重复 %d 条，退回 %d 条），答复 %d 条，回调送达 %d 条，尚待答复 %d 条。\n",
		st.Accepted, st.Duplicates, st.Rejected, st.Answered, st.CallbacksDelivered, st.Pending)
	return exitOK
}

func (e *env) printSimBanner(s *agencies.Sim, base, keyID, secretFile string, created bool, journal string, scale float64, seed uint64) {
	w := e.stdout
	fmt.Fprintf(w, "协执单位模拟器已启动，监听 %s\n", base)
	speed := "立即答复"
	if scale > 0 {
		speed = fmt.Sprintf("按真实延时的 %g 倍答复（例如银行 %s 至 %s，不动产登记 %s 至 %s）", scale,
			zhDuration(30*time.Second, scale), zhDuration(10*time.Minute, scale), zhDuration(time.Hour, scale), zhDuration(24*time.Hour, scale))
	}
	fmt.Fprintf(w, "  模拟协执单位 %d 个；%s；财产种子 %d\n", len(s.Agencies()), speed, seed)
	note := ""
	if created {
		note = "（新生成）"
	}
	fmt.Fprintf(w, "  签名密钥：编号 %s，密钥文件 %s%s\n", keyID, secretFile, note)
	if journal == "" {
		fmt.Fprintln(w, "  日志：仅保存在内存中，停止后受理的请求和答复全部丢失")
	} else {
		fmt.Fprintf(w, "  日志：%s（重启后据以恢复）\n", journal)
	}
	fmt.Fprintln(w, "\nzhixing 经此模拟器查控时，以同一数据目录（或同一密钥文件）启动：")
	fmt.Fprintf(w, "  ZHIXING_AGENCY_URL=%s zhixing serve\n", base)
	fmt.Fprintf(w, "各单位的接口为 %s/agencies/{代码}/requests 和 /results，请求须以上述密钥签名（见 docs/agency-protocol.md）：\n", base)
	rows := [][]string{{"代码", "名称", "办理", "事项", "限速（条/秒）"}}
	for _, a := range s.Agencies() {
		var ops []string
		if a.Inquire {
			ops = append(ops, "查询")
		}
		if a.Control {
			ops = append(ops, "控制")
		}
		var kinds []string
		for _, k := range a.Kinds {
			kinds = append(kinds, k.Label())
		}
		limit := "不限"
		if a.RatePerSec > 0 {
			limit = fmt.Sprint(2 * a.RatePerSec)
		}
		rows = append(rows, []string{a.Code, a.Name, strings.Join(ops, "、"), strings.Join(kinds, "、"), limit})
	}
	_ = textutil.WriteTable(w, "  ", rows)
	fmt.Fprintln(w, "\n测试辅助接口（同样须签名）：PUT /sim/holdings 设定财产，PUT /sim/faults 模拟故障，GET /sim/stats 查看统计。")
	fmt.Fprintln(w, "按 Ctrl+C 停止。")
}

// zhDuration writes d×scale in Chinese.
func zhDuration(d time.Duration, scale float64) string {
	sec := d.Seconds() * scale
	switch {
	case sec < 1:
		return fmt.Sprintf("%.1f 秒", sec)
	case sec < 60:
		return fmt.Sprintf("%.0f 秒", sec)
	case sec < 3600:
		return fmt.Sprintf("%.0f 分钟", sec/60)
	default:
		return fmt.Sprintf("%.1f 小时", sec/3600)
	}
}

const simBankUsage = `用法：zhixing sim bank [--addr 127.0.0.1:7071] [--secret-file 文件] [--key-id sim] [--time-scale 0.01] [--seed 1]
                        [--journal 文件] [--auto-open=true] [--opening 元]
  启动执行款专户银行模拟器：按 docs/bank-protocol.md 受理 zhixing 的付款指令（同一指令编号只付一次），
  延时后入账或因余额不足失败，收款账号以 0000 结尾的付款入账后被退汇；提供结果轮询和逐日对账单，
  并可模拟被执行人向案件虚拟账号来款。
  --addr         监听地址（默认 127.0.0.1:7071）
  --secret-file  与 zhixing 共用的签名密钥文件（十六进制）；不存在时生成 32 字节随机密钥，权限 0600
                 （默认 数据目录/bank-sim.key）
  --key-id       密钥编号（默认 sim）
  --time-scale   办理延时的倍数：1 为真实延时（转账 10 秒至 10 分钟，退汇 1 至 24 小时），
                 0.01 为百分之一，0 为立即办理（默认 0.01）
  --seed         决定各指令延时的种子（默认 1）
  --journal      日志文件：开户、指令、结果和流水都先写入此文件，重启后据以恢复；
                 给空字符串则只保存在内存中（默认 数据目录/bank-sim.journal）
  --auto-open    付款指令或来款使用未开立的专户账号时自动开立（默认 true）；为 false 时拒绝未知账号，
                 须先以 POST /sim/accounts 开立
  --opening      自动开立的专户的期初余额，单位元（默认 0）
  数据目录取自环境变量 ZHIXING_DATA_DIR（默认 zhixing-data）。
`

func (e *env) simBank(args []string) int {
	dataDir := e.simDataDir()
	fs := flag.NewFlagSet("zhixing sim bank", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { fmt.Fprint(e.stderr, simBankUsage) }
	addr := fs.String("addr", "127.0.0.1:7071", "监听地址")
	secretFile := fs.String("secret-file", filepath.Join(dataDir, banksim.SecretFile), "签名密钥文件")
	keyID := fs.String("key-id", banksim.DefaultKeyID, "密钥编号")
	scale := fs.Float64("time-scale", 0.01, "办理延时的倍数")
	seed := fs.Uint64("seed", 1, "决定延时的种子")
	journal := fs.String("journal", filepath.Join(dataDir, banksim.JournalFile), "日志文件（空字符串：只在内存中）")
	autoOpen := fs.Bool("auto-open", true, "自动开立未知专户")
	opening := fs.String("opening", "0", "自动开立的专户的期初余额（元）")
	if err := fs.Parse(args[1:]); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "zhixing sim bank: 多余的参数 %q\n", fs.Args())
		return exitUsage
	}
	if math.IsNaN(*scale) || math.IsInf(*scale, 0) || *scale < 0 {
		fmt.Fprintln(e.stderr, "zhixing sim bank: --time-scale 应为不小于 0 的数，如 0.01")
		return exitUsage
	}
	if strings.TrimSpace(*keyID) == "" {
		fmt.Fprintln(e.stderr, "zhixing sim bank: --key-id 不能为空")
		return exitUsage
	}
	openingFen, err := legal.ParseYuan(*opening, false)
	if err != nil || openingFen < 0 {
		fmt.Fprintf(e.stderr, "zhixing sim bank: --opening 应为不小于 0 的金额（元），如 1000000：%q\n", *opening)
		return exitUsage
	}
	_, statErr := os.Stat(*secretFile)
	existed := statErr == nil
	secret, err := app.ReadOrCreateSecret(*secretFile)
	if err != nil {
		return e.fail("读取签名密钥失败：%v", err)
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s, err := banksim.New(banksim.Options{KeyID: *keyID, Secret: secret, TimeScale: *scale, Seed: *seed, JournalPath: *journal,
		AutoOpen: *autoOpen, AutoOpenFen: openingFen, Log: log.With("component", "bank-sim")})
	if err != nil {
		return e.fail("启动专户银行模拟器失败：%v", err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			fmt.Fprintf(e.stderr, "zhixing: 关闭模拟器日志失败：%v\n", err)
		}
	}()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return e.fail("无法监听 %s：%v", *addr, err)
	}
	base := "http://" + ln.Addr().String()
	e.printBankSimBanner(s, base, *keyID, *secretFile, !existed, *journal, *scale, *autoOpen, openingFen)
	if err := s.Serve(e.ctx, ln); err != nil {
		return e.fail("专户银行模拟器异常停止：%v", err)
	}
	st := s.Stats()
	fmt.Fprintf(e.stdout, "专户银行模拟器已停止：本次受理指令 %d 条（重复 %d 条，拒绝 %d 条），入账 %d 笔，失败 %d 笔，退汇 %d 笔，来款 %d 笔；尚待办理 %d 条，待退汇 %d 笔。\n",
		st.Accepted, st.Duplicates, st.Rejected, st.Settled, st.Failed, st.Returned, st.PaymentsIn, st.Pending, st.ReturnsPending)
	return exitOK
}

func (e *env) printBankSimBanner(s *banksim.Sim, base, keyID, secretFile string, created bool, journal string, scale float64, autoOpen bool, openingFen int64) {
	w := e.stdout
	fmt.Fprintf(w, "执行款专户银行模拟器已启动，监听 %s\n", base)
	speed := "立即办理"
	if scale > 0 {
		speed = fmt.Sprintf("按真实延时的 %g 倍办理（转账 %s 至 %s，退汇 %s 至 %s）", scale,
			zhDuration(banksim.SettleMin, scale), zhDuration(banksim.SettleMax, scale), zhDuration(banksim.ReturnMin, scale), zhDuration(banksim.ReturnMax, scale))
	}
	fmt.Fprintf(w, "  %s\n", speed)
	note := ""
	if created {
		note = "（新生成）"
	}
	fmt.Fprintf(w, "  签名密钥：编号 %s，密钥文件 %s%s\n", keyID, secretFile, note)
	if journal == "" {
		fmt.Fprintln(w, "  日志：仅保存在内存中，停止后开户、指令和流水全部丢失")
	} else {
		fmt.Fprintf(w, "  日志：%s（重启后据以恢复）\n", journal)
	}
	if autoOpen {
		fmt.Fprintf(w, "  专户：未开立的账号在首次使用时自动开立，期初余额 %s\n", triage.FormatYuan(openingFen))
	} else {
		fmt.Fprintln(w, "  专户：只受理已开立的账号（POST /sim/accounts 开立）")
	}
	if accts := s.Accounts(); len(accts) > 0 {
		rows := [][]string{{"账号", "户名", "余额", "流水"}}
		for _, a := range accts {
			rows = append(rows, []string{a.Number, a.Name, triage.FormatYuan(a.BalanceFen), fmt.Sprint(a.Lines)})
		}
		_ = textutil.WriteTable(w, "  ", rows)
	}
	fmt.Fprintf(w, "\n接口（请求须以上述密钥签名，见 docs/bank-protocol.md）：\n")
	fmt.Fprintf(w, "  POST %s/v1/instructions 付款指令，GET %s/v1/results 结果，GET %s/v1/statement 对账单\n", base, base, base)
	fmt.Fprintln(w, "测试辅助接口（同样须签名）：POST /sim/accounts 开立专户，POST /sim/payments 模拟来款，PUT /sim/faults 模拟故障，GET /sim/stats 查看统计。")
	fmt.Fprintln(w, "收款账号以 0000 结尾的付款入账后会被退汇。按 Ctrl+C 停止。")
}
