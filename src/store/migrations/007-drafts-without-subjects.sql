-- A message's draft no longer names its subject (the subject_kind and subject_id columns do), and a deletion request's
-- messages take the same kinds as a rollout's: post_card, update_card, post_notice, personal_message. Every draft
-- written before is rewritten so (sent ones too); ids, attempts, leases and sent marks are kept, so no message is lost
-- or sent again. A separate migration from 006, which main already applies: a database migrated to 006 before this
-- one existed gets its drafts rewritten too.
--
-- The rewrite is textual, not through PostgreSQL's JSON functions: a draft can carry a log tail with \u0000 or half a
-- surrogate pair, which `json` stores but every function that reads its strings refuses. Every writer put the kind
-- first and the id second ({"kind":"…","rolloutId":"…",…}: JSON.stringify keeps that order, and `json` keeps the text
-- as written), so both are found at the start of the text, never inside a notice.
UPDATE outbox
SET draft = regexp_replace(
  draft::text,
  '^\{"kind":"[a-z_]+","(rolloutId|deletionId)":"[^"\\]*"([,}])',
  '{"kind":"' ||
    CASE substring(draft::text FROM '^\{"kind":"([a-z_]+)"')
      WHEN 'post_deletion_card' THEN 'post_card'
      WHEN 'update_deletion_card' THEN 'update_card'
      WHEN 'deletion_notice' THEN 'post_notice'
      WHEN 'deletion_personal_message' THEN 'personal_message'
      ELSE substring(draft::text FROM '^\{"kind":"([a-z_]+)"')
    END || '"\2'
)::json
WHERE draft::text ~ '^\{"kind":"[a-z_]+","(rolloutId|deletionId)":"[^"\\]*"[,}]';

-- An unsent draft of another shape would never be sent (the sender refuses a kind it does not know): stop here, rather
-- than start with it stuck and holding back its subject's later messages.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM outbox WHERE sent_at IS NULL AND draft::text ~ '"(rolloutId|deletionId)":') THEN
    RAISE EXCEPTION 'outbox drafts still name their subject; rewrite them to the shape of src/ports/outbox.ts first';
  END IF;
END $$;
