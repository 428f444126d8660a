//! One escaping function per place a user-controlled string (a file name, a profile name,
//! a model path, a device name, an argument) can end up: HTML, Markdown, CSV, a systemd
//! unit, the terminal. Each is tested against the same hostile corpus.

use std::borrow::Cow;
use std::fmt::Write;

/// A character that must not reach a reader as it is: a control character (a line break,
/// an ANSI escape), or a bidirectional formatting character (U+202E, the right-to-left
/// override, shows `Cam\u{202e}gpj.exe` as `Camexe.jpg`). Each is shown as its visible
/// escape (`\u{202e}`).
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// For HTML text and attribute values: `& < > " '` as entities, [hidden](is_hidden)
/// characters (other than tab) as visible escapes.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_hidden(c) && c != '\t' => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// [`html`] as the report template's escaper (`askama.toml`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Html;

impl askama::filters::Escaper for Html {
    fn write_escaped_str<W: std::fmt::Write>(&self, mut dest: W, string: &str) -> std::fmt::Result {
        dest.write_str(&html(string))
    }
}

/// For Markdown text (CommonMark): every ASCII punctuation character backslash-escaped, so
/// nothing in the string can open a tag, a link, a table cell, emphasis or code;
/// [hidden](is_hidden) characters (a newline would start a new block) as visible escapes.
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    // a control character becomes its visible escape (`\n`, `\u{1b}`), escaped in turn
    for c in s.chars().flat_map(|c| if is_hidden(c) { c.escape_default().collect() } else { vec![c] }) {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// For a CSV field a spreadsheet opens: a leading `= + - @` (a formula to a spreadsheet)
/// prefixed with `'`. The `csv` writer does the quoting (RFC 4180).
pub fn spreadsheet(s: &str) -> Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@']) && s.parse::<f64>().is_err() {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// A string that cannot be written into a systemd unit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{}` holds a control character (a newline, tab, escape…), which a systemd unit cannot carry; remove it", terminal(.0))]
pub struct NotForSystemd(pub String);

/// One argument of an `ExecStart=` line (systemd.service(5), "Command lines"): always
/// double-quoted, with `\` and `"` backslash-escaped, `%` doubled (specifier expansion)
/// and `$` doubled (environment expansion). Control characters are refused: a newline
/// would end the directive and start another.
pub fn systemd_arg(s: &str) -> Result<String, NotForSystemd> {
    if s.chars().any(char::is_control) {
        return Err(NotForSystemd(s.to_owned()));
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '%' => out.push_str("%%"),
            '$' => out.push_str("$$"),
            c => out.push(c),
        }
    }
    out.push('"');
    Ok(out)
}

