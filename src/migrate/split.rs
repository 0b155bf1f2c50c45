//! Splitting a migration script into statements, the way psql does.
//!
//! Transactional migrations go to the server as one batch, so the splitter is
//! not on their fast path; it is what names the failing statement (mapping an
//! error position back to a statement and a line), what runs
//! `-- seedkit:no-transaction` files one statement at a time, and what finds a
//! file's own `BEGIN;` / `COMMIT;`. It understands `--` and nested `/* */`
//! comments, `'...'` strings (with `''`), `E'...'` strings (with backslash
//! escapes), `"quoted identifiers"` and `$tag$ dollar quotes $tag$`, so a
//! semicolon inside any of them does not end a statement. The last statement
//! needs no trailing semicolon. Like psql 14+, it keeps the SQL-standard
//! `BEGIN ATOMIC ... END` body of `CREATE [OR REPLACE] FUNCTION|PROCEDURE`
//! whole (semicolons inside parentheses or between that `BEGIN` and its `END`,
//! `CASE ... END` counted, do not end the statement), so such functions work in
//! no-transaction files too.
//!
//! [`Statement::refuses_transaction`] names the statements PostgreSQL will
//! not run inside a transaction block (`CREATE INDEX CONCURRENTLY`,
//! `VACUUM`, ...): a migration made only of them runs without a transaction.
//! Recognising them needs only the first keywords of a statement this
//! splitter already isolated, so no SQL parser is involved.

/// One statement of a script: its text and where it sits in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Byte offset of the statement's first character (comments before it
    /// are not part of the statement).
    pub start: usize,
    /// Byte offset just past the statement (past its `;` when there is one).
    pub end: usize,
    /// 1-based line of the statement's first character.
    pub line: usize,
    /// The statement's text, without the trailing `;`, trimmed.
    pub text: String,
}

impl Statement {
    /// The first line of the statement, for messages.
    pub fn first_line(&self) -> &str {
        self.text.lines().next().unwrap_or("")
    }

    /// Whether this statement is transaction control a file may carry around
    /// its body (`BEGIN`, `START TRANSACTION`, `COMMIT`, `END`).
    pub fn transaction_control(&self) -> Option<TransactionControl> {
        let words: Vec<String> = self
            .text
            .split_whitespace()
            .map(|w| w.to_ascii_uppercase())
            .collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        match words.as_slice() {
            ["BEGIN"] | ["BEGIN", "TRANSACTION" | "WORK"] | ["START", "TRANSACTION"] => {
                Some(TransactionControl::Begin)
            }
            ["COMMIT"]
            | ["COMMIT", "TRANSACTION" | "WORK"]
            | ["END"]
            | ["END", "TRANSACTION" | "WORK"] => Some(TransactionControl::Commit),
            ["ROLLBACK", ..] | ["ABORT", ..] | ["SAVEPOINT", ..] | ["RELEASE", ..] => {
                Some(TransactionControl::Other)
            }
            ["BEGIN", ..] | ["START", "TRANSACTION", ..] | ["COMMIT", "AND", ..] => {
                Some(TransactionControl::Other)
            }
            _ => None,
        }
    }
}

impl Statement {
    /// The statement made of `sql[start..end]` (several statements the
    /// splitter found, merged into one, e.g. a goose `StatementBegin` block).
    pub fn spanning(sql: &str, start: usize, end: usize, line: usize) -> Statement {
        statement(sql, start, end, line)
    }

    /// The leading keywords of the statement, upper-cased, with comments,
    /// parentheses and commas skipped (at most `n` of them).
    fn keywords(&self, n: usize) -> Vec<String> {
        let mut words = Vec::new();
        for s in split_words(&self.text) {
            if words.len() == n {
                break;
            }
            words.push(s.to_ascii_uppercase());
        }
        words
    }

