//! `download`: save a datastore file, or a job's selected files, into a local directory.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::RequestPreview;
use super::common::{FieldError, IdRef};

/// Outputs: the local paths written.
pub const OUTPUTS: &[&str] = &["files"];

/// Options: `file` alone, or `job` with an optional selection (`reports` globs, `source_id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Job whose datastore files to download (id or UUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<IdRef>,
    /// One datastore file UUID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Globs on `reportTypeId`: download these reports of the job.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<String>,
    /// Download the job's files with this `sourceId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// Local directory (relative to the manifest's directory); file names never leave it.
    pub dir: String,
}

impl Options {
    /// Checks that the selection makes sense.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.job.is_none() && self.file.is_none() {
            return Err(FieldError::new(&[], "missing `job` or `file`").help(
                "add `file = \"<datastore file uuid>\"`, or `job` with `reports` or `source_id`",
            ));
        }
        if self.file.is_some() && (!self.reports.is_empty() || self.source_id.is_some()) {
            let key = if self.reports.is_empty() {
                "source_id"
            } else {
                "reports"
            };
            return Err(
                FieldError::new(&[key], "`file` names one file, so it takes no selection")
                    .help("remove the selection, or use `job` instead of `file`")
                    .at_key(),
            );
        }
        for (i, pattern) in self.reports.iter().enumerate() {
            if let Err(err) = globset::Glob::new(pattern) {
                return Err(FieldError::new(
                    &["reports", &i.to_string()],
                    format!("invalid glob `{pattern}`: {}", err.kind()),
                ));
            }
        }
        if self.dir.trim().is_empty() {
            return Err(FieldError::new(&["dir"], "`dir` is empty")
                .help("name a local directory, e.g. `out/reports`"));
        }
        Ok(())
    }

    /// Returns the listing and download requests.
    pub fn preview(&self) -> Vec<RequestPreview> {
        if let Some(file) = &self.file {
            return vec![
                RequestPreview::get(format!("/smrt-link/datastore-files/{file}/download"))
                    .note(format!("saved under {}", self.dir)),
            ];
        }
        let job = self
            .job
            .as_ref()
            .map_or_else(String::new, ToString::to_string);
        let (list, what) = if self.reports.is_empty() {
            (
                format!("/smrt-link/job-manager/jobs/analysis/{job}/datastore"),
                match &self.source_id {
                    Some(source) => format!("files with sourceId {source}"),
                    None => "every file".to_string(),
                },
            )
        } else {
            (
                format!("/smrt-link/job-manager/jobs/analysis/{job}/reports"),
                format!("reports matching {}", self.reports.join(", ")),
            )
        };
        vec![
            RequestPreview::get(list),
            RequestPreview::get("/smrt-link/datastore-files/(file uuid)/download")
                .note(format!("downloads {what} into {}", self.dir)),
        ]
    }

    // Execution: the runner adds `async fn execute` here.
}

impl Options {
    /// Lists the files to fetch (one file, the job's reports matching `reports`, or the job's
    /// datastore files, filtered by `source_id`), then downloads each into `dir` under a
    /// sanitised name, through a temporary file renamed into place.
    pub async fn execute(
        &self,
        ctx: &crate::run::context::StepContext,
    ) -> anyhow::Result<crate::run::context::StepSuccess> {
        use anyhow::Context as _;

        let dir = prepare_dir(&ctx.local_path(&self.dir))?;
        let files = self.select_files(ctx).await?;
        let mut written = Vec::new();
        let mut used = std::collections::BTreeSet::new();
        for file in &files {
            let path = download_one(ctx, &dir, *file, &mut used)
                .await
                .with_context(|| format!("downloading datastore file {file}"))?;
            written.push(path.display().to_string());
        }
        Ok(crate::run::context::StepSuccess {
            detail: Some(format!("{} file(s) into {}", written.len(), dir.display())),
            ..crate::run::context::StepSuccess::with_outputs(
                serde_json::json!({ "files": written }),
            )
        })
    }

    /// Returns the UUIDs of the datastore files to download.
    async fn select_files(
        &self,
        ctx: &crate::run::context::StepContext,
    ) -> anyhow::Result<Vec<uuid::Uuid>> {
        use anyhow::Context as _;

        if let Some(file) = &self.file {
            let uuid: uuid::Uuid = file
                .trim()
                .parse()
                .map_err(|_| anyhow::anyhow!("file `{file}` is not a datastore file UUID"))?;
            return Ok(vec![uuid]);
        }
        let Some(job) = &self.job else {
            anyhow::bail!("missing `job` or `file`");
        };
        let id = super::exec_util::id_or_uuid(job, "job")?;
        if !self.reports.is_empty() {
            let globs = self
                .reports
                .iter()
                .map(|p| globset::Glob::new(p).map(|g| g.compile_matcher()))
                .collect::<Result<Vec<_>, _>>()
                .context("compiling the `reports` globs")?;
            let reports = ctx
                .client
                .job_reports("analysis", id)
                .await
                .with_context(|| format!("listing the reports of job {job}"))?;
            let chosen: Vec<uuid::Uuid> = reports
                .iter()
                .filter(|r| globs.iter().any(|g| g.is_match(&r.report_type_id)))
                .map(|r| r.data_store_file.uuid)
                .collect();
            if chosen.is_empty() {
                let available: Vec<&str> =
                    reports.iter().map(|r| r.report_type_id.as_str()).collect();
                anyhow::bail!(
                    "job {job} has no report matching {}; its reports are: {}",
                    self.reports.join(", "),
                    if available.is_empty() {
                        "(none)".to_string()
                    } else {
                        available.join(", ")
                    }
                );
            }
            return Ok(chosen);
        }
        let files = ctx
            .client
            .job_datastore("analysis", id)
            .await
            .with_context(|| format!("listing the datastore of job {job}"))?;
        let chosen: Vec<uuid::Uuid> = files
            .iter()
            .filter(|f| f.is_active)
            .filter(|f| self.source_id.as_ref().is_none_or(|s| &f.source_id == s))
            .map(|f| f.uuid)
            .collect();
        if chosen.is_empty() {
            let sources: Vec<&str> = files.iter().map(|f| f.source_id.as_str()).collect();
            anyhow::bail!(
                "job {job} has no active datastore file{}; its files' sourceIds are: {}",
                self.source_id
                    .as_ref()
                    .map_or_else(String::new, |s| format!(" with sourceId `{s}`")),
                if sources.is_empty() {
                    "(none)".to_string()
                } else {
                    sources.join(", ")
                }
            );
        }
        Ok(chosen)
    }
}

