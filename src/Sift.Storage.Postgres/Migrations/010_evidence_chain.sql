-- Sift schema, version 10 (PostgreSQL): the evidence hash chain (governance issue).
-- Entry n's hash is SHA-256 over ("sift-evidence/1", n, entry n-1's hash, the canonical event JSON): EvidenceChain in
-- Sift.Core. The head row keeps the last entry's hash beside its seq, under the same row lock, so the next appender
-- chains onto it. Entries stored before this version are chained when the store migrates (C# computes the hashes).
ALTER TABLE evidence ADD COLUMN prev_hash text NOT NULL DEFAULT '';
ALTER TABLE evidence ADD COLUMN hash text NOT NULL DEFAULT '';
ALTER TABLE evidence_heads ADD COLUMN hash text NOT NULL DEFAULT '';
