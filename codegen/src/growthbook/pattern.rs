//! JavaScript regular expressions (`new RegExp(pattern, flags)`, no `u` flag, Annex B), compiled
//! to a DFA over UTF-16 code units. Syntax JavaScript rejects is an error; constructs a finite
//! automaton cannot evaluate exactly (backreferences, lookaround) and rarely-meant Annex B
//! forms are refused with the reason.

use super::regex::Dfa;
use regex_automata::dfa::{Automaton, StartKind, dense};
use regex_automata::nfa::thompson;
use regex_automata::{Anchored, Input};
use regex_syntax::hir::{Class, ClassBytes, ClassBytesRange, Hir, Look, Repetition};

/// A set of UTF-16 code units, as sorted inclusive ranges.
type Units = Vec<(u16, u16)>;

#[derive(Debug)]
enum Node {
    Set(Units),
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat(Box<Node>, u32, Option<u32>),
    Look(Look),
}

fn normalise(mut r: Units) -> Units {
    r.sort();
    let mut out: Units = Vec::new();
    for (a, b) in r {
        match out.last_mut() {
            Some((_, e)) if u32::from(a) <= u32::from(*e) + 1 => *e = (*e).max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

fn complement(r: &Units) -> Units {
    let mut out = Vec::new();
    let mut next: u32 = 0;
    for &(a, b) in r {
        if u32::from(a) > next {
            out.push((next as u16, a - 1));
        }
        next = u32::from(b) + 1;
    }
    if next <= 0xffff {
        out.push((next as u16, 0xffff));
    }
    out
}

fn digit() -> Units {
    vec![(b'0'.into(), b'9'.into())]
}
fn word() -> Units {
    normalise(vec![(0x30, 0x39), (0x41, 0x5a), (0x5f, 0x5f), (0x61, 0x7a)])
}
fn space() -> Units {
    normalise(vec![
        (0x09, 0x0d),
        (0x20, 0x20),
        (0xa0, 0xa0),
        (0x1680, 0x1680),
        (0x2000, 0x200a),
        (0x2028, 0x2029),
        (0x202f, 0x202f),
        (0x205f, 0x205f),
        (0x3000, 0x3000),
        (0xfeff, 0xfeff),
    ])
}

/// The `i` flag without `u`: `Canonicalize(ch)` is `ch.toUpperCase()` when that is one code
/// unit and does not map a non-ASCII unit into ASCII.
fn canonical(u: u16) -> u16 {
    let Some(c) = char::from_u32(u32::from(u)) else {
        return u;
    };
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(up), None) if (up as u32) <= 0xffff => {
            let cu = up as u32 as u16;
            if u >= 128 && cu < 128 { u } else { cu }
        }
        _ => u,
    }
}

/// Each code unit that shares its canonical form with others, and those others, by unit:
/// computed once, so a case-insensitive class costs its size, not a scan of all 65,536 units.
fn partners() -> &'static [(u16, Vec<u16>)] {
    static PARTNERS: std::sync::OnceLock<Vec<(u16, Vec<u16>)>> = std::sync::OnceLock::new();
    PARTNERS.get_or_init(|| {
        let mut by_canon: std::collections::BTreeMap<u16, Vec<u16>> = Default::default();
        for u in 0..=0xffffu16 {
            by_canon.entry(canonical(u)).or_default().push(u);
        }
        let mut out: Vec<(u16, Vec<u16>)> = Vec::new();
        for units in by_canon.values().filter(|us| us.len() > 1) {
            for &u in units {
                out.push((u, units.iter().copied().filter(|&w| w != u).collect()));
            }
        }
        out.sort();
        out
    })
}

