//! Values written as the reference SDK writes them, so a file this crate writes is byte for byte
//! the file the SDK writes for the same value: its `enhanced_json_save` is Python's
//! `json.dumps(value, indent=2)`, which indents by two spaces, separates with `,` and `: `,
//! escapes every non-ASCII character (and DEL) as `\uXXXX` (`ensure_ascii`), and writes floats
//! as Python's `repr` does (`1e+16`, `1e-05`, `0.0001`, `100.0`). No newline at the end.
//!
//! Map keys come out in the order serde gives them (a struct's field order; a `BTreeMap`'s
//! sorted order), as Python's come in insertion order. NaN and infinities, which Python writes
//! as `NaN` and `Infinity` (not JSON), are written `null`, as serde_json does.

use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter, PrettyFormatter};
use std::io::{self, Write};

/// `value` as the SDK's `json.dumps(value, indent=2)` writes it.
pub(crate) fn to_vec<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(64);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, PythonFormatter::default());
    value.serialize(&mut serializer)?;
    Ok(out)
}

/// serde_json's pretty printer (two spaces, `: `) with Python's strings and floats.
#[derive(Default)]
struct PythonFormatter {
    pretty: PrettyFormatter<'static>,
}

impl Formatter for PythonFormatter {
    fn write_f32<W: ?Sized + Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        writer.write_all(python_float(&format!("{value:e}")).as_bytes())
    }

    fn write_f64<W: ?Sized + Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        writer.write_all(python_float(&format!("{value:e}")).as_bytes())
    }

    fn write_string_fragment<W: ?Sized + Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        // serde_json has already escaped `"`, `\` and the controls; what is left is printable
        // ASCII, DEL and non-ASCII, the last two escaped by `ensure_ascii`.
        let mut plain = 0;
        for (at, c) in fragment.char_indices() {
            if c.is_ascii() && c != '\x7f' {
                continue;
            }
            writer.write_all(&fragment.as_bytes()[plain..at])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            plain = at + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[plain..])
    }

    fn write_char_escape<W: ?Sized + Write>(&mut self, writer: &mut W, escape: CharEscape) -> io::Result<()> {
        // Python and serde_json escape the same way: `\"`, `\\`, `\b\f\n\r\t`, else `\u00xx`.
        self.pretty.write_char_escape(writer, escape)
    }

    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.begin_array(writer)
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        self.pretty.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.begin_object(writer)
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        self.pretty.begin_object_key(writer, first)
    }

    fn end_object_key<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.end_object_key(writer)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.end_object_value(writer)
    }
}

/// Python's `repr` of a finite float, from Rust's shortest round-trip digits in exponent form
/// (`{:e}`: `-1.25e3`, `1e-7`): the same digits (both are the shortest that read back as the
/// same float), laid out as Python's `float_repr_style = 'short'` does: with the decimal
/// point at position `p` (the digits times 10^(p - len)), exponent form when `p < -3` or
/// `p > 16` (`1e+16`, `1.5e-05`), else positional with at least one digit after the point.
pub(crate) fn python_float(exponent_form: &str) -> String {
    let (sign, rest) = match exponent_form.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", exponent_form),
    };
    let (mantissa, exponent) = rest.split_once('e').unwrap_or((rest, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if digits.bytes().all(|d| d == b'0') {
        return format!("{sign}0.0");
    }
    let point = exponent + 1;
    let count = digits.len() as i32;
    let body = if !(-3..=16).contains(&point) {
        let (first, more) = digits.split_at(1);
        let more = if more.is_empty() { String::new() } else { format!(".{more}") };
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        format!("{first}{more}e{exponent_sign}{:02}", exponent.unsigned_abs())
    } else if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point >= count {
        format!("{digits}{}.0", "0".repeat((point - count) as usize))
    } else {
        let (whole, fraction) = digits.split_at(point as usize);
        format!("{whole}.{fraction}")
    };
    format!("{sign}{body}")
}
