#!/usr/bin/env python3
"""Generate the phone engine's numbering tables from libphonenumber metadata.

Usage:
    tools/gen_phone_metadata.py [--check] [--examples] [--version TEXT] \
        METADATA.xml OUT.c

Reads a libphonenumber PhoneNumberMetadata.xml (Apache License 2.0, Google)
and writes a C file defining `ct_phone_metadata` (layout in
src/core/phone_tables.h).  The metadata's regular expressions are compiled
here, once: national-number and leading-digits patterns into DFAs over the
ten digits, the patterns that need capture groups or leftmost-first semantics
into programs for the engine's small backtracking machine.

The territory data is processed as libphonenumber's BuildMetadataFromXml does
(general possible lengths are the union of the types', nationalPrefixForParsing
defaults to nationalPrefix, $NP/$FG in formatting rules, intlFormat "NA").

--check first runs every compiled pattern (DFA and program alike) against
Python's re on example numbers and random digit strings built from the
pattern's literals, and refuses to write tables that disagree.

--examples also emits `ct_phone_examples[]` (every territory's example numbers),
used by the differential test.

The command that made a generated file is recorded at its top (file names
without their directories, so the same XML gives the same bytes wherever it
and the output are); the shipped tables come from
../shared/data/phone/PhoneNumberMetadata.xml (version from
../shared/data/phone/SOURCE.md) through `make phone-metadata`, the
differential test's from PhoneNumberMetadata-8.12.57.xml with --examples.

The file ends with a digest of every part of each territory's metadata, so
that tools/phone_metadata_report.py can say what a newer XML changes against
tables whose XML is no longer at hand.
"""

import argparse
import hashlib
import os
import random
import re
import shlex
import sys
import xml.etree.ElementTree as ET

TYPE_TAGS = [
    # (PhoneType index, XML tag)
    (0, 'fixedLine'), (1, 'mobile'), (3, 'tollFree'), (4, 'premiumRate'),
    (5, 'sharedCost'), (6, 'voip'), (7, 'personalNumber'), (8, 'pager'),
    (9, 'uan'), (10, 'voicemail'),
]
ALL_DIGITS = (1 << 10) - 1


# ---------------------------------------------------------------- regex AST

class RegexError(Exception):
    pass


def parse_regex(src):
    """Parse the metadata's regex dialect into a tuple AST.

    Nodes: ('set', mask) | ('cat', [n]) | ('alt', [n]) | ('group', k, n)
    (k = capture index or None) | ('rep', n, lo, hi|None) | ('eol',).
    Input is always ASCII digits, so a literal non-digit is an empty set.
    """
    pos = 0
    ngroups = 0

    def peek():
        return src[pos] if pos < len(src) else None

    def parse_alt():
        nonlocal pos
        branches = [parse_cat()]
        while peek() == '|':
            pos += 1
            branches.append(parse_cat())
        return branches[0] if len(branches) == 1 else ('alt', branches)

    def parse_cat():
        items = []
        while peek() is not None and peek() not in '|)':
            items.append(parse_quant(parse_atom()))
        return ('cat', items)

    def parse_class():
        nonlocal pos
        negate = False
        if peek() == '^':
            negate = True
            pos += 1
        mask = 0
        first = True
        while True:
            c = peek()
            if c is None:
                raise RegexError('unterminated class in ' + src)
            if c == ']' and not first:
                pos += 1
                break
            first = False
            if c == '\\':
                e = src[pos + 1]
                pos += 2
                if e == 'd':
                    mask |= ALL_DIGITS
                elif e.isdigit():
                    mask |= 1 << int(e)
                continue
            pos += 1
            if peek() == '-' and pos + 1 < len(src) and src[pos + 1] != ']':
                hi = src[pos + 1]
                pos += 2
                for o in range(ord(c), ord(hi) + 1):
                    if chr(o).isdigit():
                        mask |= 1 << (o - 48)
            elif c.isdigit():
                mask |= 1 << int(c)
        return ('set', ALL_DIGITS & ~mask if negate else mask)

    def parse_atom():
        nonlocal pos, ngroups
        c = peek()
        pos += 1
        if c == '(':
            if src.startswith('?:', pos):
                pos += 2
                k = None
            else:
                ngroups += 1
                k = ngroups
            inner = parse_alt()
            if peek() != ')':
                raise RegexError('unbalanced ( in ' + src)
            pos += 1
            return ('group', k, inner)
        if c == '[':
            return parse_class()
        if c == '\\':
            e = src[pos]
            pos += 1
            if e == 'd':
                return ('set', ALL_DIGITS)
            return ('set', 1 << int(e)) if e.isdigit() else ('set', 0)
        if c == '.':
            return ('set', ALL_DIGITS)
        if c == '$':
            return ('eol',)
        if c in '?*+{':
            raise RegexError('dangling quantifier in ' + src)
        return ('set', 1 << int(c)) if c.isdigit() else ('set', 0)

    def parse_quant(atom):
        nonlocal pos
        while True:
            c = peek()
            if c == '?':
                lo, hi = 0, 1
            elif c == '*':
                lo, hi = 0, None
            elif c == '+':
                lo, hi = 1, None
            elif c == '{':
                m = re.match(r'\{(\d+)(,(\d*))?\}', src[pos:])
                if not m:
                    raise RegexError('bad {} in ' + src)
                lo = int(m.group(1))
                hi = lo if m.group(2) is None else (
                    int(m.group(3)) if m.group(3) else None)
                pos += len(m.group(0)) - 1
            else:
                return atom
            pos += 1
            atom = ('rep', atom, lo, hi)

    ast = parse_alt()
    if pos != len(src):
        raise RegexError('unbalanced ) in ' + src)
    return ast, ngroups


