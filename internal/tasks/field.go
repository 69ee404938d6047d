// Package tasks is centralised affairs work (事务集约): task pools, field
// tasks, entrusted matters and hotline tickets. Today it holds field tasks
// (外勤, SCENARIOS S12; DOMAIN.md §1.2 外勤事务中心).
//
// A field task is on-site work a case's handler asks of the field center
// (field.request): an investigation, a seizure, an eviction or a service at
// an address in an area. The field center (field.manage) registers it,
// confirming the area and giving it to the field group of that area (a team
// of kind "field" whose region matches; another by choice), and assigns it
// to one of the group's field officers. The officer (field.work) records the
// result on site — outcome, findings, time on site, who was there, photos —
// and the result lands in the case's timeline. The requester or the field
// center may cancel an open task; the officer may give it back, which
// returns it to the field center as registered. Every step is one
// transaction with its case event and its audit record.
package tasks

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

// FieldKind is the work a field task asks for.
type FieldKind string

const (
	FieldInvestigate FieldKind = "investigate" // 现场调查
	FieldSeize       FieldKind = "seize"       // 现场查封、扣押
	FieldEvict       FieldKind = "evict"       // 腾退
	FieldServe       FieldKind = "serve"       // 现场送达
)

var fieldKinds = []FieldKind{FieldInvestigate, FieldSeize, FieldEvict, FieldServe}

// FieldKinds lists the kinds in display order.
func FieldKinds() []FieldKind { return slices.Clone(fieldKinds) }

// Label is the kind's Chinese name.
func (k FieldKind) Label() string {
	switch k {
	case FieldInvestigate:
		return "现场调查"
	case FieldSeize:
		return "现场查封、扣押"
	case FieldEvict:
		return "腾退"
	case FieldServe:
		return "现场送达"
	}
	return string(k)
}

// Valid reports whether k is a known kind.
func (k FieldKind) Valid() bool { return slices.Contains(fieldKinds, k) }

// Outcomes lists the outcomes a task of kind k may end with.
func (k FieldKind) Outcomes() []Outcome {
	switch k {
	case FieldInvestigate:
		return []Outcome{OutcomeFoundProperty, OutcomeNothingFound, OutcomeNotAtAddress, OutcomeObstructed}
	case FieldSeize:
		return []Outcome{OutcomeSeized, OutcomeFoundProperty, OutcomeNothingFound, OutcomeNotAtAddress, OutcomeObstructed}
	case FieldEvict:
		return []Outcome{OutcomeEvicted, OutcomeNotAtAddress, OutcomeObstructed}
	case FieldServe:
		return []Outcome{OutcomeServed, OutcomeNotAtAddress, OutcomeObstructed}
	}
	return nil
}

// FieldStatus is where a field task stands.
type FieldStatus string

const (
	FieldRequested  FieldStatus = "requested"  // asked for; waiting for the field center
	FieldRegistered FieldStatus = "registered" // the field center gave it to a field group; waiting for an officer
	FieldAssigned   FieldStatus = "assigned"   // with a field officer
	FieldDone       FieldStatus = "done"       // the result is recorded
	FieldCancelled  FieldStatus = "cancelled"  // withdrawn, with a reason
)

var fieldStatuses = []FieldStatus{FieldRequested, FieldRegistered, FieldAssigned, FieldDone, FieldCancelled}

// FieldStatuses lists the statuses in the order a task goes through them.
func FieldStatuses() []FieldStatus { return slices.Clone(fieldStatuses) }

// Label is the status's Chinese name.
func (s FieldStatus) Label() string {
	switch s {
	case FieldRequested:
		return "待登记"
	case FieldRegistered:
		return "待派员"
	case FieldAssigned:
		return "办理中"
	case FieldDone:
		return "已办结"
	case FieldCancelled:
		return "已撤销"
	}
	return string(s)
}

// Valid reports whether s is a known status.
func (s FieldStatus) Valid() bool { return slices.Contains(fieldStatuses, s) }

// Open reports whether work on the task may still happen.
func (s FieldStatus) Open() bool {
	return s == FieldRequested || s == FieldRegistered || s == FieldAssigned
}

// Outcome is what a field officer found or did on site.
type Outcome string

