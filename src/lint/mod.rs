//! `seedkit lint`: flags statements that are dangerous on a live database
//! (they block writes, rewrite a table, or break running clients), each with
//! file:line:column, the rule, why it hurts and the safe form.
//!
//! Parsing and most rules are squawk's (`squawk-syntax`, `squawk-linter`):
//! a maintained PostgreSQL migration linter in pure Rust, so no C toolchain
//! or libclang is needed (pg_query would need both, and a much longer
//! build). [`rules`] lists the rules seedkit enables.
//!
//! A rule is silenced for one statement by a comment before it (or inside
//! it) that must give a reason:
//! `-- seedkit:lint-allow ban-drop-column: the column is unused since v2.3`.
//! A silencing comment without a reason, or naming an unknown rule, is
//! itself flagged. squawk's own `-- squawk-ignore` comments count only with
//! a reason after a second `--`.

pub mod rules;

use std::path::{Path, PathBuf};

use squawk_syntax::ast::{self, AstNode as _};
use squawk_syntax::{SourceFile, SyntaxKind};

/// What to lint for.
#[derive(Debug, Clone, Copy, Default)]
pub struct LintOptions {
    /// Also apply the CockroachDB rule (one DDL statement per transaction).
    pub cockroachdb: bool,
}

/// A flagged statement.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub rule: String,
    /// The flagged text's first line.
    pub statement: String,
    pub why: String,
    pub safe: String,
}

/// A finding silenced by a comment, with the comment's reason.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Silenced {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub rule: String,
    pub reason: String,
}

/// What linting one or more files found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct LintReport {
    pub files: Vec<PathBuf>,
    pub findings: Vec<Finding>,
    pub silenced: Vec<Silenced>,
}

/// A script to lint: its path, text and whether it runs in a transaction.
pub struct Input<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    pub in_transaction: bool,
}

/// A `-- seedkit:lint-allow` (or `-- squawk-ignore`) comment.
struct Allow {
    at: usize,
    rules: Vec<String>,
    reason: String,
}

/// A finding before silencing: the byte range it covers and what it says.
struct Raw {
    start: usize,
    end: usize,
    rule: String,
    why: String,
    help: Option<String>,
}

impl LintReport {
    /// Lints one script and adds what it found.
    pub fn add(&mut self, input: &Input<'_>, options: LintOptions) {
        self.files.push(input.path.to_path_buf());
        let parse = SourceFile::parse(input.text);
        for error in parse.errors() {
            let (line, column) =
                line_and_column(input.text, u32::from(error.range().start()) as usize);
            crate::ui::warn(format!(
                "{}:{line}:{column}: the SQL parser did not understand this ({}); \
                 rules may miss the statement",
                input.path.display(),
                error.message()
            ));
        }
        let file = parse.tree();
        let statements = statements(&file);
        // squawk knows tables created in the same file only inside a
        // transaction; seedkit never flags them, transaction or not.
        let mut raw: Vec<Raw> = squawk_findings(&parse, input)
            .into_iter()
            .filter(|r| {
                !statements
                    .iter()
                    .any(|s| s.on_new_table && s.contains(r.start))
            })
            .collect();
        if options.cockroachdb && input.in_transaction {
            raw.extend(cockroach_ddl(&file, input.text));
        }
        let allows = allow_comments(&file);
        for allow in &allows {
            if let Some(problem) = allow_problem(allow) {
                raw.push(problem);
            }
        }
        raw.sort_by_key(|r| r.start);
        for finding in raw {
            let (line, column) = line_and_column(input.text, finding.start);
            let silencer = silencer(&allows, &statements, &finding);
            if let Some(allow) = silencer {
                self.silenced.push(Silenced {
                    file: input.path.to_path_buf(),
                    line,
                    column,
                    rule: finding.rule,
                    reason: allow.reason.clone(),
                });
                continue;
            }
            let text = &input.text[finding.start..finding.end.min(input.text.len())];
            let safe = match rules::safe_form(&finding.rule) {
                "" => finding.help.unwrap_or_default(),
                s => s.to_string(),
            };
            self.findings.push(Finding {
                file: input.path.to_path_buf(),
                line,
                column,
                statement: text.lines().next().unwrap_or("").trim().to_string(),
                rule: finding.rule,
                why: finding.why,
                safe,
            });
        }
    }
}

/// A statement's byte range, and whether it changes a table the same file
/// created earlier.
struct Span {
    start: usize,
    end: usize,
    on_new_table: bool,
}

