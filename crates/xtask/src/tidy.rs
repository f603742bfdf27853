//! Tidy checks, run by `cargo test` (as rust-analyzer's `xtask/src/tidy.rs` does): they read
//! the workspace's sources and fail on what a review would otherwise have to catch.
//!
//! - Every Rust file of a crate (its `src/`, `tests/`, `benches/` and `examples/`) starts with
//!   a `//!` line saying what it is for.
//! - The store decodes rows by column name: no positional decoding in
//!   `crates/stampcard-server/src/store/`.
//! - No cycles between the sibling modules of one crate (found file by file, see
//!   [`ModuleTree`]), except the ones listed in [`KNOWN_CYCLES`], which may only shrink.
//! - The generated documents (`docs/error-codes.md`, `docs/openapi.json`) keep their
//!   freshness tests, which live beside the code that renders them.
//!
//! The checks work on tokens (comments and string literals are single tokens or dropped), not
//! on a real syntax tree: cheap, and precise enough for the patterns below. Each check has a
//! unit test on planted source text, so a check that stopped catching anything would fail.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::cmd::project_root;

/// Module cycles that exist today, each as the sorted sibling modules of one strongly
/// connected component (a module's file or folder, from the root, without `.rs`). Checked by
/// `module_cycles_are_known`; remove an entry when its cycle is gone (the test says so), never
/// add one to let a new cycle in.
const KNOWN_CYCLES: &[&[&str]] = &[];

// ---------------------------------------------------------------------------------------------
// Tokens

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// An identifier or keyword (`use`, `crate`, `try_get`).
    Ident(String),
    /// A string, char or number literal (numbers keep their text: `17`).
    Literal(String),
    /// A lifetime or label (`'a`); kept apart so it is never read as a char literal.
    Lifetime,
    /// One punctuation character (`::` is two `:` tokens).
    Punct(char),
}

impl Token {
    fn is_ident(&self, name: &str) -> bool {
        matches!(self, Token::Ident(ident) if ident == name)
    }

    fn is_punct(&self, c: char) -> bool {
        *self == Token::Punct(c)
    }

    fn ident(&self) -> Option<&str> {
        match self {
            Token::Ident(ident) => Some(ident),
            _ => None,
        }
    }

    fn starts_with_digit(&self) -> bool {
        matches!(self, Token::Literal(text) if text.starts_with(|c: char| c.is_ascii_digit()))
    }
}

/// Splits Rust source into tokens, dropping whitespace and comments (doc comments too).
fn tokenize(source: &str) -> Vec<Token> {
    tokenize_with_lines(source).into_iter().map(|(token, _)| token).collect()
}

/// [`tokenize`], with the line (from 1) each token starts on.
fn tokenize_with_lines(source: &str) -> Vec<(Token, usize)> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens: Vec<(Token, usize)> = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let mut counted = 0;
    let mut push = |tokens: &mut Vec<(Token, usize)>, token: Token, start: usize| {
        line += chars[counted..start].iter().filter(|&&c| c == '\n').count();
        counted = start;
        tokens.push((token, line));
    };
    let ident_char = |c: char| c.is_alphanumeric() || c == '_';
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if let Some(end) = raw_string_end(&chars, i) {
            push(&mut tokens, Token::Literal(chars[i..end].iter().collect()), i);
            i = end;
        } else if c == '"' || (c == 'b' && next == Some('"')) {
            let start = i;
            i += if c == 'b' { 2 } else { 1 };
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            push(&mut tokens, Token::Literal(chars[start..i.min(chars.len())].iter().collect()), start);
        } else if c == '\'' {
            // A char literal closes within a few characters ('a', '\n', '\u{1F600}'); a
            // lifetime or label does not.
            let close = (i + 2..(i + 12).min(chars.len())).find(|&j| chars[j] == '\'' && chars[j - 1] != '\\');
            let is_char = next == Some('\\') || chars.get(i + 2) == Some(&'\'');
            match close {
                Some(end) if is_char => {
                    push(&mut tokens, Token::Literal(chars[i..=end].iter().collect()), i);
                    i = end + 1;
                }
                _ => {
                    push(&mut tokens, Token::Lifetime, i);
                    i += 1;
                    while i < chars.len() && ident_char(chars[i]) {
                        i += 1;
                    }
                }
            }
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len()
                && (ident_char(chars[i]) || (chars[i] == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            {
                i += 1;
            }
            push(&mut tokens, Token::Literal(chars[start..i].iter().collect()), start);
        } else if ident_char(c) {
            let start = i;
            while i < chars.len() && ident_char(chars[i]) {
                i += 1;
            }
            push(&mut tokens, Token::Ident(chars[start..i].iter().collect()), start);
        } else {
            push(&mut tokens, Token::Punct(c), i);
            i += 1;
        }
    }
    tokens
}

