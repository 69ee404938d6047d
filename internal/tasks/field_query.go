package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/files"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
)

const fieldColumns = `f.id, f.court_id, ct.short_name, f.case_id, k.case_no, k.handler_id, k.party_names, f.kind, f.status, f.address, f.area,
	f.instructions, f.due_on, f.asset_id, COALESCE(s.kind, ''), COALESCE(s.ref, ''), COALESCE(s.institution, ''), f.requested_by,
	f.requested_by_name, f.group_id, COALESCE(g.name, ''), COALESCE(g.region, ''), f.registered_by_name, f.registered_at, f.officer_id,
	COALESCE(o.display_name, ''), f.assigned_by_name, f.assigned_at, f.returns, f.return_reason, f.outcome, f.findings, f.on_site_from,
	f.on_site_to, f.officers_present, f.result_by, f.result_by_name, f.done_at, f.cancel_reason, f.cancelled_by_name, f.cancelled_at,
	f.created_at, f.updated_at`

const fieldFrom = ` FROM field_tasks f JOIN cases k ON k.id = f.case_id JOIN courts ct ON ct.id = f.court_id
	LEFT JOIN teams g ON g.id = f.group_id LEFT JOIN users o ON o.id = f.officer_id LEFT JOIN assets s ON s.id = f.asset_id`

func scanField(sc store.Scanner) (*FieldTask, error) {
	t := &FieldTask{}
	var handler, asset, group, officer, resultBy uuid.NullUUID
	var assetKind, assetRef, institution, outcome, findings, officers, resultByName string
	var registered, assigned, from, to, done, cancelled *time.Time
	err := sc.Scan(&t.ID, &t.CourtID, &t.CourtName, &t.CaseID, &t.CaseNo, &handler, &t.PartyNames, &t.Kind, &t.Status, &t.Address, &t.Area,
		&t.Instructions, &t.DueOn, &asset, &assetKind, &assetRef, &institution, &t.RequestedBy, &t.RequestedByName, &group, &t.GroupName,
		&t.GroupRegion, &t.RegisteredByName, &registered, &officer, &t.OfficerName, &t.AssignedByName, &assigned, &t.Returns,
		&t.ReturnReason, &outcome, &findings, &from, &to, &officers, &resultBy, &resultByName, &done, &t.CancelReason,
		&t.CancelledByName, &cancelled, &t.CreatedAt, &t.UpdatedAt)
	if err != nil {
		return nil, err
	}
	t.CaseHandlerID, t.AssetID, t.GroupID, t.OfficerID = handler.UUID, asset.UUID, group.UUID, officer.UUID
	if asset.Valid {
		t.AssetLabel = agency.Kind(assetKind).Label() + " " + assetRef
		if institution != "" {
			t.AssetLabel += "（" + institution + "）"
		}
	}
	t.RegisteredAt, t.AssignedAt, t.CancelledAt = utc(registered), utc(assigned), utc(cancelled)
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	if t.Status == FieldDone {
		r := &FieldResult{Outcome: Outcome(outcome), Findings: findings, ArrivedAt: utc(from), LeftAt: utc(to), RecordedBy: resultBy.UUID,
			RecordedByName: resultByName, RecordedAt: utc(done)}
		if officers != "" {
			if err := json.Unmarshal([]byte(officers), &r.OfficersPresent); err != nil {
				return nil, err
			}
		}
		t.Result = r
	}
	return t, nil
}

func utc(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func marshalNames(names []string) string {
	b, err := json.Marshal(names)
	if err != nil {
		panic(err) // strings only
	}
	return string(b)
}

// lockField reads a task for a change, locking its row, after checking perm
// (none when perm is ""). Tasks of courts outside the caller's scope do not
// exist for them.
func lockField(ctx context.Context, tx *store.Tx, id uuid.UUID, perm access.Permission) (*access.Principal, *FieldTask, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, nil, err
	}
	if perm != "" {
		if err := p.Require(perm); err != nil {
			return nil, nil, err
		}
	}
	t, err := scanField(tx.QueryRow(ctx, `SELECT `+fieldColumns+fieldFrom+` WHERE f.id = ?`+tx.ForUpdate("f"), id))
	if store.IsNoRows(err) || err == nil && !p.Sees(t.CourtID) {
		return nil, nil, apperr.NotFoundf("外勤任务")
	}
	return p, t, err
}

// loadField reads a task with its photos, without checks (after a change).
func loadField(ctx context.Context, q store.Querier, id uuid.UUID) (*FieldTask, error) {
	t, err := scanField(q.QueryRow(ctx, `SELECT `+fieldColumns+fieldFrom+` WHERE f.id = ?`, id))
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("外勤任务")
	}
	if err != nil {
		return nil, err
	}
	if t.Photos, err = photos(ctx, q, t.ID); err != nil {
		return nil, err
	}
	if t.Status == FieldDone {
		t.Photos = slices.DeleteFunc(t.Photos, func(p FieldPhoto) bool { return !p.InResult })
	}
	return t, nil
}