impl Span {
    fn contains(&self, at: usize) -> bool {
        self.start <= at && at < self.end.max(self.start + 1)
    }
}

fn statements(file: &SourceFile) -> Vec<Span> {
    let mut created = std::collections::HashSet::new();
    file.stmts()
        .map(|stmt| {
            let r = stmt.syntax().text_range();
            let target = match &stmt {
                ast::Stmt::CreateIndex(s) => s
                    .table_relation_name()
                    .and_then(|r| r.table_name_ref())
                    .and_then(|t| t.path_ref())
                    .and_then(|p| p.segment())
                    .map(|x| x.text()),
                ast::Stmt::AlterTable(s) => s
                    .table_relation_name()
                    .and_then(|r| r.table_name_ref())
                    .and_then(|t| t.path_ref())
                    .and_then(|p| p.segment())
                    .map(|x| x.text()),
                _ => None,
            };
            let on_new_table = target.is_some_and(|t| created.contains(&t));
            if let ast::Stmt::CreateTable(table) = &stmt
                && let Some(name) = table
                    .table_name()
                    .and_then(|t| t.path())
                    .and_then(|p| p.segment())
            {
                created.insert(name.text());
            }
            Span {
                start: u32::from(r.start()) as usize,
                end: u32::from(r.end()) as usize,
                on_new_table,
            }
        })
        .collect()
}

fn squawk_findings(parse: &squawk_syntax::Parse<SourceFile>, input: &Input<'_>) -> Vec<Raw> {
    let mut linter = squawk_linter::Linter::from(rules::SQUAWK_RULES.iter().copied());
    linter.settings.assume_in_transaction = input.in_transaction;
    linter
        .lint(parse, input.text)
        .into_iter()
        // squawk reports its own ignore comments' unknown names; seedkit
        // checks silencing comments itself.
        .filter(|v| v.code != squawk_linter::Rule::UnusedIgnore)
        .map(|v| Raw {
            start: u32::from(v.text_range.start()) as usize,
            end: u32::from(v.text_range.end()) as usize,
            rule: v.code.to_string(),
            why: rules::why(v.code).map_or(v.message, str::to_string),
            help: v.help,
        })
        .collect()
}

/// The second and later DDL statements of a transactional script.
fn cockroach_ddl(file: &SourceFile, text: &str) -> Vec<Raw> {
    let ddl = file.stmts().filter(|s| {
        let first = s
            .syntax()
            .children_with_tokens()
            .find(|t| !t.kind().is_trivia())
            .map(|t| t.to_string().to_ascii_uppercase())
            .unwrap_or_default();
        let first = first.split_whitespace().next().unwrap_or("").to_string();
        matches!(
            first.as_str(),
            "CREATE" | "ALTER" | "DROP" | "COMMENT" | "TRUNCATE" | "GRANT" | "REVOKE" | "REINDEX"
        )
    });
    ddl.skip(1)
        .map(|s| {
            let r = s.syntax().text_range();
            let start = first_non_space(text, u32::from(r.start()) as usize);
            Raw {
                start,
                end: u32::from(r.end()) as usize,
                rule: rules::COCKROACH_DDL_IN_TRANSACTION.into(),
                why: "CockroachDB commits each DDL statement on its own (autocommit_before_ddl): \
                      a transaction with several is not atomic, and a failure leaves the \
                      migration half-applied and unrecorded"
                    .into(),
                help: None,
            }
        })
        .collect()
}

fn first_non_space(text: &str, from: usize) -> usize {
    let rest = &text[from.min(text.len())..];
    from + (rest.len() - rest.trim_start().len())
}

/// Every silencing comment of the file.
fn allow_comments(file: &SourceFile) -> Vec<Allow> {
    file.syntax()
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| t.kind() == SyntaxKind::COMMENT)
        .filter_map(|t| {
            let at = u32::from(t.text_range().start()) as usize;
            parse_allow(t.text()).map(|(rules, reason)| Allow { at, rules, reason })
        })
        .collect()
}

/// `-- seedkit:lint-allow a, b: reason` or `-- squawk-ignore a, b -- reason`
/// into (rules, reason); `None` for any other comment.
fn parse_allow(comment: &str) -> Option<(Vec<String>, String)> {
    let body = comment.strip_prefix("--")?.trim();
    let (names, reason) = if let Some(rest) = body.strip_prefix("seedkit:lint-allow") {
        rest.split_once(':').unwrap_or((rest, ""))
    } else if let Some(rest) = body.strip_prefix("squawk-ignore") {
        if rest.starts_with("-file") {
            return Some((vec!["squawk-ignore-file".into()], String::new()));
        }
        rest.split_once("--").unwrap_or((rest, ""))
    } else {
        return None;
    };
    let rules = names
        .split(',')
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect();
    Some((rules, reason.trim().to_string()))
}

