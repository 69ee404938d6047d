// Package config reads zhixing's configuration from the environment and the
// command line into one validated struct. A flag overrides its environment
// variable; a bad value stops start-up with a message that names the variable
// and the flag.
package config

import (
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/zhixing-court/zhixing/internal/store"
)

// Config is everything that can be configured.
type Config struct {
	DB          string        // ZHIXING_DB: SQLite file path or postgres:// URL; default <data dir>/zhixing.db
	Addr        string        // ZHIXING_ADDR: listen address, host:port
	DataDir     string        // ZHIXING_DATA_DIR: where the SQLite file and other data live
	LogLevel    slog.Level    // ZHIXING_LOG_LEVEL: debug, info, warn, error
	SessionTTL  time.Duration // ZHIXING_SESSION_TTL: absolute lifetime of a session
	SessionIdle time.Duration // ZHIXING_SESSION_IDLE: a session unused this long ends
	Demo        bool          // ZHIXING_DEMO: on first start, create one demo account per role
	JobWorkers  int           // ZHIXING_JOB_WORKERS: background jobs run at once by this server
	// ZHIXING_TRUSTED_PROXIES: reverse proxies (addresses or CIDR prefixes,
	// comma-separated) whose X-Forwarded-For names the real client.
	TrustedProxies []netip.Prefix
	// ZHIXING_AGENCY_URL: the base URL of the agency connector (a simulator
	// run with "zhixing sim agencies", or a gateway) for agencies without an
	// endpoint of their own; "" runs the simulator inside the server.
	AgencyURL string
	// ZHIXING_BANK_URL: the base URL of the custody bank's connector (a
	// simulator run by `zhixing sim bank`, or the bank's gateway); empty
	// runs the custody-bank simulator inside the server.
	BankURL string
	// ZHIXING_SIM_TIME_SCALE: how the in-process simulator scales agencies'
	// realistic answer times (seconds to days); 0 answers at once.
	SimTimeScale float64
}

// Defaults.
const (
	DefaultAddr    = "127.0.0.1:8080"
	DefaultDataDir = "zhixing-data"
)

// Error is a configuration error; its message is Chinese and names the
// variable and flag at fault.
type Error struct {
	Env, Flag, Value, Problem string
}

func (e *Error) Error() string {
	return fmt.Sprintf("配置错误：%s（或 --%s）的值 %q %s", e.Env, e.Flag, e.Value, e.Problem)
}

// raw holds the values as strings, from the environment first and then the
// flags.
type raw struct {
	db, addr, dataDir, logLevel, sessionTTL, sessionIdle, demo, proxies, jobWorkers string
	agencyURL, simScale, bankURL                                                    string
}

// Flags registers the configuration flags on fs and returns a function that
// builds the validated Config once fs is parsed. getenv supplies the
// environment (os.Getenv in the binary).
func Flags(fs *flag.FlagSet, getenv func(string) string, withServer bool) func() (Config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	r := &raw{}
	fs.StringVar(&r.db, "db", env("ZHIXING_DB", ""), "数据库：SQLite 文件路径或 postgres:// 连接串（环境变量 ZHIXING_DB；默认 <数据目录>/zhixing.db）")
	fs.StringVar(&r.dataDir, "data-dir", env("ZHIXING_DATA_DIR", DefaultDataDir), "数据目录（ZHIXING_DATA_DIR）")
	fs.StringVar(&r.logLevel, "log-level", env("ZHIXING_LOG_LEVEL", "info"), "日志级别：debug、info、warn、error（ZHIXING_LOG_LEVEL）")
	r.addr, r.sessionTTL, r.sessionIdle, r.demo = env("ZHIXING_ADDR", DefaultAddr), env("ZHIXING_SESSION_TTL", "12h"),
		env("ZHIXING_SESSION_IDLE", "2h"), env("ZHIXING_DEMO", "true")
	r.proxies = env("ZHIXING_TRUSTED_PROXIES", "")
	r.jobWorkers = env("ZHIXING_JOB_WORKERS", "4")
	r.agencyURL, r.simScale = env("ZHIXING_AGENCY_URL", ""), env("ZHIXING_SIM_TIME_SCALE", "0.002")
	r.bankURL = env("ZHIXING_BANK_URL", "")
	if withServer {
		fs.StringVar(&r.addr, "addr", r.addr, "监听地址 主机:端口（ZHIXING_ADDR）")
		fs.StringVar(&r.sessionTTL, "session-ttl", r.sessionTTL, "会话最长有效期（ZHIXING_SESSION_TTL）")
		fs.StringVar(&r.sessionIdle, "session-idle", r.sessionIdle, "会话闲置失效时间（ZHIXING_SESSION_IDLE）")
		fs.StringVar(&r.demo, "demo", r.demo, "首次启动时为每个角色创建演示账户：true 或 false（ZHIXING_DEMO）")
		fs.StringVar(&r.jobWorkers, "job-workers", r.jobWorkers, "同时运行的后台任务数，1 到 64（ZHIXING_JOB_WORKERS）")
		fs.StringVar(&r.bankURL, "bank-url", r.bankURL, "托管银行接口（zhixing sim bank 或银行网关）的地址；不填则在服务内运行模拟器（ZHIXING_BANK_URL）")
		fs.StringVar(&r.agencyURL, "agency-url", r.agencyURL, "协执单位接口（zhixing sim agencies 或网关）的地址；不填则在服务内运行模拟器（ZHIXING_AGENCY_URL）")
		fs.StringVar(&r.simScale, "sim-time-scale", r.simScale, "内置模拟器答复时间的缩放倍数，0 为立即答复（ZHIXING_SIM_TIME_SCALE）")
		fs.StringVar(&r.proxies, "trusted-proxies", r.proxies, "可信反向代理的地址或网段，逗号分隔；只采信它们转来的 X-Forwarded-For（ZHIXING_TRUSTED_PROXIES）")
	}
	return func() (Config, error) { return r.validate() }
}

