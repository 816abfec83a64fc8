//! A real S3 API on 127.0.0.1 for the S3 sync tests: moto in server mode,
//! one per test, stopped when dropped; and a slow proxy in front of it that
//! can be stopped mid-download. Never AWS.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub struct Moto {
    child: Child,
    pub port: u16,
    _logs: tempfile::TempDir,
}

impl Moto {
    /// moto on a free port, or None with a note where it cannot run (no
    /// Python, moto not installed). With APPORTION_REQUIRE_MOTO set (CI) that
    /// is a failure instead, so a broken install cannot pass as a skip.
    pub fn start() -> Option<Moto> {
        let mut why = String::new();
        for _ in 0..3 {
            match Moto::try_start() {
                Ok(moto) => return Some(moto),
                Err(e) => why = e,
            }
        }
        assert!(
            std::env::var_os("APPORTION_REQUIRE_MOTO").is_none(),
            "moto is required here (APPORTION_REQUIRE_MOTO) but did not start: {why}"
        );
        eprintln!(
            "skipped: no S3 test server ({why}); install it with `python3 -m pip install 'moto[server]'` to run the S3 tests"
        );
        None
    }

    fn try_start() -> Result<Moto, String> {
        let port = free_port();
        let logs = tempfile::tempdir().map_err(|e| e.to_string())?;
        let log_path = logs.path().join("moto.log");
        let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
        let mut child = Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot run python3: {e}"))?;
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if let Ok(Some(status)) = child.try_wait() {
                let text = std::fs::read_to_string(&log_path).unwrap_or_default();
                let last = text.lines().last().unwrap_or("").to_owned();
                return Err(format!("python3 -m moto.server exited ({status}): {last}"));
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                std::thread::sleep(Duration::from_millis(100));
                // Still ours: a server that lost the port to another test has exited by now.
                if let Ok(None) = child.try_wait() {
                    return Ok(Moto {
                        child,
                        port,
                        _logs: logs,
                    });
                }
                continue;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        Err("moto did not listen within 60 s".to_owned())
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn create_bucket(&self, bucket: &str) {
        let (status, body) = self.s3("PUT", &format!("/{bucket}"), b"");
        assert_eq!(
            status,
            200,
            "create bucket {bucket}: {}",
            String::from_utf8_lossy(&body)
        );
    }

    pub fn put(&self, bucket: &str, key: &str, bytes: &[u8]) {
        let (status, body) = self.s3("PUT", &format!("/{bucket}/{}", encode_key(key)), bytes);
        assert_eq!(status, 200, "put {key}: {}", String::from_utf8_lossy(&body));
    }

    /// The keys in `bucket` (up to 1000), in S3's order.
    #[cfg(feature = "spark")]
    pub fn keys(&self, bucket: &str) -> Vec<String> {
        let (status, body) = self.s3("GET", &format!("/{bucket}?list-type=2"), b"");
        let text = String::from_utf8_lossy(&body).into_owned();
        assert_eq!(status, 200, "list {bucket}: {text}");
        text.split("<Key>")
            .skip(1)
            .filter_map(|rest| rest.split_once("</Key>").map(|(key, _)| key.replace("&amp;", "&")))
            .collect()
    }

    /// The object `bucket/key`'s bytes.
    #[cfg(feature = "spark")]
    pub fn get(&self, bucket: &str, key: &str) -> Vec<u8> {
        let (status, body) = self.s3("GET", &format!("/{bucket}/{}", encode_key(key)), b"");
        assert_eq!(status, 200, "get {key}: {}", String::from_utf8_lossy(&body));
        body
    }

    pub fn put_file(&self, bucket: &str, key: &str, path: &Path) {
        self.put(bucket, key, &std::fs::read(path).unwrap());
    }

    /// Enforce credentials from now on, and return the keys of a user who
    /// may do nothing at all.
    pub fn user_without_permissions(&self) -> (String, String) {
        let (status, body) = self.iam("Action=CreateUser&UserName=nobody&Version=2010-05-08");
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let (status, body) = self.iam("Action=CreateAccessKey&UserName=nobody&Version=2010-05-08");
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let text = String::from_utf8_lossy(&body).into_owned();
        let pick = |tag: &str| {
            let start = text.find(&format!("<{tag}>")).unwrap() + tag.len() + 2;
            let end = text[start..].find('<').unwrap() + start;
            text[start..end].to_owned()
        };
        let keys = (pick("AccessKeyId"), pick("SecretAccessKey"));
        let (status, body) = request(
            self.port,
            "POST",
            "/moto-api/reset-auth",
            &[("Content-Type", "text/plain")],
            b"0",
        );
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        keys
    }

    /// moto routes by the service in the credential scope and checks no
    /// signature while credentials are not enforced.
    fn s3(&self, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
        request(
            self.port,
            method,
            path,
            &[("Authorization", &fake_authorization("s3"))],
            body,
        )
    }

    fn iam(&self, form: &str) -> (u16, Vec<u8>) {
        let auth = fake_authorization("iam");
        request(
            self.port,
            "POST",
            "/",
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            form.as_bytes(),
        )
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fake_authorization(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
    )
}

/// A port nothing listens on (bound, then freed).
/// `cmd` with throwaway AWS credentials and region, and nothing of the
/// user's AWS set-up (profiles, endpoint, roles; `home` as HOME).
pub fn test_aws(cmd: &mut Command, home: &Path) {
    for name in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
        "AWS_DEFAULT_REGION",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ] {
        cmd.env_remove(name);
    }
    cmd.env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join("aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("aws-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test");
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn encode_key(key: &str) -> String {
    let mut out = String::new();
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One HTTP/1.1 request with `Connection: close`: the status and the body.
fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text_end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(response.len(), |p| p + 4);
    let status = String::from_utf8_lossy(&response[..text_end])
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, response[text_end..].to_vec())
}

/// A proxy that passes requests on to `upstream` and answers at most
/// `bytes_per_second`; `stop` cuts every connection and refuses new ones,
/// as a server that dies mid-download.
pub struct Proxy {
    pub port: u16,
    stopped: Arc<AtomicBool>,
    sent: Arc<AtomicU64>,
}

impl Proxy {
    pub fn start(upstream: u16, bytes_per_second: u64) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stopped = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(AtomicU64::new(0));
        let (stop, count) = (stopped.clone(), sent.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                            continue;
                        };
                        relay(client, server, stop.clone(), count.clone(), bytes_per_second);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Proxy { port, stopped, sent }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop();
    }
}

fn relay(client: TcpStream, server: TcpStream, stop: Arc<AtomicBool>, sent: Arc<AtomicU64>, rate: u64) {
    client.set_nonblocking(false).unwrap();
    for s in [&client, &server] {
        s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    }
    let pump = |mut from: TcpStream, mut to: TcpStream, limited: bool, stop: Arc<AtomicBool>, sent: Arc<AtomicU64>| {
        move || {
            let chunk = if limited { (rate / 20).max(1) as usize } else { 64 << 10 };
            let mut buf = vec![0u8; chunk];
            loop {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                match from.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                        if limited {
                            sent.fetch_add(n as u64, Ordering::Relaxed);
                            std::thread::sleep(Duration::from_millis(50));
                        }
                    }
                    Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
                    Err(_) => break,
                }
            }
            let _ = from.shutdown(Shutdown::Both);
            let _ = to.shutdown(Shutdown::Both);
        }
    };
    let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    std::thread::spawn(pump(client, server, false, stop.clone(), sent.clone()));
    std::thread::spawn(pump(s2, c2, true, stop, sent));
}
