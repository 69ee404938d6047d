package auth

import (
	"context"
	"database/sql"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
)

// User is a person who signs in to zhixing.
type User struct {
	ID        uuid.UUID
	CourtID   uuid.UUID
	CourtCode string
	CourtName string
	TeamID    uuid.UUID // uuid.Nil: no team
	TeamName  string
	// AgencyID is the assisting agency (协执单位) an agency operator works
	// for; uuid.Nil for court staff.
	AgencyID           uuid.UUID
	AgencyCode         string
	AgencyName         string
	Username           string
	DisplayName        string
	Role               string
	RoleName           string
	Phone              string
	MustChangePassword bool
	PasswordChangedAt  time.Time
	LastLoginAt        time.Time // zero: never
	DisabledAt         time.Time // zero: active
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// Disabled reports whether the user may no longer sign in.
func (u User) Disabled() bool { return !u.DisabledAt.IsZero() }

const userSelect = `SELECT u.id, u.court_id, c.code, c.name, u.team_id, COALESCE(t.name, ''), u.agency_id,
	COALESCE(g.code, ''), COALESCE(g.name, ''), u.username, u.display_name,
	u.role, r.name, u.phone, u.must_change_password, u.password_changed_at, u.last_login_at, u.disabled_at,
	u.created_at, u.updated_at
	FROM users u JOIN courts c ON c.id = u.court_id JOIN roles r ON r.code = u.role
	LEFT JOIN teams t ON t.id = u.team_id LEFT JOIN agencies g ON g.id = u.agency_id`

func scanUser(sc interface{ Scan(...any) error }) (User, error) {
	var u User
	var team, agency uuid.NullUUID
	var last, disabled sql.NullTime
	err := sc.Scan(&u.ID, &u.CourtID, &u.CourtCode, &u.CourtName, &team, &u.TeamName, &agency, &u.AgencyCode, &u.AgencyName,
		&u.Username, &u.DisplayName, &u.Role, &u.RoleName, &u.Phone, &u.MustChangePassword, &u.PasswordChangedAt, &last, &disabled,
		&u.CreatedAt, &u.UpdatedAt)
	u.TeamID, u.AgencyID, u.LastLoginAt, u.DisabledAt = team.UUID, agency.UUID, last.Time, disabled.Time
	return u, err
}

var (
	usernameRE = regexp.MustCompile(`^[a-z][a-z0-9._-]{2,31}$`)
	mobileRE   = regexp.MustCompile(`^1[3-9]\d{9}$`)
)

// NormalizeUsername is how user names are compared: trimmed, lower case.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// UserInput is a new user.
type UserInput struct {
	CourtID uuid.UUID
	TeamID  uuid.UUID // optional
	// AgencyCode is the agency of an agency operator (a role holding
	// agency.answer), required for them and refused for everyone else.
	AgencyCode         string
	Username           string
	DisplayName        string
	Role               string
	Phone              string
	Password           string
	MustChangePassword bool
}

func checkProfile(username, displayName, phone string) []apperr.FieldError {
	var fields []apperr.FieldError
	if username != "" && !usernameRE.MatchString(username) {
		fields = append(fields, apperr.FieldError{Field: "body.username", Detail: "用户名须为 3 到 32 个字符，以字母开头，只含小写字母、数字和 . _ -"})
	}
	if displayName == "" || utf8.RuneCountInString(displayName) > 32 {
		fields = append(fields, apperr.FieldError{Field: "body.display_name", Detail: "姓名不能为空，且不超过 32 个字"})
	}
	if phone != "" && !mobileRE.MatchString(phone) {
		fields = append(fields, apperr.FieldError{Field: "body.phone", Detail: "手机号码应为 11 位数字，以 1 开头"})
	}
	return fields
}

func invalid(fields []apperr.FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	return &apperr.Error{Kind: apperr.Invalid, Code: "invalid_user", Detail: fields[0].Detail, Fields: fields}
}

// placement checks that court (in the caller's scope, active), role
// (grantable by the caller), team (of that court, active) and agency (for
// an agency operator only) fit together. It returns the agency's id.
func placement(ctx context.Context, tx *store.Tx, p *access.Principal, courtID uuid.UUID, roleCode string, teamID uuid.UUID,
	agencyCode string) (org.Court, Role, uuid.UUID, error) {
	court, role, err := placeInCourt(ctx, tx, p, courtID, roleCode, teamID)
	if err != nil {
		return court, role, uuid.Nil, err
	}
	operator := slices.Contains(role.Permissions, access.AgencyAnswer)
	switch {
	case agencyCode == "" && operator:
		return court, role, uuid.Nil, apperr.InvalidField("agency_required", "body.agency_code", "“"+role.Name+"”须指定所属的协执单位")
	case agencyCode == "":
		return court, role, uuid.Nil, nil
	case !operator:
		return court, role, uuid.Nil, apperr.InvalidField("agency_not_allowed", "body.agency_code", "只有协执单位操作员才能属于协执单位，“"+role.Name+"”不能")
	}
	var agency uuid.UUID
	var active bool
	err = tx.QueryRow(ctx, `SELECT id, active FROM agencies WHERE code = ?`, agencyCode).Scan(&agency, &active)
	if store.IsNoRows(err) || err == nil && !active {
		return court, role, uuid.Nil, apperr.InvalidField("unknown_agency", "body.agency_code", "协执单位“"+agencyCode+"”不存在或已停用")
	}
	return court, role, agency, err
}

func placeInCourt(ctx context.Context, tx *store.Tx, p *access.Principal, courtID uuid.UUID, roleCode string, teamID uuid.UUID) (org.Court, Role, error) {
	court, err := org.GetCourt(ctx, tx, courtID)
	if err != nil || !p.Sees(court.ID) {
		return org.Court{}, Role{}, apperr.InvalidField("unknown_court", "body.court_id", "法院不存在")
	}
	if !court.Active {
		return org.Court{}, Role{}, apperr.InvalidField("inactive_court", "body.court_id", "法院已停用")
	}
	role, err := GetRole(ctx, tx, roleCode)
	if err != nil {
		return org.Court{}, Role{}, apperr.InvalidField("unknown_role", "body.role", "没有代码为“"+roleCode+"”的角色")
	}
	if !mayGrant(p, role) {
		return org.Court{}, Role{}, apperr.Forbid("您不能授予“" + role.Name + "”角色：它的权限或可见范围超出了您自己的")
	}
	if teamID != uuid.Nil {
		var teamCourt uuid.UUID
		var active bool
		err := tx.QueryRow(ctx, `SELECT court_id, active FROM teams WHERE id = ?`, teamID).Scan(&teamCourt, &active)
		if store.IsNoRows(err) || err == nil && (teamCourt != court.ID || !active) {
			return org.Court{}, Role{}, apperr.InvalidField("unknown_team", "body.team_id", "团队不存在、已停用或不属于所选法院")
		}
		if err != nil {
			return org.Court{}, Role{}, err
		}
	}
	return court, role, nil
}

// CreateUser adds a user (users.manage) to a court in the caller's scope,
// with a role the caller may grant.
func (s *Service) CreateUser(ctx context.Context, in UserInput) (User, error) {
	users, err := s.CreateUsers(ctx, []UserInput{in})
	if err != nil {
		return User{}, err
	}
	return users[0], nil
}

// CreateUsers adds several users in one transaction: all of them or none.
func (s *Service) CreateUsers(ctx context.Context, ins []UserInput) ([]User, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.UsersManage); err != nil {
		return nil, err
	}
	hashes := make([]string, len(ins))
	for i := range ins {
		in := &ins[i]
		in.Username = NormalizeUsername(in.Username)
		in.DisplayName, in.Phone = strings.TrimSpace(in.DisplayName), strings.TrimSpace(in.Phone)
		fields := checkProfile(in.Username, in.DisplayName, in.Phone)
		if in.Username == "" {
			fields = append(fields, apperr.FieldError{Field: "body.username", Detail: "用户名不能为空"})
		}
		if err := CheckPasswordPolicy(in.Password, "body.password"); err != nil {
			e, _ := apperr.As(err)
			fields = append(fields, e.Fields...)
		}
		if err := invalid(fields); err != nil {
			return nil, err
		}
		hashes[i] = HashPassword(in.Password, s.cfg.Hash) // before the transaction: it is slow
	}
	ids := make([]uuid.UUID, len(ins))
	err = s.db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		for i, in := range ins {
			court, role, agency, err := placement(ctx, tx, p, in.CourtID, in.Role, in.TeamID, strings.TrimSpace(in.AgencyCode))
			if err != nil {
				return err
			}
			now := s.now()
			ids[i] = store.NewID()
			_, err = tx.Exec(ctx, `INSERT INTO users (id, court_id, team_id, agency_id, username, display_name, role, phone, password_hash,
				must_change_password, password_changed_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				ids[i], court.ID, store.NullID(in.TeamID), store.NullID(agency), in.Username, in.DisplayName, role.Code, in.Phone, hashes[i],
				in.MustChangePassword, now, now, now)
			if store.IsUniqueViolation(err) {
				return apperr.InvalidField("duplicate_username", "body.username", "用户名“"+in.Username+"”已被使用")
			}
			if err != nil {
				return err
			}
			err = audit.Log(ctx, tx, audit.Entry{CourtID: court.ID, Action: "user.created", ObjectType: "user",
				ObjectID: ids[i].String(), Summary: "新建用户 " + in.Username + "（" + in.DisplayName + "，" + role.Name + "）",
				Changes: audit.Changes{"username": {To: in.Username}, "display_name": {To: in.DisplayName},
					"role": {To: role.Code}, "court_id": {To: court.ID}, "team_id": {To: store.NullID(in.TeamID)}, "phone": {To: in.Phone},
					"agency_id": {To: store.NullID(agency)}}})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]User, len(ids))
	for i, id := range ids {
		if out[i], err = s.getUser(ctx, s.db, id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Service) getUser(ctx context.Context, q store.Querier, id uuid.UUID) (User, error) {
	u, err := scanUser(q.QueryRow(ctx, userSelect+` WHERE u.id = ?`, id))
	if store.IsNoRows(err) {
		return User{}, apperr.NotFoundf("用户")
	}
	return u, err
}

// GetUser returns a user of a court in the caller's scope (users.read; and
// everyone may read themselves).
func (s *Service) GetUser(ctx context.Context, id uuid.UUID) (User, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return User{}, err
	}
	if id == p.UserID && !p.IsSystem() {
		return s.getUser(ctx, s.db, id)
	}
	if err := p.Require(access.UsersRead); err != nil {
		return User{}, err
	}
	u, err := s.getUser(ctx, s.db, id)
	if err == nil && !p.Sees(u.CourtID) {
		return User{}, apperr.NotFoundf("用户")
	}
	return u, err
}

// UserByUsername returns a user by name, for the command line (system
// principal only).
func (s *Service) UserByUsername(ctx context.Context, username string) (User, error) {
	u, err := scanUser(s.db.QueryRow(ctx, userSelect+` WHERE u.username = ?`, NormalizeUsername(username)))
	if store.IsNoRows(err) {
		return User{}, apperr.New(apperr.NotFound, "not_found", "没有用户名为“"+username+"”的用户")
	}
	if err == nil {
		if p := access.From(ctx); p == nil || !p.Sees(u.CourtID) {
			return User{}, apperr.New(apperr.NotFound, "not_found", "没有用户名为“"+username+"”的用户")
		}
	}
	return u, err
}

// UserFilter narrows ListUsers.
type UserFilter struct {
	CourtID         uuid.UUID
	TeamID          uuid.UUID
	Role            string
	Query           string // part of the user name or display name
	IncludeDisabled bool
}

// ListUsers lists users of the courts the caller sees (users.read), by user
// name.
func (s *Service) ListUsers(ctx context.Context, f UserFilter, req page.Request) (page.Page[User], error) {
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[User]{}, err
	}
	if err := p.Require(access.UsersRead); err != nil {
		return page.Page[User]{}, err
	}
	limit, err := req.LimitOrDefault()
	if err != nil {
		return page.Page[User]{}, err
	}
	cond, args := p.CourtFilter("u.court_id")
	where := []string{cond}
	add := func(c string, v ...any) {
		where = append(where, c)
		args = append(args, v...)
	}
	if f.CourtID != uuid.Nil {
		add("u.court_id = ?", f.CourtID)
	}
	if f.TeamID != uuid.Nil {
		add("u.team_id = ?", f.TeamID)
	}
	if f.Role != "" {
		add("u.role = ?", f.Role)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(q)) + "%"
		add(`(u.username LIKE ? ESCAPE '\' OR LOWER(u.display_name) LIKE ? ESCAPE '\')`, like, like)
	}
	if !f.IncludeDisabled {
		add("u.disabled_at IS NULL")
	}
	if req.Cursor != "" {
		var after string
		if err := page.Decode(req.Cursor, &after); err != nil {
			return page.Page[User]{}, err
		}
		add("u.username > ?", after)
	}
	args = append(args, limit+1)
	rows, err := s.db.Query(ctx, userSelect+` WHERE `+strings.Join(where, " AND ")+` ORDER BY u.username LIMIT ?`, args...)
	if err != nil {
		return page.Page[User]{}, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return page.Page[User]{}, err
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return page.Page[User]{}, err
	}
	return page.Trim(out, limit, func(u User) any { return u.Username }), nil
}

// UserPatch edits a user; nil fields stay. TeamID pointing at uuid.Nil takes
// the user out of their team. Moving a user to another court clears their
// team unless a team of the new court is given.
type UserPatch struct {
	CourtID     *uuid.UUID
	TeamID      *uuid.UUID
	DisplayName *string
	Role        *string
	Phone       *string
	// AgencyCode moves an agency operator to another agency; "" takes the
	// user out of their agency (which only a non-operator role allows).
	AgencyCode *string
}

// managed loads a user the caller may manage: in scope and holding a role the
// caller could grant. The row is locked for update.
func managed(ctx context.Context, tx *store.Tx, p *access.Principal, id uuid.UUID) (User, error) {
	if err := p.Require(access.UsersManage); err != nil {
		return User{}, err
	}
	u, err := scanUser(tx.QueryRow(ctx, userSelect+` WHERE u.id = ?`+tx.ForUpdate("u"), id))
	if store.IsNoRows(err) || err == nil && !p.Sees(u.CourtID) {
		return User{}, apperr.NotFoundf("用户")
	}
	if err != nil {
		return User{}, err
	}
	role, err := GetRole(ctx, tx, u.Role)
	if err != nil {
		return User{}, err
	}
	if !mayGrant(p, role) {
		return User{}, apperr.Forbid("您不能管理持有“" + role.Name + "”角色的用户")
	}
	return u, nil
}

// UpdateUser edits a user the caller may manage (users.manage).
func (s *Service) UpdateUser(ctx context.Context, id uuid.UUID, patch UserPatch) (User, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return User{}, err
	}
	err = s.db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		old, err := managed(ctx, tx, p, id)
		if err != nil {
			return err
		}
		u := old
		if patch.CourtID != nil && *patch.CourtID != old.CourtID {
			u.CourtID, u.TeamID = *patch.CourtID, uuid.Nil
		}
		if patch.TeamID != nil {
			u.TeamID = *patch.TeamID
		}
		if patch.DisplayName != nil {
			u.DisplayName = strings.TrimSpace(*patch.DisplayName)
		}
		if patch.Role != nil {
			u.Role = *patch.Role
		}
		if patch.Phone != nil {
			u.Phone = strings.TrimSpace(*patch.Phone)
		}
		if patch.AgencyCode != nil {
			u.AgencyCode = strings.TrimSpace(*patch.AgencyCode)
		}
		if err := invalid(checkProfile("", u.DisplayName, u.Phone)); err != nil {
			return err
		}
		if u.ID == p.UserID && u.Role != old.Role {
			return apperr.New(apperr.Conflict, "self_role_change", "不能修改自己的角色，请由其他管理员操作")
		}
		if _, _, u.AgencyID, err = placement(ctx, tx, p, u.CourtID, u.Role, u.TeamID, u.AgencyCode); err != nil {
			return err
		}
		ch := audit.Changes{}
		if u.CourtID != old.CourtID {
			ch["court_id"] = audit.Change{From: old.CourtID, To: u.CourtID}
		}
		if u.TeamID != old.TeamID {
			ch["team_id"] = audit.Change{From: store.NullID(old.TeamID), To: store.NullID(u.TeamID)}
		}
		if u.DisplayName != old.DisplayName {
			ch["display_name"] = audit.Change{From: old.DisplayName, To: u.DisplayName}
		}
		if u.Role != old.Role {
			ch["role"] = audit.Change{From: old.Role, To: u.Role}
		}
		if u.Phone != old.Phone {
			ch["phone"] = audit.Change{From: old.Phone, To: u.Phone}
		}
		if u.AgencyID != old.AgencyID {
			ch["agency_id"] = audit.Change{From: store.NullID(old.AgencyID), To: store.NullID(u.AgencyID)}
		}
		if len(ch) == 0 {
			return nil
		}
		principalsChanged(tx)
		_, err = tx.Exec(ctx, `UPDATE users SET court_id = ?, team_id = ?, agency_id = ?, display_name = ?, role = ?, phone = ?, updated_at = ?
			WHERE id = ?`, u.CourtID, store.NullID(u.TeamID), store.NullID(u.AgencyID), u.DisplayName, u.Role, u.Phone, s.now(), u.ID)
		if err != nil {
			return err
		}
		// A new court or role changes what the user may see: sign them out
		// so that no session keeps the old powers.
		if u.CourtID != old.CourtID || u.Role != old.Role || u.AgencyID != old.AgencyID {
			if err := revokeSessions(ctx, tx, u.ID, uuid.Nil, s.now()); err != nil {
				return err
			}
		}
		if err := audit.Log(ctx, tx, audit.Entry{CourtID: u.CourtID, Action: "user.updated", ObjectType: "user",
			ObjectID: u.ID.String(), Summary: "修改用户 " + u.Username, Changes: ch}); err != nil {
			return err
		}
		if u.CourtID != old.CourtID { // the court the user left records it too
			return audit.Log(ctx, tx, audit.Entry{CourtID: old.CourtID, Action: "user.moved_out", ObjectType: "user",
				ObjectID: u.ID.String(), Summary: "用户 " + u.Username + " 调往其他法院", Changes: ch})
		}
		return nil
	})
	if err != nil {
		return User{}, err
	}
	return s.getUser(ctx, s.db, id)
}

