//! The docs' examples, run. Every `$ apportion …` line of a ```` ```console ````
//! block in README.md and docs/*.md runs against the demo database, and what
//! it prints must be the block's text, so no example goes stale.
//! `APPORTION_BLESS_DOCS=1` writes the binary's output into the blocks instead.
//!
//! Each page gets its own copy of the demo database and runs its commands in
//! order, so a page may show a command that changes the database (`attribute
//! --idle separate`) and then its effect. Commands run in the folder that
//! holds the demo's exports as `plover/` (`apportion demo --out plover`).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use clap::CommandFactory;

/// `apportion demo --no-tui --out plover`, once, under the test target dir.
fn demo_dir() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("docs-demo");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        assert_cmd::Command::cargo_bin("apportion")
            .unwrap()
            .current_dir(&dir)
            .args(["--db", "demo.duckdb", "demo", "--no-tui", "--out", "plover"])
            .env_remove("APPORTION_DB")
            .env_remove("APPORTION_RULES")
            .assert()
            .success();
        dir
    })
}

/// README.md, then docs/*.md by name.
fn pages() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    std::iter::once(root.join("README.md")).chain(docs).collect()
}

#[test]
fn every_console_example_prints_what_the_docs_say() {
    let bless = std::env::var_os("APPORTION_BLESS_DOCS").is_some();
    let mut stale = Vec::new();
    let mut commands = 0;
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        if !text.contains("```console") {
            continue;
        }
        let mut run = PageRun::new(&page);
        let actual = run.page(&text);
        commands += run.commands;
        if actual != text {
            if bless {
                std::fs::write(&page, &actual).unwrap();
            } else {
                stale.extend(run.stale);
            }
        }
    }
    assert!(commands >= 20, "only {commands} console commands found in the docs");
    assert!(
        stale.is_empty(),
        "{}\n\nthe docs' examples differ from the binary's output: check the change, then run \
         APPORTION_BLESS_DOCS=1 cargo test --release --test it docs::",
        stale.join("\n\n")
    );
}

/// Every subcommand is shown at least once, run or not.
#[test]
fn every_subcommand_has_an_example() {
    let pages: String = pages().iter().map(|p| std::fs::read_to_string(p).unwrap()).collect();
    let cli = apportion::cli::Cli::command();
    for sub in cli.get_subcommands().filter(|s| s.get_name() != "help") {
        let mut names = vec![sub.get_name().to_owned()];
        if sub.has_subcommands() {
            names = sub
                .get_subcommands()
                .map(|s| format!("{} {}", sub.get_name(), s.get_name()))
                .collect();
        }
        for name in names {
            assert!(
                pages.contains(&format!("apportion {name}")),
                "no example of `apportion {name}` in README.md or docs/"
            );
        }
    }
}

/// One page's console blocks run in order against its own copy of the demo database.
struct PageRun {
    name: String,
    db: Option<(tempfile::TempDir, PathBuf)>,
    commands: usize,
    stale: Vec<String>,
}

impl PageRun {
    fn new(page: &Path) -> Self {
        let name = page
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap_or(page)
            .display()
            .to_string();
        Self {
            name: name.trim_start_matches('/').to_owned(),
            db: None,
            commands: 0,
            stale: Vec::new(),
        }
    }

    /// The page with each console block's output replaced by the binary's.
    fn page(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut lines = text.split_inclusive('\n').enumerate();
        while let Some((_, line)) = lines.next() {
            out.push_str(line);
            if line.trim_end() != "```console" {
                continue;
            }
            let mut body = Vec::new();
            let closing = loop {
                let (n, l) = lines
                    .next()
                    .unwrap_or_else(|| panic!("{}: a console block is not closed", self.name));
                if l.trim_end() == "```" {
                    break l;
                }
                body.push((n + 1, l));
            };
            out.push_str(&self.block(&body));
            out.push_str(closing);
        }
        out
    }

