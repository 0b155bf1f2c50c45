//! The rules `seedkit lint` applies, and for each the safe way to do the
//! same thing on a live database.
//!
//! All but one come from squawk's linter (the `squawk-linter` crate, which
//! parses with its own PostgreSQL grammar): seedkit picks the rules about
//! locks and rewrites on tables that already hold rows, and leaves out
//! squawk's style rules (`prefer-bigint-over-int`, `prefer-text-field`, ...).
//! CockroachDB's one-DDL-per-transaction rule is seedkit's own
//! ([`COCKROACH_DDL_IN_TRANSACTION`]).

use squawk_linter::Rule;

/// The squawk rules seedkit enables.
pub const SQUAWK_RULES: &[Rule] = &[
    Rule::RequireConcurrentIndexCreation,
    Rule::BanConcurrentIndexCreationInTransaction,
    Rule::AddingForeignKeyConstraint,
    Rule::ConstraintMissingNotValid,
    Rule::AddingNotNullableField,
    Rule::AddingRequiredField,
    Rule::ChangingColumnType,
    Rule::AddingFieldWithDefault,
    Rule::BanDropColumn,
    Rule::BanDropTable,
    Rule::RenamingColumn,
    Rule::RenamingTable,
];

/// More than one DDL statement in one transaction, on CockroachDB.
pub const COCKROACH_DDL_IN_TRANSACTION: &str = "cockroachdb-ddl-in-transaction";

/// A silencing comment without a reason (it silences nothing).
pub const ALLOW_WITHOUT_REASON: &str = "allow-without-reason";

/// A silencing comment naming a rule seedkit does not know.
pub const ALLOW_UNKNOWN_RULE: &str = "allow-unknown-rule";

/// Every rule name a silencing comment may name.
pub fn known(name: &str) -> bool {
    name == COCKROACH_DDL_IN_TRANSACTION || SQUAWK_RULES.iter().any(|r| r.to_string() == name)
}

/// seedkit's own words for why a rule matters, where squawk's message does
/// not say it for this case.
pub fn why(rule: Rule) -> Option<&'static str> {
    match rule {
        Rule::AddingFieldWithDefault => Some(
            "a volatile DEFAULT (gen_random_uuid(), clock_timestamp(), random()) is computed \
             for every existing row: PostgreSQL rewrites the whole table under an ACCESS \
             EXCLUSIVE lock, blocking reads and writes until it is done",
        ),
        _ => None,
    }
}

/// The safe form of what a rule flags, in seedkit's terms.
pub fn safe_form(rule: &str) -> &'static str {
    match rule {
        "require-concurrent-index-creation" => {
            "CREATE INDEX CONCURRENTLY, in a migration whose first line is \
             `-- seedkit:no-transaction` (CONCURRENTLY cannot run in a transaction)"
        }
        "ban-concurrent-index-creation-in-transaction" => {
            "put `-- seedkit:no-transaction` on the first line so the statement runs \
             outside a transaction"
        }
        "adding-foreign-key-constraint" => {
            "ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, then in a later migration \
             ALTER TABLE ... VALIDATE CONSTRAINT ..."
        }
        "constraint-missing-not-valid" => {
            "ADD CONSTRAINT ... NOT VALID here, and VALIDATE CONSTRAINT in a later \
             migration (validation takes a lock that lets writes through)"
        }
        "adding-not-nullable-field" => {
            "ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c \
             (next migration); then SET NOT NULL, which uses the validated check \
             instead of scanning the table"
        }
        "adding-required-field" => {
            "add the column nullable or with a constant DEFAULT, backfill, then add \
             NOT NULL the safe way"
        }
        "changing-column-type" => {
            "add a new column of the new type, backfill it in batches, switch readers, \
             then drop the old column"
        }
        "adding-field-with-default" => {
            "add the column without a default (or with a constant one), backfill in \
             batches, then SET DEFAULT"
        }
        "ban-drop-column" | "ban-drop-table" => {
            "stop every reader and writer using it first (a release before), then drop \
             it; silence the rule with the reason once that is done"
        }
        "renaming-column" | "renaming-table" => {
            "add the new name (a new column kept in sync, or a view), move clients \
             over, then drop the old one"
        }
        COCKROACH_DDL_IN_TRANSACTION => {
            "one DDL statement per migration, or `-- seedkit:no-transaction` so each \
             statement commits alone (CockroachDB commits DDL outside the transaction)"
        }
        ALLOW_WITHOUT_REASON => "-- seedkit:lint-allow <rule>: <why this is safe here>",
        ALLOW_UNKNOWN_RULE => "name one of the rules listed in docs/verify.md",
        _ => "",
    }
}