# ---------------------------------------------------------------- NFA / DFA

class Nfa:
    def __init__(self):
        self.eps = []       # state -> [state]
        self.edges = []     # state -> [(mask, state)]

    def new(self):
        self.eps.append([])
        self.edges.append([])
        return len(self.eps) - 1

    def build(self, node, start):
        """Add node after state start; return its end state."""
        kind = node[0]
        if kind == 'set':
            end = self.new()
            if node[1]:
                self.edges[start].append((node[1], end))
            return end
        if kind == 'cat':
            cur = start
            for item in node[1]:
                cur = self.build(item, cur)
            return cur
        if kind == 'alt':
            end = self.new()
            for branch in node[1]:
                s = self.new()
                self.eps[start].append(s)
                self.eps[self.build(branch, s)].append(end)
            return end
        if kind == 'group':
            return self.build(node[2], start)
        if kind == 'rep':
            _, sub, lo, hi = node
            cur = start
            for _ in range(lo):
                cur = self.build(sub, cur)
            if hi is None:
                loop = self.new()
                self.eps[cur].append(loop)
                self.eps[self.build(sub, loop)].append(loop)
                return loop
            end = self.new()
            for _ in range(hi - lo):
                self.eps[cur].append(end)
                cur = self.build(sub, cur)
            self.eps[cur].append(end)
            return end
        raise RegexError('end anchor in a DFA pattern')


def closure(nfa, states):
    stack = list(states)
    seen = set(states)
    while stack:
        s = stack.pop()
        for t in nfa.eps[s]:
            if t not in seen:
                seen.add(t)
                stack.append(t)
    return frozenset(seen)


def build_dfa(ast, prefix):
    """Subset construction, then Moore minimisation.

    Returns (transitions, accepting) with state 0 = dead and state 1 =
    start.  With prefix=True accepting states are absorbing (some prefix of
    the input matched, as RE2's Consume asks).
    """
    nfa = Nfa()
    start = nfa.new()
    final = nfa.build(ast, start)
    sets = {frozenset(): 0}
    order = [frozenset()]
    trans = [[0] * 10]
    accept = [False]
    work = [closure(nfa, [start])]
    sets[work[0]] = 1
    order.append(work[0])
    trans.append(None)
    accept.append(final in work[0])
    while work:
        cur = work.pop()
        idx = sets[cur]
        row = []
        for d in range(10):
            bit = 1 << d
            nxt = set()
            if not (prefix and accept[idx]):
                for s in cur:
                    for mask, t in nfa.edges[s]:
                        if mask & bit:
                            nxt.add(t)
            tgt = closure(nfa, nxt) if nxt else frozenset()
            if prefix and accept[idx]:
                tgt = cur
            if tgt not in sets:
                sets[tgt] = len(order)
                order.append(tgt)
                trans.append(None)
                accept.append(final in tgt)
                work.append(tgt)
            row.append(sets[tgt])
        trans[idx] = row
    return minimise(trans, accept)


