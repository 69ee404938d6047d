package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Session kinds.
const (
	KindCookie = "cookie" // the web UI
	KindBearer = "bearer" // scripts and agency systems: Authorization: Bearer <token>
)

// Session is a signed-in session. Its token is given out once, at login, and
// only its SHA-256 is stored.
type Session struct {
	ID            uuid.UUID
	UserID        uuid.UUID
	Kind          string
	CreatedAt     time.Time
	ExpiresAt     time.Time // absolute end
	IdleExpiresAt time.Time // end if unused
}

// LoginInput is one attempt to sign in.
type LoginInput struct {
	Username  string
	Password  string
	Kind      string // KindCookie or KindBearer
	IP        string
	UserAgent string
}

// LoginResult is a successful sign-in.
type LoginResult struct {
	Token   string
	Session Session
	User    User
}

var errBadLogin = apperr.New(apperr.Unauthenticated, "invalid_credentials", "用户名或密码错误")

func (s *Service) lockedError(until time.Time) error {
	mins := int(until.Sub(s.now()).Minutes()) + 1
	return apperr.New(apperr.TooManyRequests, "account_locked",
		fmt.Sprintf("登录失败次数过多，已暂时锁定，请 %d 分钟后再试", mins))
}

// Login checks a user name and password and opens a session. The answer to a
// wrong password and to an unknown user name is the same, in content and in
// time; failures are counted per user name, existing or not, and too many
// lock that name for a while. Attempts from one address are rate-limited.
func (s *Service) Login(ctx context.Context, in LoginInput) (LoginResult, error) {
	if in.Kind != KindCookie && in.Kind != KindBearer {
		return LoginResult{}, fmt.Errorf("auth: unknown session kind %q", in.Kind)
	}
	if !s.allowIP(in.IP) {
		return LoginResult{}, apperr.New(apperr.TooManyRequests, "too_many_attempts", "登录尝试过于频繁，请稍后再试")
	}
	name := NormalizeUsername(in.Username)
	if name == "" || in.Password == "" || len(name) > 64 || len(in.Password) > 1024 {
		return LoginResult{}, errBadLogin
	}
	now := s.now()
	var lockedUntil sql.NullTime
	err := s.db.QueryRow(ctx, `SELECT locked_until FROM login_failures WHERE username = ?`, name).Scan(&lockedUntil)
	if err != nil && !store.IsNoRows(err) {
		return LoginResult{}, err
	}
	if lockedUntil.Valid && lockedUntil.Time.After(now) {
		return LoginResult{}, s.lockedError(lockedUntil.Time)
	}
	var (
		id   uuid.UUID
		hash string
	)
	err = s.db.QueryRow(ctx, `SELECT id, password_hash FROM users WHERE username = ?`, name).Scan(&id, &hash)
	if err != nil && !store.IsNoRows(err) {
		return LoginResult{}, err
	}
	exists := err == nil
	if !exists {
		hash = s.dummyHash
	}
	ok, weak := CheckPassword(in.Password, hash, s.cfg.Hash)
	if !ok || !exists {
		return LoginResult{}, s.recordFailure(ctx, name, id, now)
	}
	u, err := s.getUser(ctx, s.db, id)
	if err != nil {
		return LoginResult{}, err
	}
	if u.Disabled() {
		return LoginResult{}, apperr.New(apperr.Forbidden, "account_disabled", "该账户已停用，请联系管理员")
	}
	var rehash string
	if weak {
		rehash = HashPassword(in.Password, s.cfg.Hash)
	}
	token := newToken()
	sess := Session{ID: store.NewID(), UserID: u.ID, Kind: in.Kind, CreatedAt: now,
		ExpiresAt: now.Add(s.cfg.SessionTTL), IdleExpiresAt: now.Add(s.cfg.IdleTimeout)}
	if sess.IdleExpiresAt.After(sess.ExpiresAt) {
		sess.IdleExpiresAt = sess.ExpiresAt
	}
	actor := access.NewPrincipal(access.Principal{UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName,
		Role: u.Role, CourtID: u.CourtID, SessionID: sess.ID}, nil, nil)
	err = s.db.Transact(access.With(ctx, actor), func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO sessions (id, token_hash, user_id, court_id, kind, created_at, expires_at,
			idle_expires_at, last_seen_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			sess.ID, hashToken(token), u.ID, u.CourtID, sess.Kind, now, sess.ExpiresAt, sess.IdleExpiresAt, now,
			in.IP, truncate(in.UserAgent, 256))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET last_login_at = ? WHERE id = ?`, now, u.ID); err != nil {
			return err
		}
		if rehash != "" {
			if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, rehash, u.ID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE username = ?`, name); err != nil {
			return err
		}
		how := map[string]string{KindCookie: "网页", KindBearer: "接口令牌"}[sess.Kind]
		return audit.Log(ctx, tx, audit.Entry{CourtID: u.CourtID, Action: "session.login", ObjectType: "session",
			ObjectID: sess.ID.String(), Summary: "用户 " + u.Username + " 登录（" + how + "）",
			Changes: map[string]any{"kind": sess.Kind, "ip": in.IP, "expires_at": sess.ExpiresAt.Format(time.RFC3339)}})
	})
	if err != nil {
		return LoginResult{}, err
	}
	u.LastLoginAt = now
	return LoginResult{Token: token, Session: sess, User: u}, nil
}