    /// A block's commands, each followed by what it printed now.
    fn block(&mut self, body: &[(usize, &str)]) -> String {
        let mut out = String::new();
        let mut i = 0;
        while i < body.len() {
            let (line_no, line) = body[i];
            let command = line
                .strip_prefix("$ ")
                .unwrap_or_else(|| {
                    panic!(
                        "{}:{line_no}: a console block's lines start at a `$ ` command",
                        self.name
                    )
                })
                .trim_end();
            i += 1;
            let start = i;
            while i < body.len() && !body[i].1.starts_with("$ ") {
                i += 1;
            }
            let expected: String = body[start..i].iter().map(|(_, l)| *l).collect();
            let actual = self.run(line_no, command);
            if actual != expected {
                self.stale.push(format!(
                    "{}:{line_no}: $ {command}\n--- the docs say\n{expected}--- the binary prints\n{actual}",
                    self.name
                ));
            }
            out.push_str(line);
            out.push_str(&actual);
        }
        out
    }

    /// `? N` when the exit status is N ≠ 0 (as trycmd writes it), then stdout.
    fn run(&mut self, line_no: usize, command: &str) -> String {
        let args = words(command).unwrap_or_else(|e| panic!("{}:{line_no}: {e}", self.name));
        assert!(
            args.first().is_some_and(|a| a == "apportion") && args.len() > 1,
            "{}:{line_no}: a console block runs `apportion <command>`; shell goes in ```sh blocks",
            self.name
        );
        assert!(
            !args.iter().any(|a| a == "--db" || a.starts_with("--db=")),
            "{}:{line_no}: the test gives --db (the demo database)",
            self.name
        );
        let name = self.name.clone();
        let (_, db) = self.db.get_or_insert_with(|| copy_of_demo(&name));
        let output = assert_cmd::Command::cargo_bin("apportion")
            .unwrap()
            .current_dir(demo_dir())
            .arg("--db")
            .arg(&*db)
            .args(&args[1..])
            .env_remove("APPORTION_DB")
            .env_remove("APPORTION_RULES")
            .env_remove("APPORTION_MEMORY_LIMIT")
            .timeout(std::time::Duration::from_secs(300))
            .output()
            .unwrap();
        self.commands += 1;
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(
            stdout.is_empty() || stdout.ends_with('\n'),
            "{}:{line_no}: output without a final newline cannot be shown in a block",
            self.name
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        match output.status.code() {
            Some(0) => stdout,
            Some(code) => {
                eprintln!("{}:{line_no}: $ {command}: exit {code}\n{stderr}", self.name);
                format!("? {code}\n{stdout}")
            }
            None => panic!("{}:{line_no}: $ {command}: killed\n{stderr}", self.name),
        }
    }
}

/// A fresh copy of the demo database (it remembers the demo's rules file by path).
fn copy_of_demo(page: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix(&page.replace('/', "-"))
        .tempdir()
        .unwrap();
    let db = dir.path().join("demo.duckdb");
    std::fs::copy(demo_dir().join("demo.duckdb"), &db).unwrap();
    (dir, db)
}

/// A command line split as a shell would, with quotes but nothing else:
/// pipes, redirections and variables belong in ```sh blocks.
fn words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_with(String::new).push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (None, c) if c.is_whitespace() => words.extend(word.take()),
            (None, '|' | '>' | '<' | '$' | ';' | '&' | '`' | '#' | '\\') => {
                return Err(format!("{c:?} in {line:?}: shell goes in ```sh blocks"));
            }
            (None, c) => word.get_or_insert_with(String::new).push(c),
        }
    }
    if quote.is_some() {
        return Err(format!("an unclosed quote in {line:?}"));
    }
    words.extend(word);
    Ok(words)
}

#[test]
fn command_lines_split_like_a_shell() {
    assert_eq!(
        words("apportion report --by 'area,product'  --month \"2026-11\"").unwrap(),
        ["apportion", "report", "--by", "area,product", "--month", "2026-11"]
    );
    assert_eq!(words("apportion explain ''").unwrap(), ["apportion", "explain", ""]);
    assert!(words("apportion report | head").is_err());
    assert!(words("apportion report --by 'area").is_err());
}
