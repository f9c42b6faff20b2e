-- Every auction event, once, at its seq: the audit trail and the source of truth. The primary key is what decides
-- races: two writers of the same (auction_id, seq) cannot both commit, so no seq ever has two events.
CREATE TABLE auction_events (
  auction_id  text        NOT NULL,
  seq         bigint      NOT NULL CHECK (seq >= 1),
  type        text        NOT NULL,
  at          timestamptz NOT NULL,
  body        jsonb       NOT NULL,
  PRIMARY KEY (auction_id, seq)
);

-- One row per auction, written in the same transaction as its events: the list, and the close sweep's index of
-- open auctions by end time. `summary` is the auction as GET /api/auctions shows it.
CREATE TABLE auctions (
  id       text   PRIMARY KEY,
  status   text   NOT NULL,
  ends_at  bigint NOT NULL,
  seq      bigint NOT NULL,
  summary  jsonb  NOT NULL
);

CREATE INDEX auctions_open_by_end ON auctions (ends_at) WHERE status = 'OPEN';
