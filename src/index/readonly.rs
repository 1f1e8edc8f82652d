//! The directory a served generation is read through: every file is read once, whole, into
//! memory, and nothing is ever written, locked or deleted. A generation on a read-only mount
//! therefore serves, and a file truncated or rewritten on disk after opening cannot fault the
//! process (no memory map) or change what is served. It knows nothing of the schema.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, OwnedBytes, WatchCallback, WatchHandle, WritePtr,
};

/// A generation directory read into memory on demand, never written.
#[derive(Debug, Clone)]
pub struct ReadOnlyDirectory {
    root: PathBuf,
    files: Arc<Mutex<HashMap<PathBuf, OwnedBytes>>>,
}

impl ReadOnlyDirectory {
    pub fn open(root: &Path) -> ReadOnlyDirectory {
        ReadOnlyDirectory {
            root: root.to_path_buf(),
            files: Arc::default(),
        }
    }

    /// Bytes read into memory so far.
    pub fn bytes_in_memory(&self) -> usize {
        self.files
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .map(|b| b.len())
            .sum()
    }

    fn read(&self, path: &Path) -> Result<OwnedBytes, OpenReadError> {
        let mut files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(bytes) = files.get(path) {
            return Ok(bytes.clone());
        }
        let full = self.root.join(path);
        let bytes = match std::fs::read(&full) {
            Ok(bytes) => OwnedBytes::new(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(OpenReadError::FileDoesNotExist(path.to_path_buf()));
            }
            Err(e) => return Err(OpenReadError::wrap_io_error(e, full)),
        };
        files.insert(path.to_path_buf(), bytes.clone());
        Ok(bytes)
    }
}

fn read_only(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!(
            "{} is in an index generation opened read-only",
            path.display()
        ),
    )
}

impl Directory for ReadOnlyDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        Ok(Arc::new(self.read(path)?))
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        Err(DeleteError::IoError {
            io_error: Arc::new(read_only(path)),
            filepath: path.to_path_buf(),
        })
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        let cached = self
            .files
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(path);
        Ok(cached || self.root.join(path).is_file())
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        Err(OpenWriteError::IoError {
            io_error: Arc::new(read_only(path)),
            filepath: path.to_path_buf(),
        })
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        Ok(self.read(path)?.as_slice().to_vec())
    }

    fn atomic_write(&self, path: &Path, _data: &[u8]) -> io::Result<()> {
        Err(read_only(path))
    }

    fn sync_directory(&self) -> io::Result<()> {
        Ok(())
    }

    /// No lock file: a reader of a finished generation needs none (generations are never
    /// written after they are made current), and taking one would need write access.
    fn acquire_lock(&self, _lock: &Lock) -> Result<DirectoryLock, LockError> {
        Ok(DirectoryLock::from(Box::new(())))
    }

    fn watch(&self, _callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        Ok(WatchHandle::empty())
    }
}