def minimise(trans, accept):
    n = len(trans)
    # class 0 holds the dead state and everything equivalent to it
    part = [0 if i == 0 else (2 if accept[i] else 1) for i in range(n)]
    while True:
        new = [(part[i],) + tuple(part[t] for t in trans[i])
               for i in range(n)]
        ids = {}
        for i in range(n):
            key = new[i]
            if key not in ids:
                ids[key] = len(ids)
        newpart = [ids[new[i]] for i in range(n)]
        if len(set(newpart)) == len(set(part)):
            break
        part = newpart
    # renumber: dead -> 0, start -> 1, then in order of first appearance
    remap = {part[0]: 0}
    if part[1] not in remap:
        remap[part[1]] = 1
    for i in range(n):
        if part[i] not in remap:
            remap[part[i]] = len(remap)
    m = len(remap)
    mtrans = [None] * m
    maccept = [False] * m
    for i in range(n):
        j = remap[part[i]]
        mtrans[j] = [remap[part[t]] for t in trans[i]]
        maccept[j] = accept[i]
    return mtrans, maccept


# ---------------------------------------------------------------- programs

def compile_program(ast):
    """Backtracking program: list of (op, mask, x, y), greedy like Perl."""
    code = []

    def emit(op, mask=0, x=0, y=0):
        code.append([op, mask, x, y])
        return len(code) - 1

    def gen(node):
        kind = node[0]
        if kind == 'set':
            emit('CLASS', node[1])
        elif kind == 'eol':
            emit('EOL')
        elif kind == 'cat':
            for item in node[1]:
                gen(item)
        elif kind == 'alt':
            jumps = []
            branches = node[1]
            for i, branch in enumerate(branches):
                if i < len(branches) - 1:
                    split = emit('SPLIT')
                    code[split][2] = len(code)
                    gen(branch)
                    jumps.append(emit('JMP'))
                    code[split][3] = len(code)
                else:
                    gen(branch)
            for j in jumps:
                code[j][2] = len(code)
        elif kind == 'group':
            if node[1] is not None:
                emit('SAVE', x=2 * node[1])
            gen(node[2])
            if node[1] is not None:
                emit('SAVE', x=2 * node[1] + 1)
        elif kind == 'rep':
            _, sub, lo, hi = node
            for _ in range(lo):
                gen(sub)
            if hi is None:
                split = emit('SPLIT')
                code[split][2] = len(code)
                gen(sub)
                emit('JMP', x=split)
                code[split][3] = len(code)
            else:
                splits = []
                for _ in range(hi - lo):
                    split = emit('SPLIT')
                    code[split][2] = len(code)
                    splits.append(split)
                    gen(sub)
                for split in splits:
                    code[split][3] = len(code)
    gen(ast)
    emit('MATCH')
    return code


# ---------------------------------------------------------------- metadata

def clean(pattern):
    return re.sub(r'\s', '', pattern)


def parse_lengths(text):
    out = set()
    for part in text.split(','):
        part = part.strip()
        if not part:
            continue
        m = re.fullmatch(r'\[(\d+)-(\d+)\]', part)
        if m:
            out.update(range(int(m.group(1)), int(m.group(2)) + 1))
        else:
            out.add(int(part))
    return out


def mask_of(lengths):
    m = 0
    for n in lengths:
        if n < 32:
            m |= 1 << n
    return m


def fits(mask, n):
    """Does a length mask (0 = no pre-check) allow n digits?"""
    return mask == 0 or (n < 32 and (mask >> n) & 1)


