//! The S3 client: credentials, region and endpoint found the way every AWS
//! tool finds them (environment, `~/.aws/config` profiles with SSO, web
//! identity, instance metadata), and the SDK's errors told in plain words.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_config::BehaviorVersion;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::Region;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::get_object::GetObjectOutput;
use aws_smithy_http_client::tls;

/// How to reach S3; each field left out is found as the AWS CLI finds it.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// A profile of `~/.aws/config`; named, it wins over credentials in the
    /// environment, as with `aws --profile`.
    pub profile: Option<String>,
    pub region: Option<String>,
    /// An S3-compatible store (MinIO, moto, …); also `AWS_ENDPOINT_URL`.
    pub endpoint_url: Option<String>,
}

/// Errors of a sync from S3, each saying which bucket, whose credentials and
/// what to do.
#[derive(Debug, thiserror::Error)]
pub enum S3Error {
    #[error("{text}: {message}")]
    Location { text: String, message: String },
    #[error(
        "access denied to {target} for {who} (AccessDenied): these credentials may not list or read it \
         (s3:ListBucket and s3:GetObject are needed); use a profile that may, or ask for them"
    )]
    AccessDenied { target: String, who: String },
    #[error(
        "bucket {bucket:?} does not exist (NoSuchBucket; {target}, {who}); check the name, and --endpoint-url for a store other than AWS"
    )]
    NoSuchBucket {
        bucket: String,
        target: String,
        who: String,
    },
    #[error("{target}: S3 refused {who}: {plain} ({code})")]
    BadCredentials {
        target: String,
        who: String,
        code: String,
        plain: String,
    },
    #[error(
        "the AWS SSO session of profile {profile:?} has expired or was never started; run `aws sso login --profile {profile}` and sync again"
    )]
    SsoLogin { profile: String, detail: String },
    #[error(
        "no AWS credentials found for {who}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, \
         run `aws configure` or `aws sso login`, or name a profile with --profile"
    )]
    NoCredentials { who: String },
    #[error("could not get AWS credentials for {who}: {detail}")]
    Credentials { who: String, detail: String },
    #[error("cannot reach S3 at {endpoint} for {target}: {detail}")]
    Unreachable {
        endpoint: String,
        target: String,
        detail: String,
    },
    #[error("{target}: S3 answered {code} for {who}: {message}")]
    Service {
        target: String,
        who: String,
        code: String,
        message: String,
    },
    #[error("{target}: {detail}")]
    Other { target: String, detail: String },
    #[error("{uri}: the download stopped after {written} of {expected} bytes: {detail}")]
    Download {
        uri: String,
        written: u64,
        expected: u64,
        detail: String,
    },
    #[error("{uri}: {message}")]
    Manifest { uri: String, message: String },
    #[error("cannot start the S3 client: {0}")]
    Runtime(std::io::Error),
    #[error("the S3 mirror {path}: {source}")]
    Mirror { path: PathBuf, source: std::io::Error },
    #[error("{}: {source}", path.display())]
    Local { path: PathBuf, source: std::io::Error },
}

/// Request counts, so a sync can say (and a test check) that an unchanged
/// bucket cost only listings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Requests {
    pub list: usize,
    pub get: usize,
}

/// A configured client per bucket (most share one; a bucket in another
/// region gets its own after S3 says where it is).
pub(super) struct Connection {
    sdk: aws_config::SdkConfig,
    credentials: Option<SharedCredentialsProvider>,
    path_style: bool,
    default_client: Client,
    by_bucket: Mutex<HashMap<String, Client>>,
    who: String,
    endpoint: String,
    lists: AtomicUsize,
    gets: AtomicUsize,
}

