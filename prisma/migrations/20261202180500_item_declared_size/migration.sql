-- Items declare their size when they are declared; the bundle's piece length is chosen from the
-- declared total (docs/torrent-format.md, piece length).
ALTER TABLE "Item" ADD COLUMN "declaredSize" BIGINT;
