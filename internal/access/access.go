// Package access says who is acting and what they may see and do: the
// Principal of a request, its permissions and its court scope. It is a leaf
// package: every feature package checks access through it, and nothing here
// touches the database.
//
// The rule (ARCHITECTURE.md, security model): a user sees their own court; a
// role whose scope is "subtree" also sees the courts below (a 中院 its basic
// courts, a 高院 its whole province); a role of scope "all" sees every court (the
// system administrator); a role of scope "none" (an agency operator) sees no
// court's objects at all. Objects outside the scope do not exist for the caller:
// feature code answers 404, never 403, so their existence does not leak.
package access

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/apperr"
)

// Permission names one power. Roles hold permissions (table role_permissions).
type Permission string

const (
	UsersRead       Permission = "users.read"       // see the users of courts in scope
	UsersManage     Permission = "users.manage"     // create, edit, disable users and reset their passwords
	CourtsManage    Permission = "courts.manage"    // edit courts in scope and add courts below them
	TeamsManage     Permission = "teams.manage"     // create and edit teams of courts in scope
	RolesManage     Permission = "roles.manage"     // edit roles and their permissions (platform-wide)
	ReferenceManage Permission = "reference.manage" // edit case types, team kinds, the calendar and the platform's rule parameters
	AuditRead       Permission = "audit.read"       // read the audit log of courts in scope

	ApplicationsRegister Permission = "applications.register" // register enforcement applications at the window or in bulk
	ApplicationsReview   Permission = "applications.review"   // file an application (立案) or refuse it (不予受理)
	MediationHandle      Permission = "mediation.handle"      // record pre-enforcement mediation (执前督促、和解)
	CasesRead            Permission = "cases.read"            // read cases, parties and applications of courts in scope
	CasesWork            Permission = "cases.work"            // move a case through its states, ask for clock deductions and extensions
	CasesAssign          Permission = "cases.assign"          // assign and reassign cases to teams and handlers, override triage
	ClockApprove         Permission = "clock.approve"         // approve deductions from the case clock (CLOCK-8)
	ClockExtend          Permission = "clock.extend"          // approve extensions of the case clock (CLOCK-3: 院长/副院长)
	TriageManage         Permission = "triage.manage"         // edit and activate triage rule sets
	RulesManage          Permission = "rules.manage"          // set the rule parameters (C values, DOMAIN.md §0) of courts in scope
	AssetsInquire        Permission = "assets.inquire"        // send online asset inquiries (网络查控) for a case
	AssetsControl        Permission = "assets.control"        // freeze, seize, renew, release and deduct assets
	AssetsDispatch       Permission = "assets.dispatch"       // watch the agency connectors, retry or abandon undeliverable requests
	AgencyAnswer         Permission = "agency.answer"         // an agency operator: read and answer the requests addressed to their agency
	FieldRequest         Permission = "field.request"         // ask the field center for on-site work on a case (外勤任务)
	FieldManage          Permission = "field.manage"          // the field center: register field tasks, give them to field groups and officers, cancel them
	FieldWork            Permission = "field.work"            // a field officer: see the group's field tasks, record their results with photos
	FundsHandle          Permission = "funds.handle"          // record and confirm payee accounts, allocate case money, ask for payouts
	FundsMatch           Permission = "funds.match"           // import the custody account's statements, match unidentified money to cases
	FundsApprove         Permission = "funds.approve"         // approve payouts below the court's threshold (FUND-6: 团队长、庭长)
	FundsApproveLarge    Permission = "funds.approve_large"   // approve payouts at or above the threshold and postponements (FUND-5, FUND-6: 局长)
	SupervisionManage    Permission = "supervision.manage"    // supervise (督办): raise items by hand, accept or return answers, close items, issue lists
	SupervisionRules     Permission = "supervision.rules"     // edit, dry-run and activate the court's supervision rules
	EntrustManage        Permission = "entrust.manage"        // entrusted matters (事项委托): send one from a case; at the receiving court accept, return, assign, record and report
	RemediesManage       Permission = "remedies.manage"       // file and handle 执行异议、案外人异议、复议 and 执行信访 through their steps
	HotlineManage        Permission = "hotline.manage"        // the command center's hotline (热线): record, route and answer calls
	DisposalManage       Permission = "disposal.manage"       // dispose of seized property: reference price, auctions, 变卖, sale confirmation (DOMAIN.md §8)
	SanctionsManage      Permission = "sanctions.manage"      // issue report orders, 限消 and 失信; verify, penalise, lift, delete, correct (DOMAIN.md §7)
)

