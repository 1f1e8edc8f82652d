//! Read-only and damaged indexes (issue 25): a generation opens without a lock file or any
//! write (so a read-only mount serves), a truncated or corrupted segment file is reported at
//! open with what to do and never crashes a search or a server, and an interrupted build's
//! staging folder goes at the next build.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::bundled_corpus;
use medcite::index::{SearchIndex, build_from_dir};
use medcite::retrieve::{Retriever, SearchRequest, Synonyms};
use medcite::server::{AppState, Settings, router};
use tantivy::TantivyDocument;
use tempfile::TempDir;
use tower::ServiceExt;

/// Every entry under `dir` with its size and modification time.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u64, SystemTime)> {
    let mut seen = BTreeMap::new();
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let meta = entry.metadata().unwrap();
        seen.insert(entry.path(), (meta.len(), meta.modified().unwrap()));
        if meta.is_dir() {
            seen.extend(snapshot(&entry.path()));
        }
    }
    seen
}

fn set_mode(dir: &Path, file_mode: u32, dir_mode: u32) {
    for entry in fs::read_dir(dir).unwrap().flatten() {
        if entry.metadata().unwrap().is_dir() {
            set_mode(&entry.path(), file_mode, dir_mode);
        } else {
            fs::set_permissions(entry.path(), fs::Permissions::from_mode(file_mode)).unwrap();
        }
    }
    fs::set_permissions(dir, fs::Permissions::from_mode(dir_mode)).unwrap();
}

fn searchable(root: &Path) -> usize {
    let retriever = Retriever::new(SearchIndex::open(root).unwrap(), Synonyms::default());
    retriever
        .search(&SearchRequest {
            article: None,
            query: "rituximab",
            history: &[],
            k: 3,
        })
        .unwrap()
        .len()
}

/// The segment file of the current generation with this extension.
fn segment_file(generation: &Path, extension: &str) -> PathBuf {
    fs::read_dir(generation)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == extension))
        .unwrap_or_else(|| panic!("a .{extension} file"))
}

#[test]
fn a_generation_is_opened_and_searched_without_a_lock_file_or_any_write() {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("index");
    let built = build_from_dir(&bundled_corpus(), &root, false).unwrap();
    // No lock file from the build itself, so that one appearing would be the reader's.
    for entry in fs::read_dir(&built.generation).unwrap().flatten() {
        if entry.file_name().to_string_lossy().ends_with(".lock") {
            fs::remove_file(entry.path()).unwrap();
        }
    }
    set_mode(&root, 0o444, 0o555);
    let before = snapshot(&root);
    assert!(searchable(&root) > 0);
    let (state, _) = AppState::open(&bundled_corpus(), &root, None, Settings::default(), false)
        .expect("serve opens a read-only index");
    drop(state);
    let after = snapshot(&root);
    set_mode(&root, 0o644, 0o755);
    assert_eq!(before, after, "opening and searching wrote nothing");
    // Root ignores file modes, so show also that the opened index cannot write at all.
    let index = SearchIndex::open(&root).unwrap();
    let written = index
        .index
        .writer::<TantivyDocument>(50_000_000)
        .and_then(|mut writer| {
            let mut doc = TantivyDocument::default();
            doc.add_text(index.fields.text, "a passage that must not be written");
            writer.add_document(doc)?;
            writer.commit()
        });
    assert!(
        written.is_err(),
        "a served generation refuses to be written to"
    );
    assert_eq!(before, snapshot(&root), "nothing written");
}