const (
	OutcomeFoundProperty Outcome = "found_property" // 发现可供执行的财产
	OutcomeNothingFound  Outcome = "nothing_found"  // 未发现可供执行的财产
	OutcomeSeized        Outcome = "seized"         // 已查封、扣押
	OutcomeEvicted       Outcome = "evicted"        // 已腾退
	OutcomeServed        Outcome = "served"         // 已送达
	OutcomeNotAtAddress  Outcome = "not_at_address" // 人不在或地址不符
	OutcomeObstructed    Outcome = "obstructed"     // 遇阻挠，未能完成
)

// Label is the outcome's Chinese name.
func (o Outcome) Label() string {
	switch o {
	case OutcomeFoundProperty:
		return "发现可供执行的财产"
	case OutcomeNothingFound:
		return "未发现可供执行的财产"
	case OutcomeSeized:
		return "已查封、扣押"
	case OutcomeEvicted:
		return "已腾退"
	case OutcomeServed:
		return "已送达"
	case OutcomeNotAtAddress:
		return "人不在或地址不符"
	case OutcomeObstructed:
		return "遇阻挠，未能完成"
	}
	return string(o)
}

// Coercive reports whether the outcome is an enforcement act done on site
// (a seizure, an eviction): it needs two officers present and photos.
func (o Outcome) Coercive() bool { return o == OutcomeSeized || o == OutcomeEvicted }

// Limits of a field task and its result.
const (
	MaxFieldPhotos   = 12 // photos kept with a result
	MaxPendingPhotos = 24 // photos uploaded to a task and not yet in a result
	MaxOfficers      = 10 // names of the officers present
	// MinCoerciveOfficers is how many officers must be present at a seizure
	// or an eviction (two enforcement officers on site; DOMAIN.md FUND-8
	// asks the same of field cash).
	MinCoerciveOfficers = 2
	maxAddress          = 200
	maxArea             = 64
	maxInstructions     = 2000
	maxFindings         = 4000
	maxReason           = 1000
	maxOfficerName      = 32
	// onSiteSkew is how far an on-site time may lie ahead of the server's
	// clock (a phone's clock runs fast).
	onSiteSkew = 5 * time.Minute
	// maxOnSite is the longest stay on site one result records.
	maxOnSite = 24 * time.Hour
)

// FieldTask is a field task as people read it.
type FieldTask struct {
	ID              uuid.UUID
	CourtID         uuid.UUID
	CourtName       string
	CaseID          uuid.UUID
	CaseNo          string
	CaseHandlerID   uuid.UUID
	PartyNames      string
	Kind            FieldKind
	Status          FieldStatus
	Address         string
	Area            string
	Instructions    string
	DueOn           legal.Date // zero: no wish
	AssetID         uuid.UUID
	AssetLabel      string
	RequestedBy     uuid.UUID
	RequestedByName string

	GroupID          uuid.UUID
	GroupName        string
	GroupRegion      string
	RegisteredByName string
	RegisteredAt     time.Time
	OfficerID        uuid.UUID
	OfficerName      string
	AssignedByName   string
	AssignedAt       time.Time
	Returns          int
	ReturnReason     string

	Result *FieldResult // once done

	CancelReason    string
	CancelledByName string
	CancelledAt     time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time

	// Photos are loaded by GetField and the changes: the result's photos,
	// in order, once done; before, the photos uploaded so far.
	Photos []FieldPhoto
}

// FieldResult is what the officer recorded.
type FieldResult struct {
	Outcome         Outcome
	Findings        string
	ArrivedAt       time.Time
	LeftAt          time.Time
	OfficersPresent []string
	RecordedBy      uuid.UUID
	RecordedByName  string
	RecordedAt      time.Time
}

// FieldPhoto is a photo of a field task.
type FieldPhoto struct {
	ID             uuid.UUID // the file's id
	TaskID         uuid.UUID
	ContentType    string
	SizeBytes      int64
	SHA256         string
	InResult       bool
	Seq            int
	UploadedByName string
	CreatedAt      time.Time
}

// what names a task in summaries: its kind and address.
func (t *FieldTask) what() string {
	return "外勤任务（" + t.Kind.Label() + "，" + t.Address + "）"
}