// PermissionInfo describes a permission for administrators.
type PermissionInfo struct {
	Code  Permission
	Label string
}

// Catalogue lists every permission, in display order.
var Catalogue = []PermissionInfo{
	{UsersRead, "查看用户"},
	{UsersManage, "管理用户（新建、修改、停用、重置密码）"},
	{CourtsManage, "管理法院"},
	{TeamsManage, "管理团队"},
	{RolesManage, "管理角色与权限（全平台）"},
	{ReferenceManage, "管理参考数据：案件类型、团队类别、节假日、规则参数（全平台）"},
	{AuditRead, "查看审计日志"},
	{ApplicationsRegister, "登记执行申请（窗口、批量）"},
	{ApplicationsReview, "立案审查（立案、不予受理）"},
	{MediationHandle, "执前督促与调解"},
	{CasesRead, "查看案件"},
	{CasesWork, "办理案件（状态变更、申请扣除或延长期限）"},
	{CasesAssign, "分案、改派与分流调整"},
	{ClockApprove, "审批扣除审限"},
	{ClockExtend, "审批延长执行期限"},
	{TriageManage, "管理繁简分流规则"},
	{RulesManage, "管理法院的规则参数（期限等可配置值）"},
	{AssetsInquire, "发起网络查控（查询财产）"},
	{AssetsControl, "冻结、查封、续行、解除、扣划"},
	{AssetsDispatch, "查控通道监控：重发或放弃无法送达的请求"},
	{AgencyAnswer, "协执单位：查看并答复本单位收到的请求"},
	{FieldRequest, "发起外勤任务（现场调查、查封扣押、腾退、送达）"},
	{FieldManage, "外勤事务中心：登记、分派、撤销外勤任务"},
	{FieldWork, "外勤人员：办理本组外勤任务，记录现场结果与照片"},
	{FundsHandle, "案款：登记与确认收款账户、分配案款、申请发放"},
	{FundsMatch, "案款：导入专户流水、认领不明款"},
	{FundsApprove, "案款：审批小额发放（低于本院限额）"},
	{FundsApproveLarge, "案款：审批大额发放和延缓发放"},
	{SupervisionManage, "督办：发起督办、审核答复、退回、关闭督办事项，下发督办清单"},
	{SupervisionRules, "督办规则：编辑、试运行并启用本院督办规则"},
	{EntrustManage, "事项委托：发出委托；受托法院接收、退回、分派、记录办理并回复结果"},
	{RemediesManage, "执行救济：登记、立案、审查、裁定、送达执行异议、案外人异议、复议与执行信访"},
	{HotlineManage, "热线：登记来电、转办、答复"},
	{DisposalManage, "财产处置：确定参考价、发布拍卖公告、处理流拍与悔拍、成交确认"},
	{SanctionsManage, "惩戒措施：报告财产令、限制消费、失信名单（发布、核查、处罚、解除、删除、纠正）"},
}

// Administrative reports whether perm is a power over users, courts, roles,
// reference data, rules or the audit log, rather than over case work. Only
// these bound whom an administrator may create (see auth's mayGrant).
func Administrative(perm Permission) bool {
	switch perm {
	case UsersRead, UsersManage, CourtsManage, TeamsManage, RolesManage, ReferenceManage, AuditRead, TriageManage, RulesManage, SupervisionRules:
		return true
	}
	return false
}

// KnownPermission reports whether p is in the catalogue.
func KnownPermission(p Permission) bool {
	return slices.ContainsFunc(Catalogue, func(i PermissionInfo) bool { return i.Code == p })
}

// Scope is how far a role sees beyond its own court.
type Scope string

const (
	ScopeNone    Scope = "none"    // no court objects (agency operators)
	ScopeCourt   Scope = "court"   // own court only
	ScopeSubtree Scope = "subtree" // own court and every court below it
	ScopeAll     Scope = "all"     // every court (system administrator)
)

// Label is the scope's Chinese name.
func (s Scope) Label() string {
	switch s {
	case ScopeNone:
		return "不可查看法院数据"
	case ScopeCourt:
		return "本院"
	case ScopeSubtree:
		return "本院及下级法院"
	case ScopeAll:
		return "全部法院"
	}
	return string(s)
}

// Valid reports whether s is one of the four scopes.
func (s Scope) Valid() bool {
	switch s {
	case ScopeNone, ScopeCourt, ScopeSubtree, ScopeAll:
		return true
	}
	return false
}