/// Every unit whose canonical form is that of some unit of `set`.
fn case_close(set: &Units) -> Units {
    let mut out = set.clone();
    for (u, others) in partners() {
        let inside = set
            .binary_search_by(|&(a, b)| {
                if b < *u {
                    std::cmp::Ordering::Less
                } else if a > *u {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok();
        if inside {
            out.extend(others.iter().map(|&w| (w, w)));
        }
    }
    normalise(out)
}

struct Parser<'a> {
    s: Vec<u16>,
    i: usize,
    /// Groups open at the cursor (bounded: the parser and the automaton builders recurse).
    depth: usize,
    icase: bool,
    pattern: &'a str,
}

type R<T> = Result<T, String>;

impl Parser<'_> {
    fn peek(&self) -> Option<u16> {
        self.s.get(self.i).copied()
    }
    fn peek_at(&self, n: usize) -> Option<u16> {
        self.s.get(self.i + n).copied()
    }
    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c as u16) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn invalid(&self, what: &str) -> String {
        format!("JavaScript's RegExp rejects /{}/: {what}", self.pattern)
    }
    fn refuse(&self, what: &str) -> String {
        format!(
            "/{}/: {what}, which codegen cannot evaluate exactly as JavaScript does at the edge",
            self.pattern
        )
    }

    fn set(&self, units: Units) -> Node {
        let units = normalise(units);
        Node::Set(if self.icase {
            case_close(&units)
        } else {
            units
        })
    }

    fn disjunction(&mut self) -> R<Node> {
        let mut alts = vec![self.alternative()?];
        while self.eat('|') {
            alts.push(self.alternative()?);
        }
        Ok(if alts.len() == 1 {
            alts.remove(0)
        } else {
            Node::Alt(alts)
        })
    }

    fn alternative(&mut self) -> R<Node> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == u16::from(b'|') || c == u16::from(b')') {
                break;
            }
            let atom = self.term()?;
            items.push(atom);
        }
        Ok(Node::Concat(items))
    }

    /// A braced quantifier at the cursor: `{n}`, `{n,}`, `{n,m}`, or `None` (then `{` is literal).
    fn braced(&self) -> Option<(usize, u32, Option<u32>)> {
        let mut j = self.i + 1;
        let num = |j: &mut usize| -> Option<u32> {
            let start = *j;
            while self.s.get(*j).is_some_and(|&c| (0x30..=0x39).contains(&c)) {
                *j += 1;
            }
            if *j == start {
                return None;
            }
            let text: String = self.s[start..*j].iter().map(|&c| c as u8 as char).collect();
            Some(text.parse::<u32>().unwrap_or(u32::MAX))
        };
        let min = num(&mut j)?;
        let max = if self.s.get(j) == Some(&u16::from(b',')) {
            j += 1;
            if self.s.get(j) == Some(&u16::from(b'}')) {
                None
            } else {
                Some(num(&mut j)?)
            }
        } else {
            Some(min)
        };
        (self.s.get(j) == Some(&u16::from(b'}'))).then_some((j + 1, min, max))
    }

    fn quantifier(&mut self) -> R<Option<(u32, Option<u32>)>> {
        let q = match self.peek().map(|c| c as u8 as char) {
            Some('*') => {
                self.i += 1;
                (0, None)
            }
            Some('+') => {
                self.i += 1;
                (1, None)
            }
            Some('?') => {
                self.i += 1;
                (0, Some(1))
            }
            Some('{') => match self.braced() {
                Some((end, min, max)) => {
                    if max.is_some_and(|m| m < min) {
                        return Err(self.invalid("numbers out of order in {} quantifier"));
                    }
                    self.i = end;
                    (min, max)
                }
                None => return Ok(None),
            },
            _ => return Ok(None),
        };
        // Laziness does not change whether there is a match.
        self.eat('?');
        Ok(Some(q))
    }

    fn term(&mut self) -> R<Node> {
        let c = self.peek().unwrap_or(0);
        let ch = char::from_u32(u32::from(c)).unwrap_or('\u{fffd}');
        let atom = match ch {
            '^' => {
                self.i += 1;
                return Ok(Node::Look(Look::Start));
            }
            '$' => {
                self.i += 1;
                return Ok(Node::Look(Look::End));
            }
            '\\' if matches!(self.peek_at(1), Some(0x62 | 0x42)) => {
                let negate = self.peek_at(1) == Some(0x42);
                self.i += 2;
                let look = if negate {
                    Look::WordAsciiNegate
                } else {
                    Look::WordAscii
                };
                if self.quantifier()?.is_some() {
                    return Err(self.invalid("nothing to repeat"));
                }
                return Ok(Node::Look(look));
            }
            '*' | '+' | '?' => return Err(self.invalid("nothing to repeat")),
            '{' if self.braced().is_some() => return Err(self.invalid("nothing to repeat")),
            '(' => self.group()?,
            '.' => {
                self.i += 1;
                let not_line = complement(&normalise(vec![
                    (0x0a, 0x0a),
                    (0x0d, 0x0d),
                    (0x2028, 0x2029),
                ]));
                Node::Set(not_line)
            }
            '[' => self.class()?,
            '\\' => {
                self.i += 1;
                self.atom_escape()?
            }
            _ => {
                self.i += 1;
                self.set(vec![(c, c)])
            }
        };
        Ok(match self.quantifier()? {
            Some((min, max)) => {
                if min > 1000 || max.is_some_and(|m| m > 1000) {
                    return Err(self.refuse("a repetition count above 1000"));
                }
                Node::Repeat(Box::new(atom), min, max)
            }
            None => atom,
        })
    }

    fn group(&mut self) -> R<Node> {
        self.i += 1;
        self.depth += 1;
        if self.depth > MAX_GROUP_DEPTH {
            return Err(format!(
                "/{}/: groups nested more than {MAX_GROUP_DEPTH} deep; refused",
                self.pattern
            ));
        }
        if self.eat('?') {
            match self.peek().map(|c| c as u8 as char) {
                Some(':') => self.i += 1,
                Some('=' | '!') => return Err(self.refuse("lookahead")),
                Some('<') if matches!(self.peek_at(1), Some(0x3d | 0x21)) => {
                    return Err(self.refuse("lookbehind"));
                }
                Some('<') => {
                    // A named group: its name, then an ordinary group.
                    self.i += 1;
                    let start = self.i;
                    while self.peek().is_some_and(|c| c != u16::from(b'>')) {
                        self.i += 1;
                    }
                    let name = &self.s[start..self.i];
                    let ok = !name.is_empty()
                        && name.iter().enumerate().all(|(k, &c)| {
                            let ch = c as u8 as char;
                            c < 128
                                && (ch.is_ascii_alphabetic()
                                    || ch == '_'
                                    || ch == '$'
                                    || (k > 0 && ch.is_ascii_digit()))
                        });
                    if !ok || !self.eat('>') {
                        return Err(self.refuse("a group name outside [A-Za-z_$][A-Za-z0-9_$]*"));
                    }
                }
                _ => return Err(self.invalid("invalid group")),
            }
        }
        let inner = self.disjunction()?;
        if !self.eat(')') {
            return Err(self.invalid("unterminated group"));
        }
        self.depth -= 1;
        Ok(inner)
    }

    /// An escape's code unit, or a class (`\d`...), after the backslash.
    fn escape(&mut self, in_class: bool) -> R<Units> {
        let Some(c) = self.peek() else {
            return Err(self.invalid("\\ at end of pattern"));
        };
        self.i += 1;
        let ch = char::from_u32(u32::from(c)).unwrap_or('\u{fffd}');
        let unit = |u: u16| Ok(vec![(u, u)]);
        match ch {
            'd' => Ok(digit()),
            'D' => Ok(complement(&digit())),
            'w' => Ok(word()),
            'W' => Ok(complement(&word())),
            's' => Ok(space()),
            'S' => Ok(complement(&space())),
            'f' => unit(0x0c),
            'n' => unit(0x0a),
            'r' => unit(0x0d),
            't' => unit(0x09),
            'v' => unit(0x0b),
            'b' if in_class => unit(0x08),
            '-' if in_class => unit(u16::from(b'-')),
            'c' => match self.peek() {
                Some(l) if (l as u8 as char).is_ascii_alphabetic() && l < 128 => {
                    self.i += 1;
                    unit(l % 32)
                }
                _ => Err(self.refuse("\\c without a control letter (Annex B reads it as a backslash)")),
            },
            '0' if !self.peek().is_some_and(|d| (0x30..=0x39).contains(&d)) => unit(0),
            '0'..='9' => Err(self.refuse("a backreference or legacy octal escape")),
            'x' | 'u' => {
                let n = if ch == 'x' { 2 } else { 4 };
                let digits: Option<Vec<u32>> = (0..n)
                    .map(|k| self.peek_at(k).and_then(|d| char::from_u32(u32::from(d))?.to_digit(16)))
                    .collect();
                match digits {
                    Some(ds) => {
                        self.i += n;
                        unit(ds.iter().fold(0u32, |a, d| a * 16 + d) as u16)
                    }
                    None => Err(self.refuse(&format!("\\{ch} without {n} hex digits (Annex B reads a literal '{ch}')"))),
                }
            }
            'k' | 'p' | 'P' => Err(self.refuse(&format!("\\{ch} (a named backreference or Unicode property; not in JavaScript's non-unicode mode)"))),
            c if c.is_ascii_alphanumeric() => Err(self.refuse(&format!("the identity escape \\{c}"))),
            _ => unit(c),
        }
    }

    fn atom_escape(&mut self) -> R<Node> {
        let units = self.escape(false)?;
        Ok(self.set(units))
    }

    fn class(&mut self) -> R<Node> {
        self.i += 1;
        let negate = self.eat('^');
        let mut units: Units = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.invalid("unterminated character class"));
            };
            if c == u16::from(b']') {
                self.i += 1;
                break;
            }
            let first = self.class_atom()?;
            if self.peek() == Some(u16::from(b'-'))
                && self.peek_at(1).is_some_and(|d| d != u16::from(b']'))
            {
                self.i += 1;
                let last = self.class_atom()?;
                match (single(&first), single(&last)) {
                    (Some(a), Some(b)) if a <= b => units.push((a, b)),
                    (Some(_), Some(_)) => {
                        return Err(self.invalid("range out of order in character class"));
                    }
                    _ => return Err(self.refuse("a class escape as a range bound (Annex B)")),
                }
            } else {
                units.extend(first);
            }
        }
        let units = normalise(units);
        let units = if self.icase {
            case_close(&units)
        } else {
            units
        };
        Ok(Node::Set(if negate { complement(&units) } else { units }))
    }

    fn class_atom(&mut self) -> R<Units> {
        let c = self.peek().unwrap_or(0);
        self.i += 1;
        if c == u16::from(b'\\') {
            self.escape(true)
        } else {
            Ok(vec![(c, c)])
        }
    }
}

