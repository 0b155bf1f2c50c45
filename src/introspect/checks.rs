//! CHECK constraints read back into the few shapes a generator can honour.
//!
//! `pg_get_constraintdef` prints a CHECK in PostgreSQL's own normal form
//! (`BETWEEN` becomes `>= AND <=`, `IN (...)` becomes `= ANY (ARRAY[...])`,
//! literals carry casts). squawk's parser turns that text into a syntax
//! tree; each `AND` term becomes one [`Rule`] when it has a shape seedkit
//! knows (`x >= a`, `x IN (...)`, `length(x) <= n`, `a <= b`, `x IS NULL OR
//! ...`, `x IS NOT NULL OR y IS NOT NULL`), or [`Rule::Other`] with its text.

use squawk_syntax::{SourceFile, SyntaxKind, SyntaxNode};

/// A comparison operator, as `column OP value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

impl Op {
    /// The operator with its sides swapped (`a < x` is `x > a`).
    fn flipped(self) -> Op {
        match self {
            Op::Lt => Op::Gt,
            Op::Le => Op::Ge,
            Op::Gt => Op::Lt,
            Op::Ge => Op::Le,
            Op::Eq => Op::Eq,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "=",
        }
    }
}

/// A constant in a CHECK: a number, or text (dates and timestamps are text
/// with their cast dropped).
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Number(f64),
    Text(String),
}

impl Literal {
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Literal::Number(n) => Some(*n),
            Literal::Text(t) => t.trim().parse().ok(),
        }
    }
}

/// One `AND` term of a CHECK constraint.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// `column OP constant`.
    Bound {
        column: String,
        op: Op,
        value: Literal,
    },
    /// `column IN (...)` / `column = ANY (ARRAY[...])`.
    OneOf {
        column: String,
        values: Vec<Literal>,
    },
    /// `length(column) OP n` (also `char_length`).
    Length { column: String, op: Op, n: i64 },
    /// `left OP right` between two columns of the row.
    Order { left: String, op: Op, right: String },
    /// `column IS NULL OR rule`: the rule holds whenever the column is set.
    WhenSet { column: String, rule: Box<Rule> },
    /// `a IS NOT NULL OR b IS NOT NULL ...`: at least one is set.
    AnySet(Vec<String>),
    /// `column IS NOT NULL`.
    NotNull(String),
    /// Anything else: the term's text and the columns it names.
    Other { text: String, columns: Vec<String> },
}

/// The rules of a CHECK constraint's definition (`CHECK ((a > 0))` as
/// `pg_get_constraintdef` prints it, or just the expression). `value_name`
/// replaces `VALUE` in a domain's constraint (the column's name).
pub fn parse(definition: &str, value_name: Option<&str>) -> Vec<Rule> {
    let expression = definition
        .trim()
        .strip_prefix("CHECK")
        .unwrap_or(definition)
        .trim();
    let expression = expression
        .strip_suffix("NOT VALID")
        .unwrap_or(expression)
        .trim();
    let sql = format!("SELECT 1 WHERE {expression};");
    let parse = SourceFile::parse(&sql);
    let root = parse.syntax_node();
    let Some(where_clause) = root
        .descendants()
        .find(|n| n.kind() == SyntaxKind::WHERE_CLAUSE)
    else {
        return vec![other(expression, Vec::new())];
    };
    let Some(expr) = where_clause.children().next() else {
        return vec![other(expression, Vec::new())];
    };
    let reader = Reader { value_name };
    let mut terms = Vec::new();
    reader.and_terms(&expr, &mut terms);
    terms.iter().map(|t| reader.rule(t)).collect()
}

fn other(text: &str, columns: Vec<String>) -> Rule {
    Rule::Other {
        text: text.to_string(),
        columns,
    }
}

struct Reader<'a> {
    value_name: Option<&'a str>,
}