// text checks a required text input.
func text(s, field, code, label string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", apperr.InvalidField(code+"_required", field, "请填写"+label)
	}
	if utf8.RuneCountInString(s) > max {
		return "", apperr.InvalidField(code+"_too_long", field, fmt.Sprintf("%s不能超过 %d 个字", label, max))
	}
	return s, nil
}

func reasonText(reason string) (string, error) {
	return text(reason, "body.reason", "reason", "理由", maxReason)
}

// wrongState is the 409 answer to a change the task's status does not allow.
func wrongState(t *FieldTask, action string) error {
	return apperr.New(apperr.Conflict, "invalid_transition", "该外勤任务目前为“"+t.Status.Label()+"”，不能"+action)
}

// notYours is the answer to an officer acting on a task given to another.
func notYours() error {
	return apperr.New(apperr.Forbidden, "not_your_task", "该外勤任务没有派给您，只有承办的外勤人员可以办理")
}

// logField writes a step of a task to its case's timeline and to the audit
// log.
func logField(ctx context.Context, tx *store.Tx, t *FieldTask, action, summary string, ch audit.Changes) error {
	if err := cases.AppendEvents(ctx, tx, t.CaseID, cases.Event{Kind: "field_task." + action, Summary: summary}); err != nil {
		return err
	}
	return audit.Log(ctx, tx, audit.Entry{CourtID: t.CourtID, Action: "field_task." + action, ObjectType: "field_task",
		ObjectID: t.ID.String(), Summary: t.CaseNo + "：" + summary, Changes: ch})
}

// RequestInput asks for a field task.
type RequestInput struct {
	Kind         FieldKind
	Address      string
	Area         string // the region the address lies in, as the requester knows it; the field center confirms it
	Instructions string
	DueOn        legal.Date // optional: the last day the requester wishes it done
	AssetID      uuid.UUID  // optional: an asset of one of the case's parties the work is about
}