fn single(u: &Units) -> Option<u16> {
    match u.as_slice() {
        [(a, b)] if a == b => Some(*a),
        _ => None,
    }
}

/// Byte sequences (generalised UTF-8, surrogates as three bytes) of the units `a..=b`.
fn sequences(a: u16, b: u16, out: &mut Vec<Hir>) {
    let bounds = [(0u32, 0x7f, 1), (0x80, 0x7ff, 2), (0x800, 0xffff, 3)];
    for (lo, hi, len) in bounds {
        let (s, e) = (u32::from(a).max(lo), u32::from(b).min(hi));
        if s <= e {
            split(s, e, len, out);
        }
    }
}

/// `s..=e`, all encoded in `len` bytes, as concatenations of byte ranges.
fn split(s: u32, e: u32, len: usize, out: &mut Vec<Hir>) {
    let enc = |u: u32| -> Vec<u8> {
        match len {
            1 => vec![u as u8],
            2 => vec![0xc0 | (u >> 6) as u8, 0x80 | (u & 0x3f) as u8],
            _ => vec![
                0xe0 | (u >> 12) as u8,
                0x80 | ((u >> 6) & 0x3f) as u8,
                0x80 | (u & 0x3f) as u8,
            ],
        }
    };
    // Split until every trailing byte spans its whole range where the leading ones differ.
    for k in 1..len {
        let m = (1u32 << (6 * k)) - 1;
        if s & !m != e & !m {
            if s & m != 0 {
                split(s, s | m, len, out);
                split((s | m) + 1, e, len, out);
                return;
            }
            if e & m != m {
                split(s, (e & !m) - 1, len, out);
                split(e & !m, e, len, out);
                return;
            }
        }
    }
    let (x, y) = (enc(s), enc(e));
    let parts: Vec<Hir> = x
        .iter()
        .zip(&y)
        .map(|(&p, &q)| Hir::class(Class::Bytes(ClassBytes::new([ClassBytesRange::new(p, q)]))))
        .collect();
    out.push(Hir::concat(parts));
}

