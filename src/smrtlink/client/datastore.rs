//! Datastore files: records and downloads.

use reqwest::Method;
use reqwest::header::CONTENT_DISPOSITION;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use uuid::Uuid;

use super::request::Call;
use super::{Client, segment};
use crate::smrtlink::error::{ApiError, ApiErrorKind, classify_transport};
use crate::smrtlink::ids::IdOrUuid;
use crate::smrtlink::models::DataStoreServiceFile;

/// A finished download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// The file name the server suggested in `Content-Disposition`, or a fallback built from the
    /// ids. It comes from the server as is: sanitise it before using it as a local path.
    pub filename: String,
    /// Bytes written.
    pub bytes: u64,
}

impl Client {
    /// Fetches a datastore file record by UUID (`GET /smrt-link/datastore-files/{uuid}`).
    pub async fn datastore_file(&self, uuid: Uuid) -> Result<DataStoreServiceFile, ApiError> {
        self.get_json(format!("/smrt-link/datastore-files/{uuid}"))
            .await
    }

    /// Streams a datastore file into `writer` and returns the suggested file name.
    ///
    /// The request is retried until the response starts; a failure while the body streams is
    /// returned, because part of it has already been written.
    pub async fn download_datastore_file<W>(
        &self,
        uuid: Uuid,
        writer: &mut W,
    ) -> Result<Download, ApiError>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let path = format!("/smrt-link/datastore-files/{uuid}/download");
        // PBC's fallback names a job; this endpoint has none, so the name keeps PBC's pattern
        // without the job part.
        self.download(path, format!("download-dsf-{uuid}"), writer)
            .await
    }

    /// Streams a job's datastore file into `writer` (the job-scoped download endpoint). The
    /// fallback name is PBC's `download-job-<job>-dsf-<uuid>`.
    pub async fn download_job_file<W>(
        &self,
        job_type: &str,
        job_id: impl Into<IdOrUuid>,
        file_uuid: Uuid,
        writer: &mut W,
    ) -> Result<Download, ApiError>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let job_id = job_id.into();
        let path = format!(
            "/smrt-link/job-manager/jobs/{}/{job_id}/datastore/{file_uuid}/download",
            segment(job_type)
        );
        self.download(
            path,
            format!("download-job-{job_id}-dsf-{file_uuid}"),
            writer,
        )
        .await
    }

    async fn download<W>(
        &self,
        path: String,
        fallback: String,
        writer: &mut W,
    ) -> Result<Download, ApiError>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let call = Call::get(path);
        let mut response = self.send_streaming(&call).await?;
        let filename = response
            .headers()
            .get(CONTENT_DISPOSITION)
            .and_then(|value| value.to_str().ok())
            .and_then(filename_from_disposition)
            .unwrap_or(fallback);

        let fail = |kind: ApiErrorKind| ApiError::new(Method::GET, call.path.clone(), kind);
        let mut bytes = 0u64;
        loop {
            let chunk = response.chunk().await.map_err(|source| {
                fail(ApiErrorKind::Transport {
                    kind: classify_transport(&source),
                    source,
                })
            })?;
            let Some(chunk) = chunk else { break };
            writer
                .write_all(&chunk)
                .await
                .map_err(|source| fail(ApiErrorKind::Write { source }))?;
            bytes += chunk.len() as u64;
        }
        writer
            .flush()
            .await
            .map_err(|source| fail(ApiErrorKind::Write { source }))?;
        Ok(Download { filename, bytes })
    }
}

/// Takes the text after `filename=` with quotes removed, as PBC does; `None` when absent or
/// empty.
fn filename_from_disposition(header: &str) -> Option<String> {
    let lower = header.to_ascii_lowercase();
    let start = lower.find("filename=")? + "filename=".len();
    let rest = &header[start..];
    let value = rest
        .split(';')
        .next()
        .unwrap_or(rest)
        .trim()
        .trim_matches('"')
        .trim();
    if value.is_empty() {
        None
    } else {
        Some(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_filename() {
        assert_eq!(
            filename_from_disposition(r#"attachment; filename="job-4-abc-report.json""#).as_deref(),
            Some("job-4-abc-report.json")
        );
        assert_eq!(
            filename_from_disposition("attachment; FILENAME=a.txt; size=3").as_deref(),
            Some("a.txt")
        );
        assert_eq!(filename_from_disposition("attachment").as_deref(), None);
        assert_eq!(
            filename_from_disposition(r#"attachment; filename="""#).as_deref(),
            None
        );
    }
}
