-- rules.toml's [tag_aliases]: a tag is read from any of its spellings. `ks`
-- is those keys as ap_tag_key writes them (letters and digits, so a comma
-- separates them), the canonical key first: 'productarea,prodarea'. The
-- value is that of the first of them a line has with a non-empty value.
CREATE MACRO ap_tag_value_in(entries, ks) AS
    list_sort(list_transform(
        list_filter(entries, lambda e: list_contains(string_split(ks, ','), e.key) AND NULLIF(trim(e.value), '') IS NOT NULL),
        lambda e: {'at': list_position(string_split(ks, ','), e.key), 'value': e.value}))[1].value;
