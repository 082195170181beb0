-- Locked items carry the root of their plaintext pieces' SHA-256s, sealed with the content key so a
-- browser can check a download piece by piece in parallel (docs/key-scheme.md, plaintext piece root).
-- Items ingested before have none: clients then check the whole-file plaintextSha256.
ALTER TABLE "Item" ADD COLUMN "plaintextPieceRoot" TEXT;
