// Package files keeps small files in the database: the photos field officers
// take today, other attachments later. A file belongs to a court, is stored
// with its SHA-256, its size and the content type read from its first bytes
// (never the client's word), and is written in the transaction of the change
// that brings it, so a change that fails leaves no file behind.
//
// The package checks no permissions: a file is reached only through the
// feature that owns it (a field task's photos through package tasks), which
// decides who may read it and answers 404 to everybody else.
package files

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/store"
)

// MaxImageBytes bounds one image.
const MaxImageBytes = 8 << 20

// Image content types accepted by PutImage.
const (
	JPEG = "image/jpeg"
	PNG  = "image/png"
)

// File is a stored file. Data is loaded by Get only.
type File struct {
	ID          uuid.UUID
	CourtID     uuid.UUID
	SHA256      string // hex
	ContentType string
	SizeBytes   int64
	CreatedBy   uuid.UUID // uuid.Nil for the system
	CreatedAt   time.Time
	Data        []byte
}

// CheckImage tells whether data is a JPEG or PNG image of at most
// MaxImageBytes and returns its content type, sniffed from its first bytes
// (http.DetectContentType). field names the input in the errors: 422
// empty_file and unsupported_file_type, 413 file_too_large.
func CheckImage(data []byte, field string) (string, error) {
	switch {
	case len(data) == 0:
		return "", apperr.InvalidField("empty_file", field, "文件为空，请重新选择照片")
	case len(data) > MaxImageBytes:
		return "", apperr.New(apperr.TooLarge, "file_too_large", fmt.Sprintf("每张照片不能超过 %d MiB", MaxImageBytes>>20),
			apperr.FieldError{Field: field, Detail: "照片过大"})
	}
	ct := http.DetectContentType(data)
	if ct != JPEG && ct != PNG {
		return "", apperr.InvalidField("unsupported_file_type", field, "只接受 JPEG 或 PNG 格式的照片")
	}
	return ct, nil
}

// PutImage stores an image (see CheckImage) for court as part of tx, in the
// name of ctx's principal.
func PutImage(ctx context.Context, tx *store.Tx, court uuid.UUID, data []byte, field string) (*File, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	ct, err := CheckImage(data, field)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	f := &File{ID: store.NewID(), CourtID: court, SHA256: hex.EncodeToString(sum[:]), ContentType: ct, SizeBytes: int64(len(data)),
		CreatedAt: time.Now().UTC()}
	if !p.IsSystem() {
		f.CreatedBy = p.UserID
	}
	if _, err := tx.Exec(ctx, `INSERT INTO files (id, court_id, sha256, content_type, size_bytes, data, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, f.ID, f.CourtID, f.SHA256, f.ContentType, f.SizeBytes, data, store.NullID(f.CreatedBy),
		f.CreatedAt); err != nil {
		return nil, err
	}
	return f, nil
}

// Get returns a file with its data. The caller has checked that the file
// may be read.
func Get(ctx context.Context, q store.Querier, id uuid.UUID) (*File, error) {
	f := &File{}
	var by uuid.NullUUID
	err := q.QueryRow(ctx, `SELECT id, court_id, sha256, content_type, size_bytes, created_by, created_at, data FROM files WHERE id = ?`, id).
		Scan(&f.ID, &f.CourtID, &f.SHA256, &f.ContentType, &f.SizeBytes, &by, &f.CreatedAt, &f.Data)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("文件")
	}
	if err != nil {
		return nil, err
	}
	f.CreatedBy = by.UUID
	return f, nil
}

// Delete removes files as part of tx. Whoever refers to them removes its
// references first.
func Delete(ctx context.Context, tx *store.Tx, ids ...uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	_, err := tx.Exec(ctx, `DELETE FROM files WHERE id IN (`+store.Placeholders(len(ids))+`)`, args...)
	return err
}
