//! The studio's page in chromium: it loads from the platform alone (no other host), and shows
//! the connections the platform has.
#![cfg(feature = "platform")]

use crate::support::browser::Browser;
use crate::support::start_platform;

#[actix_rt::test]
async fn the_page_loads_from_the_platform_alone() {
    let Some(browser) = Browser::start().await else { return };
    let platform = start_platform().await;
    browser.client.goto(&platform.studio_url()).await.expect("the page opens");
    let title = browser.client.title().await.expect("a title");
    assert!(title.contains("Moobius studio"), "{title}");
    // Every resource the page loaded came from the platform (it works offline).
    let origins: Vec<serde_json::Value> = browser
        .client
        .execute("return performance.getEntriesByType('resource').map(e => new URL(e.name).origin);", vec![])
        .await
        .expect("the resource list")
        .as_array()
        .cloned()
        .unwrap_or_default();
    let own = platform.http_url();
    assert!(origins.iter().all(|o| o.as_str() == Some(own.as_str())), "{origins:?} (expected only {own})");
    let shot = browser.screenshot("page-loads").await;
    assert!(shot.exists());
    browser.close().await;
}
