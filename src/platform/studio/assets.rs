//! The page's files, compiled into the binary so the studio works offline (nothing is loaded
//! from anywhere but the platform itself). Each is served at its `path`.

/// One file of the page.
pub(super) struct Asset {
    /// Where it is served.
    pub(super) path: &'static str,
    /// Its `Content-Type`.
    pub(super) content_type: &'static str,
    /// Its text.
    pub(super) body: &'static str,
}

/// Every file of the page; `/` is the page itself.
pub(super) const ASSETS: &[Asset] = &[
    Asset { path: "/", content_type: "text/html; charset=utf-8", body: include_str!("assets/index.html") },
    Asset {
        path: "/studio/app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("assets/app.js"),
    },
    Asset {
        path: "/studio/style.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("assets/style.css"),
    },
];
