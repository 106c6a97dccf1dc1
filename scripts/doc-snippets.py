#!/usr/bin/env python3
"""Writes the ```swift blocks of README.md and Docs/*.md as Swift files of the DocSnippets test target.

Run by `make doc-snippets` (scripts/check-doc-snippets.sh), which then builds the target and removes the files.

How a block becomes Swift:
- Each page gets a namespace (`enum DocPage_<page>`); each block an extension of it in a file of its own, so blocks
  of one page see each other's types and functions, and pages do not collide (two pages may each declare `Order`).
- Declarations at the block's left margin (struct, enum, class, actor, protocol, typealias, func, with their
  attributes and doc comments) become members of the page's namespace (`func` as `static func`); `extension`s stay
  at file scope; everything else is statements, wrapped in `static func block_<line>() async throws`.
- `…` stands for code left out and is read as nothing.
- Names a block uses without declaring them — `configuration`, `registry`, `producer`, `endpoint` and the others in
  CONTEXT below — become parameters of the block's function; the types they stand for (`Order`, `ShippingClient`,
  ...) are in Tests/DocSnippets/Context.swift.
- A block with its own `import` lines gets only those; a block without gets every library module.
- A block preceded by the line `<!-- fragment -->` is not compiled.
- `#sourceLocation` points every line back at the Markdown page, so compiler errors name the page and line.
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "DocSnippets" / "Generated"

DEFAULT_IMPORTS = [
    "Configuration", "Foundation", "KafkaClient", "KafkaListeners", "KafkaListenersAdmin",
    "KafkaListenersConfiguration", "KafkaListenersMacros", "KafkaListenersTesting", "Logging", "ServiceLifecycle",
    "Synchronization", "Testing",
]

# Names a statement block may use without declaring them, and what they stand for.
CONTEXT = {
    "configuration": "KafkaConfiguration",
    "registry": "ListenerRegistry",
    "pauses": "PauseService",
    "producer": "KafkaProducer",
    "endpoint": "ListenerEndpoint",
    "logger": "Logger",
    "token": "String",
    "text": "String",
    "kafka": "TestKafka",
    "regions": "[String]",
    "featureFlags": "FeatureFlags",
    "shippingClient": "ShippingClient",
    "store": "InvoiceStore",
}
# Parameters that blocks assign to.
INOUT = {"endpoint"}

DECL = re.compile(r"^(public |internal |private |fileprivate |final |indirect )*"
                  r"(struct|enum|class|actor|protocol|typealias|func)\b")
EXTENSION = re.compile(r"^(public |internal )?extension\b")
IMPORT = re.compile(r"^import\s+(\w+)")


def depth_change(line):
    """Bracket depth change of a line, outside string literals and comments."""
    depth, i, n = 0, 0, len(line)
    while i < n:
        c = line[i]
        if line.startswith("//", i):
            break
        if c == '"' or (c == "#" and line.startswith('#"', i)):
            hashes = 0
            while i < n and line[i] == "#":
                hashes += 1
                i += 1
            closing = '"' + "#" * hashes
            i += 1
            while i < n and not line.startswith(closing, i):
                i += 2 if line[i] == "\\" and hashes == 0 else 1
            i += len(closing)
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        i += 1
    return depth


def blocks(path):
    """(first line number, lines) of each ```swift block not marked as a fragment."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found, i = [], 0
    while i < len(lines):
        if lines[i].strip().startswith("```swift"):
            fragment = i > 0 and lines[i - 1].strip() == "<!-- fragment -->"
            start, i = i + 2, i + 1
            body = []
            while i < len(lines) and not lines[i].strip().startswith("```"):
                body.append(lines[i])
                i += 1
            if not fragment:
                found.append((start, body))
        i += 1
    return found