/// Where a raw string literal starting at `i` (`r"…"`, `r#"…"#`, `br#"…"#`) ends, if one does.
fn raw_string_end(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    if chars.get(j) == Some(&'b') {
        j += 1;
    }
    if chars.get(j) != Some(&'r') || (i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')) {
        return None;
    }
    j += 1;
    let hashes = chars[j..].iter().take_while(|&&c| c == '#').count();
    j += hashes;
    if chars.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < chars.len() {
        if chars[j] == '"' && chars[j + 1..].iter().take(hashes).filter(|&&c| c == '#').count() == hashes {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(chars.len())
}

/// The tokens without `#[cfg(test)] mod name { … }` blocks: inside them `super::` means the
/// file itself, and test helpers are not the module's structure.
fn without_test_modules(tokens: Vec<Token>) -> Vec<Token> {
    let attribute = [
        Token::Punct('#'),
        Token::Punct('['),
        Token::Ident("cfg".into()),
        Token::Punct('('),
        Token::Ident("test".into()),
        Token::Punct(')'),
        Token::Punct(']'),
    ];
    let mut kept = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let is_test_module = tokens[i..].starts_with(&attribute)
            && tokens.get(i + attribute.len()).is_some_and(|t| t.is_ident("mod"))
            && tokens.get(i + attribute.len() + 2).is_some_and(|t| t.is_punct('{'));
        if !is_test_module {
            kept.push(tokens[i].clone());
            i += 1;
            continue;
        }
        i += attribute.len() + 2;
        let mut depth = 0;
        while i < tokens.len() {
            if tokens[i].is_punct('{') {
                depth += 1;
            } else if tokens[i].is_punct('}') {
                depth -= 1;
                if depth == 0 {
                    i += 1;
                    break;
                }
            }
            i += 1;
        }
    }
    kept
}

// ---------------------------------------------------------------------------------------------
// Files

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The workspace's crates (`crates/*`), sorted.
fn crate_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(project_root().join("crates"))
        .expect("crates/ is readable")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.join("Cargo.toml").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn relative(path: &Path) -> String {
    path.strip_prefix(project_root()).unwrap_or(path).display().to_string()
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// Check 1: every module file says what it is for

fn starts_with_module_doc(source: &str) -> bool {
    source.starts_with("//!")
}

#[test]
fn every_module_starts_with_a_doc_line() {
    let mut undocumented = Vec::new();
    let mut checked = 0;
    for dir in crate_dirs() {
        for part in ["src", "tests", "benches", "examples"] {
            for file in rust_files(&dir.join(part)) {
                checked += 1;
                if !starts_with_module_doc(&read(&file)) {
                    undocumented.push(relative(&file));
                }
            }
        }
    }
    assert!(checked > 50, "found only {checked} Rust files: is the workspace layout still crates/*/src?");
    assert!(
        undocumented.is_empty(),
        "these files must start with a `//!` line saying what the module is for:\n  {}",
        undocumented.join("\n  ")
    );
}

#[test]
fn module_doc_check_catches_a_missing_line() {
    assert!(starts_with_module_doc("//! The store.\nuse x;\n"));
    assert!(!starts_with_module_doc("use x;\n//! The store.\n"));
    assert!(!starts_with_module_doc("/// An item's doc, not the module's.\nfn f() {}\n"));
    assert!(!starts_with_module_doc("\n//! After a blank line.\n"));
    assert!(!starts_with_module_doc(""));
}

// ---------------------------------------------------------------------------------------------
// Check 2: rows are decoded by name

/// What in `source` decodes a row by position, as `(line, what)`. Caught: an index literal
/// given to `get`/`try_get` (with or without a turbofish), `query_scalar` (column 0), a tuple
/// type given to `query_as` or to the store's own decoders (`one`, `all`, `record`), and a
/// `let` of tuple type filled by a query. A slice's `.get(0)` in the store is caught too:
/// write `.first()` there.
fn positional_decoding(source: &str) -> Vec<(usize, String)> {
    let (tokens, lines): (Vec<Token>, Vec<usize>) = tokenize_with_lines(source).into_iter().unzip();
    let mut found = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let Some(name) = token.ident() else { continue };
        let method = i > 0 && tokens[i - 1].is_punct('.');
        let path_call = i > 0 && tokens[i - 1].is_punct(':');
        if matches!(name, "get" | "try_get" | "get_unchecked" | "try_get_unchecked") && (method || path_call) {
            let open = skip_turbofish(&tokens, i + 1);
            // `row.get(3)`; called as a path (`Row::try_get(&row, 3)`) the row comes first.
            let index = if path_call { after_first_argument(&tokens, open + 1) } else { Some(open + 1) };
            let index = index.and_then(|index| tokens.get(index));
            if tokens.get(open).is_some_and(|t| t.is_punct('(')) && index.is_some_and(Token::starts_with_digit) {
                found.push((lines[i], format!("`{name}(<index>)` reads a column by position")));
            }
        }
        if matches!(name, "query_scalar" | "query_scalar_with") {
            found.push((lines[i], format!("`{name}` reads column 0 by position")));
        }
        let turbofish = tokens.get(i + 1).is_some_and(|t| t.is_punct(':'))
            && tokens.get(i + 2).is_some_and(|t| t.is_punct(':'))
            && tokens.get(i + 3).is_some_and(|t| t.is_punct('<'));
        if turbofish && matches!(name, "query_as" | "query_as_with" | "one" | "all" | "record" | "from_row") {
            // The row type is the first generic argument, or the second after the database's.
            let generics = &tokens[i + 4..];
            let skip_database = generics.get(1).is_some_and(|t| t.is_punct(','));
            let row_type = generics.get(if skip_database { 2 } else { 0 });
            if row_type.is_some_and(|t| t.is_punct('(')) {
                found.push((lines[i], format!("`{name}::<(…)>` decodes a tuple by position")));
            }
        }
        if name == "let" && let_of_tuple_type_from_query(&tokens[i..]) {
            found.push((lines[i], "a `let` of tuple type filled by a query decodes by position".to_owned()));
        }
    }
    found
}

/// The index just after the first argument's `,`, the argument starting at `i`.
fn after_first_argument(tokens: &[Token], i: usize) -> Option<usize> {
    let mut depth = 0;
    for (j, token) in tokens.iter().enumerate().skip(i) {
        match token {
            Token::Punct('(' | '[' | '{') => depth += 1,
            Token::Punct(')' | ']' | '}') if depth == 0 => return None,
            Token::Punct(')' | ']' | '}') => depth -= 1,
            Token::Punct(',') if depth == 0 => return Some(j + 1),
            _ => {}
        }
    }
    None
}

/// Skips `::<…>` starting at `i`, returning the index after it (or `i` when there is none).
fn skip_turbofish(tokens: &[Token], i: usize) -> usize {
    let opens = tokens.get(i).is_some_and(|t| t.is_punct(':'))
        && tokens.get(i + 1).is_some_and(|t| t.is_punct(':'))
        && tokens.get(i + 2).is_some_and(|t| t.is_punct('<'));
    if !opens {
        return i;
    }
    let mut depth = 0;
    for (j, token) in tokens.iter().enumerate().skip(i + 2) {
        if token.is_punct('<') {
            depth += 1;
        } else if token.is_punct('>') {
            depth -= 1;
            if depth == 0 {
                return j + 1;
            }
        }
    }
    tokens.len()
}

/// `let [mut] name: [Vec<|Option<](…) = …query…;`, starting at the `let`.
fn let_of_tuple_type_from_query(tokens: &[Token]) -> bool {
    let mut i = 1;
    if tokens.get(i).is_some_and(|t| t.is_ident("mut")) {
        i += 1;
    }
    if !(tokens.get(i).is_some_and(|t| t.ident().is_some()) && tokens.get(i + 1).is_some_and(|t| t.is_punct(':'))) {
        return false;
    }
    i += 2;
    if tokens.get(i).is_some_and(|t| t.is_ident("Vec") || t.is_ident("Option"))
        && tokens.get(i + 1).is_some_and(|t| t.is_punct('<'))
    {
        i += 2;
    }
    if !tokens.get(i).is_some_and(|t| t.is_punct('(')) {
        return false;
    }
    let statement = tokens[i..].iter().take_while(|t| !t.is_punct(';'));
    let mut previous: Option<&Token> = None;
    for token in statement {
        let is_query = token.is_ident("query_as")
            || (previous.is_some_and(|p| p.is_punct('.'))
                && matches!(token.ident(), Some("one" | "all" | "fetch_one" | "fetch_all" | "fetch_optional")));
        if is_query {
            return true;
        }
        previous = Some(token);
    }
    false
}

#[test]
fn store_decodes_rows_by_name() {
    let store = project_root().join("crates/stampcard-server/src/store");
    let files = rust_files(&store);
    assert!(files.len() >= 3, "no store files under {}", store.display());
    let mut offenses = Vec::new();
    for file in files {
        for (line, what) in positional_decoding(&read(&file)) {
            offenses.push(format!("{}:{line}: {what}", relative(&file)));
        }
    }
    assert!(
        offenses.is_empty(),
        "decode rows by column name (`#[derive(sqlx::FromRow)]` structs, see store/records.rs):\n  {}",
        offenses.join("\n  ")
    );
}

#[test]
fn positional_decoding_check_catches_planted_examples() {
    let caught = |source: &str| !positional_decoding(source).is_empty();
    for planted in [
        "let idx: i64 = row.try_get(17)?;",
        "let idx = row.try_get::<i64, _>(0)?;",
        "let name: String = row.get(3);",
        "let name = row.get::<String, _>( 3 );",
        "let n = sqlx::Row::try_get(&row, 2)?;",
        "let n: i64 = sqlx::query_scalar(\"SELECT count(*) FROM stamps\").fetch_one(c).await?;",
        "let rows = sqlx::query_as::<_, (i64, String)>(\"SELECT a, b FROM t\").fetch_all(c).await?;",
        "let row: (i64, Option<String>) = sqlx::query_as(\"SELECT a, b FROM t\").fetch_one(c).await?;",
        "let rows: Vec<(i64,)> = sqlx::query_as(SQL).fetch_all(c).await?;",
        "let pair: Option<(i64, i64)> = self.one(st).await?;",
        "let ids = self.all::<(i64,)>(st).await?;",
    ] {
        assert!(caught(planted), "missed: {planted}");
    }
    for clean in [
        "let idx: i64 = row.try_get(\"stamp_idx\")?;",
        "let rows: Vec<StampRecord> = sqlx::query_as(SQL).fetch_all(c).await?;",
        "let rows = sqlx::query_as::<_, StampRecord>(SQL).fetch_all(c).await?;",
        "let (stamp, card) = self.one::<StampWithCard>(st).await?.split();",
        "let pair: (i64, i64) = (1, 2);",
        "let value = map.get(&key);",
        "let first = params.get(index);",
        "let value = HashMap::get(&map, &key);",
        "let idx: i64 = Row::try_get(&row, \"stamp_idx\")?;",
        "// a comment may say row.try_get(17) or query_scalar",
        "let sql = \"row.get(0) in a string is not code\";",
        "let guard: Option<GuardRow> = self.one(card_guard(card_idx, \"\")).await?;",
    ] {
        assert!(!caught(clean), "false positive: {clean}: {:?}", positional_decoding(clean));
    }
}

// ---------------------------------------------------------------------------------------------
// Check 3: no module cycles between the files of one crate

/// One crate's module files, by module path (`["store", "sqlite"]`; the root is `[]`).
///
/// First a file-level graph: an edge `a -> b` means file `a` names something defined in file
/// `b`, through a `use` or a path in code that starts with `crate`, `self`, `super`, a child
/// module or an imported name. A name that lands in a module which only imports it
/// (`pub use error::StoreError` in `store/mod.rs`) is followed to the file that defines it.
/// Then each edge is lifted to the two sibling modules it connects (for
/// `store/sqlite.rs -> metrics.rs`: `store -> metrics`), and a cycle is a cycle among the
/// children of one module. A module and its own submodules are one unit: a `mod.rs` that
/// declares a trait its children implement and dispatches to them is no cycle, while
/// `error.rs -> store/…` with `store/… -> error.rs`, or two sibling files naming each other,
/// is.
///
/// Limits: glob imports (`use super::*`) count as naming the module they glob; macros,
/// `#[path]` attributes and inline `mod name { … }` blocks are not looked into, except that
/// `#[cfg(test)]` modules are dropped (their `super::` is the file itself); a local variable
/// named like an imported module and followed by `::` would be read as that module.
struct ModuleTree {
    /// Put before a module path in reports: the crate's module root (`crates/x/src/`).
    prefix: String,
    files: BTreeMap<Vec<String>, ModuleFile>,
}

struct ModuleFile {
    /// The file's path, for reports.
    name: String,
    tokens: Vec<Token>,
}

/// Edges between modules, each with an example (`from-file -> to-file`: `path`).
type Edges = BTreeMap<(String, String), String>;

/// One name a `use` brings into scope: `name` stands for `path` (relative, as written).
#[derive(Debug)]
struct UseItem {
    path: Vec<String>,
    /// `None` for a glob (`*`).
    name: Option<String>,
}

impl ModuleTree {
    /// `sources` are `(path, text)` pairs, the paths relative to the crate's module root
    /// (`lib.rs`, `store/mod.rs`, `store/sqlite.rs`); `prefix` is put before them in reports.
    fn new(prefix: &str, root_file: &str, sources: Vec<(String, String)>) -> ModuleTree {
        let mut files = BTreeMap::new();
        for (path, text) in sources {
            let mut module: Vec<String> = Vec::new();
            if path != root_file {
                module = path.trim_end_matches(".rs").split('/').map(str::to_owned).collect();
                if module.last().is_some_and(|last| last == "mod") {
                    module.pop();
                }
            }
            let tokens = without_test_modules(tokenize(&text));
            files.insert(module, ModuleFile { name: format!("{prefix}{path}"), tokens });
        }
        ModuleTree { prefix: prefix.to_owned(), files }
    }

    /// The direct child modules of `module`, by name.
    fn children(&self, module: &[String]) -> impl Iterator<Item = &String> {
        self.files
            .keys()
            .filter(move |path| path.len() == module.len() + 1 && path.starts_with(module))
            .filter_map(|path| path.last())
    }

    /// `path` as written in `module`, made absolute; `None` for another crate's path.
    fn absolute(
        &self,
        module: &[String],
        path: &[String],
        scope: &BTreeMap<String, Vec<String>>,
    ) -> Option<Vec<String>> {
        let (first, rest) = path.split_first()?;
        let mut base: Vec<String> = match first.as_str() {
            "crate" => Vec::new(),
            "self" => module.to_vec(),
            "super" => module[..module.len().checked_sub(1)?].to_vec(),
            name => {
                let mut resolved = scope.get(name)?.clone();
                resolved.extend_from_slice(rest);
                return Some(resolved);
            }
        };
        for (i, segment) in rest.iter().enumerate() {
            if segment == "super" && rest[..i].iter().all(|s| s == "super") {
                base.pop()?;
            } else {
                base.push(segment.clone());
            }
        }
        Some(base)
    }

    /// The child modules of `module` as names in its scope.
    fn child_scope(&self, module: &[String]) -> BTreeMap<String, Vec<String>> {
        self.children(module)
            .map(|child| {
                let mut path = module.to_vec();
                path.push(child.clone());
                (child.clone(), path)
            })
            .collect()
    }

    /// The names in scope in `module`: its child modules and what its `use`s import.
    fn scope(&self, module: &[String]) -> BTreeMap<String, Vec<String>> {
        let children = self.child_scope(module);
        let mut scope = children.clone();
        for item in use_items(&self.files[module].tokens) {
            if let (Some(name), Some(path)) = (&item.name, self.absolute(module, &item.path, &children)) {
                scope.insert(name.clone(), path);
            }
        }
        scope
    }

    /// The file that defines what the absolute `path` names, following imports.
    fn defining_module(
        &self,
        path: &[String],
        scopes: &BTreeMap<Vec<String>, BTreeMap<String, Vec<String>>>,
    ) -> Option<Vec<String>> {
        let mut path = path.to_vec();
        for _ in 0..8 {
            let module_len = (0..=path.len()).rev().find(|&len| self.files.contains_key(&path[..len]))?;
            let module = path[..module_len].to_vec();
            let Some(item) = path.get(module_len) else { return Some(module) };
            match scopes[&module].get(item) {
                Some(imported) if imported.len() > module_len + 1 || !imported.starts_with(&module) => {
                    let mut next = imported.clone();
                    next.extend_from_slice(&path[module_len + 1..]);
                    path = next;
                }
                _ => return Some(module),
            }
        }
        None
    }

    /// Every edge between two files, by module path, with an example of a path that makes it.
    fn file_edges(&self) -> BTreeMap<(Vec<String>, Vec<String>), String> {
        let scopes: BTreeMap<Vec<String>, BTreeMap<String, Vec<String>>> =
            self.files.keys().map(|module| (module.clone(), self.scope(module))).collect();
        let mut edges = BTreeMap::new();
        for (module, file) in &self.files {
            let scope = &scopes[module];
            let children = self.child_scope(module);
            let mut named: Vec<Vec<String>> = use_items(&file.tokens)
                .iter()
                .filter_map(|item| self.absolute(module, &item.path, &children))
                .collect();
            named.extend(code_paths(&file.tokens).iter().filter_map(|path| self.absolute(module, path, scope)));
            for path in named {
                let Some(target) = self.defining_module(&path, &scopes) else { continue };
                if target != *module {
                    edges.entry((module.clone(), target)).or_insert_with(|| path.join("::"));
                }
            }
        }
        edges
    }

    /// The file edges lifted to the sibling modules they connect, named by module path from
    /// the crate's module root (`crates/x/src/store`). Edges between a module and its own
    /// submodules drop out.
    fn edges(&self) -> Edges {
        let mut lifted = Edges::new();
        for ((from, to), path) in self.file_edges() {
            let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
            if common == from.len() || common == to.len() {
                continue;
            }
            let name = |module: &[String]| format!("{}{}", self.prefix, module.join("/"));
            let example = format!("{} -> {}: `{path}`", self.files[&from].name, self.files[&to].name);
            lifted.entry((name(&from[..=common]), name(&to[..=common]))).or_insert(example);
        }
        lifted
    }
}

/// What every `use` declaration in `tokens` imports, group braces expanded.
fn use_items(tokens: &[Token]) -> Vec<UseItem> {
    let mut items = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if token.is_ident("use") {
            let end = tokens[i..].iter().position(|t| t.is_punct(';')).map_or(tokens.len(), |p| i + p);
            use_tree(&tokens[i + 1..end], &[], &mut items);
        }
    }
    items
}