    /// When PostgreSQL refuses to run this statement inside a transaction
    /// block ("cannot run inside a transaction block"), what it is, e.g.
    /// `CREATE INDEX CONCURRENTLY`.
    pub fn refuses_transaction(&self) -> Option<&'static str> {
        let words = self.keywords(6);
        let w: Vec<&str> = words.iter().map(String::as_str).collect();
        let concurrently = w.contains(&"CONCURRENTLY");
        match w.as_slice() {
            ["CREATE", "INDEX", "CONCURRENTLY", ..]
            | ["CREATE", "UNIQUE", "INDEX", "CONCURRENTLY", ..] => {
                Some("CREATE INDEX CONCURRENTLY")
            }
            ["DROP", "INDEX", "CONCURRENTLY", ..] => Some("DROP INDEX CONCURRENTLY"),
            ["REINDEX", ..] if concurrently => Some("REINDEX CONCURRENTLY"),
            ["REINDEX", "DATABASE" | "SYSTEM", ..] => Some("REINDEX DATABASE"),
            ["VACUUM", ..] => Some("VACUUM"),
            ["CREATE" | "DROP", "DATABASE", ..] => Some("CREATE/DROP DATABASE"),
            ["CREATE" | "DROP", "TABLESPACE", ..] => Some("CREATE/DROP TABLESPACE"),
            ["ALTER", "SYSTEM", ..] => Some("ALTER SYSTEM"),
            ["ALTER", "DATABASE", _, "SET", "TABLESPACE", ..] => {
                Some("ALTER DATABASE ... SET TABLESPACE")
            }
            _ => None,
        }
    }
}

/// The words of `text` outside comments, strings and quoted identifiers.
fn split_words(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            let c = bytes[i];
            if c == b'-' && bytes.get(i + 1) == Some(&b'-') {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            } else if c == b'/' && bytes.get(i + 1) == Some(&b'*') {
                let close = find(bytes, i + 2, b"*/").map_or(bytes.len(), |c| c + 2);
                i = close;
            } else if c == b'\'' || c == b'"' {
                let mut line = 0;
                i = skip_quoted(bytes, i, c, false, &mut line);
            } else if is_word_start(c) {
                let start = i;
                while i < bytes.len() && (is_word_byte(bytes[i]) || bytes[i] == b'$') {
                    i += 1;
                }
                return Some(&text[start..i]);
            } else {
                i += 1;
            }
        }
        None
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionControl {
    Begin,
    Commit,
    /// ROLLBACK, SAVEPOINT, BEGIN with options...: not something seedkit can
    /// fold into its own transaction.
    Other,
}

/// Splits `sql` into its statements. Empty statements (only whitespace,
/// comments or a lone `;`) are dropped, so an empty file has none.
pub fn split(sql: &str) -> Vec<Statement> {
    let bytes = sql.as_bytes();
    let mut statements = Vec::new();
    let mut i = 0;
    // Where the current statement's first significant character is.
    let mut start: Option<usize> = None;
    let mut line = 1;
    let mut start_line = 1;
    let mut previous_is_word = false;
    let mut body = AtomicBody::default();

    while i < bytes.len() {
        let c = bytes[i];
        let mut word = false;
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = skip_block_comment(bytes, i, &mut line),
            b';' if body.is_open() => i += 1,
            b';' => {
                if let Some(s) = start.take() {
                    statements.push(statement(sql, s, i + 1, start_line));
                }
                body = AtomicBody::default();
                i += 1;
            }
            b'\'' => {
                mark(&mut start, &mut start_line, i, line);
                // E'...' (the E was the previous character, not part of a word).
                let escapes = i >= 1
                    && matches!(bytes[i - 1], b'e' | b'E')
                    && (i < 2 || !is_word_byte(bytes[i - 2]));
                i = skip_quoted(bytes, i, b'\'', escapes, &mut line);
            }
            b'"' => {
                mark(&mut start, &mut start_line, i, line);
                i = skip_quoted(bytes, i, b'"', false, &mut line);
                word = true;
            }
            b'$' if !previous_is_word => {
                mark(&mut start, &mut start_line, i, line);
                i = skip_dollar_quoted(bytes, i, &mut line);
            }
            c if c.is_ascii_whitespace() => i += 1,
            c if is_word_start(c) && !previous_is_word => {
                mark(&mut start, &mut start_line, i, line);
                let from = i;
                while i < bytes.len() && (is_word_byte(bytes[i]) || bytes[i] == b'$') {
                    i += 1;
                }
                body.word(&sql[from..i]);
                word = true;
            }
            c => {
                mark(&mut start, &mut start_line, i, line);
                body.punctuation(c);
                word = is_word_byte(c);
                i += 1;
            }
        }
        previous_is_word = word;
    }
    if let Some(s) = start {
        statements.push(statement(sql, s, sql.len(), start_line));
    }
    statements
}

/// psql's heuristic (psqlscan.l) for `BEGIN ATOMIC ... END` bodies: in a
/// statement that starts `CREATE [OR REPLACE] FUNCTION|PROCEDURE`, outside
/// parentheses, `BEGIN` opens a block, `CASE` inside a block opens one more,
/// `END` closes one; a `;` inside a block or parentheses does not end the
/// statement.
#[derive(Default)]
struct AtomicBody {
    /// First letters of the statement's first four words, lower-cased.
    leading: [u8; 4],
    words: usize,
    parens: usize,
    depth: usize,
}

