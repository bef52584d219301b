//! SQL92 message selectors (`expressionType` `SQL92`), evaluated against a message's
//! properties, as Apache's broker does when `enablePropertyFilter=true`.
//!
//! The grammar is Apache's (`SelectorParser.jj`): `AND`, `OR`, `NOT`, parentheses; `=`, `<>`,
//! `>`, `>=`, `<`, `<=`; `[NOT] BETWEEN a AND b`; `[NOT] IN ('x', 'y')`; `IS [NOT] NULL`;
//! `TRUE` / `FALSE`; string literals in single quotes (`''` escapes one); integer and decimal
//! numbers; identifiers `[a-zA-Z_$][a-zA-Z0-9_$.]*`; keywords in any case; and the 5.x
//! `[NOT] CONTAINS`, `STARTSWITH`, `ENDSWITH`. Properties are strings: compared with a number
//! they are read as one, and two strings compare by `<`/`>` only when both are numbers. A
//! missing property, or one that does not read as the other side's type, makes the comparison
//! unknown, and only a plain TRUE selects a message.

use std::fmt;

/// Why a selector does not compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid SQL92 selector at {at}: {what}")]
pub struct SqlError {
    /// Character position.
    pub at: usize,
    /// What went wrong.
    pub what: String,
}

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Bool(bool),
    Long(i64),
    Double(f64),
    Str(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StrOp {
    Contains,
    StartsWith,
    EndsWith,
}

/// A compiled selector.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlExpression(Node);

/// The syntax tree (BETWEEN is desugared into two comparisons).
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Literal(Value),
    Property(String),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
    Compare(Box<Node>, Cmp, Box<Node>),
    /// Subject, set, negated.
    In(Box<Node>, Vec<String>, bool),
    /// Subject, negated.
    IsNull(Box<Node>, bool),
    /// Subject, operator, operand, negated.
    Text(Box<Node>, StrOp, String, bool),
}

impl SqlExpression {
    /// Compiles a selector.
    pub fn parse(text: &str) -> Result<Self, SqlError> {
        let tokens = lex(text)?;
        let mut p = Parser { tokens, i: 0 };
        let e = p.or()?;
        if let Some((at, t)) = p.tokens.get(p.i) {
            return Err(SqlError {
                at: *at,
                what: format!("unexpected {t}"),
            });
        }
        Ok(SqlExpression(e))
    }

    /// Whether a message with these properties is selected.
    pub fn matches<'a>(&self, property: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.0.eval(&property) == Some(Value::Bool(true))
    }
}

impl Node {
    fn eval<'a>(&self, prop: &dyn Fn(&str) -> Option<&'a str>) -> Option<Value> {
        match self {
            Node::Literal(v) => Some(v.clone()),
            Node::Property(name) => prop(name).map(|s| Value::Str(s.to_string())),
            Node::And(a, b) => match (truth(a.eval(prop)), truth(b.eval(prop))) {
                (Some(false), _) | (_, Some(false)) => Some(Value::Bool(false)),
                (Some(true), Some(true)) => Some(Value::Bool(true)),
                _ => None,
            },
            Node::Or(a, b) => match (truth(a.eval(prop)), truth(b.eval(prop))) {
                (Some(true), _) | (_, Some(true)) => Some(Value::Bool(true)),
                (Some(false), Some(false)) => Some(Value::Bool(false)),
                _ => None,
            },
            Node::Not(a) => truth(a.eval(prop)).map(|b| Value::Bool(!b)),
            Node::Compare(a, op, b) => {
                let (a, b) = (a.eval(prop)?, b.eval(prop)?);
                // Equality of two strings is textual.
                if let (Value::Str(x), Value::Str(y), Cmp::Eq | Cmp::Ne) = (&a, &b, *op) {
                    return Some(Value::Bool((x == y) == (*op == Cmp::Eq)));
                }
                let ord = compare(&a, &b)?;
                let yes = match op {
                    Cmp::Eq => ord.is_eq(),
                    Cmp::Ne => ord.is_ne(),
                    Cmp::Gt => ord.is_gt(),
                    Cmp::Ge => ord.is_ge(),
                    Cmp::Lt => ord.is_lt(),
                    Cmp::Le => ord.is_le(),
                };
                Some(Value::Bool(yes))
            }
            Node::In(a, set, negated) => match a.eval(prop)? {
                Value::Str(s) => Some(Value::Bool(set.contains(&s) != *negated)),
                _ => None,
            },
            Node::IsNull(a, negated) => Some(Value::Bool(a.eval(prop).is_none() != *negated)),
            Node::Text(a, op, needle, negated) => match a.eval(prop)? {
                Value::Str(s) => {
                    let yes = match op {
                        StrOp::Contains => s.contains(needle.as_str()),
                        StrOp::StartsWith => s.starts_with(needle.as_str()),
                        StrOp::EndsWith => s.ends_with(needle.as_str()),
                    };
                    Some(Value::Bool(yes != *negated))
                }
                _ => None,
            },
        }
    }
}