impl Reader<'_> {
    /// Splits `a AND b AND c` (through parentheses) into its terms.
    fn and_terms(&self, node: &SyntaxNode, out: &mut Vec<SyntaxNode>) {
        let node = unparen(node);
        if let Some((left, SyntaxKind::AND_KW, right)) = parts(&node) {
            self.and_terms(&left, out);
            self.and_terms(&right, out);
        } else {
            out.push(node);
        }
    }

    fn or_terms(&self, node: &SyntaxNode, out: &mut Vec<SyntaxNode>) {
        let node = unparen(node);
        if let Some((left, SyntaxKind::OR_KW, right)) = parts(&node) {
            self.or_terms(&left, out);
            self.or_terms(&right, out);
        } else {
            out.push(node);
        }
    }

    fn rule(&self, node: &SyntaxNode) -> Rule {
        self.try_rule(node)
            .unwrap_or_else(|| other(node.text().to_string().trim(), self.columns(node)))
    }

    fn try_rule(&self, node: &SyntaxNode) -> Option<Rule> {
        let node = unparen(node);
        let (left, op, right) = parts(&node)?;
        let (left, right) = (&unparen(&left), &unparen(&right));
        if op == SyntaxKind::OR_KW {
            return self.or_rule(&node);
        }
        if op == SyntaxKind::IS_NOT && is_null_literal(right) {
            return Some(Rule::NotNull(self.column(left)?));
        }
        let op = comparison(op)?;
        // column = ANY (ARRAY[...])
        if op == Op::Eq
            && let Some(values) = self.any_array(right)
        {
            return Some(Rule::OneOf {
                column: self.column(left)?,
                values,
            });
        }
        match (self.column(left), self.column(right)) {
            (Some(l), Some(r)) => Some(Rule::Order {
                left: l,
                op,
                right: r,
            }),
            (Some(column), None) => Some(Rule::Bound {
                column,
                op,
                value: literal(right)?,
            }),
            (None, Some(column)) => Some(Rule::Bound {
                column,
                op: op.flipped(),
                value: literal(left)?,
            }),
            (None, None) => {
                if let Some(column) = self.length_of(left) {
                    let n = literal(right)?.as_f64()? as i64;
                    return Some(Rule::Length { column, op, n });
                }
                let column = self.length_of(right)?;
                let n = literal(left)?.as_f64()? as i64;
                Some(Rule::Length {
                    column,
                    op: op.flipped(),
                    n,
                })
            }
        }
    }

    /// `x IS NULL OR rule`, or `a IS NOT NULL OR b IS NOT NULL`.
    fn or_rule(&self, node: &SyntaxNode) -> Option<Rule> {
        let mut terms = Vec::new();
        self.or_terms(node, &mut terms);
        let not_null: Vec<String> = terms
            .iter()
            .filter_map(|t| match self.try_rule(t) {
                Some(Rule::NotNull(c)) => Some(c),
                _ => None,
            })
            .collect();
        if not_null.len() == terms.len() {
            return Some(Rule::AnySet(not_null));
        }
        if let [first, second] = terms.as_slice()
            && let Some(column) = self.is_null(first)
        {
            let rule = self.try_rule(second)?;
            return Some(Rule::WhenSet {
                column,
                rule: Box::new(rule),
            });
        }
        None
    }

    /// `x IS NULL` -> x.
    fn is_null(&self, node: &SyntaxNode) -> Option<String> {
        match parts(&unparen(node))? {
            (left, SyntaxKind::IS_KW, right) if is_null_literal(&right) => self.column(&left),
            _ => None,
        }
    }

    /// A column reference (through casts): its name.
    fn column(&self, node: &SyntaxNode) -> Option<String> {
        let node = uncast(&unparen(node));
        if node.kind() != SyntaxKind::NAME_REF {
            return None;
        }
        let text = node.text().to_string();
        if text.eq_ignore_ascii_case("value")
            && let Some(name) = self.value_name
        {
            return Some(name.to_string());
        }
        Some(unquote_ident(&text))
    }

    /// `length(x)` / `char_length(x)` / `character_length(x)` -> x.
    fn length_of(&self, node: &SyntaxNode) -> Option<String> {
        let node = uncast(&unparen(node));
        if node.kind() != SyntaxKind::CALL_EXPR {
            return None;
        }
        let name = node.children().find(|c| c.kind() == SyntaxKind::NAME_REF)?;
        let name = name.text().to_string().to_ascii_lowercase();
        if !matches!(name.as_str(), "length" | "char_length" | "character_length") {
            return None;
        }
        let args = node.children().find(|c| c.kind() == SyntaxKind::ARG_LIST)?;
        let arg = args.children().next()?;
        let inner = arg.children().next().unwrap_or(arg);
        self.column(&inner)
    }

    /// `ANY (ARRAY[a, b, c])` -> its literals.
    fn any_array(&self, node: &SyntaxNode) -> Option<Vec<Literal>> {
        let node = unparen(node);
        if node.kind() != SyntaxKind::CALL_EXPR {
            return None;
        }
        let any = node.children().find(|c| c.kind() == SyntaxKind::ANY_FN)?;
        let array = any
            .descendants()
            .find(|c| c.kind() == SyntaxKind::ARRAY_EXPR)?;
        array.children().map(|item| literal(&item)).collect()
    }

    /// Every column a term names, for messages and for deciding whether
    /// the profile touches it.
    fn columns(&self, node: &SyntaxNode) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for n in node
            .descendants()
            .filter(|n| n.kind() == SyntaxKind::NAME_REF)
        {
            // A function's name is a NAME_REF too; its parent is the call.
            if n.parent()
                .is_some_and(|p| p.kind() == SyntaxKind::CALL_EXPR)
            {
                continue;
            }
            if let Some(name) = self.column(&n)
                && !names.contains(&name)
            {
                names.push(name);
            }
        }
        names
    }
}

