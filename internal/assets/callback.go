package assets

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/store"
)

// SimKey is the key shared with the simulator, used by agencies that have no
// key of their own.
type SimKey struct {
	ID     string
	Secret []byte
}

// CallbackHandler receives agencies' results at CallbackPath + "{code}":
// signed with the agency's key, applied at once (the case shows them), and
// answered 200 once stored so the agency stops retrying; repeats are
// harmless.
func CallbackHandler(db *store.DB, sim SimKey) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		code := r.PathValue("code")
		ctx := r.Context()
		a, err := scanAgency(db.QueryRow(ctx, `SELECT `+agencyColumns+` FROM agencies WHERE code = ?`, code))
		if store.IsNoRows(err) {
			http.Error(w, "unknown agency", http.StatusNotFound)
			return
		}
		if err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, agency.MaxBodyBytes))
		if err != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		_, err = agency.Verify(r.Header, body, time.Now(), func(keyID string) ([]byte, bool) {
			if a.Secret == "" {
				return sim.Secret, keyID == sim.ID && len(sim.Secret) > 0
			}
			s, err := decodeSecret(a.Secret)
			return s, err == nil && keyID == a.KeyID
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var in agency.Results
		if err := json.Unmarshal(body, &in); err != nil {
			http.Error(w, "malformed results: "+err.Error(), http.StatusBadRequest)
			return
		}
		ctx = access.With(ctx, access.System(a.Name))
		n, err := ApplyResults(ctx, db, a.Code, in.Results, "callback")
		if err != nil {
			status := http.StatusInternalServerError
			if errors.Is(err, ctx.Err()) {
				status = http.StatusServiceUnavailable
			}
			http.Error(w, "results not stored; send them again", status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(n)
	})
}
