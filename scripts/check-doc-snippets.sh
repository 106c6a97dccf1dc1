#!/usr/bin/env bash
# `make doc-snippets`: every ```swift block of README.md and Docs/*.md compiles against the package's real API.
# scripts/doc-snippets.py writes the blocks into the DocSnippets test target (Tests/DocSnippets/Generated/), this
# builds that one target with the package's own build (no second dependency resolution), and the generated files
# are removed again whatever the outcome. Compiler errors name the Markdown page and line.
# A block that is deliberately a fragment is marked with the line `<!-- fragment -->` just before its fence.
set -euo pipefail
cd "$(dirname "$0")/.."
generated=Tests/DocSnippets/Generated
trap 'rm -rf "$generated"' EXIT
python3 scripts/doc-snippets.py
mkdir -p .build
status=0
swift build --target DocSnippets >.build/doc-snippets.log 2>&1 || status=$?
grep -E 'error:' .build/doc-snippets.log || true
if [ "$status" -ne 0 ]; then
    echo "make doc-snippets: a code block does not compile (errors above, full log in .build/doc-snippets.log)"
    exit 1
fi
echo "make doc-snippets: every code block compiles"