// recordFailure counts a failed login of name and locks it once the count
// reaches the limit within the window. It returns the error to answer with.
func (s *Service) recordFailure(ctx context.Context, name string, userID uuid.UUID, now time.Time) error {
	var locked time.Time
	err := s.db.Transact(access.With(ctx, access.System("登录保护")), func(ctx context.Context, tx *store.Tx) error {
		var failures int
		var start time.Time
		err := tx.QueryRow(ctx, `SELECT failures, window_start FROM login_failures WHERE username = ?`+tx.ForUpdate(), name).
			Scan(&failures, &start)
		switch {
		case store.IsNoRows(err) || err == nil && now.Sub(start) > s.cfg.FailureWindow:
			failures, start = 0, now
		case err != nil:
			return err
		}
		failures++
		var until any
		if failures >= s.cfg.MaxFailures {
			locked = now.Add(s.cfg.LockDuration)
			until = locked
		}
		_, err = tx.Exec(ctx, `INSERT INTO login_failures (username, failures, window_start, locked_until) VALUES (?, ?, ?, ?)
			ON CONFLICT (username) DO UPDATE SET failures = excluded.failures, window_start = excluded.window_start,
			locked_until = excluded.locked_until`, name, failures, start, until)
		if err != nil || locked.IsZero() || userID == uuid.Nil {
			return err
		}
		var court uuid.UUID
		if err := tx.QueryRow(ctx, `SELECT court_id FROM users WHERE id = ?`, userID).Scan(&court); err != nil {
			return err
		}
		return audit.Log(ctx, tx, audit.Entry{CourtID: court, Action: "user.locked", ObjectType: "user",
			ObjectID: userID.String(), Summary: fmt.Sprintf("用户 %s 连续 %d 次登录失败，锁定至 %s", name, failures,
				locked.In(shanghai).Format("2006-01-02 15:04"))})
	})
	if err != nil {
		return err
	}
	if !locked.IsZero() {
		return s.lockedError(locked)
	}
	return errBadLogin
}

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

var errBadToken = apperr.New(apperr.Unauthenticated, "invalid_token", "登录已失效，请重新登录")