/// Expands one use tree (`a::b::{c, d::e as f, self, *}`) under `prefix`.
fn use_tree(tokens: &[Token], prefix: &[String], items: &mut Vec<UseItem>) {
    let mut path = prefix.to_vec();
    let mut i = 0;
    if tokens.first().is_some_and(|t| t.is_punct(':')) {
        i = 2; // a leading `::` (an extern crate path)
    }
    while i < tokens.len() {
        match &tokens[i] {
            Token::Ident(name) if name == "as" => {
                let alias = tokens.get(i + 1).and_then(Token::ident).map(str::to_owned);
                if path.last().is_some_and(|last| last == "self") {
                    path.pop();
                }
                items.push(UseItem { path, name: alias.filter(|a| a != "_") });
                return;
            }
            Token::Ident(name) => {
                path.push(name.clone());
                i += 1;
            }
            Token::Punct(':') => i += 1,
            Token::Punct('*') => {
                items.push(UseItem { path, name: None });
                return;
            }
            Token::Punct('{') => {
                let mut depth = 0;
                let mut start = i + 1;
                for j in i..tokens.len() {
                    match &tokens[j] {
                        Token::Punct('{') => depth += 1,
                        Token::Punct('}') if depth == 1 => {
                            use_tree(&tokens[start..j], &path, items);
                            return;
                        }
                        Token::Punct('}') => depth -= 1,
                        Token::Punct(',') if depth == 1 => {
                            use_tree(&tokens[start..j], &path, items);
                            start = j + 1;
                        }
                        _ => {}
                    }
                }
                return;
            }
            _ => return,
        }
    }
    if path.len() > prefix.len() {
        if path.last().is_some_and(|last| last == "self") {
            path.pop();
        }
        let name = path.last().cloned();
        items.push(UseItem { path, name });
    }
}