fn truth(v: Option<Value>) -> Option<bool> {
    match v {
        Some(Value::Bool(b)) => Some(b),
        _ => None,
    }
}

/// Orders two values, reading strings as the other side's type; `None` when incomparable.
fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    use Value::*;
    let num = |s: &str| -> Option<Value> {
        s.trim()
            .parse::<i64>()
            .map(Long)
            .or_else(|_| s.trim().parse::<f64>().map(Double))
            .ok()
    };
    match (a, b) {
        (Long(x), Long(y)) => Some(x.cmp(y)),
        (Long(_) | Double(_), Long(_) | Double(_)) => as_f64(a)?.partial_cmp(&as_f64(b)?),
        (Str(s), Long(_) | Double(_)) => compare(&num(s)?, b),
        (Long(_) | Double(_), Str(s)) => compare(a, &num(s)?),
        // Apache orders two strings only when both read as numbers.
        (Str(x), Str(y)) => compare(&num(x)?, &num(y)?),
        (Bool(x), Bool(y)) => Some(x.cmp(y)),
        (Str(s), Bool(y)) | (Bool(y), Str(s)) => {
            let x = s.trim().eq_ignore_ascii_case("true");
            Some(x.cmp(y))
        }
        _ => None,
    }
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Long(x) => Some(*x as f64),
        Value::Double(x) => Some(*x),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Long(i64),
    Double(f64),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Ident(s) => write!(f, "`{s}`"),
            Token::Str(s) => write!(f, "'{s}'"),
            Token::Long(n) => write!(f, "{n}"),
            Token::Double(n) => write!(f, "{n}"),
            Token::Op(o) => write!(f, "`{o}`"),
            Token::LParen => f.write_str("`(`"),
            Token::RParen => f.write_str("`)`"),
            Token::Comma => f.write_str("`,`"),
        }
    }
}