// Authenticate turns a session token into the principal it stands for. An
// unknown, forged, revoked or expired token, or the token of a disabled user,
// is an invalid_token error. Using a session pushes its idle expiry forward
// (at most once a minute, to spare the writer).
//
// The answer is cached for Config.PrincipalTTL by the token's hash (see
// cache.go): a revocation, a logout or a change of the user, their role or
// the courts made in this process takes effect at once; one made by another
// process within PrincipalTTL.
func (s *Service) Authenticate(ctx context.Context, token string) (*access.Principal, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) > 128 {
		return nil, errBadToken
	}
	now := s.now()
	key := hashToken(token)
	ttl := s.cfg.PrincipalTTL
	var cur epochs
	if ttl > 0 {
		// Taken before the reads below, so that a change committed while
		// they run leaves what they read stale.
		cur = currentEpochs(s.db)
		if p := s.principals.get(key, now, ttl, cur); p != nil {
			return p, nil
		}
	}
	var (
		sess     Session
		courtID  uuid.UUID
		lastSeen time.Time
		revoked  sql.NullTime
	)
	err := s.db.QueryRow(ctx, `SELECT id, user_id, court_id, kind, created_at, expires_at, idle_expires_at, last_seen_at, revoked_at
		FROM sessions WHERE token_hash = ?`, key).Scan(&sess.ID, &sess.UserID, &courtID, &sess.Kind,
		&sess.CreatedAt, &sess.ExpiresAt, &sess.IdleExpiresAt, &lastSeen, &revoked)
	if store.IsNoRows(err) {
		s.principals.forget(key)
		return nil, errBadToken
	}
	if err != nil {
		return nil, err
	}
	if revoked.Valid || !now.Before(sess.ExpiresAt) || !now.Before(sess.IdleExpiresAt) {
		s.principals.forget(key)
		return nil, errBadToken
	}
	u, err := s.getUser(ctx, s.db, sess.UserID)
	if err != nil {
		return nil, err
	}
	if u.Disabled() || u.CourtID != courtID {
		s.principals.forget(key)
		return nil, errBadToken
	}
	if now.Sub(lastSeen) >= time.Minute {
		idle := now.Add(s.cfg.IdleTimeout)
		if idle.After(sess.ExpiresAt) {
			idle = sess.ExpiresAt
		}
		err := s.db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE sessions SET last_seen_at = ?, idle_expires_at = ? WHERE id = ?`, now, idle, sess.ID)
			return err
		})
		if err != nil {
			return nil, err
		}
		sess.IdleExpiresAt = idle
	}
	p, err := s.principal(ctx, u, sess.ID)
	if err != nil {
		return nil, err
	}
	if ttl > 0 {
		until := sess.IdleExpiresAt
		if sess.ExpiresAt.Before(until) {
			until = sess.ExpiresAt
		}
		s.principals.put(key, cachedPrincipal{p: p, read: cur, loadedAt: now, validUntil: until}, now, ttl, cur)
	}
	return p, nil
}

// principal builds the access.Principal of user u.
func (s *Service) principal(ctx context.Context, u User, sessionID uuid.UUID) (*access.Principal, error) {
	role, err := GetRole(ctx, s.db, u.Role)
	if err != nil {
		return nil, err
	}
	var visible []uuid.UUID
	switch role.Scope {
	case access.ScopeCourt:
		visible = []uuid.UUID{u.CourtID}
	case access.ScopeSubtree:
		if visible, err = org.Subtree(ctx, s.db, u.CourtID); err != nil {
			return nil, err
		}
	}
	return access.NewPrincipal(access.Principal{
		UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, RoleName: role.Name,
		CourtID: u.CourtID, CourtCode: u.CourtCode, CourtName: u.CourtName, TeamID: u.TeamID, AgencyID: u.AgencyID, SessionID: sessionID,
		Scope: role.Scope, MustChangePassword: u.MustChangePassword,
	}, role.Permissions, visible), nil
}

// Logout ends the caller's session.
func (s *Service) Logout(ctx context.Context) error {
	p, err := access.Must(ctx)
	if err != nil {
		return err
	}
	return s.db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		principalsChanged(tx)
		res, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, s.now(), p.SessionID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // already ended: logging out twice is harmless
		}
		return audit.Log(ctx, tx, audit.Entry{CourtID: p.CourtID, Action: "session.logout", ObjectType: "session",
			ObjectID: p.SessionID.String(), Summary: "用户 " + p.Username + " 退出登录"})
	})
}

// revokeSessions ends every open session of user except keep.
func revokeSessions(ctx context.Context, tx *store.Tx, user, keep uuid.UUID, now time.Time) error {
	principalsChanged(tx)
	_, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND id <> ? AND revoked_at IS NULL`,
		now, user, keep)
	return err
}

// PurgeExpired deletes sessions that ended more than a day ago, and login
// failure counts older than their window. It returns how many rows went.
// Sessions are not audited objects (their login and logout are), so deleting
// them loses nothing.
func (s *Service) PurgeExpired(ctx context.Context) (int64, error) {
	cutoff := s.now().Add(-24 * time.Hour)
	var n int64
	err := s.db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires_at < ? OR idle_expires_at < ? OR revoked_at < ?`,
			cutoff, cutoff, cutoff)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		res, err = tx.Exec(ctx, `DELETE FROM login_failures WHERE window_start < ? AND (locked_until IS NULL OR locked_until < ?)`,
			s.now().Add(-s.cfg.FailureWindow), s.now())
		if err != nil {
			return err
		}
		m, _ := res.RowsAffected()
		n += m
		return nil
	})
	return n, err
}

const tokenPrefix = "zx_"

func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails on supported platforms
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
