-- +goose Up
-- Sanctions (DOMAIN.md §7, ZB-2): the property report order (报告财产令) per
-- respondent with the report, its verification and penalties; the
-- consumption restriction (限制消费令) with the persons it binds for an
-- organization (XG-3) and its lifting (XG-4); the 失信 listing with its
-- grounds (SX-1), grace period (SX-4), term (SX-3), deletion (SX-5) and
-- correction requests (SX-6). Issuing them records the matching measure in
-- case_measures, which the 终本 gate reads.
CREATE TABLE report_orders (
    id              TEXT PRIMARY KEY,
    court_id        TEXT NOT NULL REFERENCES courts (id),
    case_id         TEXT NOT NULL REFERENCES cases (id),
    party_id        TEXT NOT NULL REFERENCES parties (id),
    party_name      TEXT NOT NULL,
    issued_on       TEXT NOT NULL,
    due_on          TEXT NOT NULL,                   -- the report deadline the order states (INV-1)
    document_no     TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('issued', 'reported', 'verified')),
    reported_on     TEXT,
    report_summary  TEXT NOT NULL DEFAULT '',
    verdict         TEXT NOT NULL DEFAULT '' CHECK (verdict IN ('', 'consistent', 'false', 'late', 'not_reported')),
    verified_on     TEXT,
    verify_note     TEXT NOT NULL DEFAULT '',
    fine_fen        BIGINT NOT NULL DEFAULT 0 CHECK (fine_fen >= 0),
    detention_days  INTEGER NOT NULL DEFAULT 0 CHECK (detention_days >= 0),
    penalty_on      TEXT,
    penalty_note    TEXT NOT NULL DEFAULT '',
    created_by_name TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX report_orders_case ON report_orders (case_id, created_at);
-- One open order per respondent of a case; a repeat order (INV-1) follows a verified one.
CREATE UNIQUE INDEX report_orders_open ON report_orders (case_id, party_id) WHERE status <> 'verified';

-- The items a 限制消费令 bans (XG-2; 法释〔2010〕8号 Art.3), as data.
CREATE TABLE consumption_ban_items (
    code      TEXT PRIMARY KEY,
    sort      INTEGER NOT NULL,
    label     TEXT NOT NULL,
    rule      TEXT NOT NULL,
    citation  TEXT NOT NULL
);
INSERT INTO consumption_ban_items (code, sort, label, rule, citation) VALUES
    ('travel_class', 1, '乘坐交通工具时，选择飞机、列车软卧、轮船二等以上舱位', 'XG-2', '法释〔2010〕8号（2015年修正）第3条第1项'),
    ('luxury_venues', 2, '在星级以上宾馆、酒店、夜总会、高尔夫球场等场所进行高消费', 'XG-2', '法释〔2010〕8号（2015年修正）第3条第2项'),
    ('real_estate', 3, '购买不动产或者新建、扩建、高档装修房屋', 'XG-2', '法释〔2010〕8号（2015年修正）第3条第3项'),
    ('office_rent', 4, '租赁高档写字楼、宾馆、公寓等场所办公', 'XG-2', '法释〔2010〕8号（2015年修正）第3条第4项'),
    ('vehicles', 5, '购买非经营必需车辆', 'XG-2', '法释〔2010〕8号（2015年修正）第3条第5项'),
    ('travel', 6, '旅游、度假', 'XG-2', '法释〔2010〕8号（2015年修正）第3条第6项'),
    ('private_school', 7, '子女就读高收费私立学校', 'XG-2', '法释〔2010〕8号（2015年修正）第3条第7项'),
    ('insurance', 8, '支付高额保费购买保险理财产品', 'XG-2', '法释〔2010〕8号（2015年修正）第3条第8项'),
    ('trains', 9, '乘坐G字头动车组列车全部座位、其他动车组列车一等以上座位等其他非生活和工作必需的消费行为', 'XG-2', '法释〔2010〕8号（2015年修正）第3条第9项');

CREATE TABLE restrictions (
    id              TEXT PRIMARY KEY,
    court_id        TEXT NOT NULL REFERENCES courts (id),
    case_id         TEXT NOT NULL REFERENCES cases (id),
    party_id        TEXT NOT NULL REFERENCES parties (id),
    party_name      TEXT NOT NULL,
    party_kind      TEXT NOT NULL CHECK (party_kind IN ('person', 'organization')),
    id_number       TEXT NOT NULL DEFAULT '',
    decided_on      TEXT NOT NULL,
    grace_months    INTEGER NOT NULL DEFAULT 0 CHECK (grace_months >= 0),
    start_on        TEXT NOT NULL,                   -- in force and published from (SX-4)
    document_no     TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('active', 'lifted')),
    lift_ground     TEXT NOT NULL DEFAULT '' CHECK (lift_ground IN ('', 'performed', 'guarantee', 'consent', 'other')),
    lifted_on       TEXT,
    lift_due_on     TEXT,                            -- when a trigger called for it (SX-5, XG-4)
    lifted_on_time  BOOLEAN,
    lift_note       TEXT NOT NULL DEFAULT '',
    created_by_name TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX restrictions_case ON restrictions (case_id, created_at);