fn hir(node: &Node) -> Hir {
    match node {
        Node::Set(units) => {
            let mut alts = Vec::new();
            for &(a, b) in units {
                sequences(a, b, &mut alts);
            }
            if alts.is_empty() {
                Hir::fail()
            } else {
                Hir::alternation(alts)
            }
        }
        Node::Concat(items) => Hir::concat(items.iter().map(hir).collect()),
        Node::Alt(items) => Hir::alternation(items.iter().map(hir).collect()),
        Node::Repeat(inner, min, max) => Hir::repetition(Repetition {
            min: *min,
            max: *max,
            greedy: true,
            sub: Box::new(hir(inner)),
        }),
        Node::Look(look) => Hir::look(*look),
    }
}

/// The tables of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    pub classes: Vec<u8>,
    pub stride: usize,
    pub table: Vec<u16>,
    pub eoi: Vec<u16>,
    pub matches: Vec<bool>,
    pub start: u16,
}

/// Most DFA states a pattern may compile to.
const MAX_STATES: usize = 4096;
/// Deepest group nesting of a pattern (docs/growthbook.md).
pub const MAX_GROUP_DEPTH: usize = 64;
/// Longest pattern, in UTF-16 code units (docs/growthbook.md).
pub const MAX_PATTERN_UNITS: usize = 4096;
/// Heap the automaton builders may use per pattern: a pattern needing more (nested counted
/// repetitions, `(a|b)*a(a|b){20}`) is refused instead of exhausting time and memory.
const BUILD_BYTES: usize = 4 << 20;

