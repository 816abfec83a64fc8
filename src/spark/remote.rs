//! Where the Spark Connect server is, and the token it wants: from
//! `--spark-remote`, else `APPORTION_SPARK_REMOTE`, else Spark's own
//! `SPARK_REMOTE`; the token only ever from the environment
//! (`APPORTION_SPARK_TOKEN`, else `DATABRICKS_TOKEN`), so it is in no process
//! list, no log line and no database.

use anyhow::{Result, bail};

/// A Spark Connect endpoint, `sc://HOST[:PORT][/;param=value...]`.
#[derive(Clone)]
pub struct Remote {
    pub host: String,
    pub port: u16,
    /// The URL's parameters other than the token (`use_ssl=true`, `user_id=...`).
    params: Vec<String>,
    token: Option<String>,
}

/// Spark Connect's own default port.
pub const DEFAULT_PORT: u16 = 15002;

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("url", &self.shown())
            .field("token", &self.token.as_ref().map(|_| "(set)"))
            .finish()
    }
}

impl Remote {
    /// The remote a command uses: the flag, else the environment.
    pub fn resolve(flag: Option<&str>) -> Result<Remote> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let token = env("APPORTION_SPARK_TOKEN").or_else(|| env("DATABRICKS_TOKEN"));
        if let Some(url) = flag {
            let remote = Remote::parse(url, None)?;
            if remote.token.is_some() {
                bail!(
                    "--spark-remote carries a token, which every user of this machine can read in the process \
                     list; put it in APPORTION_SPARK_TOKEN instead and give the URL without it"
                );
            }
            return Ok(Remote { token, ..remote });
        }
        match env("APPORTION_SPARK_REMOTE").or_else(|| env("SPARK_REMOTE")) {
            Some(url) => Remote::parse(&url, token),
            None => bail!(
                "no Spark Connect server given: pass --spark-remote sc://HOST:PORT or set APPORTION_SPARK_REMOTE \
                 (or SPARK_REMOTE)"
            ),
        }
    }

    /// Parse `sc://HOST[:PORT][/;k=v...]`; a token in the URL itself (from
    /// the environment) wins over the token variables.
    pub fn parse(url: &str, token: Option<String>) -> Result<Remote> {
        let Some(rest) = url.trim().strip_prefix("sc://") else {
            bail!("Spark Connect URL {url:?} does not start with sc:// (e.g. sc://spark-master:15002)");
        };
        let (authority, params) = rest.split_once('/').unwrap_or((rest, ""));
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => {
                let port = p
                    .parse::<u16>()
                    .map_err(|_| anyhow::anyhow!("Spark Connect URL {url:?}: port {p:?} is not a number"))?;
                (h, port)
            }
            None => (authority, DEFAULT_PORT),
        };
        if host.is_empty() {
            bail!("Spark Connect URL {url:?} names no host");
        }
        let mut in_url = None;
        let mut kept = Vec::new();
        for p in params.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            match p.split_once('=') {
                Some((k, v)) if k.trim() == "token" => in_url = Some(v.to_string()),
                Some(_) => kept.push(p.to_string()),
                None => bail!("Spark Connect URL {url:?}: parameter {p:?} is not key=value"),
            }
        }
        Ok(Remote {
            host: host.to_string(),
            port,
            params: kept,
            token: in_url.or(token),
        })
    }

    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// The URL without its token: what messages show.
    pub fn shown(&self) -> String {
        let mut url = format!("sc://{}:{}", self.host, self.port);
        if !self.params.is_empty() {
            url.push_str("/;");
            url.push_str(&self.params.join(";"));
        }
        url
    }

    /// `text` with the token, should a message of the client's repeat the
    /// URL it connected with, shown as `***`.
    pub fn redact(&self, text: &str) -> String {
        match &self.token {
            Some(token) if !token.is_empty() => text.replace(token.as_str(), "***"),
            _ => text.to_string(),
        }
    }

    /// The URL the client connects with: the token appended when there is one.
    pub(crate) fn connect_url(&self) -> String {
        let mut url = format!("sc://{}:{}/", self.host, self.port);
        for p in self
            .params
            .iter()
            .cloned()
            .chain(self.token.iter().map(|t| format!("token={t}")))
        {
            url.push(';');
            url.push_str(&p);
        }
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_and_default_port() {
        let r = Remote::parse("sc://spark-master:15003", None).unwrap();
        assert_eq!((r.host.as_str(), r.port), ("spark-master", 15003));
        let r = Remote::parse("sc://localhost", None).unwrap();
        assert_eq!(r.port, DEFAULT_PORT);
        assert_eq!(r.connect_url(), "sc://localhost:15002/");
    }

    #[test]
    fn the_token_is_sent_but_never_shown() {
        let r = Remote::parse("sc://dbc.example:443/;use_ssl=true", Some("dapi-secret".into())).unwrap();
        assert_eq!(r.connect_url(), "sc://dbc.example:443/;use_ssl=true;token=dapi-secret");
        assert!(!r.shown().contains("dapi-secret"));
        assert!(!format!("{r:?}").contains("dapi-secret"));
        let r = Remote::parse("sc://h:443/;token=in-url;use_ssl=true", None).unwrap();
        assert!(!r.shown().contains("in-url"), "{}", r.shown());
        assert!(r.connect_url().contains("token=in-url"));
        assert_eq!(
            r.redact(&format!("Invalid endpoint: {}", r.connect_url())),
            "Invalid endpoint: sc://h:443/;use_ssl=true;token=***"
        );
    }

    #[test]
    fn bad_urls_say_what_is_wrong() {
        let e = Remote::parse("http://h:1", None).unwrap_err().to_string();
        assert!(e.contains("sc://"), "{e}");
        let e = Remote::parse("sc://h:port", None).unwrap_err().to_string();
        assert!(e.contains("not a number"), "{e}");
    }

    #[test]
    fn a_token_on_the_command_line_is_refused() {
        let e = Remote::resolve(Some("sc://h:443/;token=abc")).unwrap_err().to_string();
        assert!(e.contains("APPORTION_SPARK_TOKEN"), "{e}");
    }
}