CREATE INDEX restrictions_court ON restrictions (court_id, status, created_at);
CREATE UNIQUE INDEX restrictions_active ON restrictions (case_id, party_id) WHERE status = 'active';

-- The persons an organization's restriction binds (XG-3).
CREATE TABLE restriction_persons (
    id             TEXT PRIMARY KEY,
    restriction_id TEXT NOT NULL REFERENCES restrictions (id),
    court_id       TEXT NOT NULL REFERENCES courts (id),
    seq            INTEGER NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('legal_rep', 'principal', 'responsible', 'controller')),
    name           TEXT NOT NULL CHECK (name <> ''),
    id_number      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX restriction_persons_restriction ON restriction_persons (restriction_id, seq);

CREATE TABLE dishonest_listings (
    id              TEXT PRIMARY KEY,
    court_id        TEXT NOT NULL REFERENCES courts (id),
    case_id         TEXT NOT NULL REFERENCES cases (id),
    party_id        TEXT NOT NULL REFERENCES parties (id),
    party_name      TEXT NOT NULL,
    party_kind      TEXT NOT NULL CHECK (party_kind IN ('person', 'organization')),
    id_number       TEXT NOT NULL DEFAULT '',
    grounds         TEXT NOT NULL CHECK (grounds <> ''),  -- SX-1 items, "1 4"
    serious         BOOLEAN NOT NULL DEFAULT FALSE,
    decided_on      TEXT NOT NULL,
    grace_months    INTEGER NOT NULL DEFAULT 0 CHECK (grace_months >= 0),
    publish_on      TEXT NOT NULL,
    fixed_term      BOOLEAN NOT NULL,
    term_years      INTEGER NOT NULL DEFAULT 0 CHECK (term_years >= 0),   -- with the extensions
    ends_on         TEXT,                                                  -- NULL: no fixed term (SX-3 ground (1))
    document_no     TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('active', 'deleted')),
    trigger_kind    TEXT NOT NULL DEFAULT '',        -- an SX-5 trigger recorded by hand
    trigger_on      TEXT,
    trigger_note    TEXT NOT NULL DEFAULT '',
    deleted_on      TEXT,
    delete_ground   TEXT NOT NULL DEFAULT '',
    delete_due_on   TEXT,
    deleted_on_time BOOLEAN,
    delete_note     TEXT NOT NULL DEFAULT '',
    created_by_name TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX dishonest_listings_case ON dishonest_listings (case_id, created_at);
CREATE INDEX dishonest_listings_court ON dishonest_listings (court_id, status, created_at);
CREATE UNIQUE INDEX dishonest_listings_active ON dishonest_listings (case_id, party_id) WHERE status = 'active';

-- Correction requests against a listing and their 复议 (SX-6).
CREATE TABLE dishonest_corrections (
    id              TEXT PRIMARY KEY,
    court_id        TEXT NOT NULL REFERENCES courts (id),
    listing_id      TEXT NOT NULL REFERENCES dishonest_listings (id),
    kind            TEXT NOT NULL CHECK (kind IN ('correction', 'review')),
    reviews_id      TEXT REFERENCES dishonest_corrections (id),
    filed_on        TEXT NOT NULL,
    applicant       TEXT NOT NULL CHECK (applicant <> ''),
    request         TEXT NOT NULL CHECK (request <> ''),
    decide_due      TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('filed', 'decided', 'corrected')),
    outcome         TEXT NOT NULL DEFAULT '' CHECK (outcome IN ('', 'correct', 'reject')),
    decided_on      TEXT,
    decided_on_time BOOLEAN,
    decision_note   TEXT NOT NULL DEFAULT '',
    correct_due     TEXT,
    corrected_on    TEXT,
    corrected_on_time BOOLEAN,
    created_by_name TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX dishonest_corrections_listing ON dishonest_corrections (listing_id, created_at);
CREATE UNIQUE INDEX dishonest_corrections_open ON dishonest_corrections (listing_id, kind) WHERE status = 'filed';

-- Guarantees offered for a debtor (担保): an adequate one excludes 失信
-- (SX-2) and may lift a restriction (XG-4).
CREATE TABLE debtor_guarantees (
    id              TEXT PRIMARY KEY,
    court_id        TEXT NOT NULL REFERENCES courts (id),
    case_id         TEXT NOT NULL REFERENCES cases (id),
    party_id        TEXT NOT NULL REFERENCES parties (id),
    guarantor       TEXT NOT NULL CHECK (guarantor <> ''),
    amount_fen      BIGINT NOT NULL CHECK (amount_fen > 0),
    description     TEXT NOT NULL DEFAULT '',
    accepted_on     TEXT NOT NULL,
    created_by_name TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX debtor_guarantees_case ON debtor_guarantees (case_id, created_at);

-- +goose Down
DROP TABLE debtor_guarantees;
DROP TABLE dishonest_corrections;
DROP TABLE dishonest_listings;
DROP TABLE restriction_persons;
DROP TABLE restrictions;
DROP TABLE consumption_ban_items;
DROP TABLE report_orders;
