-- paywire's ledger: one row per payment applied, one per refund applied, written in the
-- merchant's own transaction beside the merchant's own rows.
CREATE TABLE IF NOT EXISTS paywire_payments (
    gateway       TEXT    NOT NULL,
    out_trade_no  TEXT    NOT NULL,
    amount_fen    INTEGER NOT NULL CHECK (amount_fen >= 0),
    currency      TEXT,
    gateway_order TEXT,
    refunded_fen  INTEGER NOT NULL DEFAULT 0 CHECK (refunded_fen >= 0 AND refunded_fen <= amount_fen),
    applied_at    TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (gateway, out_trade_no)
) STRICT;

-- A refund is recorded before it is sent; accepted_at is set once the gateway has taken
-- it, so a refund recorded and never sent (a crash between the two) or never answered is
-- found by accepted_at IS NULL. succeeded_at is set once the gateway reports the money
-- back with the payer (its refund notification), which sets accepted_at too: a refund
-- taken and still processing has only accepted_at.
CREATE TABLE IF NOT EXISTS paywire_refunds (
    gateway       TEXT    NOT NULL,
    out_refund_no TEXT    NOT NULL,
    out_trade_no  TEXT    NOT NULL,
    amount_fen    INTEGER NOT NULL CHECK (amount_fen > 0),
    applied_at    TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    accepted_at   TEXT,
    succeeded_at  TEXT,
    PRIMARY KEY (gateway, out_refund_no),
    FOREIGN KEY (gateway, out_trade_no) REFERENCES paywire_payments (gateway, out_trade_no)
) STRICT;

CREATE INDEX IF NOT EXISTS paywire_refunds_unaccepted ON paywire_refunds (applied_at)
    WHERE accepted_at IS NULL;