impl AtomicBody {
    fn is_open(&self) -> bool {
        self.depth > 0 || self.parens > 0
    }

    fn punctuation(&mut self, c: u8) {
        match c {
            b'(' => self.parens += 1,
            b')' => self.parens = self.parens.saturating_sub(1),
            _ => {}
        }
    }

    fn word(&mut self, word: &str) {
        let lower = word.to_ascii_lowercase();
        if self.words < self.leading.len()
            && matches!(
                lower.as_str(),
                "create" | "function" | "procedure" | "or" | "replace"
            )
        {
            self.leading[self.words] = lower.as_bytes()[0];
        }
        self.words += 1;
        let l = self.leading;
        let routine = l[0] == b'c'
            && (matches!(l[1], b'f' | b'p')
                || (l[1] == b'o' && l[2] == b'r' && matches!(l[3], b'f' | b'p')));
        if !routine || self.parens > 0 {
            return;
        }
        match lower.as_str() {
            "begin" => self.depth += 1,
            "case" if self.depth >= 1 => self.depth += 1,
            "end" => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
    }
}

/// Skips a (nested) `/* */` comment starting at `at`; returns the index past it.
fn skip_block_comment(bytes: &[u8], at: usize, line: &mut usize) -> usize {
    let mut i = at;
    let mut depth = 0usize;
    while i < bytes.len() {
        if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                break;
            }
        } else {
            if bytes[i] == b'\n' {
                *line += 1;
            }
            i += 1;
        }
    }
    i
}

