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
    text.lines()
        .map(|l| for_terminal(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Serialized JSON with the characters JSON may carry raw but a terminal must
/// not see (C1 controls such as U+009B, the 8-bit CSI, and bidi overrides)
/// written as `\u009b` escapes: the same JSON values, inert on a screen.
/// (serde_json already escapes C0 controls.)
pub fn for_terminal_json(json: &str) -> Cow<'_, str> {
    if !json.chars().any(is_unsafe) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_unsafe(c) && !matches!(c, '\n' | '\t' | '\r') {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
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

    #[test]
    fn json_keeps_its_values_and_loses_its_escapes() {
        let value = serde_json::json!({"k": "a\u{9b}31m\u{202e}b\u{1b}"});
        let text = serde_json::to_string_pretty(&value).unwrap();
        let safe = for_terminal_json(&text);
        assert!(
            safe.contains("\\u009b") && safe.contains("\\u202e") && safe.contains("\\u001b"),
            "{safe}"
        );
        assert!(!safe.chars().any(is_unsafe_outside_layout));
        assert_eq!(serde_json::from_str::<serde_json::Value>(&safe).unwrap(), value);
    }

    fn is_unsafe_outside_layout(c: char) -> bool {
        is_unsafe(c) && c != '\n'
    }
}
