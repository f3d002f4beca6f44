//! Content-addressed storage: each distinct content once, at `<media_dir>/<aa>/<sha256>`.
//!
//! An upload is written to `<media_dir>/tmp/` first and moved into place only when it is
//! complete and checked, so a dropped connection or a refused file leaves nothing behind (the
//! temporary file is removed when its [`Incoming`] is dropped). The database says which
//! contents are in use; a content no row refers to can be deleted at any time.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use rand::distr::{Alphanumeric, SampleString};
use sha2::{Digest, Sha256};

/// Where the files live.
#[derive(Debug, Clone)]
pub struct MediaStore {
    dir: PathBuf,
    /// Images decoded at once: a 12 MP photo takes about 45 MB while it is decoded, so two
    /// at a time bound the memory a burst of uploads can take on a small box.
    decoding: std::sync::Arc<rocket::tokio::sync::Semaphore>,
}

impl MediaStore {
    /// Creates the folders if needed; an unusable folder is an error naming it.
    pub fn open(dir: &Path) -> Result<MediaStore, String> {
        let tmp = dir.join("tmp");
        std::fs::create_dir_all(&tmp)
            .map_err(|e| format!("cannot create the media folder {}: {e}", tmp.display()))?;
        Ok(MediaStore {
            dir: dir.to_path_buf(),
            decoding: std::sync::Arc::new(rocket::tokio::sync::Semaphore::new(2)),
        })
    }

    /// Removes what uploads cut short by a crash left in `tmp/` (only for the server that
    /// owns the folder, at start: a backup opening it must not touch uploads in flight).
    pub fn clear_leftovers(&self) {
        if let Ok(entries) = std::fs::read_dir(self.dir.join("tmp")) {
            for entry in entries.flatten() {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// A turn to decode an image (see `decoding`).
    pub async fn decoding_turn(&self) -> Option<rocket::tokio::sync::OwnedSemaphorePermit> {
        self.decoding.clone().acquire_owned().await.ok()
    }

    /// Where content `sha256` (64 hex digits) lives.
    pub fn path_of(&self, sha256: &str) -> PathBuf {
        let shard = sha256.get(..2).unwrap_or("00");
        self.dir.join(shard).join(sha256)
    }

    /// A new temporary file for an upload.
    pub fn incoming(&self) -> io::Result<Incoming> {
        let name = Alphanumeric.sample_string(&mut rand::rng(), 24);
        let path = self.dir.join("tmp").join(name);
        std::fs::File::create_new(&path)?;
        Ok(Incoming { path: Some(path) })
    }

    /// Moves a complete temporary file into place under its content's hash; when that
    /// content is already stored, the temporary file is simply dropped.
    pub fn keep(&self, incoming: Incoming, sha256: &str) -> io::Result<()> {
        let target = self.path_of(sha256);
        if target.exists() {
            return Ok(());
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut incoming = incoming;
        let from = incoming
            .path
            .take()
            .expect("an incoming file has a path until kept");
        if let Err(e) = std::fs::rename(&from, &target) {
            let _ = std::fs::remove_file(&from);
            return Err(e);
        }
        Ok(())
    }

    /// Stores `bytes` (a thumbnail) under their hash; returns the hash.
    pub fn keep_bytes(&self, bytes: &[u8]) -> io::Result<String> {
        let sha = hex(&Sha256::digest(bytes));
        if !self.path_of(&sha).exists() {
            let incoming = self.incoming()?;
            std::fs::write(incoming.path(), bytes)?;
            self.keep(incoming, &sha)?;
        }
        Ok(sha)
    }

    /// Deletes a content (nothing if it is already gone).
    pub fn remove(&self, sha256: &str) -> io::Result<()> {
        match std::fs::remove_file(self.path_of(sha256)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// An upload being written: removed from disk when dropped, unless it was kept.
#[derive(Debug)]
pub struct Incoming {
    path: Option<PathBuf>,
}

impl Incoming {
    pub fn path(&self) -> &Path {
        self.path
            .as_deref()
            .expect("an incoming file has a path until kept")
    }

    /// SHA-256 of the file as it is now (hex), and its size.
    pub fn digest(&self) -> io::Result<(String, u64)> {
        let mut file = std::fs::File::open(self.path())?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 256 * 1024];
        let mut size = 0u64;
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            size += n as u64;
        }
        Ok((hex(&hasher.finalize()), size))
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contents_are_stored_once_and_drafts_leave_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::open(dir.path()).unwrap();
        let a = store.incoming().unwrap();
        std::fs::write(a.path(), b"hello").unwrap();
        let (sha, size) = a.digest().unwrap();
        assert_eq!(size, 5);
        assert_eq!(
            sha,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        store.keep(a, &sha).unwrap();
        assert_eq!(std::fs::read(store.path_of(&sha)).unwrap(), b"hello");

        let again = store.incoming().unwrap();
        std::fs::write(again.path(), b"hello").unwrap();
        store.keep(again, &sha).unwrap();
        let dropped = store.incoming().unwrap();
        std::fs::write(dropped.path(), b"half an upload").unwrap();
        drop(dropped);
        let left: Vec<_> = std::fs::read_dir(dir.path().join("tmp")).unwrap().collect();
        assert!(left.is_empty(), "temporary files are gone: {left:?}");

        store.remove(&sha).unwrap();
        store.remove(&sha).unwrap();
        assert!(!store.path_of(&sha).exists());
    }
}
