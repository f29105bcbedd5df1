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

/// Every file of the page; `/` is the page itself. The scripts are ES modules importing each
/// other by relative path (`./chat.js` from `/studio/app.js`), so each is served under `/studio/`.
pub(super) const ASSETS: &[Asset] = &[
    Asset { path: "/", content_type: "text/html; charset=utf-8", body: include_str!("assets/index.html") },
    Asset {
        path: "/studio/style.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("assets/style.css"),
    },
    script("/studio/app.js", include_str!("assets/app.js")),
    script("/studio/pane.js", include_str!("assets/pane.js")),
    script("/studio/chat.js", include_str!("assets/chat.js")),
    script("/studio/dialog.js", include_str!("assets/dialog.js")),
    script("/studio/canvas.js", include_str!("assets/canvas.js")),
    script("/studio/markdown.js", include_str!("assets/markdown.js")),
    script("/studio/protocol.js", include_str!("assets/protocol.js")),
    script("/studio/http.js", include_str!("assets/http.js")),
    script("/studio/feed.js", include_str!("assets/feed.js")),
    script("/studio/inspector.js", include_str!("assets/inspector.js")),
    script("/studio/controls.js", include_str!("assets/controls.js")),
    script("/studio/util.js", include_str!("assets/util.js")),
];

/// A JavaScript module of the page.
const fn script(path: &'static str, body: &'static str) -> Asset {
    Asset { path, content_type: "text/javascript; charset=utf-8", body }
}
