//! Serving the built app from the proxy itself (`--app DIR`): one process and one origin, so the
//! browser needs no CORS and `config.json` points the app at the same origin.
//!
//! - The app's files come from `DIR` (the `dist/` of a release build) under the public URL
//!   (`--public-url`, as given to `trunk build`). A `.br` or `.gz` file beside an asset is sent
//!   instead when the browser accepts that encoding.
//! - A browser navigation to a path that is not a file (`/events/{id}`, `/security`, …) gets
//!   `index.html`, so the app's own router shows the view; any other request for a missing file
//!   gets a 404.
//! - Every answer carries the security headers ([`security_headers`]) and a cache policy fitted to
//!   the file ([`cache_control`]).

use std::convert::Infallible;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, Response, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

/// The Content-Security-Policy of the app, as `index.html` states it in its `<meta>` tag, plus
/// what only a header can say: no page may frame the app.
pub const CSP: &str =
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self' http: https:; base-uri 'self'; form-action 'none'; \
    object-src 'none'; frame-ancestors 'none'";

/// HSTS for answers over TLS: a year, as browsers' preload rules expect.
pub const HSTS: &str = "max-age=31536000";

/// Where the app is and how it is served.
#[derive(Debug, Clone)]
pub struct Site {
    dir: PathBuf,
    /// The folder with every link resolved: no file outside it is served.
    root: PathBuf,
    /// The `config.json` served: the folder's own, with `api_base_url` set to this origin.
    config: String,
    /// The public URL with both slashes, e.g. `/` or `/audit/`.
    prefix: String,
    tls: bool,
}

impl Site {
    /// The app in `dir`, under `public_url` (`/` or e.g. `/audit/`); `tls` adds HSTS.
    pub fn new(dir: &Path, public_url: &str, tls: bool) -> Result<Self, String> {
        if !dir.join("index.html").is_file() {
            return Err(format!(
                "--app {}: no index.html there (build the app first: bash scripts/build.sh)",
                dir.display()
            ));
        }
        let trimmed = public_url.trim().trim_matches('/');
        let prefix = if trimmed.is_empty() {
            "/".to_string()
        } else {
            format!("/{trimmed}/")
        };
        let root =
            std::fs::canonicalize(dir).map_err(|e| format!("--app {}: {e}", dir.display()))?;
        let config = app_config(&dir.join("config.json"))?;
        Ok(Site {
            dir: dir.to_path_buf(),
            root,
            config,
            prefix,
            tls,
        })
    }

    /// The public URL, e.g. `/audit/`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The service answering every request that is not an API call.
    pub fn router(&self) -> Router {
        let index = self.dir.join("index.html");
        let files = ServeDir::new(&self.dir)
            .precompressed_br()
            .precompressed_gzip()
            .fallback(tower::service_fn(move |req: Request| {
                let index = index.clone();
                async move { Ok::<_, Infallible>(fallback(req, &index).await) }
            }));
        let site = self.clone();
        Router::new().fallback_service(tower::service_fn(move |req: Request| {
            let (site, files) = (site.clone(), files.clone());
            async move { Ok::<_, Infallible>(site.answer(req, files).await) }
        }))
    }

