-- AlterTable: a taken-down bundle keeps the status it had, so restore needs no audit-log lookup
ALTER TABLE "Bundle" ADD COLUMN "statusBeforeTakedown" "BundleStatus";

-- Bundles taken down before this column existed: the status their last takedown recorded
UPDATE "Bundle" b
SET "statusBeforeTakedown" = (
  SELECT (a."details"->>'previousStatus')::"BundleStatus"
  FROM "AuditLog" a
  WHERE a."targetType" = 'bundle' AND a."targetId" = b."id"::text AND a."action" = 'bundle.takedown'
    AND a."details"->>'previousStatus' IN ('DRAFT', 'PUBLISHING', 'PUBLISHED', 'UNLISTED')
  ORDER BY a."createdAt" DESC
  LIMIT 1
)
WHERE b."status" = 'TAKEN_DOWN';