// RequestField asks the field center for on-site work on a case
// (field.request). The case must be open (or closed as 终本, whose controls
// and leads are still followed).
func RequestField(ctx context.Context, tx *store.Tx, caseID uuid.UUID, in RequestInput) (*FieldTask, error) {
	p, c, err := cases.LockForWork(ctx, tx, caseID, access.FieldRequest)
	if err != nil {
		return nil, err
	}
	if p.UserID == uuid.Nil {
		return nil, apperr.Forbid("外勤任务须由具体人员发起")
	}
	if c.Status == cases.StatusClosed && c.Closure != "zhongben" {
		return nil, apperr.New(apperr.Conflict, "case_closed", "案件 "+c.CaseNo+" 已结案（"+cases.ClosureLabel(c.Closure)+"），不能再派出外勤任务")
	}
	var probs apperr.Problems
	if !in.Kind.Valid() {
		var labels []string
		for _, k := range fieldKinds {
			labels = append(labels, string(k)+"（"+k.Label()+"）")
		}
		probs.Add("unknown_kind", "body.kind", "请选择外勤事项："+strings.Join(labels, "、"))
	}
	address, err := text(in.Address, "body.address", "address", "地址", maxAddress)
	if err != nil {
		probs.AddErr("body.address", err)
	}
	area := strings.TrimSpace(in.Area)
	if utf8.RuneCountInString(area) > maxArea {
		probs.Add("area_too_long", "body.area", fmt.Sprintf("片区不能超过 %d 个字", maxArea))
	}
	instructions, err := text(in.Instructions, "body.instructions", "instructions", "需要做什么", maxInstructions)
	if err != nil {
		probs.AddErr("body.instructions", err)
	}
	now := time.Now().UTC()
	if !in.DueOn.IsZero() && in.DueOn.Before(legal.Today(now)) {
		probs.Add("due_in_past", "body.due_on", "完成期限不能早于今天")
	}
	if in.AssetID != uuid.Nil {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM assets s JOIN case_parties cp ON cp.party_id = s.party_id
			WHERE s.id = ? AND cp.case_id = ?`, in.AssetID, c.ID).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			probs.Add("not_case_asset", "body.asset_id", "该财产不存在或不属于本案当事人")
		}
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	t := &FieldTask{ID: store.NewID(), CourtID: c.CourtID, CaseID: c.ID, CaseNo: c.CaseNo, Kind: in.Kind, Status: FieldRequested,
		Address: address, Area: area, Instructions: instructions, DueOn: in.DueOn, AssetID: in.AssetID, RequestedBy: p.UserID,
		RequestedByName: p.DisplayName, CreatedAt: now, UpdatedAt: now}
	if _, err := tx.Exec(ctx, `INSERT INTO field_tasks (id, court_id, case_id, kind, status, address, area, instructions, due_on, asset_id,
		requested_by, requested_by_name, created_at, updated_at) VALUES (?, ?, ?, ?, 'requested', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.CourtID, t.CaseID, string(t.Kind), t.Address, t.Area, t.Instructions, t.DueOn, store.NullID(t.AssetID), t.RequestedBy,
		t.RequestedByName, now, now); err != nil {
		return nil, err
	}
	summary := "发起" + t.what()
	if t.Area != "" {
		summary += "，片区 " + t.Area
	}
	if !t.DueOn.IsZero() {
		summary += "，请于 " + t.DueOn.String() + " 前完成"
	}
	summary += "：" + clip(t.Instructions, 100)
	ch := audit.Changes{"kind": {To: t.Kind}, "address": {To: t.Address}, "area": {To: t.Area}, "due_on": {To: t.DueOn}}
	if t.AssetID != uuid.Nil {
		ch["asset_id"] = audit.Change{To: t.AssetID}
	}
	if err := logField(ctx, tx, t, "requested", summary, ch); err != nil {
		return nil, err
	}
	return loadField(ctx, tx, t.ID)
}

// RegistrationInput is the field center's registration of a task.
type RegistrationInput struct {
	// Area confirms or corrects the task's area; "" keeps it.
	Area string
	// GroupID is the field group; uuid.Nil picks the officer's group when
	// OfficerID is given, else the group of the area (see SuggestGroup).
	GroupID uuid.UUID
	// OfficerID, when given, also assigns the task to this officer of the
	// group, in the same transaction.
	OfficerID uuid.UUID
}

// RegisterField registers a requested task and gives it to a field group
// (field.manage). A registered task not yet with an officer may be
// registered again, to another area or group.
func RegisterField(ctx context.Context, tx *store.Tx, id uuid.UUID, in RegistrationInput) (*FieldTask, error) {
	p, t, err := lockField(ctx, tx, id, access.FieldManage)
	if err != nil {
		return nil, err
	}
	if t.Status != FieldRequested && t.Status != FieldRegistered {
		return nil, wrongState(t, "登记")
	}
	area := strings.TrimSpace(in.Area)
	if area == "" {
		area = t.Area
	}
	if utf8.RuneCountInString(area) > maxArea {
		return nil, apperr.InvalidField("area_too_long", "body.area", fmt.Sprintf("片区不能超过 %d 个字", maxArea))
	}
	var officer *FieldOfficer
	if in.OfficerID != uuid.Nil {
		if officer, err = checkOfficer(ctx, tx, t.CourtID, in.OfficerID, in.GroupID); err != nil {
			return nil, err
		}
	}
	var group FieldGroup
	switch {
	case in.GroupID != uuid.Nil:
		if group, err = checkGroup(ctx, tx, t.CourtID, in.GroupID); err != nil {
			return nil, err
		}
	case officer != nil:
		if group, err = checkGroup(ctx, tx, t.CourtID, officer.GroupID); err != nil {
			return nil, err
		}
	default:
		groups, err := fieldGroups(ctx, tx, t.CourtID)
		if err != nil {
			return nil, err
		}
		g, ok := SuggestGroup(groups, area)
		if !ok {
			msg := "本院没有在用的外勤组，无法登记；请先在“团队”中建立外勤组（按片区）"
			if len(groups) > 0 {
				msg = "没有负责片区“" + area + "”的外勤组，也没有不分片区的外勤组；请指定外勤组"
			}
			return nil, apperr.New(apperr.Conflict, "no_field_group", msg, apperr.FieldError{Field: "body.group_id", Detail: msg})
		}
		group = g
	}
	again := t.Status == FieldRegistered
	if again && group.ID == t.GroupID && area == t.Area && officer == nil {
		return nil, apperr.New(apperr.Conflict, "no_change", "登记内容没有变化")
	}
	if !again || group.ID != t.GroupID || area != t.Area {
		now := time.Now().UTC()
		if _, err := tx.Exec(ctx, `UPDATE field_tasks SET status = 'registered', area = ?, group_id = ?, registered_by_name = ?,
			registered_at = ?, updated_at = ? WHERE id = ?`, area, group.ID, p.DisplayName, now, now, t.ID); err != nil {
			return nil, err
		}
		verb := "登记"
		if again {
			verb = "重新登记"
		}
		summary := "外勤事务中心" + verb + t.what() + "，交 " + group.Name
		if area != "" {
			summary += "（片区 " + area + "）"
		}
		ch := audit.Changes{"status": {From: t.Status, To: FieldRegistered}, "area": {From: t.Area, To: area},
			"group_id": {From: idText(t.GroupID), To: group.ID.String()}}
		if err := logField(ctx, tx, t, "registered", summary, ch); err != nil {
			return nil, err
		}
	}
	t.Status, t.Area, t.GroupID, t.GroupName = FieldRegistered, area, group.ID, group.Name
	if officer != nil {
		if err := assign(ctx, tx, p, t, officer); err != nil {
			return nil, err
		}
	}
	return loadField(ctx, tx, t.ID)
}

// AssignField gives a registered task to a field officer of its group, or
// moves an assigned one to another officer of the group (field.manage).
func AssignField(ctx context.Context, tx *store.Tx, id, officerID uuid.UUID) (*FieldTask, error) {
	p, t, err := lockField(ctx, tx, id, access.FieldManage)
	if err != nil {
		return nil, err
	}
	if t.Status != FieldRegistered && t.Status != FieldAssigned {
		return nil, wrongState(t, "派员")
	}
	if officerID == uuid.Nil {
		return nil, apperr.InvalidField("officer_required", "body.officer_id", "请选择外勤人员")
	}
	officer, err := checkOfficer(ctx, tx, t.CourtID, officerID, t.GroupID)
	if err != nil {
		return nil, err
	}
	if officer.ID == t.OfficerID {
		return nil, apperr.New(apperr.Conflict, "no_change", "该任务已派给 "+officer.Name)
	}
	if err := assign(ctx, tx, p, t, officer); err != nil {
		return nil, err
	}
	return loadField(ctx, tx, t.ID)
}

func assign(ctx context.Context, tx *store.Tx, p *access.Principal, t *FieldTask, o *FieldOfficer) error {
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `UPDATE field_tasks SET status = 'assigned', officer_id = ?, assigned_by_name = ?, assigned_at = ?, updated_at = ?
		WHERE id = ?`, o.ID, p.DisplayName, now, now, t.ID); err != nil {
		return err
	}
	summary := t.what() + " 派给外勤人员 " + o.Name + "（" + o.GroupName + "）"
	if t.OfficerID != uuid.Nil {
		summary = t.what() + " 由 " + t.OfficerName + " 改派给 " + o.Name + "（" + o.GroupName + "）"
	}
	return logField(ctx, tx, t, "assigned", summary, audit.Changes{"status": {From: t.Status, To: FieldAssigned},
		"officer_id": {From: idText(t.OfficerID), To: o.ID.String()}})
}

