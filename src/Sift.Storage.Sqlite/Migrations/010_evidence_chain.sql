-- Sift schema, version 10 (SQLite): the evidence hash chain (governance issue).
-- Entry n's hash is SHA-256 over ("sift-evidence/1", n, entry n-1's hash, the canonical event JSON): EvidenceChain in
-- Sift.Core. Entries stored before this version are chained when the store migrates (C# computes the hashes).
ALTER TABLE evidence ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE evidence ADD COLUMN hash TEXT NOT NULL DEFAULT '';
