-- paywire's ledger: one row per payment applied, one per refund applied, written in the
-- merchant's own transaction beside the merchant's own rows. MariaDB (InnoDB). The keys
-- compare byte for byte with no trailing-space padding (utf8mb4_nopad_bin): under the
-- default collations `ORDER-1`, `order-1` and `ORDER-1 ` would be one order.
CREATE TABLE IF NOT EXISTS paywire_payments (
    gateway       VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    out_trade_no  VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    amount_fen    BIGINT       NOT NULL CHECK (amount_fen >= 0),
    currency      VARCHAR(16)  CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin,
    gateway_order VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin,
    refunded_fen  BIGINT       NOT NULL DEFAULT 0 CHECK (refunded_fen >= 0 AND refunded_fen <= amount_fen),
    applied_at    TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (gateway, out_trade_no)
) ENGINE = InnoDB;

-- A refund is recorded before it is sent; accepted_at is set once the gateway has taken
-- it, so a refund recorded and never sent (a crash between the two) or never answered is
-- found by accepted_at IS NULL. succeeded_at is set once the gateway reports the money
-- back with the payer (its refund notification), which sets accepted_at too: a refund
-- taken and still processing has only accepted_at.
CREATE TABLE IF NOT EXISTS paywire_refunds (
    gateway       VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    out_refund_no VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    out_trade_no  VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    amount_fen    BIGINT       NOT NULL CHECK (amount_fen > 0),
    applied_at    TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    accepted_at   TIMESTAMP(6) NULL,
    succeeded_at  TIMESTAMP(6) NULL,
    PRIMARY KEY (gateway, out_refund_no),
    FOREIGN KEY (gateway, out_trade_no) REFERENCES paywire_payments (gateway, out_trade_no)
) ENGINE = InnoDB;

CREATE INDEX IF NOT EXISTS paywire_refunds_unaccepted ON paywire_refunds (accepted_at, applied_at);