// ReturnField gives an assigned task back to the field center, with the
// reason the officer cannot do it (field.work, the assigned officer). The
// task is registered again, with its group and without an officer.
func ReturnField(ctx context.Context, tx *store.Tx, id uuid.UUID, reason string) (*FieldTask, error) {
	p, t, err := lockField(ctx, tx, id, access.FieldWork)
	if err != nil {
		return nil, err
	}
	if t.Status != FieldAssigned {
		return nil, wrongState(t, "退回")
	}
	if t.OfficerID != p.UserID {
		return nil, notYours()
	}
	reason, err = reasonText(reason)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `UPDATE field_tasks SET status = 'registered', officer_id = NULL, assigned_by_name = '', assigned_at = NULL,
		returns = returns + 1, return_reason = ?, updated_at = ? WHERE id = ?`, reason, now, t.ID); err != nil {
		return nil, err
	}
	if err := logField(ctx, tx, t, "returned", "外勤人员 "+p.DisplayName+" 退回"+t.what()+"："+reason, audit.Changes{
		"status": {From: FieldAssigned, To: FieldRegistered}, "officer_id": {From: t.OfficerID.String()}, "reason": {To: reason}}); err != nil {
		return nil, err
	}
	return loadField(ctx, tx, t.ID)
}

// CancelField withdraws an open task, with a reason: by its requester or the
// case's handler (field.request), or by the field center (field.manage).
// Photos uploaded for it are deleted.
func CancelField(ctx context.Context, tx *store.Tx, id uuid.UUID, reason string) (*FieldTask, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Can(access.FieldManage) && !p.Can(access.FieldRequest) {
		return nil, apperr.Forbid("")
	}
	_, t, err := lockField(ctx, tx, id, "")
	if err != nil {
		return nil, err
	}
	if !p.Can(access.FieldManage) && p.UserID != t.RequestedBy && p.UserID != t.CaseHandlerID {
		return nil, apperr.Forbid("只有发起人、案件承办人或外勤事务中心可以撤销外勤任务")
	}
	if !t.Status.Open() {
		return nil, wrongState(t, "撤销")
	}
	reason, err = reasonText(reason)
	if err != nil {
		return nil, err
	}
	if err := dropPending(ctx, tx, t.ID, nil); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `UPDATE field_tasks SET status = 'cancelled', cancel_reason = ?, cancelled_by_name = ?, cancelled_at = ?,
		updated_at = ? WHERE id = ?`, reason, p.DisplayName, now, now, t.ID); err != nil {
		return nil, err
	}
	if err := logField(ctx, tx, t, "cancelled", "撤销"+t.what()+"："+reason, audit.Changes{
		"status": {From: t.Status, To: FieldCancelled}, "reason": {To: reason}}); err != nil {
		return nil, err
	}
	return loadField(ctx, tx, t.ID)
}

