//! A small browser for the web app's tests: a cookie jar (the `__Host-` cookies
//! the app sets are kept by name, as a browser on a secure origin would), no
//! automatic redirects (the tests check each 303), and the headers a browser sends
//! on a same-origin form post.

use std::collections::BTreeMap;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;

use crate::helpers::{TestApp, ADMIN_PASSWORD};

/// One answer, read whole.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn location(&self) -> &str {
        self.header("location")
    }

    /// The first form's CSRF token on the page.
    pub fn csrf(&self) -> String {
        let re = regex::Regex::new(r#"name="csrf" value="([0-9a-f]+)""#).expect("regex");
        re.captures(&self.body)
            .map(|c| c[1].to_owned())
            .unwrap_or_else(|| panic!("no CSRF token in {}", self.body))
    }

    /// The version the price form of `code` carries.
    pub fn version_of(&self, code: &str) -> String {
        let row = self.row(code);
        let re = regex::Regex::new(r#"name="version" value="([tg][0-9]+)""#).expect("regex");
        re.captures(&row)
            .map(|c| c[1].to_owned())
            .unwrap_or_else(|| panic!("no version in the row of {code}: {row}"))
    }

    /// The hidden fields of the form with `id`, their values unescaped, in order.
    pub fn hidden_fields(&self, id: &str) -> Vec<(String, String)> {
        let start = self
            .body
            .find(&format!(r#"id="{id}""#))
            .unwrap_or_else(|| panic!("no form {id} in {}", self.body));
        let rest = &self.body[start..];
        let form = &rest[..rest.find("</form>").expect("form ends")];
        let re = regex::Regex::new(r#"<input type="hidden" name="([a-z_]+)" value="([^"]*)">"#)
            .expect("regex");
        re.captures_iter(form)
            .map(|c| (c[1].to_owned(), unescape(&c[2])))
            .collect()
    }

    /// The table row of a material.
    pub fn row(&self, code: &str) -> String {
        self.tr(&format!("m-{code}"))
    }

    /// The table row with `id`.
    pub fn tr(&self, id: &str) -> String {
        let start = self
            .body
            .find(&format!(r#"<tr id="{id}">"#))
            .unwrap_or_else(|| panic!("no row {id} in {}", self.body));
        let rest = &self.body[start..];
        rest[..rest.find("</tr>").expect("row ends") + 5].to_owned()
    }
}

/// An attribute's value as askama escapes it, back to its text.
pub fn unescape(text: &str) -> String {
    text.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// A browser with its cookies, talking to one app (optionally under another Host).
pub struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
    host: Option<String>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            app,
            client,
            cookies: BTreeMap::new(),
            host: None,
        }
    }

    /// The same browser visiting the app under `host` (e.g. a shop's subdomain).
    pub fn at_host(app: &'a TestApp, host: &str) -> Self {
        let mut browser = Self::new(app);
        let port = app.address.rsplit(':').next().expect("port");
        browser.host = Some(format!("{host}:{port}"));
        browser
    }

    fn origin(&self) -> String {
        match &self.host {
            Some(host) => format!("http://{host}"),
            None => self.app.address.clone(),
        }
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let mut req = req;
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header("cookie", jar.join("; "));
        }
        if let Some(host) = &self.host {
            req = req.header("host", host);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let headers = resp.headers().clone();
        for value in headers.get_all("set-cookie") {
            let value = value.to_str().expect("cookie");
            let pair = value.split(';').next().expect("pair");
            let (name, val) = pair.split_once('=').expect("name=value");
            if value.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), val.to_owned());
            }
        }
        let body = resp.text().await.expect("body");
        Page {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let req = self.client.get(self.app.url(path));
        self.send(req).await
    }

    /// A form post as a browser sends it from the app's own page.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        self.post_with(path, form, &[]).await
    }

    /// A form post with extra headers (`HX-Request`, another `Origin`).
    pub async fn post_with(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Page {
        let mut req = self
            .client
            .post(self.app.url(path))
            .form(form)
            .header("sec-fetch-site", "same-origin");
        if !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("origin"))
        {
            req = req.header("origin", self.origin());
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        self.send(req).await
    }

    /// A `multipart/form-data` post from the app's own page: text fields, then one
    /// file field `(name, file name, contents)`.
    pub async fn post_file(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &str, &[u8]),
    ) -> Page {
        let boundary = "----ventanas-test-boundary-7d3f";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        let (name, file_name, contents) = file;
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(contents);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = self
            .client
            .post(self.app.url(path))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header("sec-fetch-site", "same-origin")
            .header("origin", self.origin())
            .body(body);
        self.send(req).await
    }

    /// Logs in through the form; returns the answer to the post.
    pub async fn log_in(&mut self, shop: &str, email: &str, password: &str) -> Page {
        let form = self.get("/entrar").await;
        assert_eq!(form.status, StatusCode::OK, "login form: {}", form.body);
        let csrf = form.csrf();
        self.post(
            "/entrar",
            &[
                ("csrf", &csrf),
                ("tienda", shop),
                ("correo", email),
                ("contrasena", password),
            ],
        )
        .await
    }

    /// Logs in and insists it worked.
    pub async fn signed_in(app: &'a TestApp, shop: &str, email: &str) -> Browser<'a> {
        let mut browser = Self::new(app);
        let resp = browser.log_in(shop, email, ADMIN_PASSWORD).await;
        assert_eq!(resp.status, StatusCode::SEE_OTHER, "login: {}", resp.body);
        assert_eq!(resp.location(), "/catalogo");
        browser
    }

    /// The session token the cookie carries (to check it against the API).
    pub fn session_token(&self) -> String {
        self.cookies
            .get("__Host-ventanas_session")
            .cloned()
            .expect("a session cookie")
    }
}