/// For the terminal and log lines: [hidden](is_hidden) characters (newlines, carriage
/// returns, ANSI escape sequences, bidirectional overrides) shown as visible escapes, so a
/// string stays on its line, reads in its own order and cannot restyle or rewrite the
/// screen.
pub fn terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_hidden(c) {
            let _ = write!(out, "{}", c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A path for the terminal: lossy for bytes that are not UTF-8 (shown as U+FFFD), then
/// [`terminal`].
pub fn path(p: &std::path::Path) -> String {
    terminal(&p.to_string_lossy()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hostile corpus: markup, line breaks, table pipes, code, specifiers, variables,
    /// ANSI escapes, and what a non-UTF-8 path becomes.
    pub(crate) const HOSTILE: [&str; 11] = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>.mp4",
        "name\n# heading\r\n[Install]",
        "a | b | c",
        "`code` and ```fence```",
        "%h/${HOME}/$USER/%%",
        "\u{1b}[31mred\u{1b}[0m\u{7}",
        "\"quoted\" 'single' \\back\\",
        "=cmd|' /C calc'!A0",
        "bad\u{FFFD}utf8",
        "Cam\u{202e}gpj.exe\u{2066}x\u{2069}",
    ];

    #[test]
    fn html_leaves_no_markup() {
        for s in HOSTILE {
            let e = html(s);
            assert!(!e.contains(['<', '>', '"', '\'', '\n', '\r', '\u{1b}']), "{s:?} -> {e}");
            assert!(!e.chars().any(|c| is_hidden(c) && c != '\t'), "{s:?} -> {e}");
        }
        assert_eq!(html("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }

    #[test]
    fn markdown_leaves_no_syntax_and_one_line() {
        for s in HOSTILE {
            let e = markdown(s);
            assert!(!e.chars().any(is_hidden), "{s:?} -> {e}");
            // every punctuation character is preceded by an (unescaped) backslash
            let chars: Vec<char> = e.chars().collect();
            let mut i = 0;
            while i < chars.len() {
                if chars[i] == '\\' {
                    i += 2;
                    continue;
                }
                assert!(!chars[i].is_ascii_punctuation(), "{s:?} -> {e} (at {i})");
                i += 1;
            }
        }
        assert_eq!(markdown("a|b"), "a\\|b");
        assert_eq!(markdown("x\ny"), "x\\\\ny");
    }

    #[test]
    fn csv_fields_stay_one_field_and_no_formula() {
        let mut out = ::csv::Writer::from_writer(Vec::new());
        for s in HOSTILE {
            out.write_record(["before", spreadsheet(s).as_ref(), "after"]).unwrap();
        }
        let text = out.into_inner().unwrap();
        let mut read = ::csv::Reader::from_reader(text.as_slice());
        let rows: Vec<_> = read.records().map(Result::unwrap).collect();
        assert_eq!(rows.len() + 1, HOSTILE.len(), "the first row is read as the header");
        for (s, row) in HOSTILE[1..].iter().zip(&rows) {
            assert_eq!(row.len(), 3, "{s:?}");
            assert_eq!((&row[0], &row[2]), ("before", "after"));
            assert!(!row[1].starts_with(['=', '+', '@']), "{s:?} -> {:?}", &row[1]);
            assert_eq!(row[1].trim_start_matches('\''), s.trim_start_matches('\''), "nothing else changes");
        }
        assert_eq!(spreadsheet("plain"), "plain");
        assert_eq!(spreadsheet("-3.5"), "-3.5");
        assert_eq!(spreadsheet("=1+1"), "'=1+1");
    }

    #[test]
    fn systemd_args_are_quoted_and_never_expanded() {
        for s in HOSTILE {
            match systemd_arg(s) {
                Ok(e) => {
                    assert!(e.starts_with('"') && e.ends_with('"'), "{s:?} -> {e}");
                    let inner = &e[1..e.len() - 1];
                    // every % and $ comes doubled
                    assert!(!inner.replace("%%", "").contains('%'), "{s:?} -> {e}");
                    assert!(!inner.replace("$$", "").contains('$'), "{s:?} -> {e}");
                }
                Err(NotForSystemd(_)) => assert!(s.chars().any(char::is_control), "{s:?}"),
            }
        }
        assert_eq!(systemd_arg("%h/${HOME}").unwrap(), "\"%%h/$${HOME}\"");
        assert_eq!(systemd_arg("a \"b\" \\c").unwrap(), "\"a \\\"b\\\" \\\\c\"");
        let err = systemd_arg("x\nExecStartPre=/bin/sh").unwrap_err().to_string();
        assert_eq!(err.lines().count(), 1, "{err}");
    }

    #[test]
    fn terminal_text_stays_on_its_line() {
        for s in HOSTILE {
            let e = terminal(s);
            assert!(!e.chars().any(is_hidden), "{s:?} -> {e}");
        }
        assert_eq!(terminal("plain"), "plain");
        assert_eq!(terminal("Cam\u{202e}gpj.exe"), "Cam\\u{202e}gpj.exe");
        assert_eq!(terminal("a\nb"), "a\\nb");
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let p = std::path::Path::new(std::ffi::OsStr::from_bytes(b"bad\xffname\n.png"));
            assert_eq!(path(p), "bad\u{FFFD}name\\n.png");
        }
    }
}
