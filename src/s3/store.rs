//! A prefix of a bucket that this machine writes and reads whole files of:
//! the Spark engine's warehouse in object storage (`spark::warehouse`).
//! Files are put, a prefix's objects brought into a directory, and a prefix
//! removed; blocking, on a runtime of its own. Credentials, region and
//! endpoint are found as for a sync from S3 (`AWS_PROFILE`,
//! `AWS_ENDPOINT_URL`, …).

use std::io::Write;
use std::path::{Path, PathBuf};

use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};

use super::client::{self, Connection};
use super::{Location, Object, Options, S3Error, listing};

/// S3 as a store of whole files.
pub struct Store {
    runtime: tokio::runtime::Runtime,
    conn: Connection,
}

/// How many keys one DeleteObjects request takes.
const DELETE_BATCH: usize = 1000;

impl Store {
    pub fn connect(options: &Options) -> Result<Store, S3Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(S3Error::Runtime)?;
        let conn = runtime.block_on(client::connect(options));
        Ok(Store { runtime, conn })
    }

    /// The file at `file` as the object `bucket/key`.
    pub fn put(&self, bucket: &str, key: &str, file: &Path) -> Result<(), S3Error> {
        let uri = format!("s3://{bucket}/{key}");
        self.runtime.block_on(async {
            let body = ByteStream::from_path(file).await.map_err(|e| S3Error::Local {
                path: file.to_path_buf(),
                source: std::io::Error::other(DisplayErrorContext(e).to_string()),
            })?;
            self.conn
                .client_for(bucket)
                .put_object()
                .bucket(bucket)
                .key(key)
                .body(body)
                .send()
                .await
                .map_err(|e| self.conn.explain(e, &uri))?;
            Ok(())
        })
    }

    /// Every object under `at`.
    pub fn list(&self, at: &Location) -> Result<Vec<Object>, S3Error> {
        self.runtime.block_on(listing::list(&self.conn, at))
    }

    /// The object as the file `file` (its folders made), whole or not at all.
    pub fn get(&self, object: &Object, file: &Path) -> Result<(), S3Error> {
        let uri = object.uri();
        let local = |source: std::io::Error| S3Error::Local {
            path: file.to_path_buf(),
            source,
        };
        let folder = file.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        std::fs::create_dir_all(&folder).map_err(local)?;
        let mut temp = tempfile::Builder::new()
            .prefix(".download-")
            .tempfile_in(&folder)
            .map_err(local)?;
        self.runtime.block_on(async {
            let response = self.conn.get_object(object).await?;
            let mut body = response.body;
            let mut written = 0u64;
            let mut out = std::io::BufWriter::with_capacity(1 << 20, temp.as_file_mut());
            loop {
                match body.try_next().await {
                    Ok(Some(chunk)) => {
                        out.write_all(&chunk).map_err(local)?;
                        written += chunk.len() as u64;
                    }
                    Ok(None) => break,
                    Err(e) => {
                        return Err(S3Error::Download {
                            uri: uri.clone(),
                            written,
                            expected: object.size,
                            detail: DisplayErrorContext(e).to_string(),
                        });
                    }
                }
            }
            out.flush().map_err(local)
        })?;
        temp.persist(file).map_err(|e| local(e.error))?;
        Ok(())
    }

    /// Remove every object under `at`; how many there were.
    pub fn delete(&self, at: &Location) -> Result<usize, S3Error> {
        let objects = self.list(at)?;
        for batch in objects.chunks(DELETE_BATCH) {
            let ids = batch
                .iter()
                .map(|o| ObjectIdentifier::builder().key(&o.key).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| S3Error::Other {
                    target: at.to_string(),
                    detail: e.to_string(),
                })?;
            let delete = Delete::builder()
                .set_objects(Some(ids))
                .quiet(true)
                .build()
                .map_err(|e| S3Error::Other {
                    target: at.to_string(),
                    detail: e.to_string(),
                })?;
            self.runtime
                .block_on(
                    self.conn
                        .client_for(&at.bucket)
                        .delete_objects()
                        .bucket(&at.bucket)
                        .delete(delete)
                        .send(),
                )
                .map_err(|e| self.conn.explain(e, &at.to_string()))?;
        }
        Ok(objects.len())
    }
}