// Built-in role codes (DOMAIN.md §1.1). Their names, scopes and permissions are
// data an administrator edits; the codes are fixed.
const (
	RoleSysAdmin        = "sysadmin"
	RoleCourtAdmin      = "court_admin"
	RolePostJudge       = "post_judge"
	RoleJudgeAssistant  = "judge_assistant"
	RoleClerk           = "clerk"
	RoleCommandCenter   = "command_center"
	RoleTeamLeader      = "team_leader"
	RoleBureauChief     = "bureau_chief"
	RolePresident       = "president"
	RoleFieldOfficer    = "field_officer"
	RoleWindowReception = "window_reception"
	RoleMediator        = "mediator"
	RoleAgencyOperator  = "agency_operator"
)

// Principal is the one acting: a signed-in user, or the system itself (the
// command line, migrations, background work).
type Principal struct {
	UserID      uuid.UUID
	Username    string
	DisplayName string
	Role        string
	RoleName    string
	CourtID     uuid.UUID
	CourtCode   string
	CourtName   string
	TeamID      uuid.UUID // uuid.Nil when the user belongs to no team
	// AgencyID is the agency an agency operator answers for (uuid.Nil for
	// court staff): they see the requests addressed to it and nothing else.
	AgencyID  uuid.UUID
	SessionID uuid.UUID
	Scope     Scope
	// MustChangePassword is set after an administrator reset the password:
	// until the user changes it, only that and signing out are allowed.
	MustChangePassword bool

	courts map[uuid.UUID]bool
	perms  map[Permission]bool
	system bool
}

// NewPrincipal builds a user principal. visible lists the courts the user sees
// (their own court first); it is ignored for ScopeAll and ScopeNone.
func NewPrincipal(p Principal, perms []Permission, visible []uuid.UUID) *Principal {
	p.perms = make(map[Permission]bool, len(perms))
	for _, x := range perms {
		p.perms[x] = true
	}
	p.courts = make(map[uuid.UUID]bool, len(visible))
	for _, c := range visible {
		p.courts[c] = true
	}
	return &p
}

// System returns the principal of work the system does on its own account,
// named for the audit log (for example "命令行" or "数据迁移").
func System(name string) *Principal {
	return &Principal{Username: "system", DisplayName: name, Role: "system", RoleName: "系统", Scope: ScopeAll, system: true}
}

// IsSystem reports whether p is the system rather than a user.
func (p *Principal) IsSystem() bool { return p.system }

// Can reports whether p holds perm.
func (p *Principal) Can(perm Permission) bool { return p.system || p.perms[perm] }

// Permissions returns p's permissions in catalogue order.
func (p *Principal) Permissions() []Permission {
	var out []Permission
	for _, i := range Catalogue {
		if p.Can(i.Code) {
			out = append(out, i.Code)
		}
	}
	return out
}

// Sees reports whether objects of court are visible to p.
func (p *Principal) Sees(court uuid.UUID) bool {
	switch p.Scope {
	case ScopeAll:
		return true
	case ScopeNone:
		return false
	}
	return p.courts[court]
}

// VisibleCourts returns the courts p sees; all is true when p sees every
// court, in which case the list is nil.
func (p *Principal) VisibleCourts() (courts []uuid.UUID, all bool) {
	if p.Scope == ScopeAll {
		return nil, true
	}
	if p.Scope == ScopeNone {
		return nil, false
	}
	courts = make([]uuid.UUID, 0, len(p.courts))
	for c := range p.courts {
		courts = append(courts, c)
	}
	slices.SortFunc(courts, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	return courts, false
}

// CourtFilter returns a SQL condition limiting column to the courts p sees,
// with its arguments: "TRUE" for all courts, "FALSE" for none.
func (p *Principal) CourtFilter(column string) (string, []any) {
	courts, all := p.VisibleCourts()
	if all {
		return "TRUE", nil
	}
	if len(courts) == 0 {
		return "FALSE", nil
	}
	cond := column + " IN (?"
	args := make([]any, 0, len(courts))
	for i, c := range courts {
		if i > 0 {
			cond += ", ?"
		}
		args = append(args, c)
	}
	return cond + ")", args
}

// Require returns a Forbidden error unless p holds perm.
func (p *Principal) Require(perm Permission) error {
	if p.Can(perm) {
		return nil
	}
	return apperr.Forbid("")
}

type ctxKey struct{}

// With returns ctx carrying p.
func With(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// From returns the principal in ctx, or nil.
func From(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}

// Must returns the principal in ctx, or an Unauthenticated error when there is
// none. Feature code calls it first.
func Must(ctx context.Context) (*Principal, error) {
	if p := From(ctx); p != nil {
		return p, nil
	}
	return nil, apperr.New(apperr.Unauthenticated, "unauthenticated", "请先登录")
}
