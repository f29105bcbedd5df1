//! Scraping a metrics endpoint in tests: a plain GET, and reading one sample (by name and
//! labels) out of the Prometheus text format.

use super::WAIT;

/// GETs `url`; returns the status and the body as text.
pub async fn get_text(url: &str) -> (u16, String) {
    let client = awc::Client::builder().timeout(WAIT).finish();
    let mut response = client.get(url).send().await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status().as_u16();
    let body = response.body().limit(4 * 1024 * 1024).await.expect("the body arrives");
    (status, String::from_utf8(body.to_vec()).expect("the body is UTF-8"))
}

/// The text of `http://{addr}/metrics`, checked to be a 200 in the Prometheus text format.
pub async fn scrape(base: &str) -> Metrics {
    let (status, text) = get_text(&format!("{base}/metrics")).await;
    assert_eq!(status, 200, "GET {base}/metrics: {text}");
    Metrics(text)
}

/// One scrape.
#[derive(Debug, Clone)]
pub struct Metrics(pub String);

impl Metrics {
    /// The value of the sample `name` whose labels include every one of `labels`; `None` when
    /// there is none. Panics when several match (the labels given are ambiguous).
    pub fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let found: Vec<f64> = self.all(name, labels).into_iter().map(|(_, v)| v).collect();
        assert!(found.len() <= 1, "{name} {labels:?} matches {} samples", found.len());
        found.first().copied()
    }

    /// [`get`](Self::get), panicking when the sample is missing.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.get(name, labels).unwrap_or_else(|| panic!("no sample {name} {labels:?} in\n{}", self.0))
    }

    /// Every sample `name` with all of `labels`, with its labels.
    pub fn all(&self, name: &str, labels: &[(&str, &str)]) -> Vec<(Labels, f64)> {
        self.0
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(parse_sample)
            .filter(|(n, l, _)| {
                n == name && labels.iter().all(|(k, v)| l.iter().any(|(lk, lv)| lk == k && lv == v))
            })
            .map(|(_, l, v)| (l, v))
            .collect()
    }

    /// The sum of every sample `name` with all of `labels`.
    pub fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.all(name, labels).iter().map(|(_, v)| v).sum()
    }
}

/// A sample's labels, in order.
pub type Labels = Vec<(String, String)>;

/// `name{k="v",...} value` (or `name value`) as its parts.
fn parse_sample(line: &str) -> Option<(String, Labels, f64)> {
    let (head, value) = line.rsplit_once(' ')?;
    let value: f64 = value.parse().ok()?;
    let Some((name, rest)) = head.split_once('{') else { return Some((head.to_owned(), Vec::new(), value)) };
    let body = rest.strip_suffix('}')?;
    let mut labels = Vec::new();
    let mut chars = body.chars().peekable();
    while chars.peek().is_some() {
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if chars.next() != Some('"') {
            return None;
        }
        let mut val = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => val.push(match chars.next()? {
                    'n' => '\n',
                    other => other,
                }),
                '"' => break,
                c => val.push(c),
            }
        }
        labels.push((key.trim_start_matches(',').to_owned(), val));
        if chars.peek() == Some(&',') {
            chars.next();
        }
    }
    Some((name.to_owned(), labels, value))
}

#[test]
fn samples_are_read_with_their_labels() {
    let text = "# HELP x_total A thing.\n# TYPE x_total counter\nx_total{service=\"a\",reason=\"closed\"} 3\n\
                x_total{service=\"b\\\"q\",reason=\"idle\"} 1\nplain 2.5\n";
    let m = Metrics(text.to_owned());
    assert_eq!(m.get("x_total", &[("service", "a")]), Some(3.0));
    assert_eq!(m.get("x_total", &[("service", "b\"q"), ("reason", "idle")]), Some(1.0));
    assert_eq!(m.get("x_total", &[("service", "c")]), None);
    assert_eq!(m.value("plain", &[]), 2.5);
    assert_eq!(m.sum("x_total", &[]), 4.0);
}