// ResultInput is what the officer records.
type ResultInput struct {
	Outcome  Outcome
	Findings string
	// ArrivedAt and LeftAt are the time on site.
	ArrivedAt, LeftAt time.Time
	// OfficersPresent names who was there besides the recording officer
	// (who is added when missing): officers, judicial police.
	OfficersPresent []string
	// PhotoIDs are photos uploaded to the task (AddFieldPhoto), in the
	// order to keep; the others uploaded are deleted.
	PhotoIDs []uuid.UUID
}

// RecordFieldResult records the result of an assigned task (field.work, the
// assigned officer): the task is done, and the result lands in the case's
// timeline.
func RecordFieldResult(ctx context.Context, tx *store.Tx, id uuid.UUID, in ResultInput) (*FieldTask, error) {
	p, t, err := lockField(ctx, tx, id, access.FieldWork)
	if err != nil {
		return nil, err
	}
	if t.Status != FieldAssigned {
		return nil, wrongState(t, "记录结果")
	}
	if t.OfficerID != p.UserID {
		return nil, notYours()
	}
	now := time.Now().UTC()
	var probs apperr.Problems
	if !slices.Contains(t.Kind.Outcomes(), in.Outcome) {
		var labels []string
		for _, o := range t.Kind.Outcomes() {
			labels = append(labels, string(o)+"（"+o.Label()+"）")
		}
		probs.Add("invalid_outcome", "body.outcome", "请选择“"+t.Kind.Label()+"”的结果："+strings.Join(labels, "、"))
	}
	findings, err := text(in.Findings, "body.findings", "findings", "现场情况", maxFindings)
	if err != nil {
		probs.AddErr("body.findings", err)
	}
	arrived, left := in.ArrivedAt.UTC().Truncate(time.Second), in.LeftAt.UTC().Truncate(time.Second)
	switch {
	case in.ArrivedAt.IsZero():
		probs.Add("arrived_at_required", "body.arrived_at", "请填写到达现场的时间")
	case in.LeftAt.IsZero():
		probs.Add("left_at_required", "body.left_at", "请填写离开现场的时间")
	case left.Before(arrived):
		probs.Add("on_site_order", "body.left_at", "离开现场的时间不能早于到达的时间")
	case left.After(now.Add(onSiteSkew)):
		probs.Add("on_site_future", "body.left_at", "离开现场的时间不能晚于现在")
	case arrived.Before(t.CreatedAt.Truncate(time.Minute)):
		probs.Add("on_site_before_request", "body.arrived_at", "到达现场的时间不能早于任务发起的时间（"+clock(t.CreatedAt)+"）")
	case left.Sub(arrived) > maxOnSite:
		probs.Add("on_site_too_long", "body.left_at", "一次现场办理不超过 24 小时；请分别记录")
	}
	officers := []string{p.DisplayName}
	for _, n := range in.OfficersPresent {
		for _, name := range splitNames(n) {
			if utf8.RuneCountInString(name) > maxOfficerName {
				probs.Add("officer_name_too_long", "body.officers_present", fmt.Sprintf("在场人员姓名不能超过 %d 个字：%s", maxOfficerName, clip(name, 40)))
				continue
			}
			if !slices.Contains(officers, name) {
				officers = append(officers, name)
			}
		}
	}
	switch {
	case len(officers) > MaxOfficers:
		probs.Add("too_many_officers", "body.officers_present", fmt.Sprintf("在场人员最多填写 %d 人", MaxOfficers))
	case in.Outcome.Coercive() && len(officers) < MinCoerciveOfficers:
		probs.Add("officers_required", "body.officers_present", "现场查封、扣押或腾退须有两名以上执行人员在场，请填写其他在场人员")
	}
	pending, err := photos(ctx, tx, t.ID)
	if err != nil {
		return nil, err
	}
	var chosen []uuid.UUID
	switch {
	case len(in.PhotoIDs) > MaxFieldPhotos:
		probs.Add("too_many_photos", "body.photo_ids", fmt.Sprintf("每项结果最多附 %d 张照片", MaxFieldPhotos))
	case in.Outcome.Coercive() && len(in.PhotoIDs) == 0:
		probs.Add("photos_required", "body.photo_ids", "现场查封、扣押或腾退须附现场照片")
	default:
		for i, pid := range in.PhotoIDs {
			field := fmt.Sprintf("body.photo_ids[%d]", i)
			switch {
			case slices.Contains(chosen, pid):
				probs.Add("duplicate_photo", field, "同一张照片只能附一次")
			case !slices.ContainsFunc(pending, func(ph FieldPhoto) bool { return ph.ID == pid }):
				probs.Add("unknown_photo", field, "照片不存在，或不是为本任务上传的")
			default:
				chosen = append(chosen, pid)
			}
		}
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	for i, pid := range chosen {
		if _, err := tx.Exec(ctx, `UPDATE field_task_photos SET in_result = TRUE, seq = ? WHERE file_id = ?`, i+1, pid); err != nil {
			return nil, err
		}
	}
	if err := dropPending(ctx, tx, t.ID, chosen); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE field_tasks SET status = 'done', outcome = ?, findings = ?, on_site_from = ?, on_site_to = ?,
		officers_present = ?, result_by = ?, result_by_name = ?, done_at = ?, updated_at = ? WHERE id = ?`,
		string(in.Outcome), findings, arrived, left, marshalNames(officers), p.UserID, p.DisplayName, now, now, t.ID); err != nil {
		return nil, err
	}
	summary := fmt.Sprintf("外勤结果：%s %s。现场 %s至%s，在场人员 %s。%s", t.what(), in.Outcome.Label(), clock(arrived),
		clockSameDay(arrived, left), strings.Join(officers, "、"), clip(findings, 200))
	if len(chosen) > 0 {
		summary += fmt.Sprintf("（照片 %d 张）", len(chosen))
	}
	if err := logField(ctx, tx, t, "done", summary, audit.Changes{"status": {From: FieldAssigned, To: FieldDone},
		"outcome": {To: in.Outcome}, "arrived_at": {To: arrived}, "left_at": {To: left}, "officers_present": {To: officers},
		"photos": {To: len(chosen)}}); err != nil {
		return nil, err
	}
	return loadField(ctx, tx, t.ID)
}

// splitNames reads names separated by commas, 、, semicolons, spaces or
// line breaks.
func splitNames(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case ',', '，', '、', ';', '；', '\n', '\r', '\t', ' ', '\u3000':
			return true
		}
		return false
	})
}

// clock shows an instant as Beijing time to the minute.
func clock(t time.Time) string { return t.In(legal.Shanghai()).Format("2006-01-02 15:04") }

// clockSameDay shows the end of an interval: the time only when it ends on
// the day it began.
func clockSameDay(from, to time.Time) string {
	if legal.DateOf(from) == legal.DateOf(to) {
		return to.In(legal.Shanghai()).Format("15:04")
	}
	return clock(to)
}

// clip shortens s to n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

func idText(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}
