#!/usr/bin/env python3
"""Splices re-measured functions into a pallet's `weights.rs`.

    scripts/splice-weights.py WEIGHTS_RS PARTIAL_RS

PARTIAL_RS is the benchmark CLI's output for some of the pallet's extrinsics (`--extrinsic a,b`)
with the same template; every function it holds replaces the function of the same name, with
its storage comments, in both `impl` blocks of WEIGHTS_RS (the measured `SubstrateWeight<T>`
and the `()` used by tests). The header records which functions were re-measured, and with
which command. Exits 2, writing nothing, when a function of PARTIAL_RS is not in WEIGHTS_RS.
"""
import re
import sys

IMPL = re.compile(r"^impl(<[^>]*>)? WeightInfo for (\S+) \{$", re.M)
FN = re.compile(r"^\tfn (\w+)\(", re.M)


def impl_blocks(text):
    """[(self type, start, end)] of the `impl WeightInfo for X { ... }` blocks."""
    blocks = []
    for m in IMPL.finditer(text):
        end = text.index("\n}\n", m.end())
        blocks.append((m.group(2), m.end(), end))
    return blocks


def items(text, start, end):
    """{fn name: (item start, item end)}: an item is the fn with the `///` lines above it."""
    found = {}
    for m in FN.finditer(text, start, end):
        item_start = m.start()
        while True:
            prev = text.rfind("\n", start, item_start - 1)
            line = text[prev + 1 : item_start - 1]
            if not line.startswith("\t///"):
                break
            item_start = prev + 1
        close = text.index("\n\t}\n", m.end())
        found[m.group(1)] = (item_start, close + len("\n\t}\n"))
    return found


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    target_path, partial_path = sys.argv[1:]
    target = open(target_path).read()
    partial = open(partial_path).read()
    new_blocks = {name: items(partial, s, e) for name, s, e in impl_blocks(partial)}
    replaced = set()
    # Replace back to front so earlier offsets stay valid.
    edits = []
    for name, start, end in impl_blocks(target):
        fresh = new_blocks.get(name, {})
        old = items(target, start, end)
        for fn, (ps, pe) in fresh.items():
            if fn not in old:
                print(f"{target_path}: no `fn {fn}` in `impl WeightInfo for {name}`", file=sys.stderr)
                sys.exit(2)
            edits.append((old[fn], partial[ps:pe]))
            replaced.add(fn)
    if not edits:
        print(f"{partial_path}: no weight functions found", file=sys.stderr)
        sys.exit(2)
    for (s, e), text in sorted(edits, key=lambda edit: edit[0][0], reverse=True):
        target = target[:s] + text + target[e:]
    date = re.search(r"^//! DATE: ([^,]+),.*$", partial, re.M)
    command = re.search(r"^// Executed Command:\n((?://.*\n)+)", partial, re.M)
    note = (
        f"//! Re-measured on {date.group(1) if date else 'an unknown date'}: "
        f"{', '.join(sorted(replaced))}"
    )
    if command:
        args = [line[3:] for line in command.group(1).splitlines()]
        kept = [
            f"{flag} {args[i + 1]}"
            for i, flag in enumerate(args[:-1])
            if flag in ("--extrinsic", "--steps", "--repeat")
        ]
        note += f" (`{' '.join(kept)}`)"
    target = target.replace(
        "//! Regenerate with", note + ".\n//!\n//! Regenerate with", 1
    )
    open(target_path, "w").write(target)
    print(f"{target_path}: re-measured {', '.join(sorted(replaced))}")


if __name__ == "__main__":
    main()