/// Skips a `$tag$ ... $tag$` run starting at `at`, or just the `$` when it
/// opens none (`$1`); returns the index past it.
fn skip_dollar_quoted(bytes: &[u8], at: usize, line: &mut usize) -> usize {
    match dollar_tag(bytes, at) {
        Some(tag_len) => {
            let tag = &bytes[at..at + tag_len];
            let close = find(bytes, at + tag_len, tag);
            let stop = close.map_or(bytes.len(), |c| c + tag_len);
            *line += bytes[at..stop].iter().filter(|&&b| b == b'\n').count();
            stop
        }
        None => at + 1,
    }
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

/// Notes `at` as the start of the current statement unless one is open.
fn mark(start: &mut Option<usize>, start_line: &mut usize, at: usize, line: usize) {
    if start.is_none() {
        *start = Some(at);
        *start_line = line;
    }
}

fn statement(sql: &str, start: usize, end: usize, line: usize) -> Statement {
    let text = sql[start..end].trim_end();
    let text = text.strip_suffix(';').unwrap_or(text).trim_end();
    Statement {
        start,
        end,
        line,
        text: text.to_string(),
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Skips a quoted run starting at `open` (which holds `quote`); returns the
/// index past the closing quote. A doubled quote is an escaped quote; with
/// `backslash_escapes` so is `\'`.
fn skip_quoted(
    bytes: &[u8],
    open: usize,
    quote: u8,
    backslash_escapes: bool,
    line: &mut usize,
) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if backslash_escapes => {
                if bytes.get(i + 1) == Some(&b'\n') {
                    *line += 1;
                }
                i += 2;
            }
            b if b == quote => {
                if bytes.get(i + 1) == Some(&quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            }
            b'\n' => {
                *line += 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The length of a dollar-quote opening tag (`$$`, `$body$`) at `at`, if any.
fn dollar_tag(bytes: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'$' {
            return Some(i + 1 - at);
        }
        let allowed = if i == at + 1 {
            b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
        } else {
            is_word_byte(b)
        };
        if !allowed {
            return None;
        }
        i += 1;
    }
    None
}

fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// The statement containing byte offset `at`, or the next one after it.
pub fn statement_at(statements: &[Statement], at: usize) -> Option<&Statement> {
    statements
        .iter()
        .find(|s| at < s.end)
        .or_else(|| statements.last())
}

/// Converts PostgreSQL's error position (1-based, in characters) into a byte
/// offset of `sql`.
pub fn char_position_to_byte(sql: &str, position: usize) -> usize {
    sql.char_indices()
        .nth(position.saturating_sub(1))
        .map_or(sql.len(), |(byte, _)| byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<String> {
        split(sql).into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn splits_on_semicolons_and_keeps_last_statement_without_one() {
        assert_eq!(
            texts("CREATE TABLE a (id int);\nINSERT INTO a VALUES (1)\n"),
            vec!["CREATE TABLE a (id int)", "INSERT INTO a VALUES (1)"]
        );
    }

    #[test]
    fn semicolons_in_comments_and_strings_do_not_split() {
        let sql = "-- a; comment\nSELECT 'x;y', \"we;ird\" /* c; /* nested; */ still; */ FROM t;\nSELECT E'it\\'s; fine';";
        let got = texts(sql);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].starts_with("SELECT 'x;y'"));
        assert_eq!(got[1], "SELECT E'it\\'s; fine'");
    }

    #[test]
    fn doubled_quotes_stay_inside_the_string() {
        assert_eq!(
            texts("SELECT 'a'';b'; SELECT 2"),
            vec!["SELECT 'a'';b'", "SELECT 2"]
        );
    }

    #[test]
    fn dollar_quoted_bodies_and_do_blocks() {
        let sql = "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql;\n\
                   DO $body$ BEGIN PERFORM 1; RAISE NOTICE '$$;'; END $body$;\nSELECT $1";
        let got = texts(sql);
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got[0].ends_with("LANGUAGE plpgsql"));
        assert!(got[1].starts_with("DO $body$") && got[1].ends_with("$body$"));
        assert_eq!(got[2], "SELECT $1");
    }

    #[test]
    fn dollar_inside_identifier_is_not_a_quote() {
        assert_eq!(
            texts("SELECT a$b$ FROM t; SELECT 2"),
            vec!["SELECT a$b$ FROM t", "SELECT 2"]
        );
    }

    #[test]
    fn empty_scripts_have_no_statements() {
        assert!(split("").is_empty());
        assert!(split("  -- only a comment\n/* and this */ ;\n;").is_empty());
    }

    #[test]
    fn lines_point_at_the_statement_not_the_comment_before_it() {
        let sql = "-- header\n\nCREATE TABLE a ();\n/* x\n y */\nSELECT\n 1;";
        let got = split(sql);
        assert_eq!(got[0].line, 3);
        assert_eq!(got[1].line, 6);
        assert_eq!(&sql[got[1].start..got[1].end], "SELECT\n 1;");
    }

    #[test]
    fn recognises_transaction_control() {
        let kinds: Vec<_> =
            split("BEGIN; begin transaction; START TRANSACTION; COMMIT; end; ROLLBACK; SELECT 1")
                .iter()
                .map(Statement::transaction_control)
                .collect();
        use TransactionControl::*;
        assert_eq!(
            kinds,
            vec![
                Some(Begin),
                Some(Begin),
                Some(Begin),
                Some(Commit),
                Some(Commit),
                Some(Other),
                None
            ]
        );
    }

    #[test]
    fn begin_atomic_bodies_stay_whole() {
        let sql = "CREATE OR REPLACE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql\n\
                   BEGIN ATOMIC\n  SELECT CASE WHEN a > 0 THEN a ELSE 0 END + b;\n  SELECT 1;\nEND;\n\
                   CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END;\n\
                   BEGIN;\nSELECT 'end';\nEND;";
        let got = texts(sql);
        assert_eq!(got.len(), 5, "{got:#?}");
        assert!(got[0].starts_with("CREATE OR REPLACE FUNCTION") && got[0].ends_with("END"));
        assert!(got[1].starts_with("CREATE PROCEDURE") && got[1].ends_with("END"));
        assert_eq!(&got[2..], ["BEGIN", "SELECT 'end'", "END"]);
    }

    #[test]
    fn names_statements_that_refuse_a_transaction() {
        let kinds: Vec<_> = split(
            "CREATE UNIQUE INDEX CONCURRENTLY i ON t (a); /* x */ drop index concurrently i;\n\
             REINDEX (VERBOSE) INDEX CONCURRENTLY i; VACUUM (ANALYZE) t; CREATE INDEX i ON t (a);\n\
             ALTER TYPE e ADD VALUE 'x'; CREATE DATABASE d",
        )
        .iter()
        .map(Statement::refuses_transaction)
        .collect();
        assert_eq!(
            kinds,
            vec![
                Some("CREATE INDEX CONCURRENTLY"),
                Some("DROP INDEX CONCURRENTLY"),
                Some("REINDEX CONCURRENTLY"),
                Some("VACUUM"),
                None,
                None,
                Some("CREATE/DROP DATABASE"),
            ]
        );
    }

    #[test]
    fn maps_error_positions_to_statements() {
        let sql = "SELECT 1;\nSELECT é, nocol;";
        let statements = split(sql);
        // PostgreSQL counts characters: 'n' of nocol is character 21.
        let byte = char_position_to_byte(sql, 21);
        assert_eq!(&sql[byte..byte + 5], "nocol");
        assert_eq!(statement_at(&statements, byte).unwrap().line, 2);
    }
}