fn lex(text: &str) -> Result<Vec<(usize, Token)>, SqlError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |at: usize, what: &str| SqlError {
        at,
        what: what.to_string(),
    };
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => (out.push((start, Token::LParen)), i += 1).1,
            ')' => (out.push((start, Token::RParen)), i += 1).1,
            ',' => (out.push((start, Token::Comma)), i += 1).1,
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(err(start, "unterminated string")),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            s.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            s.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push((start, Token::Str(s)));
            }
            '=' => (out.push((start, Token::Op("="))), i += 1).1,
            '<' | '>' => {
                let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
                let op = match two.as_str() {
                    "<>" => "<>",
                    "<=" => "<=",
                    ">=" => ">=",
                    _ if c == '<' => "<",
                    _ => ">",
                };
                i += op.len();
                out.push((start, Token::Op(op)));
            }
            '-' | '0'..='9' | '.' => {
                i += 1;
                // Digits, letters (exponent, L/D suffixes), dots, and a sign after an exponent.
                let in_number = |i: usize| {
                    let ch = chars[i];
                    ch.is_ascii_alphanumeric()
                        || ch == '.'
                        || (matches!(ch, '+' | '-') && matches!(chars[i - 1], 'e' | 'E'))
                };
                while i < chars.len() && in_number(i) {
                    i += 1;
                }
                let raw: String = chars[start..i].iter().collect();
                let digits = raw.trim_end_matches(['l', 'L']);
                let tok = if let Ok(n) = digits.parse::<i64>() {
                    Token::Long(n)
                } else if let Ok(d) = raw.trim_end_matches(['d', 'D', 'f', 'F']).parse::<f64>() {
                    Token::Double(d)
                } else {
                    return Err(err(start, &format!("`{raw}` is not a number")));
                };
                out.push((start, tok));
            }
            c if c.is_ascii_alphabetic() || c == '_' || c == '$' => {
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '_' | '$' | '.'))
                {
                    i += 1;
                }
                out.push((start, Token::Ident(chars[start..i].iter().collect())));
            }
            other => return Err(err(start, &format!("unexpected character `{other}`"))),
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    i: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.i).map(|(_, t)| t)
    }

    fn at(&self) -> usize {
        self.tokens
            .get(self.i)
            .map_or_else(|| self.tokens.last().map_or(0, |(a, _)| a + 1), |(a, _)| *a)
    }

    fn fail<T>(&self, what: impl Into<String>) -> Result<T, SqlError> {
        Err(SqlError {
            at: self.at(),
            what: what.into(),
        })
    }

    fn keyword(&mut self, kw: &str) -> bool {
        if matches!(self.peek(), Some(Token::Ident(s)) if s.eq_ignore_ascii_case(kw)) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect_keyword(&mut self, kw: &str) -> Result<(), SqlError> {
        if self.keyword(kw) {
            Ok(())
        } else {
            self.fail(format!("expected {kw}"))
        }
    }

    fn or(&mut self) -> Result<Node, SqlError> {
        let mut e = self.and()?;
        while self.keyword("OR") {
            e = Node::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }

    fn and(&mut self) -> Result<Node, SqlError> {
        let mut e = self.not()?;
        while self.keyword("AND") {
            e = Node::And(Box::new(e), Box::new(self.not()?));
        }
        Ok(e)
    }

    fn not(&mut self) -> Result<Node, SqlError> {
        if self.keyword("NOT") {
            return Ok(Node::Not(Box::new(self.not()?)));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Node, SqlError> {
        let left = self.primary()?;
        let b = Box::new(left.clone());
        if let Some(Token::Op(op)) = self.peek().cloned() {
            self.i += 1;
            let cmp = match op {
                "=" => Cmp::Eq,
                "<>" => Cmp::Ne,
                ">" => Cmp::Gt,
                ">=" => Cmp::Ge,
                "<" => Cmp::Lt,
                _ => Cmp::Le,
            };
            return Ok(Node::Compare(b, cmp, Box::new(self.primary()?)));
        }
        if self.keyword("IS") {
            let negated = self.keyword("NOT");
            self.expect_keyword("NULL")?;
            return Ok(Node::IsNull(b, negated));
        }
        let negated = self.keyword("NOT");
        if self.keyword("BETWEEN") {
            let low = self.primary()?;
            self.expect_keyword("AND")?;
            let high = self.primary()?;
            let range = Node::And(
                Box::new(Node::Compare(b.clone(), Cmp::Ge, Box::new(low))),
                Box::new(Node::Compare(b, Cmp::Le, Box::new(high))),
            );
            return Ok(if negated {
                Node::Not(Box::new(range))
            } else {
                range
            });
        }
        if self.keyword("IN") {
            if self.peek() != Some(&Token::LParen) {
                return self.fail("expected ( after IN");
            }
            self.i += 1;
            let mut set = Vec::new();
            loop {
                match self.peek().cloned() {
                    Some(Token::Str(s)) => set.push(s),
                    _ => return self.fail("IN takes string literals"),
                }
                self.i += 1;
                match self.peek() {
                    Some(Token::Comma) => self.i += 1,
                    Some(Token::RParen) => {
                        self.i += 1;
                        break;
                    }
                    _ => return self.fail("expected , or )"),
                }
            }
            return Ok(Node::In(b, set, negated));
        }
        for (kw, op) in [
            ("CONTAINS", StrOp::Contains),
            ("STARTSWITH", StrOp::StartsWith),
            ("ENDSWITH", StrOp::EndsWith),
        ] {
            if self.keyword(kw) {
                let Some(Token::Str(s)) = self.peek().cloned() else {
                    return self.fail(format!("{kw} takes a string literal"));
                };
                self.i += 1;
                return Ok(Node::Text(b, op, s, negated));
            }
        }
        if negated {
            return self.fail("expected BETWEEN, IN or CONTAINS after NOT");
        }
        Ok(left)
    }

    fn primary(&mut self) -> Result<Node, SqlError> {
        let Some(tok) = self.peek().cloned() else {
            return self.fail("unexpected end of the selector");
        };
        self.i += 1;
        Ok(match tok {
            Token::LParen => {
                let e = self.or()?;
                if self.peek() != Some(&Token::RParen) {
                    return self.fail("expected )");
                }
                self.i += 1;
                e
            }
            Token::Str(s) => Node::Literal(Value::Str(s)),
            Token::Long(n) => Node::Literal(Value::Long(n)),
            Token::Double(d) => Node::Literal(Value::Double(d)),
            Token::Ident(s) if s.eq_ignore_ascii_case("TRUE") => Node::Literal(Value::Bool(true)),
            Token::Ident(s) if s.eq_ignore_ascii_case("FALSE") => Node::Literal(Value::Bool(false)),
            Token::Ident(s)
                if ["AND", "OR", "NOT", "BETWEEN", "IN", "IS", "NULL"]
                    .iter()
                    .any(|k| s.eq_ignore_ascii_case(k)) =>
            {
                self.i -= 1;
                return self.fail(format!("unexpected keyword {s}"));
            }
            Token::Ident(s) => Node::Property(s),
            other => {
                self.i -= 1;
                return self.fail(format!("unexpected {other}"));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn sel(expr: &str, props: &[(&str, &str)]) -> bool {
        let map: HashMap<&str, &str> = props.iter().copied().collect();
        SqlExpression::parse(expr)
            .unwrap_or_else(|e| panic!("{expr}: {e}"))
            .matches(|k| map.get(k).copied())
    }

    #[test]
    fn apaches_documented_examples() {
        for a in 0..6 {
            let v = a.to_string();
            assert_eq!(sel("a between 0 and 3", &[("a", &v)]), a <= 3, "a={a}");
        }
        assert!(sel(
            "TAGS is not null and TAGS in ('TagA', 'TagB')",
            &[("TAGS", "TagA")]
        ));
        assert!(!sel(
            "TAGS is not null and TAGS in ('TagA', 'TagB')",
            &[("TAGS", "TagC")]
        ));
        assert!(!sel("TAGS is not null and TAGS in ('TagA', 'TagB')", &[]));
        assert!(sel(
            "(a > 10 OR b = 'x') AND NOT c IS NULL",
            &[("b", "x"), ("c", "1")]
        ));
    }

    #[test]
    fn comparisons_and_unknowns() {
        assert!(sel("a = 3", &[("a", "3")]));
        assert!(sel("a <> 3", &[("a", "4")]));
        assert!(sel("a >= 2.5", &[("a", "2.5")]));
        assert!(sel("a < -1", &[("a", "-2")]));
        assert!(!sel("a > 1", &[("a", "abc")]), "not a number: unknown");
        assert!(!sel("a > 1", &[]), "missing: unknown");
        assert!(!sel("NOT (a > 1)", &[]), "NOT unknown is unknown");
        assert!(sel("a = 'it''s'", &[("a", "it's")]));
        assert!(sel("NOT (a = 'x')", &[("a", "y")]));
        assert!(
            !sel("a > 'x'", &[("a", "y")]),
            "strings order only as numbers"
        );
        assert!(sel("a > '9'", &[("a", "10")]));
        assert!(sel("a = TRUE", &[("a", "true")]));
        assert!(sel("TRUE", &[]));
        assert!(!sel("FALSE OR a = 1", &[]));
        assert!(sel("a NOT BETWEEN 1 AND 2", &[("a", "3")]));
        assert!(sel("a NOT IN ('x')", &[("a", "y")]));
        assert!(sel(
            "a CONTAINS 'ell' AND a STARTSWITH 'he' AND a ENDSWITH 'lo'",
            &[("a", "hello")]
        ));
        assert!(sel("x.y_z$ = 1", &[("x.y_z$", "1")]));
    }

    #[test]
    fn bad_selectors_are_rejected_with_a_position() {
        for bad in [
            "a >",
            "a = 'x",
            "a IN (1, 2)",
            "(a = 1",
            "a = 1 b",
            "AND a = 1",
            "a # 1",
            "",
        ] {
            assert!(SqlExpression::parse(bad).is_err(), "{bad}");
        }
        let e = SqlExpression::parse("a = 1 AND").unwrap_err();
        assert!(e.to_string().contains("invalid SQL92 selector"), "{e}");
    }
}