// ResetPassword sets a new password for a user the caller may manage
// (users.manage) and signs the user out everywhere; the user must change it at
// the next sign-in. An empty password means "generate one"; the password set
// is returned so it can be handed over once.
func (s *Service) ResetPassword(ctx context.Context, id uuid.UUID, password string) (string, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return "", err
	}
	if password == "" {
		password = GeneratePassword()
	}
	if err := CheckPasswordPolicy(password, "body.password"); err != nil {
		return "", err
	}
	hash := HashPassword(password, s.cfg.Hash)
	err = s.db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		u, err := managed(ctx, tx, p, id)
		if err != nil {
			return err
		}
		now := s.now()
		principalsChanged(tx)
		_, err = tx.Exec(ctx, `UPDATE users SET password_hash = ?, must_change_password = TRUE, password_changed_at = ?, updated_at = ?
			WHERE id = ?`, hash, now, now, u.ID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE username = ?`, u.Username); err != nil {
			return err
		}
		if err := revokeSessions(ctx, tx, u.ID, uuid.Nil, now); err != nil {
			return err
		}
		return audit.Log(ctx, tx, audit.Entry{CourtID: u.CourtID, Action: "user.password_reset", ObjectType: "user",
			ObjectID: u.ID.String(), Summary: "重置用户 " + u.Username + " 的密码，并注销其全部会话"})
	})
	if err != nil {
		return "", err
	}
	return password, nil
}

// ChangeOwnPassword lets a signed-in user replace their password. Their other
// sessions end; the current one stays.
func (s *Service) ChangeOwnPassword(ctx context.Context, current, next string) error {
	p, err := access.Must(ctx)
	if err != nil {
		return err
	}
	if p.IsSystem() {
		return apperr.Forbid("")
	}
	var hash string
	if err := s.db.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = ?`, p.UserID).Scan(&hash); err != nil {
		return err
	}
	if ok, _ := CheckPassword(current, hash, s.cfg.Hash); !ok {
		return apperr.InvalidField("wrong_password", "body.current_password", "当前密码不正确")
	}
	if err := CheckPasswordPolicy(next, "body.new_password"); err != nil {
		return err
	}
	if next == current {
		return apperr.InvalidField("same_password", "body.new_password", "新密码不能与当前密码相同")
	}
	newHash := HashPassword(next, s.cfg.Hash)
	return s.db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		now := s.now()
		principalsChanged(tx)
		_, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, must_change_password = FALSE, password_changed_at = ?,
			updated_at = ? WHERE id = ?`, newHash, now, now, p.UserID)
		if err != nil {
			return err
		}
		if err := revokeSessions(ctx, tx, p.UserID, p.SessionID, now); err != nil {
			return err
		}
		return audit.Log(ctx, tx, audit.Entry{CourtID: p.CourtID, Action: "user.password_changed", ObjectType: "user",
			ObjectID: p.UserID.String(), Summary: "用户 " + p.Username + " 修改了自己的密码"})
	})
}

// SetDisabled disables or re-enables a user the caller may manage
// (users.manage). Disabling ends every session of the user at once.
func (s *Service) SetDisabled(ctx context.Context, id uuid.UUID, disabled bool) (User, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return User{}, err
	}
	if disabled && id == p.UserID {
		return User{}, apperr.New(apperr.Conflict, "self_disable", "不能停用自己的账户")
	}
	err = s.db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		u, err := managed(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if u.Disabled() == disabled {
			return nil // already so: a repeated request changes nothing
		}
		now := s.now()
		principalsChanged(tx)
		var at any
		action, summary := "user.enabled", "启用用户 "+u.Username
		if disabled {
			at, action, summary = now, "user.disabled", "停用用户 "+u.Username+"，并注销其全部会话"
			if err := revokeSessions(ctx, tx, u.ID, uuid.Nil, now); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET disabled_at = ?, updated_at = ? WHERE id = ?`, at, now, u.ID); err != nil {
			return err
		}
		return audit.Log(ctx, tx, audit.Entry{CourtID: u.CourtID, Action: action, ObjectType: "user",
			ObjectID: u.ID.String(), Summary: summary, Changes: audit.Changes{"disabled": {From: !disabled, To: disabled}}})
	})
	if err != nil {
		return User{}, err
	}
	return s.getUser(ctx, s.db, id)
}

// CountActiveUsers returns how many enabled users the caller's courts have
// (users.read).
func (s *Service) CountActiveUsers(ctx context.Context) (int, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return 0, err
	}
	if err := p.Require(access.UsersRead); err != nil {
		return 0, err
	}
	cond, args := p.CourtFilter("court_id")
	var n int
	err = s.db.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE disabled_at IS NULL AND `+cond, args...).Scan(&n)
	return n, err
}

// CountUsers returns how many users exist (for first start).
func (s *Service) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}