pub(super) async fn connect(options: &Options) -> Connection {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(http.clone());
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &options.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let sdk = loader.load().await;
    // The SDK's chain puts environment credentials before any profile; a
    // profile named on the command line wins instead, as with the AWS CLI.
    let credentials = options.profile.as_ref().map(|profile| {
        let conf = ProviderConfig::without_region()
            .with_http_client(http)
            .with_region(sdk.region().cloned());
        SharedCredentialsProvider::new(
            ProfileFileCredentialsProvider::builder()
                .profile_name(profile)
                .configure(&conf)
                .build(),
        )
    });
    let service_endpoint = std::env::var("AWS_ENDPOINT_URL_S3").ok().filter(|v| !v.is_empty());
    let custom_endpoint = options
        .endpoint_url
        .clone()
        .or(service_endpoint)
        .or_else(|| sdk.endpoint_url().map(str::to_owned));
    let region = sdk
        .region()
        .map_or_else(|| FALLBACK_REGION.to_owned(), |r| r.to_string());
    let who = match (&options.profile, std::env::var_os("AWS_ACCESS_KEY_ID")) {
        (Some(p), _) => format!("profile {p:?}"),
        (None, Some(_)) => "the credentials in AWS_ACCESS_KEY_ID".to_owned(),
        (None, None) => format!(
            "profile {:?}",
            std::env::var("AWS_PROFILE")
                .ok()
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| "default".to_owned())
        ),
    };
    let path_style = custom_endpoint.is_some();
    Connection {
        default_client: client_in(&sdk, path_style, credentials.as_ref(), None),
        path_style,
        endpoint: custom_endpoint.unwrap_or_else(|| format!("the AWS endpoint of region {region}")),
        who,
        credentials,
        sdk,
        by_bucket: Mutex::new(HashMap::new()),
        lists: AtomicUsize::new(0),
        gets: AtomicUsize::new(0),
    }
}

fn client_in(
    sdk: &aws_config::SdkConfig,
    path_style: bool,
    credentials: Option<&SharedCredentialsProvider>,
    region: Option<&str>,
) -> Client {
    let mut builder = aws_sdk_s3::config::Builder::from(sdk).force_path_style(path_style);
    match region {
        Some(r) => builder = builder.region(Region::new(r.to_owned())),
        None if sdk.region().is_none() => builder = builder.region(Region::from_static(FALLBACK_REGION)),
        None => {}
    }
    if let Some(c) = credentials {
        builder = builder.credentials_provider(c.clone());
    }
    Client::from_conf(builder.build())
}

/// Signing needs a region; without one configured, S3's own default, whose
/// endpoint redirects to a bucket's region.
const FALLBACK_REGION: &str = "us-east-1";

impl Connection {
    pub(super) fn client_for(&self, bucket: &str) -> Client {
        match self.by_bucket.lock() {
            Ok(map) => map.get(bucket).cloned().unwrap_or_else(|| self.default_client.clone()),
            Err(_) => self.default_client.clone(),
        }
    }

    /// From now on, talk to `bucket` in `region`.
    pub(super) fn redirect(&self, bucket: &str, region: &str) {
        let client = client_in(&self.sdk, self.path_style, self.credentials.as_ref(), Some(region));
        if let Ok(mut map) = self.by_bucket.lock() {
            map.insert(bucket.to_owned(), client);
        }
    }

    /// The region S3 says a bucket is in, when it refused a request for
    /// being sent to another region.
    pub(super) fn bucket_region_hint<E>(&self, err: &SdkError<E, HttpResponse>) -> Option<String> {
        let response = err.raw_response()?;
        if !matches!(response.status().as_u16(), 301 | 307 | 400) {
            return None;
        }
        let region = response.headers().get("x-amz-bucket-region")?;
        let current = self.sdk.region().map_or(FALLBACK_REGION.to_owned(), |r| r.to_string());
        (!region.is_empty() && region != current).then(|| region.to_owned())
    }

    /// GetObject of `object`, counted; a refusal explained.
    pub(super) async fn get_object(&self, object: &super::Object) -> Result<GetObjectOutput, S3Error> {
        self.count_get();
        self.client_for(&object.bucket)
            .get_object()
            .bucket(&object.bucket)
            .key(&object.key)
            .send()
            .await
            .map_err(|e| self.explain(e, &object.uri()))
    }

