//! The common body, parsed straight from its tokens: `let` statements, `x = e;` and a tail
//! expression of numbers, names, `+ - * /`, unary `-`, parentheses, method calls and calls.
//!
//! syn's expression parser peeks and forks for every construct of Rust, some 20,000
//! instructions per operation; this reads each token once. Measured for issue 14 (W4, 1,000
//! operations, the same build with and without it, BENCHMARKS.md): without it an expansion
//! takes 2.9× as long, 4.3 ms against 1.5 ms (41.0M against 15.8M instructions), too close to
//! W4's 5 ms on a shared machine whose other tenant has slowed it 2×. On anything else, or
//! anything unexpected, it returns `None` and `parse.rs` parses the body with syn, so errors
//! and rarer constructs keep syn's handling exactly. What it returns is what `parse::convert_block`
//! makes of syn's tree for the same tokens.

use std::rc::Rc;

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

use crate::ast::{is_constant_text, with_text, AssignOp, BinOp, Block, Expr, Stmt, VarName};
use crate::hash::FastSet;

/// The bodies the fast path read before syn saw them, by index.
pub struct Bodies(Vec<Option<Block>>);

/// Reads the bodies among `input`'s top-level tokens, and returns `input` with each body it
/// read replaced by a placeholder, with the body's span: syn, which parses the signatures,
/// copies every token it is given. A placeholder is `{ #0usize }` (the index in `Bodies`)
/// with the `#` joint to the literal, which no source text lexes to.
pub fn take_bodies(input: TokenStream) -> (TokenStream, Bodies) {
    let mut bodies = Vec::new();
    let mut out: Vec<TokenTree> = Vec::new();
    for tree in input {
        let tree = match tree {
            TokenTree::Group(group)
                if group.delimiter() == Delimiter::Brace && may_be_body(out.last()) =>
            {
                match block(&group) {
                    Some(body) => {
                        let mut mark = Punct::new('#', Spacing::Joint);
                        mark.set_span(group.span());
                        let mut index = Literal::usize_suffixed(bodies.len());
                        index.set_span(group.span());
                        bodies.push(Some(body));
                        let marked = [TokenTree::Punct(mark), TokenTree::Literal(index)];
                        let mut placeholder =
                            Group::new(Delimiter::Brace, marked.into_iter().collect());
                        placeholder.set_span(group.span());
                        TokenTree::Group(placeholder)
                    }
                    None => TokenTree::Group(group),
                }
            }
            other => other,
        };
        out.push(tree);
    }
    (out.into_iter().collect(), Bodies(bodies))
}

/// A body follows the parameters or the return type: not `<`, `,` or `=`, before which a
/// brace group is a const generic argument (`-> Foo<{ N }>`).
fn may_be_body(previous: Option<&TokenTree>) -> bool {
    match previous {
        Some(TokenTree::Group(group)) => group.delimiter() != Delimiter::Brace,
        Some(TokenTree::Ident(_)) => true,
        Some(TokenTree::Punct(punct)) => punct.as_char() == '>',
        _ => false,
    }
}

impl Bodies {
    /// The body `group` stands for, if it is a placeholder from `take_bodies`.
    pub fn take(&mut self, group: &Group) -> Option<Block> {
        let mut tokens = group.stream().into_iter();
        let (Some(TokenTree::Punct(mark)), Some(TokenTree::Literal(index)), None) =
            (tokens.next(), tokens.next(), tokens.next())
        else {
            return None;
        };
        if mark.as_char() != '#' || mark.spacing() != Spacing::Joint {
            return None;
        }
        let index: usize = index.to_string().strip_suffix("usize")?.parse().ok()?;
        self.0.get_mut(index)?.take()
    }
}

/// The function body `{ ... }`, or `None` to leave it to syn.
pub fn block(group: &Group) -> Option<Block> {
    if group.delimiter() != Delimiter::Brace {
        return None;
    }
    let mut names = FastSet::default();
    let mut parser = Parser::new(group, &mut names);
    let mut stmts = Vec::new();
    while !parser.at_end() {
        stmts.push(parser.stmt()?);
    }
    Some(Block {
        stmts,
        span: group.span(),
    })
}

struct Parser<'a> {
    /// The tokens not read yet, the next one last: reading a token pops it, so what the tree
    /// keeps is moved out, not copied.
    rest: Vec<TokenTree>,
    /// The text of each variable name read so far in the body, shared by all its uses.
    names: &'a mut FastSet<Rc<str>>,
}

/// Words syn reads as something other than a name (`_` too); the fast path leaves them to it.
fn is_keyword(text: &str) -> bool {
    matches!(
        text,
        "_" | "abstract"
            | "as"
            | "async"
            | "await"
            | "become"
            | "box"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "do"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "final"
            | "fn"
            | "for"
            | "gen"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "macro"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "override"
            | "priv"
            | "pub"
            | "raw"
            | "ref"
            | "return"
            | "self"
            | "Self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "try"
            | "type"
            | "typeof"
            | "union"
            | "unsafe"
            | "unsized"
            | "use"
            | "virtual"
            | "where"
            | "while"
            | "yield"
    )
}

