//! Reads a `multipart/form-data` body that is already in memory (an upload, bounded by the file
//! size limit): its boundary from the content type, then each part's name, file name and bytes.
//! Only what HTML forms, aiohttp (the reference SDK) and this crate's client send: parts with a
//! `Content-Disposition: form-data` header, no nested multiparts.

use memchr::memmem;

/// One part: the form field's name, the file name when it is a file, and its bytes.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Part<'a> {
    pub(super) name: String,
    pub(super) filename: Option<String>,
    pub(super) data: &'a [u8],
}

/// The `boundary` parameter of a `multipart/form-data` content type.
pub(super) fn boundary(content_type: &str) -> Result<String, String> {
    let mut params = split_params(content_type);
    let kind = params.next().unwrap_or_default();
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return Err(format!("the content type is `{kind}`: send the file as multipart/form-data"));
    }
    for param in params {
        if let Some((name, value)) = param.split_once('=')
            && name.trim().eq_ignore_ascii_case("boundary")
        {
            let boundary = unquote(value.trim());
            if boundary.is_empty() || boundary.len() > 70 {
                return Err("the multipart boundary must be 1 to 70 characters".to_owned());
            }
            return Ok(boundary);
        }
    }
    Err("the multipart/form-data content type has no boundary".to_owned())
}

/// The parts of `body`, in order.
pub(super) fn parse<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<Part<'a>>, String> {
    let delimiter = format!("--{boundary}");
    let next_delimiter = format!("\r\n--{boundary}");
    let cut = || "the multipart body ends before its closing boundary".to_owned();
    let first = memmem::find(body, delimiter.as_bytes()).ok_or("the multipart body has no boundary line")?;
    let mut at = first + delimiter.len();
    let mut parts = Vec::new();
    loop {
        let rest = &body[at..];
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        // Transport padding after a boundary, then the line break.
        let padding = rest.iter().take_while(|b| **b == b' ' || **b == b'\t').count();
        if !rest[padding..].starts_with(b"\r\n") {
            return Err("a multipart boundary line is not followed by a line break".to_owned());
        }
        at += padding + 2;
        let (headers, content_start) = if body[at..].starts_with(b"\r\n") {
            (&body[at..at], at + 2)
        } else {
            let end = memmem::find(&body[at..], b"\r\n\r\n").ok_or_else(cut)? + at;
            (&body[at..end], end + 4)
        };
        let content_end =
            memmem::find(&body[content_start..], next_delimiter.as_bytes()).ok_or_else(cut)? + content_start;
        let (name, filename) = disposition(headers)?;
        parts.push(Part { name, filename, data: &body[content_start..content_end] });
        at = content_end + next_delimiter.len();
    }
}

/// The field name and file name of a part's `Content-Disposition: form-data` header.
fn disposition(headers: &[u8]) -> Result<(String, Option<String>), String> {
    let headers = String::from_utf8_lossy(headers);
    for line in headers.split("\r\n") {
        let Some((header, value)) = line.split_once(':') else { continue };
        if !header.trim().eq_ignore_ascii_case("content-disposition") {
            continue;
        }
        let mut params = split_params(value);
        if !params.next().unwrap_or_default().trim().eq_ignore_ascii_case("form-data") {
            return Err("a multipart part is not `form-data`".to_owned());
        }
        let (mut name, mut filename) = (None, None);
        for param in params {
            let Some((key, value)) = param.split_once('=') else { continue };
            match key.trim().to_ascii_lowercase().as_str() {
                "name" => name = Some(unquote(value.trim())),
                "filename" => filename = Some(unquote(value.trim())),
                _ => {}
            }
        }
        let name = name.ok_or("a multipart part's Content-Disposition has no `name`")?;
        return Ok((name, filename));
    }
    Err("a multipart part has no Content-Disposition header".to_owned())
}

/// `text` split at the `;` that are not inside quotes.
fn split_params(text: &str) -> impl Iterator<Item = &str> {
    let mut pieces = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                pieces.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(&text[start..]);
    pieces.into_iter()
}

/// A parameter value without its quotes and backslash escapes.
fn unquote(value: &str) -> String {
    let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
        return value.to_owned();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_are_read_quoted_or_not() {
        assert_eq!(boundary("multipart/form-data; boundary=abc").unwrap(), "abc");
        assert_eq!(boundary("Multipart/Form-Data; charset=x; boundary=\"a;b\"").unwrap(), "a;b");
        assert!(boundary("application/json").unwrap_err().contains("multipart/form-data"));
        assert!(boundary("multipart/form-data").unwrap_err().contains("no boundary"));
    }

    #[test]
    fn parts_are_read_as_aiohttp_sends_them() {
        let body = b"--XyZ\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk.png\r\n\
                     --XyZ\r\nContent-Type: application/octet-stream\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".png\"\r\n\r\n\x00\r\n--X\r\n\
                     --XyZ--\r\n";
        let parts = parse(body, "XyZ").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], Part { name: "key".into(), filename: None, data: b"k.png" });
        assert_eq!(parts[1].name, "file");
        assert_eq!(parts[1].filename.as_deref(), Some("a \"b\".png"));
        assert_eq!(parts[1].data, b"\x00\r\n--X", "a near-boundary inside the data is data");
    }

    #[test]
    fn broken_bodies_say_what_is_wrong() {
        assert!(parse(b"no boundary here", "B").unwrap_err().contains("no boundary line"));
        let cut = b"--B\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc";
        assert!(parse(cut, "B").unwrap_err().contains("closing boundary"));
        let nameless = b"--B\r\nContent-Disposition: form-data\r\n\r\nabc\r\n--B--";
        assert!(parse(nameless, "B").unwrap_err().contains("no `name`"));
        assert_eq!(parse(b"--B--\r\n", "B").unwrap(), []);
    }
}