def items(body, first_line):
    """Splits a block into top-level items: (kind, first line number, lines)."""
    result, current, depth, leading = [], None, 0, []
    for offset, raw in enumerate(body):
        line = raw.replace("…", "")
        number = first_line + offset
        at_margin = line[:1] not in ("", " ", "\t")
        continuation = depth > 0 or line.lstrip()[:1] in (".", "}", ")", "]") or not at_margin
        if current is not None and continuation and line.strip():
            current[2].append(line)
        elif not line.strip():
            if current is not None:
                current[2].append(line)
        elif line.startswith("//") or line.startswith("@"):
            if current is not None and not current[2][-1].strip().startswith(("//", "@")):
                result.append(current)
                current = None
            leading.append((number, line))
        else:
            if current is not None:
                result.append(current)
            match = IMPORT.match(line)
            kind = ("import" if match else "extension" if EXTENSION.match(line)
                    else "declaration" if DECL.match(line) else "statement")
            start = leading[0][0] if leading else number
            current = [kind, start, [text for _, text in leading] + [line]]
            leading = []
        depth += depth_change(line)
    if current is not None:
        result.append(current)
    if leading:
        result.append(["statement", leading[0][0], [text for _, text in leading]])
    return result


def location(page, line):
    return f'#sourceLocation(file: "{page}", line: {line})'


def static_func(lines):
    """A declaration's `func` as `static func` (a member of the page's namespace)."""
    out = []
    for line in lines:
        if line[:1] not in (" ", "\t") and re.match(r"^(public |private |fileprivate )?func\b", line):
            line = re.sub(r"\bfunc\b", "static func", line, count=1)
        out.append(line)
    return out


def indent(lines, by="    "):
    return [by + line if line.strip() else line for line in lines]


def close_locations(lines):
    """Drops each `#sourceLocation()` that follows no opening directive (the compiler refuses those)."""
    out, open_ = [], False
    for line in lines:
        stripped = line.strip()
        if stripped == "#sourceLocation()":
            if not open_:
                continue
            open_ = False
        elif stripped.startswith("#sourceLocation("):
            open_ = True
        out.append(line)
    return out


def generate(page, namespace, start, body):
    parts = items(body, start)
    imports = [IMPORT.match(lines[0]).group(1) for kind, _, lines in parts if kind == "import"]
    out = [f"// Generated from {page}:{start} by scripts/doc-snippets.py; do not edit."]
    out += [f"import {name}" for name in (imports or DEFAULT_IMPORTS)]
    out.append("")
    members, statements, extensions = [], [], []
    for kind, line, lines in parts:
        if kind == "extension":
            extensions += [location(page, line)] + lines
        elif kind == "declaration":
            members += [location(page, line)] + static_func(lines)
        elif kind == "statement":
            statements.append((line, lines))
    out += extensions
    out.append("#sourceLocation()")
    out.append(f"extension {namespace} {{")
    out += indent(members)
    if statements:
        text = "\n".join(line for _, lines in statements for line in lines)
        used = [name for name in CONTEXT if re.search(rf"(?<![.\w]){name}\b(?!\s*:)", text)]
        # The types through Tests/DocSnippets/Context.swift's aliases, so a block with its own imports needs none more.
        params = ", ".join(
            f"{name}: {'inout ' if name in INOUT else ''}DocContext.{CONTEXT[name].strip('[]')}"
            if not CONTEXT[name].startswith("[") else f"{name}: [DocContext.{CONTEXT[name].strip('[]')}]"
            for name in used)
        out.append("#sourceLocation()")
        out.append(f"    static func block_{start}({params}) async throws {{")
        for line, lines in statements:
            out.append(location(page, line))
            out += indent(lines, "        ")
        out.append("#sourceLocation()")
        out.append("    }")
    out.append("#sourceLocation()")
    out.append("}")
    return "\n".join(close_locations(out)) + "\n"


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.swift"):
        old.unlink()
    pages = [ROOT / "README.md"] + sorted((ROOT / "Docs").glob("*.md"))
    namespaces, count = [], 0
    for path in pages:
        page = str(path.relative_to(ROOT))
        stem = re.sub(r"\W", "_", path.stem)
        namespace = f"DocPage_{stem}"
        found = blocks(path)
        if not found:
            continue
        namespaces.append(namespace)
        for start, body in found:
            (OUT / f"{stem}_{start}.swift").write_text(generate(page, namespace, start, body), encoding="utf-8")
            count += 1
    declarations = [f"enum {name} {{}}" for name in namespaces]
    (OUT / "Pages.swift").write_text("// Generated by scripts/doc-snippets.py; do not edit.\n"
                                     + "\n".join(declarations) + "\n", encoding="utf-8")
    print(f"doc-snippets: {count} blocks from {len(namespaces)} pages")


if __name__ == "__main__":
    sys.exit(main())
