#!/usr/bin/env python3
"""Say what a regeneration of the phone tables changes.

Usage:
    tools/phone_metadata_report.py OLD.c NEW.c

Compares two files made by tools/gen_phone_metadata.py through the version
and the territory digests each records (so the old tables need not have their
XML at hand) and prints the metadata version, the territories added and
removed, and per territory the parts whose metadata changed: its attributes
(prefixes, main country for its code, ...), a number type's pattern, lengths
or example number (fixedLine, mobile, ...), availableFormats, generalDesc.  Prints "no
change" when the territories are the same.
"""

import re
import sys

DIGEST = re.compile(r'^ \* (\S+) \+(\d+) (\S+=\S+(?: \S+=\S+)*)$')


def read(path):
    version = None
    territories = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip('\n')
            if version is None and line.startswith(' * Version: '):
                version = line[len(' * Version: '):]
            m = DIGEST.match(line)
            if m:
                territories[m.group(1)] = (
                    m.group(2), dict(p.split('=', 1) for p in m.group(3).split()))
    if not territories:
        sys.exit('%s: no territory digests (tables from an older '
                 'tools/gen_phone_metadata.py?)' % path)
    return version, territories


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split('\n\n')[1].strip())
    old_version, old = read(sys.argv[1])
    new_version, new = read(sys.argv[2])
    print('version: %s -> %s' % (old_version, new_version))
    print('territories: %d -> %d' % (len(old), len(new)))
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    for key in added:
        print('added: %s (+%s)' % (key, new[key][0]))
    for key in removed:
        print('removed: %s (+%s)' % (key, old[key][0]))
    changed = 0
    for key in sorted(set(old) & set(new)):
        (old_cc, a), (new_cc, b) = old[key], new[key]
        parts = ['%s %s' % (part, 'added' if part not in a else
                            'removed' if part not in b else 'changed')
                 for part in sorted(set(a) | set(b)) if a.get(part) != b.get(part)]
        if old_cc != new_cc:
            parts.insert(0, 'calling code +%s -> +%s' % (old_cc, new_cc))
        if parts:
            changed += 1
            print('changed: %s: %s' % (key, ', '.join(parts)))
    if added or removed or changed:
        print('%d added, %d removed, %d changed' % (len(added), len(removed), changed))
    else:
        print('no change')


if __name__ == '__main__':
    main()