/// A read-only bind mount of a built index serves. Needs root to mount; skipped, with the
/// reason, elsewhere.
#[test]
fn an_index_on_a_read_only_mount_serves() {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("index");
    build_from_dir(&bundled_corpus(), &root, false).unwrap();
    let mount = dir.path().join("ro-index");
    fs::create_dir_all(&mount).unwrap();
    let bound = Command::new("mount")
        .args(["--bind", "-o", "ro"])
        .arg(&root)
        .arg(&mount)
        .output();
    if !bound.as_ref().is_ok_and(|o| o.status.success()) {
        eprintln!("skipping the read-only mount test: cannot bind-mount here (needs root)");
        return;
    }
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(mount.clone());
    // Some kernels apply "ro" only on a remount of the bind.
    let _ = Command::new("mount")
        .args(["-o", "remount,bind,ro"])
        .arg(&mount)
        .status();
    assert!(
        fs::write(mount.join("probe"), b"x").is_err(),
        "the mount is read-only"
    );
    assert!(searchable(&mount) > 0);
    let (state, _) = AppState::open(&bundled_corpus(), &mount, None, Settings::default(), false)
        .expect("serve opens the index on a read-only mount");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let status = runtime.block_on(async {
        router(Arc::new(state))
            .oneshot(
                Request::get("/api/v1/search?q=rituximab")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, StatusCode::OK);
}

fn assert_clear_message(err: &str) {
    assert!(err.contains("run `medcite index`"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_truncated_segment_file_gives_the_clear_message_at_open_and_at_serve_start() {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("index");
    let built = build_from_dir(&bundled_corpus(), &root, false).unwrap();
    for extension in ["idx", "store", "pos"] {
        let file = segment_file(&built.generation, extension);
        let whole = fs::read(&file).unwrap();
        fs::write(&file, &whole[..whole.len() / 2]).unwrap();
        let err = SearchIndex::open(&root)
            .err()
            .expect("a truncated index is refused");
        assert_clear_message(&err.to_string());
        let err = AppState::open(&bundled_corpus(), &root, None, Settings::default(), false)
            .err()
            .expect("serve does not start on it");
        assert_clear_message(&err.to_string());
        fs::write(&file, &whole).unwrap();
        assert!(searchable(&root) > 0, "whole again after .{extension}");
    }
}

#[test]
fn a_segment_file_corrupted_in_place_is_named_and_search_and_serve_say_what_to_do() {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("index");
    let built = build_from_dir(&bundled_corpus(), &root, false).unwrap();
    let file = segment_file(&built.generation, "idx");
    let mut bytes = fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    for b in &mut bytes[middle..middle + 16] {
        *b ^= 0xa5;
    }
    fs::write(&file, &bytes).unwrap();
    let err = SearchIndex::open(&root).err().expect("refused").to_string();
    assert_clear_message(&err);
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    assert!(err.contains(&name), "names the damaged file: {err}");
    // `timeout` bounds the run, should `serve` start after all.
    let run = |args: &[&str]| {
        Command::new("timeout")
            .arg("60")
            .arg(env!("CARGO_BIN_EXE_medcite"))
            .arg("--corpus")
            .arg(bundled_corpus())
            .arg("--index")
            .arg(&root)
            .args(args)
            .output()
            .unwrap()
    };
    for args in [
        &["search", "rituximab"][..],
        &["serve", "--addr", "127.0.0.1:0", "--no-audit"],
    ] {
        let out = run(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}: {stderr}");
        assert_ne!(out.status.code(), Some(124), "{args:?} was still running");
        assert_clear_message(&stderr);
    }
}

#[test]
fn a_served_index_truncated_on_disk_keeps_answering_from_memory() {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("index");
    let (state, _) =
        AppState::open(&bundled_corpus(), &root, None, Settings::default(), false).expect("open");
    let generation = state.loaded().generation.clone();
    for entry in fs::read_dir(&generation).unwrap().flatten() {
        fs::write(entry.path(), b"").unwrap();
    }
    let app = router(Arc::new(state));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for query in [
        "rituximab",
        "IVIG dose",
        "methotrexate",
        "anti-HMGCR statin",
    ] {
        let status = runtime.block_on(async {
            app.clone()
                .oneshot(
                    Request::get(format!("/api/v1/search?q={}", query.replace(' ', "+")))
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap()
                .status()
        });
        assert_eq!(status, StatusCode::OK, "{query}");
    }
}

#[test]
fn an_interrupted_builds_staging_folder_goes_at_the_next_build() {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("index");
    build_from_dir(&bundled_corpus(), &root, false).unwrap();
    let dead = root.join("build-interrupted");
    fs::create_dir_all(&dead).unwrap();
    fs::write(dead.join("000.idx"), b"half a segment").unwrap();
    build_from_dir(&bundled_corpus(), &root, false).unwrap();
    let leftovers: Vec<String> = fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("build-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert!(searchable(&root) > 0);
}