// GetField returns a task with its photos to those who may read its case
// (cases.read, court in scope).
func GetField(ctx context.Context, q store.Querier, id uuid.UUID) (*FieldTask, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return nil, err
	}
	t, err := loadField(ctx, q, id)
	if err == nil && !p.Sees(t.CourtID) {
		return nil, apperr.NotFoundf("外勤任务")
	}
	return t, err
}

// photos lists a task's photos: those of the result first, in order, then
// the others by upload.
func photos(ctx context.Context, q store.Querier, task uuid.UUID) ([]FieldPhoto, error) {
	rows, err := q.Query(ctx, `SELECT p.file_id, p.task_id, f.content_type, f.size_bytes, f.sha256, p.in_result, p.seq, p.uploaded_by_name,
		p.created_at FROM field_task_photos p JOIN files f ON f.id = p.file_id WHERE p.task_id = ?
		ORDER BY CASE WHEN p.in_result THEN 0 ELSE 1 END, p.seq, p.created_at, p.file_id`, task)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []FieldPhoto
	for rows.Next() {
		var ph FieldPhoto
		if err := rows.Scan(&ph.ID, &ph.TaskID, &ph.ContentType, &ph.SizeBytes, &ph.SHA256, &ph.InResult, &ph.Seq, &ph.UploadedByName,
			&ph.CreatedAt); err != nil {
			return nil, err
		}
		ph.CreatedAt = ph.CreatedAt.UTC()
		out = append(out, ph)
	}
	return out, rows.Err()
}

// FieldGroup is a field group: an active team of kind "field" of a court,
// with the area it covers and its open tasks.
type FieldGroup struct {
	ID        uuid.UUID
	CourtID   uuid.UUID
	Name      string
	Region    string // "" covers every area no other group covers
	OpenTasks int    // registered or assigned to it
}

// TeamKindField is the team kind of field groups (org seed team_kinds.csv).
const TeamKindField = "field"

