//! The stamp page's transport and first screen: the widget's precompressed, content-hashed
//! files and their caching, and `/stamp/{token}` rendered on the server (the card from the
//! widget's own components, the intro embedded for the widget, escaping, unknown links).

use std::io::Read;
use std::path::Path;

use serde_json::Value;
use stampcard_core::ErrorCode;

use crate::helpers::{Options, Resp, TestApp, spawn_app_with};
use crate::page::{STAFF, page, setup};

const LOADER: &str = "stampcard.0123456789abcdef.js";
const GLUE: &str = "stampcard_widget.0123456789abcdef.js";
const WASM: &str = "stampcard_widget_bg.0123456789abcdef.wasm";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// A www folder as `cargo xtask build` leaves it: the real `stamp.html`, the manifest, the
/// hashed files and the stable loader, each with stand-ins for its `.br` and `.gz` copies
/// (only which file is sent matters here).
fn built_www(dir: &Path) {
    let pkg = dir.join("widget/pkg");
    std::fs::create_dir_all(&pkg).expect("dir");
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../www/stamp.html");
    std::fs::copy(shipped, dir.join("stamp.html")).expect("stamp.html");
    let manifest = format!(r#"{{"loader": "{LOADER}", "glue": "{GLUE}", "wasm": "{WASM}"}}"#);
    std::fs::write(pkg.join("manifest.json"), manifest).expect("manifest");
    for name in [LOADER, GLUE, WASM, "stampcard.js"] {
        std::fs::write(pkg.join(name), format!("plain {name}")).expect("file");
        std::fs::write(pkg.join(format!("{name}.br")), format!("brotli {name}")).expect("br");
        std::fs::write(pkg.join(format!("{name}.gz")), format!("gzip {name}")).expect("gz");
    }
    std::fs::write(dir.join("widget/demo-stamp.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>").expect("svg");
}

async fn app_with_built_www() -> (TestApp, tempfile::TempDir) {
    let www = tempfile::tempdir().expect("dir");
    built_www(www.path());
    let app = spawn_app_with(Options { www_dir: Some(www.path().to_owned()), ..Options::default() }).await;
    (app, www)
}

async fn fetch(app: &TestApp, path: &str, encodings: Option<&str>) -> Resp {
    let call = app.anonymous("GET", path).header("Origin", "https://shop.example.com");
    match encodings {
        Some(encodings) => call.header("Accept-Encoding", encodings).send().await,
        None => call.send().await,
    }
}

fn varies_by_encoding(response: &Resp) -> bool {
    response
        .headers
        .get_all("vary")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|name| name.trim().eq_ignore_ascii_case("accept-encoding"))
}

#[tokio::test]
async fn widget_files_are_precompressed_and_hashed_ones_cached_for_a_year() {
    let (app, _www) = app_with_built_www().await;
    for (path, file, cache) in [
        (format!("/widget/pkg/{WASM}"), WASM, IMMUTABLE),
        (format!("/widget/pkg/{GLUE}"), GLUE, IMMUTABLE),
        (format!("/widget/pkg/{LOADER}"), LOADER, IMMUTABLE),
        // The stable loader shops embed is revalidated on every use.
        ("/widget/stampcard.js".to_owned(), "stampcard.js", "no-cache"),
    ] {
        for (accept, coding, body) in [
            (Some("gzip, deflate, br"), Some("br"), format!("brotli {file}")),
            (Some("gzip"), Some("gzip"), format!("gzip {file}")),
            (Some("gzip, br;q=0"), Some("gzip"), format!("gzip {file}")),
            (None, None, format!("plain {file}")),
        ] {
            let response = fetch(&app, &path, accept).await;
            assert_eq!(response.status, 200, "{path} {response:?}");
            assert_eq!(
                (response.header("content-encoding"), response.text.as_str()),
                (coding, body.as_str()),
                "{path}"
            );
            assert_eq!(response.header("cache-control"), Some(cache), "{path}");
            assert!(varies_by_encoding(&response), "{path} {response:?}");
            assert_eq!(response.header("access-control-allow-origin"), Some("*"), "{path}");
            assert_eq!(response.header("cross-origin-resource-policy"), Some("cross-origin"), "{path}");
        }
    }
    let wasm = fetch(&app, &format!("/widget/pkg/{WASM}"), Some("br")).await;
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    let loader = fetch(&app, "/widget/stampcard.js", Some("br")).await;
    assert!(loader.header("content-type").is_some_and(|t| t.contains("javascript")), "{loader:?}");
    assert!(loader.header("last-modified").is_some(), "a validator for the revalidation: {loader:?}");

    // Other files keep short lives, and so does a hashed name the build did not write.
    let svg = fetch(&app, "/widget/demo-stamp.svg", None).await;
    assert_eq!((svg.status, svg.header("cache-control")), (200, Some("no-cache")));
    let gone = fetch(&app, "/widget/pkg/stampcard_widget_bg.fedcba9876543210.wasm", None).await;
    gone.refused(ErrorCode::RouteNotFound);
    assert_eq!(gone.header("cache-control"), Some("no-cache"));
}

/// The intro envelope the page embeds, parsed.
fn embedded_intro(html: &str) -> Value {
    let start = html.find(r#"<script type="application/json" id="stampcard-intro">"#).expect("the intro is embedded");
    let json = &html[start..];
    let json = &json[json.find('>').expect("tag") + 1..json.find("</script>").expect("end")];
    serde_json::from_str(json).expect("the embedded intro is JSON")
}

#[tokio::test]
async fn the_stamp_page_shows_the_card_before_the_widget_arrives() {
    let (app, _www) = app_with_built_www().await;
    let (_, token) = setup(&app, 5).await;
    let response = app.anonymous("GET", &format!("/stamp/{token}")).send().await;
    assert_eq!(response.status, 200);
    assert!(response.header("content-type").is_some_and(|t| t.starts_with("text/html")), "{response:?}");
    assert_eq!(response.header("cache-control"), Some("private, no-cache"));
    assert_eq!(response.header("referrer-policy"), Some("no-referrer"));
    assert!(response.header("content-security-policy").is_some_and(|csp| csp.contains("script-src 'self'")));
    let html = &response.text;
    // The card's name, its reward and the PIN form, in the element's declarative shadow root,
    // with the widget's style sheet.
    let card = &html[html.find(r#"<stamp-card><template shadowrootmode="open">"#).expect("the card is rendered")..];
    for text in ["Coffee card", "Free coffee", "<input", "<style>", r#"<html lang="en""#] {
        assert!(html.contains(text), "{text} missing: {html}");
    }
    assert!(card.contains("Coffee card"), "{card}");
    assert!(html.contains("<noscript>") && html.contains("needs JavaScript"), "{html}");
    // The widget's files, by their hashed names, start downloading with the page.
    for name in [LOADER, GLUE, WASM] {
        assert!(html.contains(&format!("/widget/pkg/{name}")), "{name}: {html}");
    }
    // The embedded intro is exactly what the intro endpoint answers, and nothing secret.
    let api = app.anonymous("GET", &page(&token, "")).send().await;
    assert_eq!(embedded_intro(html), api.body);
    assert!(!html.contains(STAFF), "{html}");

    // Korean for a Korean browser.
    let korean =
        app.anonymous("GET", &format!("/stamp/{token}")).header("Accept-Language", "ko-KR,ko;q=0.9").send().await;
    assert!(korean.text.contains(r#"<html lang="ko""#) && korean.text.contains("자바스크립트"), "{}", korean.text);
    let vary = korean.header("vary").unwrap_or_default().to_ascii_lowercase();
    assert!(vary.contains("accept-language") && vary.contains("accept-encoding"), "{vary}");
}

#[tokio::test]
async fn the_stamp_page_escapes_the_card_name() {
    let (app, _www) = app_with_built_www().await;
    let name = "</script><script>alert(1)</script><b>&";
    let body = serde_json::json!({"cardNm": name, "cardTtl": "<img src=x onerror=alert(2)>", "maxStamps": 5});
    let card = app.post("/api/stamp/v1/card/create", body).await.ok()["cardIdx"].as_i64().expect("cardIdx");
    let stamp = app.stamp(card).await;
    let token = app.token(stamp).await;
    let html = app.anonymous("GET", &format!("/stamp/{token}")).send().await.text;
    assert!(!html.contains("<script>alert") && !html.contains("<img src=x") && !html.contains("<b>"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
    // The embedded JSON cannot close its script element, and still reads back the same.
    assert_eq!(embedded_intro(&html)["result"]["cardNm"], name);
}

#[tokio::test]
async fn an_unknown_link_still_renders_the_page() {
    let (app, _www) = app_with_built_www().await;
    for token in ["B".repeat(43), "not-a-token".to_owned()] {
        let response = app.anonymous("GET", &format!("/stamp/{token}")).send().await;
        assert_eq!(response.status, 200, "{response:?}");
        assert!(response.text.contains("Stamp card not found"), "{}", response.text);
        let intro = embedded_intro(&response.text);
        assert_eq!(intro["code"], i64::from(ErrorCode::StampNotFound.code()), "{intro}");
        assert_eq!(intro, app.anonymous("GET", &page(&token, "")).send().await.body);
    }
}

#[tokio::test]
async fn the_stamp_page_is_compressed_and_revalidated() {
    let (app, _www) = app_with_built_www().await;
    let (_, token) = setup(&app, 5).await;
    let path = format!("/stamp/{token}");
    let plain = app.anonymous("GET", &path).send().await;
    assert_eq!(plain.header("content-encoding"), None);

    let br = app.client.get(format!("{}{path}", app.url)).header("Accept-Encoding", "br").send().await.expect("get");
    assert_eq!(br.headers()["content-encoding"], "br");
    let mut html = Vec::new();
    brotli::BrotliDecompress(&mut &br.bytes().await.expect("body")[..], &mut html).expect("brotli");
    assert_eq!(String::from_utf8(html).expect("utf-8"), plain.text);

    let gz = app.client.get(format!("{}{path}", app.url)).header("Accept-Encoding", "gzip").send().await.expect("get");
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let mut html = String::new();
    flate2::read::GzDecoder::new(&gz.bytes().await.expect("body")[..]).read_to_string(&mut html).expect("gzip");
    assert_eq!(html, plain.text);

    // Unchanged: a 304 without the body; changed (a PIN now set): the whole page again.
    let etag = plain.header("etag").expect("etag").to_owned();
    let again = app.anonymous("GET", &path).header("If-None-Match", &etag).send().await;
    assert_eq!((again.status, again.text.as_str()), (304, ""));
    crate::page::set_pin(&app, &token, "2580").await;
    let changed = app.anonymous("GET", &path).header("If-None-Match", &etag).send().await;
    assert_eq!(changed.status, 200);
    assert_ne!(changed.header("etag"), Some(etag.as_str()));
}