/// The paths in code outside `use` declarations: `a::b::c` where `a` starts the path (no
/// `::` before it), cut before a turbofish or a `{`.
fn code_paths(tokens: &[Token]) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut in_use = false;
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].is_ident("use") {
            in_use = true;
        } else if tokens[i].is_punct(';') {
            in_use = false;
        }
        let starts_path =
            !in_use && tokens[i].ident().is_some_and(|name| name != "Self") && !(i > 0 && tokens[i - 1].is_punct(':'));
        if !starts_path {
            i += 1;
            continue;
        }
        let mut path = vec![tokens[i].ident().unwrap_or_default().to_owned()];
        let mut j = i + 1;
        while tokens.get(j).is_some_and(|t| t.is_punct(':'))
            && tokens.get(j + 1).is_some_and(|t| t.is_punct(':'))
            && let Some(next) = tokens.get(j + 2).and_then(Token::ident)
        {
            path.push(next.to_owned());
            j += 3;
        }
        if path.len() > 1 {
            paths.push(path);
        }
        i = j;
    }
    paths
}

/// The strongly connected components of more than one module (Tarjan's algorithm), each
/// sorted.
fn cycles(edges: &Edges) -> Vec<Vec<String>> {
    let mut graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        graph.entry(from).or_default().push(to);
        graph.entry(to).or_default();
    }
    struct Tarjan<'a> {
        graph: &'a BTreeMap<&'a str, Vec<&'a str>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Tarjan<'a> {
        fn visit(&mut self, node: &'a str) {
            let index = self.index.len();
            self.index.insert(node, index);
            self.low.insert(node, index);
            self.stack.push(node);
            self.on_stack.insert(node);
            for &next in &self.graph[node] {
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut component = Vec::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack.remove(member);
                    component.push(member.to_owned());
                    if member == node {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut tarjan = Tarjan {
        graph: &graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for &node in graph.keys() {
        if !tarjan.index.contains_key(node) {
            tarjan.visit(node);
        }
    }
    tarjan.found.sort();
    tarjan.found
}

/// Every crate's module trees: the library (or the binary when there is no library) and
/// each multi-file test crate. Single-file crates (examples, `tests/wasm.rs`, a binary next
/// to its library) cannot have cycles between files.
fn module_trees() -> Vec<ModuleTree> {
    let mut trees = Vec::new();
    for dir in crate_dirs() {
        let src = dir.join("src");
        let root_file = if src.join("lib.rs").is_file() { "lib.rs" } else { "main.rs" };
        let mut roots = vec![(src, root_file)];
        if let Ok(entries) = fs::read_dir(dir.join("tests")) {
            let mut test_dirs: Vec<PathBuf> =
                entries.flatten().map(|e| e.path()).filter(|p| p.join("main.rs").is_file()).collect();
            test_dirs.sort();
            roots.extend(test_dirs.into_iter().map(|d| (d, "main.rs")));
        }
        for (base, root_file) in roots {
            let sources: Vec<(String, String)> = rust_files(&base)
                .into_iter()
                .map(|file| (file.strip_prefix(&base).expect("under base").display().to_string(), file))
                .filter(|(path, _)| root_file == "main.rs" || (path != "main.rs" && !path.starts_with("bin/")))
                .map(|(path, file)| (path, read(&file)))
                .collect();
            if sources.len() > 1 {
                trees.push(ModuleTree::new(&format!("{}/", relative(&base)), root_file, sources));
            }
        }
    }
    trees
}

#[test]
fn module_cycles_are_known() {
    let mut found = Vec::new();
    let mut explained = Vec::new();
    for tree in module_trees() {
        let edges = tree.edges();
        for cycle in cycles(&edges) {
            let why: Vec<String> = edges
                .iter()
                .filter(|((from, to), _)| cycle.contains(from) && cycle.contains(to))
                .map(|((from, to), example)| format!("    {from} -> {to}, e.g. {example}"))
                .collect();
            explained.push(format!("  {}\n{}", cycle.join(" <-> "), why.join("\n")));
            found.push(cycle);
        }
    }
    let known: Vec<Vec<String>> =
        KNOWN_CYCLES.iter().map(|cycle| cycle.iter().map(|file| (*file).to_owned()).collect()).collect();
    let new: Vec<&Vec<String>> = found.iter().filter(|cycle| !known.contains(cycle)).collect();
    let gone: Vec<&Vec<String>> = known.iter().filter(|cycle| !found.contains(cycle)).collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "module cycles changed.\nnew (break them: move the shared part into a module both use): {new:?}\n\
         gone (delete them from KNOWN_CYCLES in crates/xtask/src/tidy.rs): {gone:?}\nall cycles now:\n{}",
        explained.join("\n")
    );
}

/// A tree from `(path, source)` pairs, for the checker's own tests.
fn planted(sources: &[(&str, &str)]) -> ModuleTree {
    ModuleTree::new(
        "src/",
        "lib.rs",
        sources.iter().map(|(path, text)| ((*path).to_owned(), (*text).to_owned())).collect(),
    )
}

#[test]
fn cycle_check_catches_planted_cycles() {
    let names = |names: &[&str]| names.iter().map(|name| format!("src/{name}")).collect::<Vec<_>>();

    // Two sibling files naming each other through `use crate::…`; `c` is used by `b` only.
    let tree = planted(&[
        ("lib.rs", "//! Root.\nmod a;\nmod b;\nmod c;\n"),
        ("a.rs", "//! A.\nuse crate::b::B;\npub struct A;\n"),
        ("b.rs", "//! B.\nuse crate::{a::A, c};\npub struct B;\n"),
        ("c.rs", "//! C.\npub fn c() {}\n"),
    ]);
    assert_eq!(cycles(&tree.edges()), [names(&["a", "b"])]);

    // A ring of three through paths in code, an imported module and `super::`.
    let tree = planted(&[
        ("lib.rs", "//! Root.\nmod a;\nmod b;\nmod c;\n"),
        ("a.rs", "//! A.\npub fn a() { crate::b::b() }\n"),
        ("b.rs", "//! B.\nuse crate::c::{self};\npub fn b() { c::c() }\n"),
        ("c.rs", "//! C.\npub fn c() { super::a::a() }\n"),
    ]);
    assert_eq!(cycles(&tree.edges()), [names(&["a", "b", "c"])]);

    // Through submodules: the store's SQLite file uses the metrics, the metrics the HTTP
    // layer, and the HTTP layer an item the store re-exports from a child.
    let tree = planted(&[
        ("lib.rs", "//! Root.\nmod http;\nmod metrics;\nmod store;\n"),
        ("store/mod.rs", "//! Store.\nmod sqlite;\nmod write;\npub use write::Op;\npub fn open() { sqlite::open() }\n"),
        ("store/sqlite.rs", "//! SQLite.\npub fn open() { crate::metrics::count() }\n"),
        ("store/write.rs", "//! Writes.\npub struct Op;\n"),
        ("metrics.rs", "//! Metrics.\nuse crate::http::AppState;\npub fn count() {}\n"),
        ("http/mod.rs", "//! HTTP.\nuse crate::store::Op;\npub struct AppState;\n"),
    ]);
    let edges = tree.edges();
    assert_eq!(cycles(&edges), [names(&["http", "metrics", "store"])], "{edges:?}");
    assert!(edges[&("src/http".to_owned(), "src/store".to_owned())].contains("src/store/write.rs"), "{edges:?}");

    // No cycle: a parent that dispatches to its child, which uses the parent's trait; a name
    // re-exported by the parent is credited to the sibling that defines it; `#[cfg(test)]`
    // modules and comments are not read.
    let tree = planted(&[
        ("lib.rs", "//! Root.\nmod store;\n"),
        (
            "store/mod.rs",
            "//! Store.\nmod error;\nmod sqlite;\npub use error::StoreError;\npub trait Store {}\n\
             pub fn open() { sqlite::open() }\n",
        ),
        ("store/error.rs", "//! Errors.\npub struct StoreError;\n"),
        (
            "store/sqlite.rs",
            "//! SQLite.\nuse super::{Store, StoreError};\n// crate::store::error in a comment\npub fn open() {}\n\
             #[cfg(test)]\nmod tests {\n    use crate::store::error::StoreError;\n}\n",
        ),
    ]);
    let files = tree.file_edges();
    let module = |path: &str| path.split('/').map(str::to_owned).collect::<Vec<_>>();
    assert!(files.contains_key(&(module("store/sqlite"), module("store/error"))), "{files:?}");
    assert!(files.contains_key(&(module("store/sqlite"), module("store"))), "{files:?}");
    assert!(files.contains_key(&(module("store"), module("store/sqlite"))), "{files:?}");
    assert!(cycles(&tree.edges()).is_empty(), "{:?}", tree.edges());
}

// ---------------------------------------------------------------------------------------------
// Check 4: generated documents stay fresh

/// The generated documents' freshness tests, each as (its test crate's `main.rs`, its file,
/// what the file must contain). They live beside the code that renders the documents; this
/// only makes sure they stay in `cargo test`.
const FRESHNESS_TESTS: &[(&str, &str, &[&str])] = &[
    (
        "crates/stampcard-core/tests/it/main.rs",
        "crates/stampcard-core/tests/it/docs.rs",
        &["fn error_codes_doc_is_fresh", "docs/error-codes.md"],
    ),
    (
        "crates/stampcard-server/tests/it/main.rs",
        "crates/stampcard-server/tests/it/docs.rs",
        &["openapi.json", "ensure_fresh"],
    ),
];

#[test]
fn generated_docs_keep_their_freshness_tests() {
    for (main, file, needles) in FRESHNESS_TESTS {
        let main_tokens = tokenize(&read(&project_root().join(main)));
        let module = Path::new(file).file_stem().and_then(|s| s.to_str()).expect("file name");
        let declared =
            main_tokens.windows(3).any(|w| w[0].is_ident("mod") && w[1].is_ident(module) && w[2].is_punct(';'));
        assert!(declared, "{main} must declare `mod {module};`, the freshness test of a generated document");
        let text = read(&project_root().join(file));
        for needle in *needles {
            assert!(
                text.contains(needle),
                "{file} no longer has `{needle}`: a generated document lost its freshness test"
            );
        }
    }
}