class Tables:
    def __init__(self):
        self.dfa_rows = [[0] * 10]      # global state 0 = dead
        self.dfa_accept = [False]
        self.dfa_cache = {}
        self.valid_cache = {}
        self.insns = []
        self.prog_cache = {}

    def add_dfa(self, trans, accept):
        """Append a minimised DFA (0 = dead, 1 = start); its global start."""
        base = len(self.dfa_rows) - 1    # local state i -> base + i (i >= 1)
        for i in range(1, len(trans)):
            self.dfa_rows.append([0 if t == 0 else base + t for t in trans[i]])
            self.dfa_accept.append(accept[i])
        return base + 1

    def dfa(self, pattern, prefix=False):
        if pattern is None:
            return 0
        key = (pattern, prefix)
        if key not in self.dfa_cache:
            ast, _ = parse_regex(pattern)
            self.dfa_cache[key] = self.add_dfa(*build_dfa(ast, prefix))
        return self.dfa_cache[key]

    def valid_dfa(self, general, types):
        """One DFA for "the general description and some type match".

        Descriptions are (dfa, lengths, local) as in PhoneTerritory; each
        matches like the engine's phone_matches_desc: its length mask (0 =
        none) allows the number of digits, and its DFA accepts them.  The
        product of the DFAs, with the number of digits read (from 32 on,
        every length mask fails), minimised: validity in one walk.
        """
        types = tuple(d[:2] for d in types if d[0] != 0)
        if general[0] == 0 or not types:
            return 0
        key = (general[:2], types)
        if key in self.valid_cache:
            return self.valid_cache[key]
        rows, acc = self.dfa_rows, self.dfa_accept

        def accepting(st):
            n = st[-1]
            return bool(acc[st[0]] and fits(general[1], n) and
                        any(acc[s] and fits(d[1], n)
                            for s, d in zip(st[1:-1], types)))

        start = (general[0],) + tuple(d[0] for d in types) + (0,)
        ids = {start: 1}
        trans = [[0] * 10, None]
        accept = [False, accepting(start)]
        work = [start]
        while work:
            st = work.pop()
            row = []
            for d in range(10):
                nxt = tuple(rows[s][d] for s in st[:-1]) + (min(st[-1] + 1, 32),)
                # dead once the general description or every type is
                if nxt[0] == 0 or not any(nxt[1:-1]):
                    row.append(0)
                    continue
                if nxt not in ids:
                    ids[nxt] = len(trans)
                    trans.append(None)
                    accept.append(accepting(nxt))
                    work.append(nxt)
                row.append(ids[nxt])
            trans[ids[st]] = row
        self.valid_cache[key] = self.add_dfa(*minimise(trans, accept))
        return self.valid_cache[key]

    def merge_states(self):
        """Merge equivalent states across all DFAs (Moore's algorithm over
        the whole table): patterns share their tails, and validity DFAs are
        mostly made of states the type patterns have.  Renumbers the states
        (the dead state stays 0, no other becomes 0) and returns the map."""
        rows, acc = self.dfa_rows, self.dfa_accept
        n = len(rows)
        part = [0 if i == 0 else (2 if acc[i] else 1) for i in range(n)]
        while True:
            ids = {}
            new = [ids.setdefault((part[i],) + tuple(part[t] for t in rows[i]),
                                  len(ids)) for i in range(n)]
            if len(ids) == len(set(part)):
                break
            part = new
        number = {}
        remap = [number.setdefault(part[i], len(number)) for i in range(n)]
        self.dfa_rows = [None] * len(number)
        self.dfa_accept = [False] * len(number)
        for i in range(n):
            if self.dfa_rows[remap[i]] is None:
                self.dfa_rows[remap[i]] = [remap[t] for t in rows[i]]
                self.dfa_accept[remap[i]] = acc[i]
        self.dfa_cache = {k: remap[v] for k, v in self.dfa_cache.items()}
        self.valid_cache = {
            ((remap[g[0]], g[1]), tuple((remap[d[0]], d[1]) for d in types)):
            remap[v] for (g, types), v in self.valid_cache.items()}
        return remap

    def run_dfa(self, start, digits):
        s = start
        for ch in digits:
            if s == 0:
                break
            s = self.dfa_rows[s][ord(ch) - 48]
        return s != 0 and self.dfa_accept[s]

    def run_program(self, start, digits, full):
        """The engine's backtracking machine (src/core/phone_match.c)."""
        code = self.insns
        n = len(digits)
        caps = {}

        def run(pc, sp):
            while True:
                op, mask, x, y = code[start + pc]
                if op == 'CLASS':
                    if sp >= n or not (mask >> (ord(digits[sp]) - 48)) & 1:
                        return None
                    sp += 1
                    pc += 1
                elif op == 'SPLIT':
                    r = run(x, sp)
                    if r is not None:
                        return r
                    pc = y
                elif op == 'JMP':
                    pc = x
                elif op == 'SAVE':
                    old = caps.get(x)
                    caps[x] = sp
                    r = run(pc + 1, sp)
                    if r is not None:
                        return r
                    caps[x] = old
                    return None
                elif op == 'EOL':
                    if sp != n:
                        return None
                    pc += 1
                else:
                    if full and sp != n:
                        return None
                    return sp
        end = run(0, 0)
        return end, dict(caps)

    def self_check(self, samples, rng):
        """Compare every compiled pattern with Python's re on digit strings,
        and every validity DFA with the descriptions it joins.

        Python's re, like RE2 for these patterns and like the engine's
        machine, is leftmost-first, so matches and groups must agree.
        Returns the number of mismatches (printed).
        """
        bad = 0
        tried = 0
        matched = 0
        for (pattern, prefix), start in self.dfa_cache.items():
            rx = re.compile(pattern)
            for d in samples(rng, pattern):
                want = (rx.match(d) is not None) if prefix else \
                    (rx.fullmatch(d) is not None)
                tried += 1
                matched += want
                if self.run_dfa(start, d) != want:
                    bad += 1
                    print('DFA mismatch: %s on %s' % (pattern, d),
                          file=sys.stderr)
        for pattern, (start, ngroups) in self.prog_cache.items():
            rx = re.compile(pattern)
            for d in samples(rng, pattern):
                for full in (False, True):
                    m = rx.fullmatch(d) if full else rx.match(d)
                    end, caps = self.run_program(start, d, full)
                    tried += 1
                    matched += m is not None
                    if m is None or end is None:
                        ok = m is None and end is None
                    else:
                        ok = m.end() == end and all(
                            (m.span(g) if m.group(g) is not None else None) ==
                            ((caps[2 * g], caps[2 * g + 1])
                             if caps.get(2 * g) is not None else None)
                            for g in range(1, ngroups + 1))
                    if not ok:
                        bad += 1
                        print('program mismatch: %s on %s' % (pattern, d),
                              file=sys.stderr)
        for (general, types), start in self.valid_cache.items():
            for d in samples(rng, ''):
                want = (self.run_dfa(general[0], d) and fits(general[1], len(d))
                        and any(self.run_dfa(t[0], d) and fits(t[1], len(d))
                                for t in types))
                tried += 1
                matched += want
                if self.run_dfa(start, d) != want:
                    bad += 1
                    print('validity DFA mismatch on %s' % d, file=sys.stderr)
        print('self-check: %d matches (%d positive) compared with Python re, '
              '%d mismatches' % (tried, matched, bad), file=sys.stderr)
        return bad

    def program(self, pattern):
        if pattern is None:
            return (-1, 0)
        if pattern not in self.prog_cache:
            ast, ngroups = parse_regex(pattern)
            code = compile_program(ast)
            start = len(self.insns)
            self.insns.extend(code)
            self.prog_cache[pattern] = (start, ngroups)
        return self.prog_cache[pattern]


