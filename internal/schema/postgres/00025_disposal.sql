-- +goose Up
-- Property disposal (DOMAIN.md §8): one disposal per (case, asset under a
-- control in force), its reference price reports (VAL-1 to VAL-4), the
-- auctions and 变卖 listed on the auction platform (AUCT-2 to AUCT-10) with
-- the bid log pulled from it (AUCT-7), and the bidders barred after a
-- default (AUCT-8). The SQLite twin is ../sqlite/00025_disposal.sql.
CREATE TABLE disposals (
    id                UUID PRIMARY KEY,
    court_id          UUID NOT NULL REFERENCES courts (id),
    case_id           UUID NOT NULL REFERENCES cases (id),
    asset_id          UUID NOT NULL REFERENCES assets (id),
    control_id        UUID NOT NULL REFERENCES controls (id),
    owner_party_id    UUID NOT NULL REFERENCES parties (id),
    asset_label       TEXT NOT NULL,
    movable           BOOLEAN NOT NULL,
    stage             TEXT NOT NULL CHECK (stage IN ('valuation', 'priced', 'listed', 'failed', 'sold', 'completed', 'unsold', 'withdrawn')),
    seized_on         DATE NOT NULL,
    valuation_due     DATE NOT NULL,           -- VAL-1
    method            TEXT NOT NULL DEFAULT '' CHECK (method IN ('', 'agreed', 'directed', 'online', 'appraisal')),
    started_on        DATE,
    started_late      BOOLEAN NOT NULL DEFAULT FALSE,
    appraiser_draw    TEXT NOT NULL DEFAULT '', -- JSON: the candidates, the seed and the pick of a draw by lot
    reference_fen     BIGINT NOT NULL DEFAULT 0 CHECK (reference_fen >= 0),
    served_on         DATE,                    -- the reference price served on the parties
    objection_due     DATE,                    -- VAL-4
    valid_until       DATE,                    -- VAL-4
    no_bid_count      INTEGER NOT NULL DEFAULT 0,
    failed_on         DATE,
    last_reserve_fen  BIGINT NOT NULL DEFAULT 0,
    proceeds_fen      BIGINT NOT NULL DEFAULT 0,
    forfeited_fen     BIGINT NOT NULL DEFAULT 0,
    handler_name      TEXT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX disposals_open ON disposals (case_id, asset_id) WHERE stage NOT IN ('completed', 'unsold', 'withdrawn');
CREATE INDEX disposals_court ON disposals (court_id, updated_at, id);
CREATE INDEX disposals_case ON disposals (case_id, created_at);

-- The reports a reference price is fixed from: an agreed or directed price
-- (one row), each listed online platform's report (VAL-3), an appraisal.
CREATE TABLE valuation_reports (
    id             UUID PRIMARY KEY,
    disposal_id    UUID NOT NULL REFERENCES disposals (id),
    provider_code  TEXT NOT NULL,
    provider_name  TEXT NOT NULL,
    due_on         DATE,
    amount_fen     BIGINT NOT NULL DEFAULT 0 CHECK (amount_fen >= 0),
    reported_on    DATE,
    basis          TEXT NOT NULL DEFAULT '',
    objected       BOOLEAN NOT NULL DEFAULT FALSE,
    objection      TEXT NOT NULL DEFAULT '',
    objected_on    DATE,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX valuation_reports_disposal ON valuation_reports (disposal_id, provider_code);

-- Auctions (kind auction) and 变卖 (kind sale) of a disposal, in order.
CREATE TABLE auctions (
    id               UUID PRIMARY KEY,
    court_id         UUID NOT NULL REFERENCES courts (id),
    disposal_id      UUID NOT NULL REFERENCES disposals (id),
    seq              INTEGER NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('auction', 'sale')),
    status           TEXT NOT NULL CHECK (status IN ('listed', 'sold', 'failed', 'defaulted', 'confirmed')),
    reserve_fen      BIGINT NOT NULL CHECK (reserve_fen > 0),
    deposit_fen      BIGINT NOT NULL CHECK (deposit_fen >= 0),
    increment_fen    BIGINT NOT NULL CHECK (increment_fen > 0),
    parties_told_on  DATE,
    published_on     DATE NOT NULL,
    starts_at        TIMESTAMPTZ NOT NULL,
    ends_at          TIMESTAMPTZ NOT NULL,
    disclosures      TEXT NOT NULL,            -- JSON (AUCT-5)
    deduction_id     UUID,                     -- the case clock entry (AUCT-12)
    closed_at        TIMESTAMPTZ,
    winner_ref       TEXT NOT NULL DEFAULT '',
    winner_name      TEXT NOT NULL DEFAULT '',
    price_fen        BIGINT NOT NULL DEFAULT 0,
    winner_deposit_fen BIGINT NOT NULL DEFAULT 0,
    default_reason   TEXT NOT NULL DEFAULT '',
    confirmed_on     DATE,
    receipt_ref      TEXT NOT NULL DEFAULT '',
    created_by_name  TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (disposal_id, seq)
);

-- The bid log of a closed auction as the platform kept it (AUCT-7).
CREATE TABLE auction_bids (
    auction_id   UUID NOT NULL REFERENCES auctions (id),
    seq          INTEGER NOT NULL,
    bidder_ref   TEXT NOT NULL,
    bidder_name  TEXT NOT NULL,
    priority     BOOLEAN NOT NULL DEFAULT FALSE,
    amount_fen   BIGINT NOT NULL,
    bid_at       TIMESTAMPTZ NOT NULL,
    closes_at    TIMESTAMPTZ NOT NULL,        -- the close after this bid (AUCT-7 extensions)
    PRIMARY KEY (auction_id, seq)
);

-- Bidders barred from an asset's later auctions after a default (AUCT-8).
CREATE TABLE disposal_bars (
    disposal_id  UUID NOT NULL REFERENCES disposals (id),
    bidder_ref   TEXT NOT NULL,
    auction_id   UUID NOT NULL REFERENCES auctions (id),
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (disposal_id, bidder_ref)
);

-- +goose Down
DROP TABLE disposal_bars;
DROP TABLE auction_bids;
DROP TABLE auctions;
DROP TABLE valuation_reports;
DROP TABLE disposals;