/// The text `text` shared: one allocation per distinct name, not one per use.
fn intern(names: &mut FastSet<Rc<str>>, text: &str) -> Rc<str> {
    if let Some(name) = names.get(text) {
        return name.clone();
    }
    let name: Rc<str> = Rc::from(text);
    names.insert(name.clone());
    name
}

impl<'a> Parser<'a> {
    fn new(group: &Group, names: &'a mut FastSet<Rc<str>>) -> Parser<'a> {
        let mut rest: Vec<TokenTree> = group.stream().into_iter().collect();
        rest.reverse();
        Parser { rest, names }
    }

    /// A parser of the tokens of `group`, sharing the names read so far.
    fn nested(&mut self, group: &Group) -> Parser<'_> {
        Parser::new(group, self.names)
    }

    fn at_end(&self) -> bool {
        self.rest.is_empty()
    }

    fn peek(&self, ahead: usize) -> Option<&TokenTree> {
        let index = self.rest.len().checked_sub(ahead + 1)?;
        self.rest.get(index)
    }

    /// Reads the next token.
    fn read(&mut self) -> Option<TokenTree> {
        self.rest.pop()
    }

    /// The punctuation `ch` standing alone (not the start of `==`, `+=`, `..`), and its span.
    fn peek_punct(&self, ahead: usize, ch: char) -> Option<Span> {
        match self.peek(ahead) {
            Some(TokenTree::Punct(p)) if p.as_char() == ch && p.spacing() == Spacing::Alone => {
                Some(p.span())
            }
            _ => None,
        }
    }

    fn eat_punct(&mut self, ch: char) -> Option<Span> {
        let span = self.peek_punct(0, ch)?;
        self.read();
        Some(span)
    }

    fn peek_word(&self, word: &str) -> bool {
        matches!(self.peek(0), Some(TokenTree::Ident(ident)) if ident == word)
    }

    /// A name: an identifier that is not a keyword, and what `keep` makes of its text.
    fn name_with<R>(
        &mut self,
        keep: impl FnOnce(&mut FastSet<Rc<str>>, &str) -> R,
    ) -> Option<(Ident, R)> {
        let Some(TokenTree::Ident(ident)) = self.rest.last() else {
            return None;
        };
        let names = &mut *self.names;
        let kept = with_text(ident, |text| (!is_keyword(text)).then(|| keep(names, text)))?;
        match self.read() {
            Some(TokenTree::Ident(ident)) => Some((ident, kept)),
            _ => None,
        }
    }

    fn name(&mut self) -> Option<Ident> {
        self.name_with(|_, _| ()).map(|(ident, ())| ident)
    }

    fn var_name(&mut self) -> Option<VarName> {
        let (ident, text) = self.name_with(intern)?;
        Some(VarName { ident, text })
    }

    fn stmt(&mut self) -> Option<Stmt> {
        // let x = e;  let mut x = e;
        if self.peek_word("let") {
            self.read();
            let mutable = self.peek_word("mut");
            if mutable {
                self.read();
            }
            let name = self.var_name()?;
            self.eat_punct('=')?;
            let init = self.expr()?;
            self.eat_punct(';')?;
            return Some(Stmt::Let {
                name,
                mutable,
                init,
            });
        }
        // x = e;
        if let Some(op_span) = self.peek_punct(1, '=') {
            let name = self.var_name()?;
            self.read();
            let value = self.expr()?;
            self.eat_punct(';')?;
            return Some(Stmt::Assign {
                name,
                op: AssignOp::Set,
                op_span,
                value,
            });
        }
        // The tail; an expression statement with `;` is syn's to report.
        let tail = self.expr()?;
        self.at_end().then_some(Stmt::Tail(tail))
    }

    fn expr(&mut self) -> Option<Expr> {
        self.binary(0)
    }

    /// The binary operator next, if any: not `+=` and the like.
    fn peek_binop(&self) -> Option<(BinOp, u8, Span)> {
        let Some(TokenTree::Punct(p)) = self.peek(0) else {
            return None;
        };
        let (op, prec) = match p.as_char() {
            '+' => (BinOp::Add, 0),
            '-' => (BinOp::Sub, 0),
            '*' => (BinOp::Mul, 1),
            '/' => (BinOp::Div, 1),
            _ => return None,
        };
        let compound = p.spacing() == Spacing::Joint
            && matches!(self.peek(1), Some(TokenTree::Punct(next)) if next.as_char() == '=');
        (!compound).then_some((op, prec, p.span()))
    }

