package files_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/png"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/files"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

func tinyPNG(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCheckImage(t *testing.T) {
	t.Parallel()
	jpeg := append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, make([]byte, 32)...)
	for _, tt := range []struct {
		name string
		data []byte
		ct   string
		code string
	}{
		{"png", tinyPNG(t), files.PNG, ""},
		{"jpeg", jpeg, files.JPEG, ""},
		{"empty", nil, "", "empty_file"},
		{"gif", []byte("GIF89a\x01\x00\x01\x00"), "", "unsupported_file_type"},
		{"html posing as a photo", []byte("<html><script>alert(1)</script>"), "", "unsupported_file_type"},
		{"pdf", []byte("%PDF-1.7\n"), "", "unsupported_file_type"},
		{"too large", append(tinyPNG(t), make([]byte, files.MaxImageBytes)...), "", "file_too_large"},
	} {
		ct, err := files.CheckImage(tt.data, "body.photo")
		if tt.code == "" {
			if err != nil || ct != tt.ct {
				t.Errorf("%s: %q %v, want %q", tt.name, ct, err, tt.ct)
			}
			continue
		}
		e, ok := apperr.As(err)
		if !ok || e.Code != tt.code || len(e.Fields) != 1 || e.Fields[0].Field != "body.photo" {
			t.Errorf("%s: %v, want %s on body.photo", tt.name, err, tt.code)
		}
	}
	if _, err := files.CheckImage(append(tinyPNG(t), make([]byte, files.MaxImageBytes)...), "x"); apperr.KindOf(err) != apperr.TooLarge {
		t.Errorf("too large is %v, want 413", err)
	}
}

// TestStore: an image is stored with its digest, read back byte for byte,
// and deleted; a failed transaction leaves nothing.
func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		sys := access.With(context.Background(), access.System("测试"))
		court, err := org.CourtByCode(sys, db, "粤0607")
		if err != nil {
			t.Fatal(err)
		}
		data := tinyPNG(t)
		f, err := store.TransactValue(sys, db, func(ctx context.Context, tx *store.Tx) (*files.File, error) {
			return files.PutImage(ctx, tx, court.ID, data, "body.photo")
		})
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if f.SHA256 != hex.EncodeToString(sum[:]) || f.SizeBytes != int64(len(data)) || f.ContentType != files.PNG || f.CreatedBy != uuid.Nil {
			t.Errorf("stored %+v", f)
		}
		got, err := files.Get(sys, db, f.ID)
		if err != nil || !bytes.Equal(got.Data, data) || got.SHA256 != f.SHA256 || got.CourtID != court.ID || !got.CreatedAt.Equal(f.CreatedAt.Truncate(time.Microsecond)) {
			t.Fatalf("read back %+v (%v)", got, err)
		}

		var lost uuid.UUID
		err = db.Transact(sys, func(ctx context.Context, tx *store.Tx) error {
			f, err := files.PutImage(ctx, tx, court.ID, data, "body.photo")
			if err != nil {
				return err
			}
			lost = f.ID
			return apperr.New(apperr.Conflict, "later_failure", "后续步骤失败")
		})
		if apperr.CodeOf(err) != "later_failure" {
			t.Fatal(err)
		}
		if _, err := files.Get(sys, db, lost); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("a rolled back file: %v", err)
		}
		_, err = store.TransactValue(sys, db, func(ctx context.Context, tx *store.Tx) (*files.File, error) {
			return files.PutImage(ctx, tx, court.ID, []byte("not an image"), "body.photo")
		})
		if apperr.CodeOf(err) != "unsupported_file_type" {
			t.Errorf("not an image: %v", err)
		}

		if err := db.Transact(sys, func(ctx context.Context, tx *store.Tx) error { return files.Delete(ctx, tx, f.ID) }); err != nil {
			t.Fatal(err)
		}
		if _, err := files.Get(sys, db, f.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("deleted file: %v", err)
		}
	})
}