/// Compiles `pattern` with `insensitive` (the `i` flag). Results are memoised: saved groups
/// can repeat one pattern many times.
pub fn compile(pattern: &str, insensitive: bool) -> Result<Tables, String> {
    type Memo = std::collections::HashMap<(String, bool), Result<Tables, String>>;
    thread_local! {
        static MEMO: std::cell::RefCell<Memo> = Default::default();
    }
    let key = (pattern.to_owned(), insensitive);
    if let Some(r) = MEMO.with(|m| m.borrow().get(&key).cloned()) {
        return r;
    }
    let r = build(pattern, insensitive);
    MEMO.with(|m| {
        let mut m = m.borrow_mut();
        // Bounded, for long-running callers (fuzzing, tests).
        if m.len() >= 1024 {
            m.clear();
        }
        m.insert(key, r.clone());
    });
    r
}

fn build(pattern: &str, insensitive: bool) -> Result<Tables, String> {
    let units: Vec<u16> = pattern.encode_utf16().collect();
    if units.len() > MAX_PATTERN_UNITS {
        return Err(format!(
            "a pattern of {} UTF-16 code units, more than the {MAX_PATTERN_UNITS} codegen compiles",
            units.len()
        ));
    }
    let mut p = Parser {
        s: units,
        i: 0,
        depth: 0,
        icase: insensitive,
        pattern,
    };
    let node = p.disjunction()?;
    if p.i != p.s.len() {
        return Err(p.invalid("unmatched ')'"));
    }
    let nfa = thompson::Compiler::new()
        .configure(
            thompson::Config::new()
                .nfa_size_limit(Some(BUILD_BYTES))
                .utf8(false)
                .which_captures(thompson::WhichCaptures::None),
        )
        .build_from_hir(&hir(&node))
        .map_err(|e| format!("/{pattern}/: {e}"))?;
    let dfa = dense::Builder::new()
        .configure(
            dense::Config::new()
                .dfa_size_limit(Some(BUILD_BYTES))
                .determinize_size_limit(Some(BUILD_BYTES))
                .start_kind(StartKind::Unanchored)
                .minimize(true),
        )
        .build_from_nfa(&nfa)
        .map_err(|e| format!("/{pattern}/: {e}"))?;
    let input = Input::new("").anchored(Anchored::No);
    let start = dfa
        .start_state_forward(&input)
        .map_err(|e| format!("/{pattern}/: {e}"))?;
    // Byte classes and a representative byte of each.
    let mut classes = vec![0u8; 256];
    let mut reps: Vec<u8> = Vec::new();
    let bc = dfa.byte_classes();
    let mut class_of = std::collections::BTreeMap::new();
    for b in 0..=255u8 {
        let id = bc.get(b);
        let n = *class_of.entry(id).or_insert_with(|| {
            reps.push(b);
            reps.len() - 1
        });
        classes[usize::from(b)] = n as u8;
    }
    // States reachable from the start, the dead one numbered 0.
    let mut ids = vec![None, Some(start)];
    let mut index = std::collections::HashMap::new();
    index.insert(start, 1usize);
    let mut table = Vec::new();
    let mut eoi = vec![0u16, 0];
    let mut matches = vec![false, false];
    let mut k = 1;
    table.extend(std::iter::repeat_n(0u16, reps.len()));
    while k < ids.len() {
        let sid = ids[k].expect("live state");
        let mut id_of = |s, ids: &mut Vec<_>| -> R<u16> {
            if dfa.is_dead_state(s) {
                return Ok(0);
            }
            if let Some(&n) = index.get(&s) {
                return Ok(n as u16);
            }
            ids.push(Some(s));
            index.insert(s, ids.len() - 1);
            if ids.len() > MAX_STATES {
                return Err(format!(
                    "/{pattern}/: more than {MAX_STATES} DFA states; refused"
                ));
            }
            Ok((ids.len() - 1) as u16)
        };
        let mut row = Vec::new();
        for &r in &reps {
            row.push(id_of(dfa.next_state(sid, r), &mut ids)?);
        }
        let e = id_of(dfa.next_eoi_state(sid), &mut ids)?;
        table.extend(row);
        if eoi.len() <= k {
            eoi.resize(k + 1, 0);
        }
        eoi[k] = e;
        k += 1;
    }
    eoi.resize(ids.len(), 0);
    matches.resize(ids.len(), false);
    for (n, id) in ids.iter().enumerate() {
        if let Some(s) = id {
            matches[n] = dfa.is_match_state(*s);
        }
    }
    Ok(Tables {
        classes,
        stride: reps.len(),
        table,
        eoi,
        matches,
        start: 1,
    })
}

impl Tables {
    /// The runtime's view of these tables (leaked: build-time evaluation only).
    pub fn leak(&self) -> &'static Dfa {
        let classes: &'static [u8; 256] = Box::leak(
            self.classes
                .clone()
                .into_boxed_slice()
                .try_into()
                .expect("256 classes"),
        );
        Box::leak(Box::new(Dfa {
            classes,
            stride: self.stride,
            table: Box::leak(self.table.clone().into_boxed_slice()),
            eoi: Box::leak(self.eoi.clone().into_boxed_slice()),
            matches: Box::leak(self.matches.clone().into_boxed_slice()),
            start: self.start,
        }))
    }
}
