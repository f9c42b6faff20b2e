-- GET /api/auctions pages by id, optionally of one status. Ids are compared byte by byte (COLLATE "C"), whatever
-- the database's collation, so both stores order pages alike and `id > cursor` walks the same index.
CREATE INDEX auctions_by_id ON auctions (id COLLATE "C");
CREATE INDEX auctions_by_status_and_id ON auctions (status, id COLLATE "C");
