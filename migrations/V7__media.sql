-- Photos, files and voice notes (API.md §12). Uploaded bytes live on disk under media_dir,
-- content-addressed by their SHA-256 (identical content is stored once); a row per upload
-- says who uploaded what and how it is shown.
CREATE TABLE files (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    uploader_id  INTEGER NOT NULL REFERENCES users (id),
    name         TEXT    NOT NULL,
    mime         TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    width        INTEGER,
    height       INTEGER,
    thumb_sha256 TEXT,
    thumb_mime   TEXT,
    thumb_size   INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX files_by_sha256 ON files (sha256);
CREATE INDEX files_by_thumb_sha256 ON files (thumb_sha256) WHERE thumb_sha256 IS NOT NULL;
CREATE INDEX files_by_created_at ON files (created_at);

-- Existing rows are text messages: no rewrite, the defaults describe them.
ALTER TABLE messages ADD COLUMN type TEXT NOT NULL DEFAULT 'text'
    CHECK (type IN ('text', 'image', 'file', 'voice'));
ALTER TABLE messages ADD COLUMN file_id INTEGER REFERENCES files (id);
ALTER TABLE messages ADD COLUMN duration_ms INTEGER;
CREATE INDEX messages_by_file ON messages (file_id) WHERE file_id IS NOT NULL;