    async fn answer<S>(&self, req: Request, files: S) -> Response<Body>
    where
        S: tower::Service<Request, Error = Infallible> + Send,
        S::Response: IntoResponse,
        S::Future: Send,
    {
        let path = req.uri().path().to_string();
        let mut resp = if !matches!(*req.method(), Method::GET | Method::HEAD) {
            let mut r = StatusCode::METHOD_NOT_ALLOWED.into_response();
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            r
        } else if path.len() + 1 == self.prefix.len() && self.prefix.starts_with(&path) {
            // "/audit" without its slash: the app's relative links need the slash.
            redirect(&self.prefix)
        } else if let Some(rest) = path.strip_prefix(self.prefix.as_str()) {
            if rest == "config.json" {
                self.config_json()
            } else if let Err(status) = self.check(rest) {
                status.into_response()
            } else {
                // ServeDir resolves the path below the prefix; it refuses `..` and the like.
                let (mut parts, body) = req.into_parts();
                let mut uri = format!("/{rest}");
                if let Some(q) = parts.uri.query() {
                    uri.push('?');
                    uri.push_str(q);
                }
                parts.uri = uri.parse().unwrap_or_default();
                let mut r = match files.oneshot(Request::from_parts(parts, body)).await {
                    Ok(r) => r.into_response(),
                    Err(never) => match never {},
                };
                self.keep_prefix(&mut r);
                r
            }
        } else if path == "/" {
            redirect(&self.prefix)
        } else {
            StatusCode::NOT_FOUND.into_response()
        };
        let served = served_name(&path, &resp);
        security_headers(resp.headers_mut(), self.tls);
        let cache = cache_control(&served, resp.status());
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        // On every answer, so that no cache keeps one encoding's answer (or an error) for all.
        resp.headers_mut()
            .append(header::VARY, HeaderValue::from_static("accept-encoding"));
        resp
    }

    /// Whether a path below the public URL may be served: 400 for one no file can have (bytes
    /// that are not UTF-8, a NUL or control character, a backslash, a segment over 255 bytes),
    /// 404 for a hidden name (a segment starting with `.`: `.env`, `.git`, `..`) and for a path
    /// that leads out of the folder through a symbolic link.
    fn check(&self, rest: &str) -> Result<(), StatusCode> {
        let decoded = percent_encoding::percent_decode_str(rest)
            .decode_utf8()
            .map_err(|_| StatusCode::BAD_REQUEST)?;
        if decoded.chars().any(|c| c.is_control() || c == '\\') {
            return Err(StatusCode::BAD_REQUEST);
        }
        for segment in decoded.split('/') {
            if segment.len() > 255 {
                return Err(StatusCode::BAD_REQUEST);
            }
            if segment.starts_with('.') {
                return Err(StatusCode::NOT_FOUND);
            }
        }
        let path = self.dir.join(decoded.as_ref());
        // The file and the precompressed files ServeDir may send instead.
        for candidate in [
            path.clone(),
            path.with_added_extension("br"),
            path.with_added_extension("gz"),
        ] {
            if std::fs::symlink_metadata(&candidate).is_err() {
                continue;
            }
            match std::fs::canonicalize(&candidate) {
                Ok(real) if real.starts_with(&self.root) => {}
                _ => {
                    tracing::warn!(
                        path = %candidate.display(),
                        "refused: a link from the app's folder to outside it"
                    );
                    return Err(StatusCode::NOT_FOUND);
                }
            }
        }
        Ok(())
    }

    /// `config.json` when the proxy serves the app: the folder's own settings (a
    /// `request_timeout_secs`, a `local_max_events`), with the API on this same origin.
    fn config_json(&self) -> Response<Body> {
        (
            [(header::CONTENT_TYPE, "application/json")],
            self.config.clone(),
        )
            .into_response()
    }

    /// ServeDir redirects a folder to its path with a slash, as it saw the path (below the
    /// public URL); the browser must be sent to the same place under the public URL.
    fn keep_prefix(&self, resp: &mut Response<Body>) {
        if !resp.status().is_redirection() || self.prefix == "/" {
            return;
        }
        let Some(to) = resp
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .filter(|l| l.starts_with('/') && !l.starts_with("//"))
        else {
            return;
        };
        if let Ok(v) =
            HeaderValue::from_str(&format!("{}{}", self.prefix.trim_end_matches('/'), to))
        {
            resp.headers_mut().insert(header::LOCATION, v);
        }
    }
}