fn unparen(node: &SyntaxNode) -> SyntaxNode {
    let mut node = node.clone();
    while node.kind() == SyntaxKind::PAREN_EXPR {
        match node.children().next() {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

/// Drops `::type` casts (and parentheses inside them).
fn uncast(node: &SyntaxNode) -> SyntaxNode {
    let mut node = node.clone();
    while node.kind() == SyntaxKind::CAST_EXPR || node.kind() == SyntaxKind::PAREN_EXPR {
        match node.children().next() {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

/// A binary expression's left side, operator and right side (the operator
/// is a token such as `>=` or `AND`, or a node such as `IS NOT`).
fn parts(node: &SyntaxNode) -> Option<(SyntaxNode, SyntaxKind, SyntaxNode)> {
    if node.kind() != SyntaxKind::BIN_EXPR {
        return None;
    }
    let elements: Vec<_> = node
        .children_with_tokens()
        .filter(|e| !matches!(e.kind(), SyntaxKind::WHITESPACE | SyntaxKind::COMMENT))
        .collect();
    let [left, op, right] = elements.as_slice() else {
        return None;
    };
    Some((left.as_node()?.clone(), op.kind(), right.as_node()?.clone()))
}

fn comparison(kind: SyntaxKind) -> Option<Op> {
    Some(match kind {
        SyntaxKind::L_ANGLE => Op::Lt,
        SyntaxKind::LTEQ => Op::Le,
        SyntaxKind::R_ANGLE => Op::Gt,
        SyntaxKind::GTEQ => Op::Ge,
        SyntaxKind::EQ => Op::Eq,
        _ => return None,
    })
}

fn is_null_literal(node: &SyntaxNode) -> bool {
    let node = unparen(node);
    node.kind() == SyntaxKind::LITERAL && node.text().to_string().eq_ignore_ascii_case("null")
}

/// A constant (through casts and a leading minus).
fn literal(node: &SyntaxNode) -> Option<Literal> {
    let node = uncast(&unparen(node));
    match node.kind() {
        SyntaxKind::PREFIX_EXPR => {
            let text = node.text().to_string();
            let inner = node.children().next()?;
            match literal(&inner)? {
                Literal::Number(n) if text.trim_start().starts_with('-') => {
                    Some(Literal::Number(-n))
                }
                other => Some(other),
            }
        }
        SyntaxKind::LITERAL => {
            let text = node.text().to_string();
            let text = text.trim();
            if let Some(inner) = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
                let value = inner.replace("''", "'");
                return Some(match value.parse::<f64>() {
                    Ok(n)
                        if value
                            .trim()
                            .chars()
                            .all(|c| c.is_ascii_digit() || ".-+".contains(c)) =>
                    {
                        Literal::Number(n)
                    }
                    _ => Literal::Text(value),
                });
            }
            text.parse().ok().map(Literal::Number)
        }
        _ => None,
    }
}

fn unquote_ident(text: &str) -> String {
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => text.to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bound(column: &str, op: Op, n: f64) -> Rule {
        Rule::Bound {
            column: column.into(),
            op,
            value: Literal::Number(n),
        }
    }

    #[test]
    fn between_is_two_bounds() {
        assert_eq!(
            parse("CHECK (((level >= 1) AND (level <= 50)))", None),
            vec![bound("level", Op::Ge, 1.0), bound("level", Op::Le, 50.0)]
        );
    }

    #[test]
    fn casts_minus_and_flipped_sides() {
        assert_eq!(
            parse("CHECK ((price > (0)::numeric))", None),
            vec![bound("price", Op::Gt, 0.0)]
        );
        assert_eq!(
            parse("CHECK ((x >= '-1.5'::numeric))", None),
            vec![bound("x", Op::Ge, -1.5)]
        );
        assert_eq!(
            parse("CHECK ((x >= -3))", None),
            vec![bound("x", Op::Ge, -3.0)]
        );
        assert_eq!(
            parse("CHECK ((10 > x))", None),
            vec![bound("x", Op::Lt, 10.0)]
        );
    }

    #[test]
    fn in_lists_lengths_and_orders() {
        assert_eq!(
            parse(
                "CHECK ((status = ANY (ARRAY['open'::text, 'in_progress'::text])))",
                None
            ),
            vec![Rule::OneOf {
                column: "status".into(),
                values: vec![
                    Literal::Text("open".into()),
                    Literal::Text("in_progress".into())
                ]
            }]
        );
        assert_eq!(
            parse("CHECK ((length(name) <= 40))", None),
            vec![Rule::Length {
                column: "name".into(),
                op: Op::Le,
                n: 40
            }]
        );
        assert_eq!(
            parse("CHECK ((char_length(VALUE) >= 3))", Some("code")),
            vec![Rule::Length {
                column: "code".into(),
                op: Op::Ge,
                n: 3
            }]
        );
        assert_eq!(
            parse(
                "CHECK (((min_fps >= (0)::double precision) AND (min_fps <= avg_fps)))",
                None
            ),
            vec![
                bound("min_fps", Op::Ge, 0.0),
                Rule::Order {
                    left: "min_fps".into(),
                    op: Op::Le,
                    right: "avg_fps".into()
                }
            ]
        );
    }

    #[test]
    fn null_shapes() {
        assert_eq!(
            parse(
                "CHECK (((closed_at IS NULL) OR (closed_at >= opened_at)))",
                None
            ),
            vec![Rule::WhenSet {
                column: "closed_at".into(),
                rule: Box::new(Rule::Order {
                    left: "closed_at".into(),
                    op: Op::Ge,
                    right: "opened_at".into()
                })
            }]
        );
        assert_eq!(
            parse("CHECK (((email IS NOT NULL) OR (phone IS NOT NULL)))", None),
            vec![Rule::AnySet(vec!["email".into(), "phone".into()])]
        );
    }

    #[test]
    fn anything_else_is_quoted_with_its_columns() {
        let rules = parse("CHECK ((VALUE ~ '^[A-Z]{3}$'::text))", Some("currency"));
        assert_eq!(
            rules,
            vec![Rule::Other {
                text: "VALUE ~ '^[A-Z]{3}$'::text".into(),
                columns: vec!["currency".into()]
            }]
        );
    }
}
