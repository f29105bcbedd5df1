//! The studio in a real browser (headless chromium over WebDriver, an optional part): the page
//! against the example services, as a developer would use it.

mod browser;
mod scripts;