def np_formatting_rule(rule, national_prefix):
    if rule is None:
        return None
    rule = rule.replace('$NP', national_prefix or '', 1).replace('$FG', '$1', 1)
    return rule


def load_territory(el, tables):
    t = {}
    t['id'] = el.get('id')
    t['cc'] = int(el.get('countryCode'))
    t['main'] = el.get('mainCountryForCode') == 'true'
    ip = el.get('internationalPrefix')
    t['intl'] = tables.program(clean(ip)) if ip is not None else (-1, 0)
    national_prefix = el.get('nationalPrefix')
    npp = el.get('nationalPrefixForParsing')
    if npp is not None:
        npp = clean(npp)
        rule = el.get('nationalPrefixTransformRule')
        t['transform'] = clean(rule) if rule is not None else None
    else:
        npp = national_prefix
        t['transform'] = None
    t['npp'] = tables.program(npp) if npp else (-1, 0)
    t['extn'] = el.get('preferredExtnPrefix')
    ld = el.get('leadingDigits')
    t['leading'] = tables.dfa(clean(ld), prefix=True) if ld else 0

    general = el.find('generalDesc')
    t['general_pattern'] = clean(general.find('nationalNumberPattern').text)
    lengths, local = set(), set()
    descs = {}
    examples = []
    for idx, tag in TYPE_TAGS:
        d = el.find(tag)
        if d is None:
            descs[idx] = None
            continue
        pl = d.find('possibleLengths')
        nat = parse_lengths(pl.get('national')) if pl is not None else set()
        loc = parse_lengths(pl.get('localOnly', '')) if pl is not None else set()
        lengths |= nat
        local |= loc
        descs[idx] = (clean(d.find('nationalNumberPattern').text), nat, loc)
        ex = d.find('exampleNumber')
        if ex is not None and ex.text:
            examples.append((idx, ex.text.strip()))
    local -= lengths
    t['general'] = (tables.dfa(t['general_pattern']), mask_of(lengths),
                    mask_of(local))
    types = []
    for idx in range(11):
        d = descs.get(idx)
        if d is None:
            types.append((0, 0, 0))
            continue
        pattern, nat, loc = d
        # Like BuildMetadataFromXml: lengths equal to the general ones are
        # left out (the engine then skips the length pre-check).
        lm = 0 if nat == lengths else mask_of(nat)
        types.append((tables.dfa(pattern), lm, mask_of(loc)))
    t['types'] = types
    fixed, mobile = descs.get(0), descs.get(1)
    t['same_fm'] = bool(fixed and mobile and fixed[0] == mobile[0])
    t['examples'] = examples

    territory_rule = np_formatting_rule(el.get('nationalPrefixFormattingRule'),
                                        national_prefix)
    national, intl = [], []
    explicit_intl = False
    af = el.find('availableFormats')
    for nf in (af.findall('numberFormat') if af is not None else []):
        pattern = clean(nf.get('pattern'))
        lds = nf.findall('leadingDigits')
        ld_dfa = tables.dfa(clean(lds[-1].text), prefix=True) if lds else 0
        fmt = nf.find('format').text
        if nf.get('nationalPrefixFormattingRule') is not None:
            rule = np_formatting_rule(nf.get('nationalPrefixFormattingRule'),
                                      national_prefix)
        else:
            rule = territory_rule
        prog = tables.program(pattern)
        national.append((prog, ld_dfa, fmt, rule or None))
        ifs = nf.findall('intlFormat')
        if not ifs:
            intl.append((prog, ld_dfa, fmt, rule or None))
        else:
            explicit_intl = True
            if ifs[0].text != 'NA':
                intl.append((prog, ld_dfa, ifs[0].text, rule or None))
    t['formats'] = national
    t['intl_formats'] = intl if explicit_intl else []
    return t