func fieldGroups(ctx context.Context, q store.Querier, court uuid.UUID) ([]FieldGroup, error) {
	rows, err := q.Query(ctx, `SELECT t.id, t.court_id, t.name, t.region,
		(SELECT COUNT(*) FROM field_tasks x WHERE x.group_id = t.id AND x.status IN ('registered', 'assigned'))
		FROM teams t WHERE t.court_id = ? AND t.kind = ? AND t.active ORDER BY t.name, t.id`, court, TeamKindField)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []FieldGroup
	for rows.Next() {
		var g FieldGroup
		if err := rows.Scan(&g.ID, &g.CourtID, &g.Name, &g.Region, &g.OpenTasks); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// FieldGroups lists the field groups of a court in the caller's scope
// (field.manage, field.request or field.work); another court lists none.
func FieldGroups(ctx context.Context, q store.Querier, court uuid.UUID) ([]FieldGroup, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Can(access.FieldManage) && !p.Can(access.FieldRequest) && !p.Can(access.FieldWork) {
		return nil, apperr.Forbid("")
	}
	if !p.Sees(court) {
		return nil, nil
	}
	return fieldGroups(ctx, q, court)
}

// SuggestGroup picks the group of an area: the group whose region is the
// area; else the group whose region the area names (the longest such
// region: "西南街道" for "三水区西南街道江边村"); else a group without a region
// (the court's catch-all field group). Ties go by name. ok is false when no
// group fits.
func SuggestGroup(groups []FieldGroup, area string) (g FieldGroup, ok bool) {
	area = strings.TrimSpace(area)
	best, bestLen := -1, -1
	for i, x := range groups {
		region := strings.TrimSpace(x.Region)
		var score int
		switch {
		case region == "":
			score = 0
		case region == area:
			score = 1 << 20
		case area != "" && strings.Contains(area, region):
			score = len(region)
		default:
			continue
		}
		if score > bestLen || score == bestLen && x.Name < groups[best].Name {
			best, bestLen = i, score
		}
	}
	if best < 0 {
		return FieldGroup{}, false
	}
	return groups[best], true
}

func checkGroup(ctx context.Context, q store.Querier, court, id uuid.UUID) (FieldGroup, error) {
	groups, err := fieldGroups(ctx, q, court)
	if err != nil {
		return FieldGroup{}, err
	}
	for _, g := range groups {
		if g.ID == id {
			return g, nil
		}
	}
	return FieldGroup{}, apperr.InvalidField("invalid_group", "body.group_id", "外勤组不存在、已停用或不属于本院")
}

// FieldOfficer is a field officer: an active user of role field_officer in
// a field group, with the tasks they hold.
type FieldOfficer struct {
	ID        uuid.UUID
	Name      string
	GroupID   uuid.UUID
	GroupName string
	Assigned  int // tasks in hand
}

const officerQuery = `SELECT u.id, u.display_name, t.id, t.name,
	(SELECT COUNT(*) FROM field_tasks x WHERE x.officer_id = u.id AND x.status = 'assigned')
	FROM users u JOIN teams t ON t.id = u.team_id
	WHERE u.court_id = ? AND u.role = ? AND u.disabled_at IS NULL AND t.kind = ? AND t.active`

func scanOfficers(ctx context.Context, q store.Querier, extra string, args ...any) ([]FieldOfficer, error) {
	rows, err := q.Query(ctx, officerQuery+extra+` ORDER BY t.name, u.display_name, u.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []FieldOfficer
	for rows.Next() {
		var o FieldOfficer
		if err := rows.Scan(&o.ID, &o.Name, &o.GroupID, &o.GroupName, &o.Assigned); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// FieldOfficers lists the field officers of a court in the caller's scope,
// by group and name (field.manage).
func FieldOfficers(ctx context.Context, q store.Querier, court uuid.UUID) ([]FieldOfficer, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.FieldManage); err != nil {
		return nil, err
	}
	if !p.Sees(court) {
		return nil, nil
	}
	return scanOfficers(ctx, q, "", court, access.RoleFieldOfficer, TeamKindField)
}

// checkOfficer finds an officer of court who may take a task: in group when
// group is given, else in any field group.
func checkOfficer(ctx context.Context, q store.Querier, court, id, group uuid.UUID) (*FieldOfficer, error) {
	list, err := scanOfficers(ctx, q, ` AND u.id = ?`, court, access.RoleFieldOfficer, TeamKindField, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 || group != uuid.Nil && list[0].GroupID != group {
		return nil, apperr.InvalidField("invalid_officer", "body.officer_id", "外勤人员须为该外勤组在岗的外勤人员")
	}
	return &list[0], nil
}

// dropPending deletes a task's photos not in its result, except keep.
func dropPending(ctx context.Context, tx *store.Tx, task uuid.UUID, keep []uuid.UUID) error {
	all, err := photos(ctx, tx, task)
	if err != nil {
		return err
	}
	var drop []any
	for _, ph := range all {
		if !ph.InResult && !slices.Contains(keep, ph.ID) {
			drop = append(drop, ph.ID)
		}
	}
	if len(drop) == 0 {
		return nil
	}
	in := store.Placeholders(len(drop))
	if _, err := tx.Exec(ctx, `DELETE FROM field_task_photos WHERE file_id IN (`+in+`)`, drop...); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `DELETE FROM files WHERE id IN (`+in+`)`, drop...)
	return err
}

// FieldFilter narrows ListField. Zero fields do not filter.
type FieldFilter struct {
	CourtID   uuid.UUID
	Statuses  []FieldStatus
	Area      string
	GroupID   uuid.UUID
	OfficerID uuid.UUID
}

// ListField lists field tasks, oldest first (the longest waiting at the
// top): for the field center (field.manage) every task of the courts in
// scope; for a field officer (field.work) the tasks of their own group.
func ListField(ctx context.Context, q store.Querier, f FieldFilter, req page.Request) (page.Page[*FieldTask], error) {
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[*FieldTask]{}, err
	}
	var cond string
	var args []any
	switch {
	case p.Can(access.FieldManage):
		cond, args = p.CourtFilter("f.court_id")
	case p.Can(access.FieldWork):
		cond, args = p.CourtFilter("f.court_id")
		if p.TeamID == uuid.Nil {
			cond, args = "FALSE", nil // in no group: no group's tasks
		} else {
			cond += " AND f.group_id = ?"
			args = append(args, p.TeamID)
		}
	default:
		return page.Page[*FieldTask]{}, apperr.Forbid("")
	}
	return listField(ctx, q, cond, args, f, req)
}

// CaseFieldTasks lists the field tasks of a case, oldest first, to those
// who may read the case.
func CaseFieldTasks(ctx context.Context, q store.Querier, caseID uuid.UUID, req page.Request) (page.Page[*FieldTask], error) {
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[*FieldTask]{}, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return page.Page[*FieldTask]{}, err
	}
	var court uuid.UUID
	err = q.QueryRow(ctx, `SELECT court_id FROM cases WHERE id = ?`, caseID).Scan(&court)
	if store.IsNoRows(err) || err == nil && !p.Sees(court) {
		return page.Page[*FieldTask]{}, apperr.NotFoundf("案件")
	}
	if err != nil {
		return page.Page[*FieldTask]{}, err
	}
	return listField(ctx, q, "f.case_id = ?", []any{caseID}, FieldFilter{}, req)
}

func listField(ctx context.Context, q store.Querier, cond string, args []any, f FieldFilter, req page.Request) (page.Page[*FieldTask], error) {
	if _, err := req.LimitOrDefault(); err != nil {
		return page.Page[*FieldTask]{}, err
	}
	where := []string{cond}
	if f.CourtID != uuid.Nil {
		where, args = append(where, "f.court_id = ?"), append(args, f.CourtID)
	}
	if len(f.Statuses) > 0 {
		var in []string
		for _, s := range f.Statuses {
			if !s.Valid() {
				return page.Page[*FieldTask]{}, apperr.InvalidField("invalid_status", "query.status", "没有“"+string(s)+"”这种任务状态")
			}
			in, args = append(in, "?"), append(args, string(s))
		}
		where = append(where, "f.status IN ("+strings.Join(in, ", ")+")")
	}
	if a := strings.TrimSpace(f.Area); a != "" {
		where, args = append(where, "f.area = ?"), append(args, a)
	}
	if f.GroupID != uuid.Nil {
		where, args = append(where, "f.group_id = ?"), append(args, f.GroupID)
	}
	if f.OfficerID != uuid.Nil {
		where, args = append(where, "f.officer_id = ?"), append(args, f.OfficerID)
	}
	return store.PageByID(ctx, q, req, `SELECT `+fieldColumns+fieldFrom+` WHERE `+strings.Join(where, " AND "), args, "f.id", false,
		scanField, func(t *FieldTask) uuid.UUID { return t.ID })
}

// AddFieldPhoto stores a photo for an assigned task (field.work, the
// assigned officer): a JPEG or PNG of at most files.MaxImageBytes, kept
// until the result chooses it (or it is deleted with the others).
func AddFieldPhoto(ctx context.Context, tx *store.Tx, id uuid.UUID, data []byte) (*FieldPhoto, error) {
	p, t, err := lockField(ctx, tx, id, access.FieldWork)
	if err != nil {
		return nil, err
	}
	if t.Status != FieldAssigned {
		return nil, wrongState(t, "上传照片")
	}
	if t.OfficerID != p.UserID {
		return nil, notYours()
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM field_task_photos WHERE task_id = ? AND NOT in_result`, t.ID).Scan(&n); err != nil {
		return nil, err
	}
	if n >= MaxPendingPhotos {
		return nil, apperr.New(apperr.Conflict, "too_many_photos", fmt.Sprintf("本任务已上传 %d 张照片，不能再上传；记录结果时最多附 %d 张", n, MaxFieldPhotos))
	}
	f, err := files.PutImage(ctx, tx, t.CourtID, data, "body.photo")
	if err != nil {
		return nil, err
	}
	ph := &FieldPhoto{ID: f.ID, TaskID: t.ID, ContentType: f.ContentType, SizeBytes: f.SizeBytes, SHA256: f.SHA256,
		UploadedByName: p.DisplayName, CreatedAt: f.CreatedAt}
	if _, err := tx.Exec(ctx, `INSERT INTO field_task_photos (file_id, court_id, task_id, uploaded_by, uploaded_by_name, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, f.ID, t.CourtID, t.ID, p.UserID, p.DisplayName, f.CreatedAt); err != nil {
		return nil, err
	}
	return ph, audit.Log(ctx, tx, audit.Entry{CourtID: t.CourtID, Action: "field_task.photo_added", ObjectType: "field_task",
		ObjectID: t.ID.String(), Summary: t.CaseNo + "：为" + t.what() + "上传照片", Changes: audit.Changes{
			"file_id": {To: f.ID}, "sha256": {To: f.SHA256}, "size_bytes": {To: f.SizeBytes}, "content_type": {To: f.ContentType}}})
}

// FieldPhotoFile returns a photo of a task, with its data, to those who may
// read the task's case; to everybody else it does not exist.
func FieldPhotoFile(ctx context.Context, q store.Querier, taskID, photoID uuid.UUID) (*files.File, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return nil, err
	}
	var court uuid.UUID
	err = q.QueryRow(ctx, `SELECT court_id FROM field_task_photos WHERE file_id = ? AND task_id = ?`, photoID, taskID).Scan(&court)
	if store.IsNoRows(err) || err == nil && !p.Sees(court) {
		return nil, apperr.NotFoundf("照片")
	}
	if err != nil {
		return nil, err
	}
	return files.Get(ctx, q, photoID)
}
