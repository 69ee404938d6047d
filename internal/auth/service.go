// Package auth manages the people who use zhixing: users with argon2id
// passwords, their role and court (and team), roles and permissions as data,
// sessions (a cookie for the web UI, a bearer token for scripts and agency
// systems), login throttling and lockout. What a signed-in user may see and do
// is expressed as an access.Principal, built here from the session.
package auth

import (
	"time"

	"golang.org/x/time/rate"

	"github.com/zhixing-court/zhixing/internal/ratelimit"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Config tunes the service. Zero values take the defaults.
type Config struct {
	Hash          HashParams    // password hashing cost (DefaultHashParams)
	SessionTTL    time.Duration // absolute lifetime of a session (12h)
	IdleTimeout   time.Duration // a session unused this long expires (2h)
	MaxFailures   int           // failed logins of one user name before a lock (5)
	FailureWindow time.Duration // … counted within this window (15m)
	LockDuration  time.Duration // how long the lock lasts (15m)
	IPRate        rate.Limit    // login attempts per second from one address (0.5, i.e. 30 a minute)
	IPBurst       int           // … with this burst (10)
	// PrincipalTTL is how long Authenticate may answer a token from memory
	// (5s; negative: never). Changes made in this process take effect at
	// once regardless; this bounds how long another process's revocation
	// takes to reach this one (see cache.go).
	PrincipalTTL time.Duration
	Now          func() time.Time
}

func (c *Config) defaults() {
	if c.Hash == (HashParams{}) {
		c.Hash = DefaultHashParams
	}
	if c.SessionTTL == 0 {
		c.SessionTTL = 12 * time.Hour
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = 2 * time.Hour
	}
	if c.MaxFailures == 0 {
		c.MaxFailures = 5
	}
	if c.FailureWindow == 0 {
		c.FailureWindow = 15 * time.Minute
	}
	if c.LockDuration == 0 {
		c.LockDuration = 15 * time.Minute
	}
	if c.IPRate == 0 {
		c.IPRate = 0.5
	}
	if c.IPBurst == 0 {
		c.IPBurst = 10
	}
	if c.PrincipalTTL == 0 {
		c.PrincipalTTL = 5 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Service is the users-and-sessions service.
type Service struct {
	db  *store.DB
	cfg Config

	// dummyHash is verified against when a user name does not exist, so that
	// an unknown name costs the same time as a wrong password.
	dummyHash string

	ipLimit *ratelimit.Keyed

	principals principalCache
}

// New returns the service.
func New(db *store.DB, cfg Config) *Service {
	cfg.defaults()
	return &Service{db: db, cfg: cfg, dummyHash: HashPassword("zhixing-dummy-password-1", cfg.Hash),
		ipLimit: ratelimit.New(cfg.IPRate, cfg.IPBurst, cfg.Now)}
}

// DB returns the service's database.
func (s *Service) DB() *store.DB { return s.db }

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// allowIP applies the per-address login rate.
func (s *Service) allowIP(ip string) bool { return s.ipLimit.Allow(ip) }
