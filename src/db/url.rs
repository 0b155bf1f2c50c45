//! Database and Redis URLs that never print their password.
//!
//! Every URL the user gives us is wrapped in [`SecretUrl`] as soon as it is
//! parsed from the command line; its `Display` and `Debug` show `***` in
//! place of the password, so no log, error or progress line can leak it.
//! [`redact_text`] scrubs a password out of text we did not write ourselves
//! (driver error messages), in case a driver echoes the URL back.

use std::fmt;

/// A connection URL whose password is hidden when displayed.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl {
    raw: String,
}

impl SecretUrl {
    pub fn new(raw: impl Into<String>) -> Self {
        SecretUrl { raw: raw.into() }
    }

    /// The URL with its password, for handing to a driver. Never print it.
    pub fn expose(&self) -> &str {
        &self.raw
    }

    /// The URL with the password replaced by `***`.
    pub fn redacted(&self) -> String {
        redact_url(&self.raw)
    }

    /// The password, if the URL has one (used to scrub driver messages).
    pub fn password(&self) -> Option<String> {
        url::Url::parse(&self.raw)
            .ok()
            .and_then(|u| u.password().map(percent_decode))
            .filter(|p| !p.is_empty())
    }

    /// The scheme before `://` (`postgres`, `redis`), lower-cased; empty
    /// when there is none.
    pub fn scheme(&self) -> String {
        self.raw
            .split_once("://")
            .map(|(scheme, _)| scheme.to_ascii_lowercase())
            .unwrap_or_default()
    }

    /// Scrubs this URL's password (raw and percent-encoded) out of `text`.
    pub fn scrub(&self, text: &str) -> String {
        redact_text(text, self)
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretUrl({})", self.redacted())
    }
}

impl std::str::FromStr for SecretUrl {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(SecretUrl::new(s))
    }
}

/// Replaces the password of a URL with `***`. Text that does not parse as a
/// URL is redacted by hand between `://user:` and the last `@`, so even a
/// malformed URL does not leak.
pub fn redact_url(raw: &str) -> String {
    if let Ok(mut url) = url::Url::parse(raw) {
        if url.password().is_some() {
            let _ = url.set_password(Some("***"));
        }
        return url.to_string();
    }
    redact_by_hand(raw)
}

fn redact_by_hand(raw: &str) -> String {
    let Some(scheme_end) = raw.find("://") else {
        return raw.to_string();
    };
    let rest = &raw[scheme_end + 3..];
    let Some(at) = rest.rfind('@') else {
        return raw.to_string();
    };
    let userinfo = &rest[..at];
    match userinfo.find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &raw[..scheme_end + 3],
            &userinfo[..colon],
            &rest[at..]
        ),
        None => raw.to_string(),
    }
}

/// Removes `url`'s password from arbitrary text (e.g. a driver error).
pub fn redact_text(text: &str, url: &SecretUrl) -> String {
    let mut out = text.replace(url.expose(), &url.redacted());
    if let Some(password) = url.password() {
        out = out.replace(&password, "***");
        if let Ok(parsed) = url::Url::parse(url.expose())
            && let Some(encoded) = parsed.password()
        {
            out = out.replace(encoded, "***");
        }
    }
    out
}

/// Decodes `%XX` escapes of a URL component (user names, passwords).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_password() {
        let url = SecretUrl::new("postgres://alice:s3cret@db.local:5432/app");
        assert_eq!(url.to_string(), "postgres://alice:***@db.local:5432/app");
        assert!(!format!("{url:?}").contains("s3cret"));
    }

    #[test]
    fn keeps_url_without_password() {
        let url = SecretUrl::new("postgres://root@127.0.0.1:5432/test");
        assert_eq!(url.to_string(), "postgres://root@127.0.0.1:5432/test");
    }

    #[test]
    fn redacts_redis_password_only_url() {
        let url = SecretUrl::new("redis://:hunter2@127.0.0.1:6379/3");
        assert_eq!(url.to_string(), "redis://:***@127.0.0.1:6379/3");
    }

    #[test]
    fn redacts_malformed_url_by_hand() {
        assert_eq!(
            redact_url("postgres://bob:p@ss@host:notaport/db"),
            "postgres://bob:***@host:notaport/db"
        );
    }

    #[test]
    fn scrubs_password_from_driver_text() {
        let url = SecretUrl::new("postgres://u:p%40ss@h/db");
        let text = "failed to connect with password p@ss to postgres://u:p%40ss@h/db";
        let scrubbed = url.scrub(text);
        assert!(!scrubbed.contains("p@ss"), "{scrubbed}");
        assert!(!scrubbed.contains("p%40ss"), "{scrubbed}");
    }
}
