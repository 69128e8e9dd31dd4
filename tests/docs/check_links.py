#!/usr/bin/env python3
"""Checks the docs' cross-references (ctest: docs.links):
- every relative link in README.md and docs/**/*.md names an existing file
  or directory and, with #anchor, an existing heading (GitHub's slugs);
- every citation of a page in the sources or the docs, `docs/<page>.md` or
  `docs/<page>.md, "Section"` (also across comment lines), names an existing
  page and, when quoted, the start of one of its headings or bold paragraph
  lead-ins.
Prints what is broken; exit 1 if anything is."""
import functools
import glob
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else '.'
docs = [os.path.join(root, 'README.md')] + sorted(
    glob.glob(os.path.join(root, 'docs', '**', '*.md'), recursive=True))
link = re.compile(r'(?<!!)\[[^\]]*\]\(([^)\s]+)\)')
citation = re.compile(r'\b(docs/[\w/.-]+?\.md)(?:,\s*"([^"]+)")?')
source_exts = ('.cc', '.h', '.c', '.sh', '.py', '.md', '.txt', '.tbl')


@functools.lru_cache(maxsize=None)
def headings(path):
    """GitHub anchors and plain titles of the headings and **bold** lead-ins."""
    slugs, titles, seen, in_code = set(), set(), {}, False
    for line in open(path, encoding='utf-8'):
        if line.startswith('```'):
            in_code = not in_code
            continue
        if in_code:
            continue
        bold = re.match(r'^(?:- |\d+\. )?\*\*([^*]+?)\.?\*\*', line)
        if bold:
            titles.add(bold.group(1).strip().lower())
        m = re.match(r'^(#{1,6})\s+(.*?)\s*#*\s*$', line)
        if not m:
            continue
        titles.add(m.group(2).strip().lower())
        s = re.sub(r'[^\w\- ]', '', m.group(2).lower()).replace(' ', '-')
        n = seen.get(s, 0)
        seen[s] = n + 1
        slugs.add(s if n == 0 else f'{s}-{n}')
    return slugs, titles


def check_links(f):
    bad = []
    text = open(f, encoding='utf-8').read()
    text = re.sub(r'```.*?```', '', text, flags=re.S)
    text = re.sub(r'`[^`\n]*`', '', text)
    for target in link.findall(text):
        if re.match(r'^[a-z]+:', target):
            continue
        path, _, anchor = target.partition('#')
        dest = os.path.normpath(os.path.join(os.path.dirname(f), path)) if path else f
        if not os.path.exists(dest):
            bad.append(f'{f}: link {target}: no such file')
        elif anchor and os.path.isfile(dest) and anchor not in headings(dest)[0]:
            bad.append(f'{f}: link {target}: no such heading')
    return bad


def check_citations(f):
    bad = []
    text = open(f, encoding='utf-8', errors='replace').read()
    # A citation may run on into the next comment line.
    text = re.sub(r'\n[ \t]*(?://|#|\*|;)?[ \t]*', ' ', text)
    for page, section in citation.findall(text):
        dest = os.path.join(root, page)
        if not os.path.isfile(dest):
            bad.append(f'{f}: cites {page}: no such page')
        elif section and not any(t.startswith(section.strip().lower())
                                 for t in headings(dest)[1]):
            bad.append(f'{f}: cites {page}, "{section}": no such section')
    return bad


def sources():
    for top, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in ('.git', 'build') and not d.startswith('build')]
        for name in files:
            if name.endswith(source_exts) or name == 'README.md':
                yield os.path.join(top, name)


problems = [p for f in docs for p in check_links(f)]
problems += [p for f in sorted(sources()) for p in check_citations(f)]
print('\n'.join(problems))
print(f'{len(docs)} pages and their citations checked, {len(problems)} broken')
sys.exit(1 if problems else 0)
