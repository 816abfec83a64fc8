//! Strings from bills and events are data: before they reach a terminal,
//! control characters and escape sequences become visible, inert text.

use std::borrow::Cow;

/// Replace every control character (C0, DEL, C1) with a visible escape such as `\x1b`.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            let code = c as u32;
            if code <= 0xff {
                out.push_str(&format!("\\x{code:02x}"));
            } else {
                out.push_str(&format!("\\u{{{code:x}}}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Like [`for_terminal`], but line breaks stay line breaks (for error messages).
pub fn for_terminal_lines(text: &str) -> String {
    text.lines().map(|l| for_terminal(l).into_owned()).collect::<Vec<_>>().join("\n")
}

fn is_unsafe(c: char) -> bool {
    // Bidi overrides can reorder what a reader sees, so they are escaped too.
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_become_visible() {
        assert_eq!(for_terminal("i-1\x1b[31mred"), "i-1\\x1b[31mred");
        assert_eq!(for_terminal("a\u{9b}b"), "a\\x9bb");
        assert_eq!(for_terminal("tab\there"), "tab\\x09here");
        assert_eq!(for_terminal("plain-ünïcode"), "plain-ünïcode");
    }
}
