//! Where a stamp lives: the server's base URL and the stamp's token, read from a stamp URL.
//!
//! The widget has exactly one input, the stamp URL (`https://HOST/stamp/TOKEN`, the
//! `stampUrl` the validate endpoint returns). The customer page API lives on the same
//! server, so the base URL and the token are all the widget needs to call it.

use stampcard_core::wire::paths::STAMP_PAGE_PREFIX;

/// A parsed stamp URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StampLink {
    /// `scheme://host[:port]` plus any path prefix in front of `/stamp/` (no trailing slash).
    pub base: String,
    /// The stamp's unguessable token: the path segment after `/stamp/`.
    pub token: String,
}

impl StampLink {
    /// Parses `http(s)://host[:port][/prefix]/stamp/TOKEN[/][?query][#fragment]`.
    ///
    /// Returns `None` for anything else, which the page shows as an unknown link.
    pub fn parse(url: &str) -> Option<StampLink> {
        // Every slice is taken with `get` (and `split_at_checked`), which cannot panic: the
        // release wasm then carries no panic location for this file.
        let url = url.trim();
        let scheme_end = find(url, "://")?;
        let scheme = url.get(..scheme_end)?;
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return None;
        }
        let rest = url.get(scheme_end + 3..)?;
        let rest = rest.split(['?', '#']).next().unwrap_or_default();
        let (host, path) = rest.split_at_checked(rest.find('/').unwrap_or(rest.len()))?;
        if host.is_empty() || host.contains('@') {
            return None;
        }
        let marker = [STAMP_PAGE_PREFIX, "/"].concat();
        let at = rfind(path, &marker)?;
        let prefix = path.get(..at)?;
        let token = path.get(at + marker.len()..)?.trim_end_matches('/');
        let token_ok = !token.is_empty()
            && token.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'));
        if !token_ok {
            return None;
        }
        let base = [&scheme.to_ascii_lowercase(), "://", host, prefix].concat();
        Some(StampLink { base, token: token.to_owned() })
    }

    /// The absolute URL of an API path (one of `stampcard_core::wire::paths::page_*`).
    pub fn api_url(&self, path: &str) -> String {
        [self.base.as_str(), path].concat()
    }
}

// `str::find` and `str::rfind` with a string pattern bring core's two-way string searcher
// (about 2.4 KB of wasm, used nowhere else in the widget); a URL is a few dozen bytes, so a
// plain scan does. The needles start with an ASCII byte, so a match is a char boundary.

/// Where `needle` (not empty) first occurs in `haystack`.
fn find(haystack: &str, needle: &str) -> Option<usize> {
    (0..haystack.len()).find(|&at| starts_at(haystack, at, needle))
}

/// Where `needle` (not empty) last occurs in `haystack`.
fn rfind(haystack: &str, needle: &str) -> Option<usize> {
    (0..haystack.len()).rev().find(|&at| starts_at(haystack, at, needle))
}

fn starts_at(haystack: &str, at: usize, needle: &str) -> bool {
    haystack.as_bytes().get(at..).is_some_and(|rest| rest.starts_with(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str, expected: Option<(&str, &str)>) {
        let got = StampLink::parse(url);
        let got = got.as_ref().map(|l| (l.base.as_str(), l.token.as_str()));
        assert_eq!(got, expected, "{url}");
    }

    #[test]
    fn parses_stamp_urls() {
        check("http://127.0.0.1:8080/stamp/abcDEF123", Some(("http://127.0.0.1:8080", "abcDEF123")));
        check("https://stamps.example.com/stamp/a-b_c", Some(("https://stamps.example.com", "a-b_c")));
        check("https://stamps.example.com/stamp/tok/?utm=1#x", Some(("https://stamps.example.com", "tok")));
        check("HTTPS://h.example/loyalty/stamp/tok", Some(("https://h.example/loyalty", "tok")));
        check("  http://h/stamp/t?x=/stamp/y  ", Some(("http://h", "t")));
    }

    #[test]
    fn refuses_other_urls() {
        check("", None);
        check("/stamp/tok", None);
        check("ftp://h/stamp/tok", None);
        check("javascript://h/stamp/tok", None);
        check("http:///stamp/tok", None);
        check("http://user@h/stamp/tok", None);
        check("http://h/stamp/", None);
        check("http://h/stamps/tok", None);
        check("http://h/stamp/to%20k", None);
        check("http://h/stamp/a/b", None);
    }

    #[test]
    fn scans_like_str_find() {
        for (haystack, needle) in
            [("http://h/stamp/t", "://"), ("a/stamp/b/stamp/c", "/stamp/"), ("é://x", "://"), ("", "/"), ("ab", "abc")]
        {
            assert_eq!(find(haystack, needle), haystack.find(needle), "{haystack} {needle}");
            assert_eq!(rfind(haystack, needle), haystack.rfind(needle), "{haystack} {needle}");
        }
    }

    #[test]
    fn builds_api_urls() {
        let link = StampLink::parse("http://h:1/stamp/tok").expect("valid");
        assert_eq!(
            link.api_url(&stampcard_core::wire::paths::page_card(&link.token)),
            "http://h:1/api/page/v1/tok/card"
        );
    }
}