/// A silencing comment that is itself a problem.
fn allow_problem(allow: &Allow) -> Option<Raw> {
    let raw = |rule: &str, why: String| Raw {
        start: allow.at,
        end: allow.at,
        rule: rule.into(),
        why,
        help: None,
    };
    if let Some(unknown) = allow.rules.iter().find(|r| !rules::known(r)) {
        return Some(raw(
            rules::ALLOW_UNKNOWN_RULE,
            format!(
                "`{unknown}` is not a rule seedkit lint applies (a file-wide or rule-less silence is not allowed either)"
            ),
        ));
    }
    if allow.rules.is_empty() || allow.reason.is_empty() {
        return Some(raw(
            rules::ALLOW_WITHOUT_REASON,
            "a silencing comment must name the rule and say why the statement is safe; \
             this one silences nothing"
                .into(),
        ));
    }
    None
}

/// The valid silencing comment that covers `finding`: one in the same
/// statement, or between the previous statement and this one.
fn silencer<'a>(allows: &'a [Allow], statements: &[Span], finding: &Raw) -> Option<&'a Allow> {
    if finding.rule == rules::ALLOW_WITHOUT_REASON || finding.rule == rules::ALLOW_UNKNOWN_RULE {
        return None;
    }
    let index = statements.iter().position(|s| s.contains(finding.start))?;
    let from = if index == 0 {
        0
    } else {
        statements[index - 1].end
    };
    let to = statements[index].end;
    allows.iter().find(|a| {
        a.at >= from
            && a.at < to
            && !a.reason.is_empty()
            && a.rules.iter().any(|r| r == &finding.rule)
    })
}

/// The 1-based line and column (in characters) of byte offset `at`.
pub fn line_and_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lint(sql: &str, cockroachdb: bool) -> LintReport {
        let mut report = LintReport::default();
        report.add(
            &Input {
                path: Path::new("m.sql"),
                text: sql,
                in_transaction: true,
            },
            LintOptions { cockroachdb },
        );
        report
    }

    fn rules_of(report: &LintReport) -> Vec<(usize, usize, &str)> {
        report
            .findings
            .iter()
            .map(|f| (f.line, f.column, f.rule.as_str()))
            .collect()
    }

    #[test]
    fn index_on_an_existing_table_is_flagged_with_its_position() {
        let report = lint("SELECT 1;\n  CREATE INDEX i ON players (email);\n", false);
        assert_eq!(
            rules_of(&report),
            vec![(2, 3, "require-concurrent-index-creation")]
        );
        assert!(report.findings[0].safe.contains("CONCURRENTLY"));
    }

    #[test]
    fn a_table_created_in_the_same_file_is_not_flagged() {
        let report = lint(
            "CREATE TABLE t (id bigint PRIMARY KEY, a text);\nCREATE INDEX i ON t (a);\n",
            false,
        );
        assert_eq!(rules_of(&report), vec![]);
    }

    #[test]
    fn silencing_needs_a_known_rule_and_a_reason() {
        let report = lint(
            "-- seedkit:lint-allow ban-drop-column: unused since v2\n\
             ALTER TABLE a DROP COLUMN b;\n\
             -- seedkit:lint-allow ban-drop-table\n\
             DROP TABLE c;\n\
             -- seedkit:lint-allow no-such-rule: because\n\
             SELECT 1;\n",
            false,
        );
        assert_eq!(
            rules_of(&report),
            vec![
                (3, 1, "allow-without-reason"),
                (4, 1, "ban-drop-table"),
                (5, 1, "allow-unknown-rule"),
            ]
        );
        assert_eq!(report.silenced.len(), 1);
        assert_eq!(report.silenced[0].reason, "unused since v2");
    }

    #[test]
    fn cockroachdb_flags_the_second_ddl_statement_of_a_transaction() {
        let sql = "CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\nCREATE TABLE b (id int);\n";
        assert_eq!(rules_of(&lint(sql, false)), vec![]);
        assert_eq!(
            rules_of(&lint(sql, true)),
            vec![(3, 1, "cockroachdb-ddl-in-transaction")]
        );
    }
}
