-- Sift schema, version 6 (SQLite): the embedding cache (Sift.Storage.IEmbeddingStore).
-- Sentence vectors by key: the SHA-256 of the model id, a zero byte and the normalised text (Sift.Features.EmbeddingKey,
-- the key of the CLI's file cache), shared by every project, so a text is embedded once per model. vector holds dims
-- float32 values, little-endian. A row whose model id, dims, byte length or values do not check out is never trusted:
-- it reads as missing and the next write of its key replaces it.
CREATE TABLE embeddings (
    key       BLOB    NOT NULL PRIMARY KEY CHECK (length(key) = 32),
    model_id  TEXT    NOT NULL,
    dims      INTEGER NOT NULL,
    vector    BLOB    NOT NULL
);
