//! `[tag_aliases]`: the other spellings a company's accounts give one tag
//! key (`product_area = ["ProdArea", "pa"]`), read as that key everywhere:
//! the area tag, rules' `tags` and `area_from_tag`, splits, coverage, lint.
//!
//! Keys already compare by their letters and digits with case ignored
//! (`Product_Area`, `product-area` and `ProductArea` are one key without an
//! alias; see `ap_tag_key` in the migrations), and the `user:` prefix of a
//! cost allocation tag is dropped when a bill is read. An alias is for a
//! spelling that differs in more than that.

use std::collections::BTreeMap;

/// A tag key as attribution compares keys: its letters and digits,
/// lowercased, after the prefix a bill's column gives a user tag
/// (`resourceTags/user:`, `user:`, `user_`). The same as SQL's
/// `ap_tag_key` of a key as sync stores it.
pub fn tag_key_letters(key: &str) -> String {
    let key = key.strip_prefix("resourceTags/").unwrap_or(key);
    let key = key
        .strip_prefix("user:")
        .or_else(|| key.strip_prefix("user_"))
        .unwrap_or(key);
    key.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Canonical keys and their aliases, as rules.toml writes them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TagAliases {
    groups: BTreeMap<String, Vec<String>>,
}

impl TagAliases {
    /// From the `[tag_aliases]` table: `canonical = ["alias", ...]` (or one
    /// string). Refused: an empty key or alias, and an alias two canonical
    /// keys claim (or a canonical key that is another's alias).
    pub(super) fn parse(raw: &BTreeMap<String, toml::Value>) -> Result<TagAliases, String> {
        let mut groups = BTreeMap::new();
        let mut owner: BTreeMap<String, String> = BTreeMap::new();
        for (canonical, value) in raw {
            if tag_key_letters(canonical).is_empty() {
                return Err(format!("key {canonical:?} has no letters or digits"));
            }
            let aliases: Vec<String> = match value {
                toml::Value::String(s) => vec![s.clone()],
                toml::Value::Array(items) => items
                    .iter()
                    .map(|v| match v {
                        toml::Value::String(s) => Ok(s.clone()),
                        _ => Err(format!("{canonical}: every alias must be a string")),
                    })
                    .collect::<Result<_, _>>()?,
                _ => {
                    return Err(format!(
                        "{canonical} must be a list of aliases like [\"ProdArea\", \"pa\"]"
                    ));
                }
            };
            owner.insert(tag_key_letters(canonical), canonical.clone());
            groups.insert(canonical.clone(), aliases);
        }
        let mut claimed: BTreeMap<String, String> = BTreeMap::new();
        for (canonical, aliases) in &groups {
            for alias in aliases {
                let letters = tag_key_letters(alias);
                if letters.is_empty() {
                    return Err(format!("{canonical}: alias {alias:?} has no letters or digits"));
                }
                if letters == tag_key_letters(canonical) {
                    continue;
                }
                if let Some(other) = owner.get(&letters) {
                    return Err(format!("{canonical}: alias {alias:?} is the key {other:?} itself"));
                }
                if let Some(other) = claimed.insert(letters, canonical.clone())
                    && other != *canonical
                {
                    return Err(format!("alias {alias:?} is given to both {other:?} and {canonical:?}"));
                }
            }
        }
        Ok(TagAliases { groups })
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Canonical key and its aliases as written.
    pub fn groups(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.groups.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// The canonical key `key` is read as: the key whose alias it is (by
    /// letters), else `key` itself.
    pub fn canonical<'a>(&'a self, key: &'a str) -> &'a str {
        let letters = tag_key_letters(key);
        self.groups
            .iter()
            .find(|(canonical, aliases)| {
                tag_key_letters(canonical) == letters || aliases.iter().any(|a| tag_key_letters(a) == letters)
            })
            .map_or(key, |(canonical, _)| canonical.as_str())
    }

    /// The keys (as [`tag_key_letters`]) a line's tags are read from for
    /// `key`: its canonical key first, then the aliases in the order given.
    /// A line with several takes the value of the first.
    pub fn spellings(&self, key: &str) -> Vec<String> {
        let canonical = self.canonical(key);
        let mut keys = vec![tag_key_letters(canonical)];
        for alias in self.groups.get(canonical).into_iter().flatten() {
            let letters = tag_key_letters(alias);
            if !keys.contains(&letters) {
                keys.push(letters);
            }
        }
        keys
    }

    /// One line of text that changes whenever what the aliases read changes.
    pub fn key_text(&self) -> String {
        self.groups
            .iter()
            .map(|(k, v)| format!("{k}={}", v.join(",")))
            .collect::<Vec<_>>()
            .join(";")
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::Rules;

    #[test]
    fn aliases_read_as_the_canonical_key() {
        let rules = Rules::parse(
            "[tag_aliases]\nproduct_area = [\"ProdArea\", \"user:pa\", \"Product-Area\"]\nteam = \"owner\"\n",
            "rules.toml",
        )
        .unwrap();
        let a = &rules.tag_aliases;
        assert_eq!(a.spellings("product_area"), ["productarea", "prodarea", "pa"]);
        assert_eq!(a.spellings("PRODAREA"), ["productarea", "prodarea", "pa"]);
        assert_eq!(a.canonical("Owner"), "team");
        assert_eq!(a.spellings("cost_center"), ["costcenter"]);
    }

    #[test]
    fn an_alias_has_one_owner() {
        let err = Rules::parse("[tag_aliases]\na = [\"x\"]\nb = [\"X\"]\n", "rules.toml").unwrap_err();
        assert!(
            err.to_string().contains("alias \"X\" is given to both \"a\" and \"b\""),
            "{err}"
        );
        let err = Rules::parse("[tag_aliases]\na = [\"b\"]\nb = [\"c\"]\n", "rules.toml").unwrap_err();
        assert!(err.to_string().contains("is the key \"b\" itself"), "{err}");
        let err = Rules::parse("[tag_aliases]\na = 3\n", "rules.toml").unwrap_err();
        assert!(err.to_string().contains("[tag_aliases]: a must be a list"), "{err}");
    }
}