def fingerprint(el):
    """One comment line per territory: its key (id, or 001/+code for the
    non-geographic ones), its calling code, then part=digest for its
    attributes and each child element (number types, formats, ...), so that
    two generated files can be compared part by part."""
    key = el.get('id')
    if key == '001':
        key = '001/+' + el.get('countryCode')

    def digest(text):
        return hashlib.sha1(text.encode()).hexdigest()[:10]
    parts = [('attributes', digest(repr(sorted(el.attrib.items()))))]
    for child in el:
        # whitespace between elements is layout, not metadata
        text = re.sub(r'>\s+<', '><', ET.tostring(child, encoding='unicode').strip())
        parts.append((child.tag, digest(re.sub(r'\s+', ' ', text))))
    return ' * %s +%s %s' % (key, el.get('countryCode'),
                             ' '.join('%s=%s' % p for p in parts))


def c_str(s):
    if s is None:
        return 'NULL'
    out = '"'
    for ch in s:
        if ch in '"\\':
            out += '\\' + ch
        elif 32 <= ord(ch) < 127:
            out += ch
        else:
            for b in ch.encode('utf-8'):
                out += '\\%03o' % b
    return out + '"'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--examples', action='store_true')
    ap.add_argument('--check', action='store_true',
                    help='compare every compiled pattern with Python re on '
                    'example numbers and random digit strings first')
    ap.add_argument('--version', default=None,
                    help='version text recorded in the tables')
    ap.add_argument('xml')
    ap.add_argument('out')
    args = ap.parse_args()

    root = ET.parse(args.xml).getroot()
    tables = Tables()
    elements = list(root.iter('territory'))
    territories = [load_territory(el, tables) for el in elements]
    for t in territories:
        # the descriptions GetNumberTypeHelper tries (mobile only when its
        # pattern differs from fixed line's)
        t['valid'] = tables.valid_dfa(
            t['general'], [d for i, d in enumerate(t['types'])
                           if i != 2 and not (i == 1 and t['same_fm'])])
    remap = tables.merge_states()

    def remap_desc(d):
        return (remap[d[0]],) + d[1:]
    for t in territories:
        t['leading'] = remap[t['leading']]
        t['valid'] = remap[t['valid']]
        t['general'] = remap_desc(t['general'])
        t['types'] = [remap_desc(d) for d in t['types']]
        for key in ('formats', 'intl_formats'):
            t[key] = [(prog, remap[ld], fmt, rule)
                      for prog, ld, fmt, rule in t[key]]
    xml_order = list(territories)
    geo = sorted([t for t in territories if t['id'] != '001'],
                 key=lambda t: t['id'])
    nongeo = sorted([t for t in territories if t['id'] == '001'],
                    key=lambda t: t['cc'])
    ordered = geo + nongeo
    index = {id(t): i for i, t in enumerate(ordered)}

    by_cc = {}
    for t in xml_order:
        lst = by_cc.setdefault(t['cc'], [])
        if t['main']:
            lst.insert(0, t)
        else:
            lst.append(t)

    if args.check:
        examples = [num for t in territories for _, num in t['examples']]

        def samples(rng, pattern):
            out = list(examples[rng.randrange(len(examples))]
                       for _ in range(20))
            # strings built from the pattern's own literal digit runs
            lits = re.findall(r'\d+', re.sub(r'\\d|\{[\d,]*\}', '', pattern))
            for _ in range(60):
                d = ''
                while len(d) < rng.randrange(1, 18):
                    if lits and rng.random() < 0.6:
                        d += rng.choice(lits)
                    else:
                        d += str(rng.randrange(10))
                out.append(d[:17])
            return out
        if tables.self_check(samples, random.Random(1)):
            sys.exit('compiled patterns disagree with Python re')
    if len(tables.dfa_rows) > 65535:
        sys.exit('too many DFA states for 16-bit transitions (%d): widen '
                 'PhoneDfaState in src/core/phone_tables.h'
                 % len(tables.dfa_rows))
    version = args.version or os.path.basename(args.xml)
    o = []
    o.append('/*')
    o.append(' * %s' % os.path.basename(args.out))
    o.append(' *\t\tGENERATED by tools/gen_phone_metadata.py -- do not edit.')
    o.append(' *')
    o.append(' * Source: %s (libphonenumber resources/PhoneNumberMetadata.xml)'
             % os.path.basename(args.xml))
    o.append(' * Version: %s' % version)
    o.append(' * Made by: tools/gen_phone_metadata.py %s'
             % ' '.join(shlex.quote(os.path.basename(a) if a in (args.xml, args.out) else a)
                        for a in sys.argv[1:]))
    o.append(' * libphonenumber numbering metadata, Copyright (C) Google Inc.,')
    o.append(' * Apache License 2.0 (https://github.com/google/libphonenumber).')
    o.append(' * %d territories, %d calling codes, %d DFA states, %d instructions.'
             % (len(ordered), len(by_cc), len(tables.dfa_rows),
                len(tables.insns)))
    o.append(' */')
    o.append('#include "phone_tables.h"')
    o.append('')
    o.append('static const PhoneDfaState dfa[] = {')
    for row in tables.dfa_rows:
        o.append('\t{{%s}},' % ','.join(str(x) for x in row))
    o.append('};')
    o.append('')
    o.append('static const uint8_t dfa_accept[] = {')
    acc = [('1' if a else '0') for a in tables.dfa_accept]
    for i in range(0, len(acc), 40):
        o.append('\t' + ','.join(acc[i:i + 40]) + ',')
    o.append('};')
    o.append('')
    o.append('static const PhoneInsn insns[] = {')
    for op, mask, x, y in tables.insns:
        o.append('\t{PHONE_OP_%s, %d, %d, %d},' % (op, mask, x, y))
    if not tables.insns:
        o.append('\t{PHONE_OP_MATCH, 0, 0, 0},')
    o.append('};')
    o.append('')

    formats = []
    fidx = []
    for t in ordered:
        first = len(formats)
        formats.extend(t['formats'])
        ifirst = len(formats)
        formats.extend(t['intl_formats'])
        fidx.append((first, len(t['formats']), ifirst, len(t['intl_formats'])))
    o.append('static const PhoneNumberFormat formats[] = {')
    for (prog, ld, fmt, rule) in formats:
        o.append('\t{{%d, %d}, %d, %s, %s},' % (prog[0], prog[1], ld, c_str(fmt),
                                               c_str(rule)))
    if not formats:
        o.append('\t{{-1, 0}, 0, NULL, NULL},')
    o.append('};')
    o.append('')

    def desc(d):
        return '{%d, 0x%x, 0x%x}' % d

    o.append('static const PhoneTerritory territories[] = {')
    for t, (f0, fn, i0, inn) in zip(ordered, fidx):
        o.append('\t{%s, %d, %s, %s, {%d, %d}, {%d, %d}, %s, %s, %d,' % (
            c_str(t['id']), t['cc'], 'true' if t['main'] else 'false',
            'true' if t['same_fm'] else 'false', t['intl'][0], t['intl'][1],
            t['npp'][0], t['npp'][1], c_str(t['transform']), c_str(t['extn']),
            t['leading']))
        o.append('\t\t%d, %s,' % (t['valid'], desc(t['general'])))
        o.append('\t\t{%s},' % ', '.join(desc(d) for d in t['types']))
        o.append('\t%d, %d, %d, %d},' % (f0, fn, i0, inn))
    o.append('};')
    o.append('')
    region_list = []
    o.append('static const PhoneCallingCode calling_codes[] = {')
    for cc in sorted(by_cc):
        first = len(region_list)
        region_list.extend(index[id(t)] for t in by_cc[cc])
        o.append('\t{%d, %d, %d},' % (cc, first, len(by_cc[cc])))
    o.append('};')
    o.append('')
    o.append('static const uint16_t region_list[] = {')
    for i in range(0, len(region_list), 20):
        o.append('\t' + ','.join(str(x) for x in region_list[i:i + 20]) + ',')
    o.append('};')
    o.append('')

    def int_table(name, values):
        o.append('static const int16_t %s[%d] = {' % (name, len(values)))
        for i in range(0, len(values), 25):
            o.append('\t' + ','.join(str(x) for x in values[i:i + 25]) + ',')
        o.append('};')
        o.append('')
    cc_index = [-1] * 1000
    for i, cc in enumerate(sorted(by_cc)):
        cc_index[cc] = i
    int_table('calling_code_index', cc_index)
    region_index = [-1] * (26 * 26)
    for i, t in enumerate(geo):
        region_index[(ord(t['id'][0]) - 65) * 26 + ord(t['id'][1]) - 65] = i
    int_table('region_index', region_index)
    o.append('const PhoneMetadata ct_phone_metadata = {')
    o.append('\t%s,' % c_str(version))
    o.append('\tdfa, dfa_accept, insns, territories, %d, %d, formats,'
             % (len(ordered), len(geo)))
    o.append('\tcalling_codes, %d, region_list, calling_code_index, region_index'
             % len(by_cc))
    o.append('};')
    if args.examples:
        o.append('')
        o.append('const PhoneExample ct_phone_examples[] = {')
        for t in ordered:
            for idx, num in t['examples']:
                o.append('\t{%s, %d, %s},' % (c_str(t['id']), idx, c_str(num)))
        o.append('\t{NULL, 0, NULL}')
        o.append('};')
    o.append('')
    o.append('/*')
    o.append(' * Territory digests (tools/phone_metadata_report.py):')
    o.extend(fingerprint(el) for el in elements)
    o.append(' */')
    with open(args.out, 'w') as f:
        f.write('\n'.join(o) + '\n')
    print('%s: %d territories, %d DFA states, %d instructions'
          % (args.out, len(ordered), len(tables.dfa_rows), len(tables.insns)),
          file=sys.stderr)


if __name__ == '__main__':
    main()
