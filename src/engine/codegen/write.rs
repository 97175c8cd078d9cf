//! Writing the output directory atomically, and refusing to replace one
//! that holds files extraction did not write.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::CodegenError;

/// What [`write_atomically`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteSummary {
    /// Files whose bytes changed or that are new.
    pub written: Vec<PathBuf>,
    /// Files kept as they were (same bytes: same inode and mtime).
    pub unchanged: Vec<PathBuf>,
    /// Files of the previous output that are gone now.
    pub removed: Vec<PathBuf>,
    /// What the user should hear about (stale staging folders removed).
    pub notices: Vec<String>,
}

/// The file in an output directory listing every file extraction wrote
/// there: what makes a directory recognisably a previous output, which
/// [`write_atomically`] may replace.
pub const MANIFEST: &str = ".et-testdb-manifest";

/// Marks staging folders, `.<out dir name>.et-testdb-staging-XXXXXX` next to
/// the output directory (`.gitignore` covers the pattern).
pub const STAGING_TAG: &str = "et-testdb-staging-";

fn io_err(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> CodegenError {
    let path = path.to_owned();
    move |source| CodegenError::Io {
        action,
        path,
        source,
    }
}

/// The manifest's text for `files`: a comment, then one path per line
/// (`/`-separated, in the map's order, so it is deterministic).
pub fn manifest_text(files: &BTreeMap<PathBuf, String>) -> String {
    let mut out = String::from(
        "# Written by et-testdb extract: the files of this directory it wrote.\n\
         # A later extraction replaces exactly these, and refuses the directory if it\n\
         # holds anything else. Do not edit.\n",
    );
    for rel in files.keys() {
        out.push_str(&rel.to_string_lossy().replace('\\', "/"));
        out.push('\n');
    }
    out
}

/// Replaces the content of `out_dir` with `files` (paths relative to it),
/// plus the [`MANIFEST`] listing them.
///
/// It never deletes a file it did not write: `out_dir` must be absent,
/// empty, or a previous output (its manifest lists every file and folder in
/// it); anything else is [`CodegenError::ForeignFiles`], naming the files,
/// and nothing is touched.
///
/// Everything is first written into a staging folder next to `out_dir`
/// (same filesystem, so the swap is a rename); a file whose bytes did not
/// change is hard-linked from the old directory, so its mtime stays and
/// cargo does not rebuild for it (prost-build's `write_file_if_changed`).
/// Then the two directories are swapped in one
/// `renameat2(RENAME_EXCHANGE)` where the OS supports it (two renames
/// otherwise). On any error before the swap, `out_dir` is untouched. A
/// staging folder that an interrupted run left behind (it may hold real
/// data after `--no-anonymize`) is removed by the next run, which says so in
/// [`WriteSummary::notices`]; the runs hold an exclusive lock on the parent
/// directory, so no run removes another's staging folder.
pub fn write_atomically(
    out_dir: &Path,
    files: &BTreeMap<PathBuf, String>,
) -> Result<WriteSummary, CodegenError> {
    let parent = match out_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io_err("creating directory", &parent))?;
    let dir_name = out_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "generated".to_owned());
    // Held until the function returns; the OS drops it if the process dies.
    let lock = std::fs::File::open(&parent).map_err(io_err("opening", &parent))?;
    lock.lock().map_err(io_err("locking", &parent))?;

    let mut summary = WriteSummary {
        notices: remove_stale_staging(&parent, &dir_name)?,
        ..WriteSummary::default()
    };
    let previous = check_out_dir(out_dir)?;
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{dir_name}.{STAGING_TAG}"))
        .tempdir_in(&parent)
        .map_err(io_err("creating a staging folder in", &parent))?;

    let manifest = manifest_text(files);
    for (rel, content) in files
        .iter()
        .map(|(rel, c)| (rel.as_path(), c.as_str()))
        .chain([(Path::new(MANIFEST), manifest.as_str())])
    {
        let target = staging.path().join(rel);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(io_err("creating directory", dir))?;
        }
        let old = out_dir.join(rel);
        let same = std::fs::read(&old).is_ok_and(|bytes| bytes == content.as_bytes());
        let linked = same && std::fs::hard_link(&old, &target).is_ok();
        if !linked {
            std::fs::write(&target, content).map_err(io_err("writing", &target))?;
        }
        if rel == Path::new(MANIFEST) {
            continue;
        } else if same {
            summary.unchanged.push(rel.to_owned());
        } else {
            summary.written.push(rel.to_owned());
        }
    }
    summary.removed = previous
        .into_iter()
        .filter(|rel| !files.contains_key(rel) && rel != Path::new(MANIFEST))
        .collect();

    // Again just before the swap: a file may have been added while writing.
    check_out_dir(out_dir)?;
    let staging_path = staging.keep();
    let result = swap_into_place(&staging_path, out_dir);
    // After an exchange, the staging path holds the old directory.
    let _ = std::fs::remove_dir_all(&staging_path);
    result?;
    drop(lock);
    Ok(summary)
}