    /// Operators of precedence `min` and tighter, associating left.
    fn binary(&mut self, min: u8) -> Option<Expr> {
        let mut lhs = self.unary()?;
        while let Some((op, prec, op_span)) = self.peek_binop() {
            if prec < min {
                break;
            }
            self.read();
            let rhs = self.binary(prec + 1)?;
            lhs = Expr::Binary {
                op,
                op_span,
                operands: Box::new([lhs, rhs]),
            };
        }
        Some(lhs)
    }

    fn unary(&mut self) -> Option<Expr> {
        if let Some(span) = self.peek_punct(0, '-') {
            self.read();
            let expr = self.unary()?;
            return Some(Expr::Neg {
                span,
                expr: Box::new(expr),
            });
        }
        let mut expr = self.atom()?;
        // .method(args)
        while self.peek_punct(0, '.').is_some() {
            self.read();
            let method = self.name()?;
            let args = self.paren_group()?;
            expr = self.method_call(expr, method, &args)?;
        }
        Some(expr)
    }

    fn atom(&mut self) -> Option<Expr> {
        match self.peek(0)? {
            TokenTree::Literal(_) => {
                let Some(TokenTree::Literal(literal)) = self.read() else {
                    return None;
                };
                if let Some(value) = with_text(&literal, |text| plain_number(text)?.parse().ok()) {
                    return Some(Expr::Lit {
                        value,
                        span: literal.span(),
                    });
                }
                if literal.to_string().starts_with('-') {
                    return None;
                }
                match syn::Lit::new(literal) {
                    lit @ (syn::Lit::Float(_) | syn::Lit::Int(_)) => Some(Expr::from_lit(&lit)),
                    _ => None,
                }
            }
            TokenTree::Ident(_) => {
                // The text of a variable (not spelled like a constant).
                let (name, text) = self.name_with(|names, text| {
                    (!is_constant_text(text)).then(|| intern(names, text))
                })?;
                if matches!(self.peek(0), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis)
                {
                    let group = self.paren_group()?;
                    let args = self.nested(&group).args()?;
                    return Some(Expr::Call { func: name, args });
                }
                Some(match text {
                    Some(text) => Expr::Var(VarName { ident: name, text }),
                    None => Expr::Const(syn::Path::from(name)),
                })
            }
            TokenTree::Group(_) => {
                let group = self.paren_group()?;
                let mut inner = self.nested(&group);
                let expr = inner.expr()?;
                inner.at_end().then_some(expr)
            }
            _ => None,
        }
    }

    /// A `( ... )` group next.
    fn paren_group(&mut self) -> Option<Group> {
        match self.read()? {
            TokenTree::Group(group) if group.delimiter() == Delimiter::Parenthesis => Some(group),
            other => {
                self.rest.push(other);
                None
            }
        }
    }

    /// `receiver.method(args)`; `powi` takes an integer literal, as `parse::make_method` reads it.
    fn method_call(&mut self, receiver: Expr, method: Ident, args: &Group) -> Option<Expr> {
        // `xs.len()` and iterator methods are syn's path's to read.
        if method == "len" || method == "iter" {
            return None;
        }
        if method == "powi" {
            let tokens: Vec<TokenTree> = args.stream().into_iter().collect();
            let (exponent, exponent_span) = match tokens.as_slice() {
                [TokenTree::Literal(int)] => (int_literal(int)?, int.span()),
                [TokenTree::Punct(minus), TokenTree::Literal(int)]
                    if minus.as_char() == '-' && minus.spacing() == Spacing::Alone =>
                {
                    (int_literal(int)?.checked_neg()?, minus.span())
                }
                _ => return None,
            };
            return Some(Expr::Powi {
                receiver: Box::new(receiver),
                method,
                exponent,
                exponent_span,
            });
        }
        Some(Expr::Method {
            receiver: Box::new(receiver),
            method,
            args: self.nested(args).args()?,
        })
    }

    /// `a, b, c`: the whole of a call's parentheses (no trailing comma).
    fn args(&mut self) -> Option<Vec<Expr>> {
        let mut args = Vec::new();
        while !self.at_end() {
            if !args.is_empty() {
                self.eat_punct(',')?;
            }
            args.push(self.expr()?);
        }
        Some(args)
    }
}

/// `text` if it is a plain decimal number, `2` or `0.5`: digits, then at most a `.` and
/// digits. Its value is what syn reads (its digits parsed), without syn's literal parser.
fn plain_number(text: &str) -> Option<&str> {
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let plain = match text.split_once('.') {
        Some((whole, fraction)) => digits(whole) && digits(fraction),
        None => digits(text),
    };
    plain.then_some(text)
}

fn int_literal(literal: &proc_macro2::Literal) -> Option<i32> {
    if let Some(value) = with_text(literal, |text| {
        let digits = plain_number(text).filter(|text| !text.contains('.'));
        digits.map(|digits| digits.parse().ok())
    }) {
        return value;
    }
    match syn::Lit::new(literal.clone()) {
        syn::Lit::Int(int) if !int.to_string().starts_with('-') => int.base10_parse().ok(),
        _ => None,
    }
}