    pub(super) fn count_list(&self) {
        self.lists.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn count_get(&self) {
        self.gets.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn requests(&self) -> Requests {
        Requests {
            list: self.lists.load(Ordering::Relaxed),
            get: self.gets.load(Ordering::Relaxed),
        }
    }

    /// An SDK error in plain words: what was asked (`target`), whose
    /// credentials, and the AWS error code.
    pub(super) fn explain<E>(&self, err: SdkError<E, HttpResponse>, target: &str) -> S3Error
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        let target = target.to_owned();
        let who = self.who.clone();
        let status = err.raw_response().map(|r| r.status().as_u16());
        let code = err.code().map(str::to_owned);
        let message = err.message().unwrap_or_default().to_owned();
        match (code.as_deref(), status) {
            (Some("AccessDenied" | "AllAccessDisabled"), _) | (None, Some(403)) => {
                S3Error::AccessDenied { target, who }
            }
            (Some("NoSuchBucket"), _) => S3Error::NoSuchBucket {
                bucket: bucket_of(&target),
                target,
                who,
            },
            (Some(code), _) if credential_problem(code).is_some() => S3Error::BadCredentials {
                target,
                who,
                plain: credential_problem(code).unwrap_or_default().to_owned(),
                code: code.to_owned(),
            },
            (Some(code), _) => S3Error::Service {
                target,
                who,
                code: code.to_owned(),
                message: if message.is_empty() {
                    status_words(status)
                } else {
                    message
                },
            },
            (None, _) => self.explain_unanswered(&err, target),
        }
    }

    /// Errors before S3 answered: credentials, the network, time-outs.
    fn explain_unanswered<E>(&self, err: &SdkError<E, HttpResponse>, target: String) -> S3Error
    where
        E: StdError + Send + Sync + 'static,
    {
        let who = self.who.clone();
        let detail = DisplayErrorContext(err).to_string();
        if let Some(credentials) = find_cause::<CredentialsError>(err as &(dyn StdError + 'static)) {
            let detail = DisplayErrorContext(credentials).to_string();
            if detail.to_ascii_lowercase().contains("sso") {
                return S3Error::SsoLogin {
                    profile: self.profile_name(),
                    detail,
                };
            }
            return match credentials {
                CredentialsError::CredentialsNotLoaded(_) => S3Error::NoCredentials { who },
                _ => S3Error::Credentials { who, detail },
            };
        }
        if detail.contains("SSO") {
            return S3Error::SsoLogin {
                profile: self.profile_name(),
                detail,
            };
        }
        match err {
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => S3Error::Unreachable {
                endpoint: self.endpoint.clone(),
                target,
                detail,
            },
            SdkError::ResponseError(_) => S3Error::Other {
                target,
                detail: format!(
                    "{} ({detail})",
                    status_words(err.raw_response().map(|r| r.status().as_u16()))
                ),
            },
            _ => S3Error::Other { target, detail },
        }
    }

    fn profile_name(&self) -> String {
        self.who
            .strip_prefix("profile ")
            .map(|p| p.trim_matches('"').to_owned())
            .unwrap_or_else(|| "default".to_owned())
    }
}

/// The error of type `T` among `err` and its causes.
fn find_cause<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut cause = Some(err);
    while let Some(e) = cause {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        cause = e.source();
    }
    None
}

/// What a credential error code means, for the codes that are one.
fn credential_problem(code: &str) -> Option<&'static str> {
    Some(match code {
        "InvalidAccessKeyId" => "the access key is not known here (deleted, or from another account or endpoint)",
        "SignatureDoesNotMatch" => "the secret key does not belong to the access key",
        "ExpiredToken" | "TokenRefreshRequired" => {
            "the session token has expired; get fresh credentials (for SSO: `aws sso login`)"
        }
        "InvalidToken" => "the session token is malformed or not valid here",
        "RequestTimeTooSkewed" => "this machine's clock is too far from S3's; set the time right",
        _ => return None,
    })
}

fn status_words(status: Option<u16>) -> String {
    match status {
        Some(404) => "not found (HTTP 404)".to_owned(),
        Some(s) => format!("HTTP {s}"),
        None => "no answer".to_owned(),
    }
}

/// `s3://bucket/…` → `bucket`.
fn bucket_of(target: &str) -> String {
    let rest = target.strip_prefix("s3://").unwrap_or(target);
    rest.split('/').next().unwrap_or(rest).to_owned()
}
