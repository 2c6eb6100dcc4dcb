-- Coordinators' "X will come" notices enqueued before about_user_id existed: the member is the key's last part
-- (club-yes:<meeting>:<date>:<member>), so withdrawal, deletion and /mydata find them too.
UPDATE "outbox" SET "about_user_id" = split_part("idempotency_key", ':', 4)::bigint
WHERE "idempotency_key" LIKE 'club-yes:%' AND "about_user_id" IS NULL AND split_part("idempotency_key", ':', 4) ~ '^[0-9]+$';
