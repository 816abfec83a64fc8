//! Where to look and what is there: `s3://bucket/prefix` locations and the
//! objects a listing finds under them, with the ETag and size that tell
//! whether the copy in the mirror is current.

use std::fmt;
use std::time::SystemTime;

use super::S3Error;
use super::client::Connection;

/// A bucket and a prefix, as `aws s3 sync` takes them: `s3://bucket/cur`
/// means the key `cur` and everything under `cur/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub bucket: String,
    pub prefix: String,
}

impl Location {
    /// `s3://bucket/prefix`; None when `text` is not an S3 URI (a local path).
    pub fn parse(text: &str) -> Option<Result<Location, S3Error>> {
        let scheme = text.get(..5)?;
        if !scheme.eq_ignore_ascii_case("s3://") {
            return None;
        }
        let rest = &text[5..];
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Some(Err(S3Error::Location {
                text: text.to_owned(),
                message: "no bucket name after s3://".to_owned(),
            }));
        }
        Some(Ok(Location {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        }))
    }

    /// Whether `key` is this location's object or lies under it as a folder.
    pub fn contains(&self, key: &str) -> bool {
        let Some(rest) = key.strip_prefix(self.prefix.as_str()) else {
            return false;
        };
        self.prefix.is_empty() || self.prefix.ends_with('/') || rest.is_empty() || rest.starts_with('/')
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// One object of a listing.
#[derive(Debug, Clone)]
pub struct Object {
    pub bucket: String,
    pub key: String,
    /// As S3 sends it, quotes included; it changes whenever the content does.
    pub etag: String,
    pub size: u64,
    pub last_modified: Option<SystemTime>,
}

impl Object {
    pub fn uri(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    /// The last part of the key.
    pub fn name(&self) -> &str {
        self.key.rsplit('/').next().unwrap_or(&self.key)
    }
}

/// Every object under `location` (folder markers, keys ending in `/`, left
/// out), one ListObjectsV2 page after another.
pub(super) async fn list(conn: &Connection, location: &Location) -> Result<Vec<Object>, S3Error> {
    let target = location.to_string();
    let mut objects = Vec::new();
    let mut redirected = false;
    'again: loop {
        let client = conn.client_for(&location.bucket);
        let mut pages = client
            .list_objects_v2()
            .bucket(&location.bucket)
            .prefix(&location.prefix)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            conn.count_list();
            let page = match page {
                Ok(page) => page,
                Err(e) => {
                    // A bucket in another region than the client's: S3 names
                    // its region, and the listing starts again there.
                    if !redirected
                        && objects.is_empty()
                        && let Some(region) = conn.bucket_region_hint(&e)
                    {
                        conn.redirect(&location.bucket, &region);
                        redirected = true;
                        continue 'again;
                    }
                    return Err(conn.explain(e, &target));
                }
            };
            for o in page.contents() {
                let Some(key) = o.key() else { continue };
                if key.ends_with('/') || !location.contains(key) {
                    continue;
                }
                objects.push(Object {
                    bucket: location.bucket.clone(),
                    key: key.to_owned(),
                    etag: o.e_tag().unwrap_or_default().to_owned(),
                    size: o.size().unwrap_or(0).max(0) as u64,
                    last_modified: o.last_modified().and_then(|t| SystemTime::try_from(*t).ok()),
                });
            }
        }
        return Ok(objects);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Location {
        Location::parse(text).expect("an s3 uri").expect("valid")
    }

    #[test]
    fn locations_parse_like_aws_s3_sync_takes_them() {
        assert_eq!(
            at("s3://bucket/cur/"),
            Location {
                bucket: "bucket".into(),
                prefix: "cur/".into()
            }
        );
        assert_eq!(
            at("S3://bucket"),
            Location {
                bucket: "bucket".into(),
                prefix: String::new()
            }
        );
        assert!(Location::parse("./s3:/x").is_none());
        assert!(Location::parse("bucket/cur").is_none());
        assert!(matches!(Location::parse("s3:///cur"), Some(Err(_))));
    }

    #[test]
    fn a_prefix_without_a_slash_is_a_folder_or_an_object() {
        let cur = at("s3://b/cur");
        assert!(cur.contains("cur"));
        assert!(cur.contains("cur/a.csv"));
        assert!(!cur.contains("cur2/a.csv"));
        assert!(at("s3://b/cur/").contains("cur/x/y.csv"));
        assert!(at("s3://b").contains("anything"));
    }
}
