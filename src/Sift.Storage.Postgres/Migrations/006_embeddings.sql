-- Sift schema, version 6 (PostgreSQL): the embedding cache (Sift.Storage.IEmbeddingStore).
-- Sentence vectors by key: the SHA-256 of the model id, a zero byte and the normalised text (Sift.Features.EmbeddingKey,
-- the key of the CLI's file cache), shared by every project, so a text is embedded once per model. vector holds dims
-- float32 values, little-endian. A row whose model id, dims, byte length or values do not check out is never trusted:
-- it reads as missing and the next write of its key replaces it.
CREATE TABLE embeddings (
    key       bytea   PRIMARY KEY CHECK (octet_length(key) = 32),
    model_id  text    NOT NULL,
    dims      integer NOT NULL,
    vector    bytea   NOT NULL
);