/// What a missing file gets: `index.html` for a browser navigation, so a client route opens the
/// app; a 404 for anything else (a missing script or image must not come back as HTML).
async fn fallback(req: Request, index: &Path) -> Response<Body> {
    if !is_navigation(req.headers()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let file = ServeFile::new(index);
    match file.oneshot(req).await {
        Ok(mut r) => {
            // Marks the answer as the app's page for the cache policy.
            r.headers_mut()
                .insert("x-app-page", HeaderValue::from_static("index.html"));
            r.into_response()
        }
        Err(e) => {
            tracing::warn!(error = %e, "index.html could not be read");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A browser navigation asks for an HTML document.
fn is_navigation(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

fn redirect(to: &str) -> Response<Body> {
    let mut r = StatusCode::PERMANENT_REDIRECT.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// The folder's `config.json` (if any) with `api_base_url` set to `/`, the proxy's own origin:
/// its other settings stay. A file that is not a JSON object stops start-up, naming it.
fn app_config(path: &Path) -> Result<String, String> {
    let mut config = match std::fs::read_to_string(path) {
        Ok(text) => match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => {
                return Err(format!(
                    "--app: {} is not a JSON object (e.g. {{\"local_max_events\": 50000}})",
                    path.display()
                ))
            }
        },
        Err(_) => serde_json::Map::new(),
    };
    config.insert("api_base_url".into(), "/".into());
    Ok(serde_json::Value::Object(config).to_string())
}

/// The file name an answer stands for: `index.html` for the page the fallback served, else the
/// last segment of the path (`index.html` for a directory).
fn served_name(path: &str, resp: &Response<Body>) -> String {
    if resp.headers().contains_key("x-app-page") {
        return "index.html".into();
    }
    match path.rsplit('/').next() {
        Some("") | None => "index.html".into(),
        Some(name) => name.to_string(),
    }
}

/// The security headers every answer of the app carries.
pub fn security_headers(h: &mut HeaderMap, tls: bool) {
    h.remove("x-app-page");
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if tls {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
}

/// How long a browser may keep a file. A name that carries a content hash (trunk's
/// `name-0123456789abcdef.ext`) never changes its content: kept a year without asking. Anything
/// else — `index.html`, `config.json`, the loader, assets with stable names — is revalidated on
/// every use (`Last-Modified` makes that a cheap 304). Errors are not kept.
pub fn cache_control(file: &str, status: StatusCode) -> &'static str {
    if !status.is_success() && status != StatusCode::NOT_MODIFIED {
        return "no-store";
    }
    if has_content_hash(file) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

/// `audit-viewer-0123456789abcdef_bg.wasm`, `main-0123456789abcdef.css`: a dash, then 16 hex
/// digits ending the stem or followed by `_`.
fn has_content_hash(file: &str) -> bool {
    let stem = file.split('.').next().unwrap_or(file);
    stem.match_indices('-').any(|(i, _)| {
        let tail = &stem[i + 1..];
        let hex: String = tail.chars().take_while(char::is_ascii_hexdigit).collect();
        hex.len() == 16 && (tail.len() == 16 || tail[16..].starts_with('_'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_kept_long_and_the_rest_revalidated() {
        let ok = StatusCode::OK;
        assert_eq!(
            cache_control("audit-viewer-0123456789abcdef_bg.wasm", ok),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(
            cache_control("main-89abcdef01234567.css", ok),
            "public, max-age=31536000, immutable"
        );
        for name in [
            "index.html",
            "config.json",
            "loader.js",
            "audit-viewer_bg.wasm",
            "audit-viewer.js",
            "x-0123.css",
        ] {
            assert_eq!(cache_control(name, ok), "no-cache", "{name}");
        }
        assert_eq!(
            cache_control("index.html", StatusCode::NOT_MODIFIED),
            "no-cache"
        );
        assert_eq!(
            cache_control("main-89abcdef01234567.css", StatusCode::NOT_FOUND),
            "no-store"
        );
    }

    #[test]
    fn the_public_url_is_normalized() {
        let dir = std::env::temp_dir().join(format!("site-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("index.html"), "<!doctype html>").expect("write");
        for (given, prefix) in [
            ("/", "/"),
            ("", "/"),
            ("/audit", "/audit/"),
            ("audit/", "/audit/"),
            ("/a/b/", "/a/b/"),
        ] {
            assert_eq!(
                Site::new(&dir, given, false).expect("site").prefix(),
                prefix
            );
        }
        assert!(Site::new(&dir.join("nope"), "/", false)
            .expect_err("no index")
            .contains("no index.html"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