/// Creates the download directory and returns its canonical path, so that every file written
/// can be checked to be directly inside it.
fn prepare_dir(dir: &std::path::Path) -> anyhow::Result<std::path::PathBuf> {
    use anyhow::Context as _;

    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating the download directory {}", dir.display()))?;
    dir.canonicalize()
        .with_context(|| format!("resolving the download directory {}", dir.display()))
}

/// Downloads one file into `dir` and returns its path.
async fn download_one(
    ctx: &crate::run::context::StepContext,
    dir: &std::path::Path,
    file: uuid::Uuid,
    used: &mut std::collections::BTreeSet<String>,
) -> anyhow::Result<std::path::PathBuf> {
    use anyhow::Context as _;

    let temp = dir.join(format!(".slflow-download-{file}.tmp"));
    let mut out = tokio::fs::File::create(&temp)
        .await
        .with_context(|| format!("creating {}", temp.display()))?;
    let result = ctx.client.download_datastore_file(file, &mut out).await;
    drop(out);
    let download = match result {
        Ok(download) => download,
        Err(error) => {
            let _ = std::fs::remove_file(&temp);
            return Err(error.into());
        }
    };

    let mut name =
        sanitize_file_name(&download.filename).unwrap_or_else(|| format!("download-dsf-{file}"));
    // Two files the server names alike must not overwrite each other.
    if !used.insert(name.clone()) {
        name = format!("{file}-{name}");
        used.insert(name.clone());
    }
    let target = dir.join(&name);
    if let Err(error) = check_target(dir, &target) {
        let _ = std::fs::remove_file(&temp);
        return Err(error);
    }
    std::fs::rename(&temp, &target)
        .with_context(|| format!("moving the download into place at {}", target.display()))?;
    Ok(target)
}

/// Rejects a target that is not a direct child of `dir`, or that is an existing symbolic link
/// or directory. A rename would replace a link, but a link there means that someone expects
/// the file elsewhere, so the step fails with an error instead.
fn check_target(dir: &std::path::Path, target: &std::path::Path) -> anyhow::Result<()> {
    if target.parent() != Some(dir) {
        anyhow::bail!(
            "refusing to write {}: it is outside the download directory {}",
            target.display(),
            dir.display()
        );
    }
    if let Ok(meta) = std::fs::symlink_metadata(target) {
        if meta.file_type().is_symlink() {
            anyhow::bail!(
                "refusing to write {}: it is a symbolic link; remove it or choose another `dir`",
                target.display()
            );
        }
        if meta.is_dir() {
            anyhow::bail!(
                "refusing to write {}: a directory of that name exists",
                target.display()
            );
        }
    }
    Ok(())
}

/// Turns a server-provided file name into a safe local one: only the last path component
/// (after `/` or `\`), without control characters or leading dots, and never `.` or `..`.
/// Returns `None` when nothing usable is left.
pub fn sanitize_file_name(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == ':' { '_' } else { c })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        return None;
    }
    // Keep names within the usual 255-byte limit of file systems, on a character boundary.
    let mut end = cleaned.len().min(200);
    while !cleaned.is_char_boundary(end) {
        end -= 1;
    }
    Some(cleaned[..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::sanitize_file_name;

    #[test]
    fn sanitize_strips_directories_and_dots() {
        let cases = [
            ("report.json", Some("report.json")),
            ("../../etc/passwd", Some("passwd")),
            ("..\\..\\boot.ini", Some("boot.ini")),
            ("/abs/path/file.txt", Some("file.txt")),
            (".hidden", Some("hidden")),
            ("...", None),
            ("..", None),
            ("dir/", None),
            ("a\u{0}b\nc.txt", Some("abc.txt")),
            ("C:report.json", Some("C_report.json")),
            ("", None),
        ];
        for (input, expected) in cases {
            assert_eq!(
                sanitize_file_name(input).as_deref(),
                expected,
                "input {input:?}"
            );
        }
    }

    #[test]
    fn sanitize_bounds_length() {
        let long = "é".repeat(300);
        let name = sanitize_file_name(&long).expect("a name is left");
        assert!(name.len() <= 200, "{} bytes", name.len());
    }
}