/// The files of `out_dir` when it may be replaced (absent, empty, or a
/// previous output holding nothing its manifest does not list), else the
/// refusal naming what it holds.
fn check_out_dir(out_dir: &Path) -> Result<Vec<PathBuf>, CodegenError> {
    if !out_dir.exists() {
        return Ok(Vec::new());
    }
    let manifest_path = out_dir.join(MANIFEST);
    let listed: Option<BTreeSet<PathBuf>> = match std::fs::read_to_string(&manifest_path) {
        Ok(text) => Some(
            text.lines()
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(PathBuf::from)
                .collect(),
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io_err("reading", &manifest_path)(e)),
    };
    let empty = BTreeSet::new();
    let mut foreign = Vec::new();
    let mut ours = Vec::new();
    walk_out_dir(
        out_dir,
        Path::new(""),
        listed.as_ref().unwrap_or(&empty),
        &mut ours,
        &mut foreign,
    )?;
    if foreign.is_empty() {
        Ok(ours)
    } else {
        Err(CodegenError::ForeignFiles {
            dir: out_dir.to_owned(),
            files: foreign,
            previous_output: listed.is_some(),
        })
    }
}

/// Sorts the entries under `out_dir/rel` into the files a manifest lists
/// (`ours`) and everything else (`foreign`: files, and folders holding no
/// listed file, shown with a trailing `/`).
fn walk_out_dir(
    out_dir: &Path,
    rel: &Path,
    listed: &BTreeSet<PathBuf>,
    ours: &mut Vec<PathBuf>,
    foreign: &mut Vec<String>,
) -> Result<(), CodegenError> {
    let dir = out_dir.join(rel);
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(io_err("listing", &dir))? {
        let entry = entry.map_err(io_err("listing", &dir))?;
        let is_dir = entry.file_type().map_err(io_err("listing", &dir))?.is_dir();
        entries.push((rel.join(entry.file_name()), is_dir));
    }
    entries.sort();
    for (path, is_dir) in entries {
        let shown = path.to_string_lossy().replace('\\', "/");
        if is_dir {
            if listed.iter().any(|l| l.starts_with(&path)) {
                walk_out_dir(out_dir, &path, listed, ours, foreign)?;
            } else {
                foreign.push(format!("{shown}/"));
            }
        } else if path == Path::new(MANIFEST) || listed.contains(&path) {
            ours.push(path);
        } else {
            foreign.push(shown);
        }
    }
    Ok(())
}

/// Removes what an interrupted run left next to the output directory
/// `dir_name` in `parent`: staging folders (`.<dir>.et-testdb-staging-*`,
/// with the old directory after a swap, or `….old`), and those of earlier
/// versions (`.<dir>.new-XXXXXX`). Returns one notice per folder removed.
fn remove_stale_staging(parent: &Path, dir_name: &str) -> Result<Vec<String>, CodegenError> {
    let staging = format!(".{dir_name}.{STAGING_TAG}");
    let legacy = format!(".{dir_name}.new-");
    let is_legacy = |name: &str| {
        name.strip_prefix(&legacy).is_some_and(|rest| {
            let rest = rest.strip_suffix(".old").unwrap_or(rest);
            rest.len() == 6 && rest.bytes().all(|b| b.is_ascii_alphanumeric())
        })
    };
    let mut notices = Vec::new();
    let mut stale: Vec<PathBuf> = Vec::new();
    for entry in std::fs::read_dir(parent).map_err(io_err("listing", parent))? {
        let entry = entry.map_err(io_err("listing", parent))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if (name.starts_with(&staging) || is_legacy(&name))
            && entry.file_type().is_ok_and(|t| t.is_dir())
        {
            stale.push(entry.path());
        }
    }
    stale.sort();
    for path in stale {
        std::fs::remove_dir_all(&path)
            .map_err(io_err("removing the stale staging folder", &path))?;
        notices.push(format!(
            "removed {}, a staging folder left by an interrupted extraction",
            path.display()
        ));
    }
    Ok(notices)
}

fn swap_into_place(staging: &Path, out_dir: &Path) -> Result<(), CodegenError> {
    if !out_dir.exists() {
        return std::fs::rename(staging, out_dir)
            .map_err(io_err("moving the new output to", out_dir));
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use nix::fcntl::{renameat2, RenameFlags, AT_FDCWD};
        if renameat2(
            AT_FDCWD,
            staging,
            AT_FDCWD,
            out_dir,
            RenameFlags::RENAME_EXCHANGE,
        )
        .is_ok()
        {
            return Ok(());
        }
    }
    // Fallback: move the old directory aside, then the new one in; put the
    // old one back if the second rename fails.
    let mut aside = staging.as_os_str().to_owned();
    aside.push(".old");
    let aside = PathBuf::from(aside);
    std::fs::rename(out_dir, &aside).map_err(io_err("moving aside", out_dir))?;
    if let Err(e) = std::fs::rename(staging, out_dir) {
        let _ = std::fs::rename(&aside, out_dir);
        return Err(io_err("moving the new output to", out_dir)(e));
    }
    let _ = std::fs::rename(&aside, staging);
    Ok(())
}