func (r *raw) validate() (Config, error) {
	var c Config
	// Data directory.
	c.DataDir = strings.TrimSpace(r.dataDir)
	if c.DataDir == "" || strings.ContainsRune(c.DataDir, 0) {
		return c, &Error{"ZHIXING_DATA_DIR", "data-dir", r.dataDir, "不是有效的目录路径"}
	}
	// Database.
	c.DB = strings.TrimSpace(r.db)
	switch {
	case c.DB == "":
		c.DB = filepath.Join(c.DataDir, "zhixing.db")
	case store.IsPostgresURL(c.DB):
		u, err := url.Parse(c.DB)
		if err != nil || u.Host == "" || strings.Trim(u.Path, "/") == "" {
			return c, &Error{"ZHIXING_DB", "db", redact(c.DB), "不是有效的 PostgreSQL 连接串（应为 postgres://用户@主机:端口/数据库）"}
		}
	case strings.Contains(c.DB, "://"):
		return c, &Error{"ZHIXING_DB", "db", redact(c.DB), "不是 SQLite 文件路径，也不是 postgres:// 连接串"}
	case strings.ContainsRune(c.DB, '?') || strings.HasSuffix(c.DB, "/"):
		return c, &Error{"ZHIXING_DB", "db", c.DB, "不是有效的 SQLite 文件路径"}
	}
	// Listen address.
	c.Addr = strings.TrimSpace(r.addr)
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return c, &Error{"ZHIXING_ADDR", "addr", r.addr, "不是有效的监听地址（应为 主机:端口，如 127.0.0.1:8080 或 :8080）"}
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return c, &Error{"ZHIXING_ADDR", "addr", r.addr, "的端口应为 0 到 65535 之间的数字"}
	}
	if host != "" && net.ParseIP(host) == nil && !validHostname(host) {
		return c, &Error{"ZHIXING_ADDR", "addr", r.addr, "的主机名无效"}
	}
	// Log level.
	switch strings.ToLower(strings.TrimSpace(r.logLevel)) {
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "info":
		c.LogLevel = slog.LevelInfo
	case "warn", "warning":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		return c, &Error{"ZHIXING_LOG_LEVEL", "log-level", r.logLevel, "应为 debug、info、warn 或 error"}
	}
	// Sessions.
	if c.SessionTTL, err = time.ParseDuration(r.sessionTTL); err != nil || c.SessionTTL < time.Minute || c.SessionTTL > 30*24*time.Hour {
		return c, &Error{"ZHIXING_SESSION_TTL", "session-ttl", r.sessionTTL, "应为 1m 到 720h 之间的时长，如 12h"}
	}
	if c.SessionIdle, err = time.ParseDuration(r.sessionIdle); err != nil || c.SessionIdle < time.Minute || c.SessionIdle > c.SessionTTL {
		return c, &Error{"ZHIXING_SESSION_IDLE", "session-idle", r.sessionIdle, "应为 1m 起、不超过会话最长有效期的时长，如 2h"}
	}
	if c.Demo, err = strconv.ParseBool(r.demo); err != nil {
		return c, &Error{"ZHIXING_DEMO", "demo", r.demo, "应为 true 或 false"}
	}
	if c.JobWorkers, err = strconv.Atoi(strings.TrimSpace(r.jobWorkers)); err != nil || c.JobWorkers < 1 || c.JobWorkers > 64 {
		return c, &Error{"ZHIXING_JOB_WORKERS", "job-workers", r.jobWorkers, "应为 1 到 64 之间的整数"}
	}
	// Custody bank connector.
	c.BankURL = strings.TrimSuffix(strings.TrimSpace(r.bankURL), "/")
	if c.BankURL != "" {
		u, err := url.Parse(c.BankURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, &Error{"ZHIXING_BANK_URL", "bank-url", r.bankURL, "不是有效的 http:// 或 https:// 地址"}
		}
	}
	// Agency connector.
	c.AgencyURL = strings.TrimSuffix(strings.TrimSpace(r.agencyURL), "/")
	if c.AgencyURL != "" {
		u, err := url.Parse(c.AgencyURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, &Error{"ZHIXING_AGENCY_URL", "agency-url", r.agencyURL, "不是有效的 http:// 或 https:// 地址"}
		}
	}
	if c.SimTimeScale, err = strconv.ParseFloat(strings.TrimSpace(r.simScale), 64); err != nil || c.SimTimeScale < 0 || c.SimTimeScale > 100 {
		return c, &Error{"ZHIXING_SIM_TIME_SCALE", "sim-time-scale", r.simScale, "应为 0 到 100 之间的数，如 0.002（一小时约 7 秒）"}
	}
	for _, item := range strings.Split(r.proxies, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		p, err := netip.ParsePrefix(item)
		if err != nil {
			a, aerr := netip.ParseAddr(item)
			if aerr != nil {
				return c, &Error{"ZHIXING_TRUSTED_PROXIES", "trusted-proxies", r.proxies, "应为逗号分隔的 IP 地址或网段，如 127.0.0.1,10.0.0.0/8"}
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, p.Masked())
	}
	return c, nil
}

func validHostname(h string) bool {
	if len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// redact hides a password in a URL for messages.
func redact(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return s
}
