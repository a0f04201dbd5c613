"""`python -m cx_settings show | get NAME | template | table`.

show      every setting's effective value and where it came from
get NAME  one value (by field or environment name), for the Makefile and scripts
template  a cx.toml with every setting commented out at its default
table     the README's configuration table (a test keeps the README equal to it)
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import Field
from typing import Any

from cx_settings import (
    PROJECT_ROOT,
    all_fields,
    as_plain,
    env_name,
    load_settings,
    settings_file,
    value_of,
)


def _text(value: Any) -> str:
    plain = as_plain(value)
    if plain is None:
        return ""
    return plain if isinstance(plain, str) else json.dumps(plain, ensure_ascii=False)


def _default_shown(f: Field) -> str:
    if f.metadata["shown"] is not None:
        return f.metadata["shown"]
    return _text(f.metadata["default"]) or "(unset)"


def _toml(value: Any) -> str:
    plain = as_plain(value)
    if isinstance(plain, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in plain.items()) + " }"
    if isinstance(plain, list):
        return "[" + ", ".join(_toml(v) for v in plain) + "]"
    return json.dumps(plain, ensure_ascii=False)


def table() -> str:
    rows = [
        "| setting | environment | default | meaning |",
        "|---|---|---|---|",
    ]
    for section, f in all_fields():
        default = _default_shown(f).replace("|", "\\|")
        if len(default) > 40:
            default = "(see `python -m cx_settings show`)"
        doc = f.metadata["doc"].replace("|", "\\|")
        rows.append(f"| `{section}.{f.name}` | `{env_name(f)}` | `{default}` | {doc} |")
    return "\n".join(rows)


def template() -> str:
    lines = [
        "# Project settings (cx_settings). Uncomment what you change; environment",
        "# variables (CX_<NAME>) override this file. Relative paths are from this file.",
    ]
    current = None
    for section, f in all_fields():
        if section != current:
            lines += ["", f"[{section}]"]
            current = section
        lines.append(f"# {f.metadata['doc']}")
        if f.metadata["shown"] is not None:
            lines.append(f"# {f.name} = {json.dumps(f.metadata['shown'])}")
        elif f.metadata["default"] is None:
            lines.append(f'# {f.name} = ""')
        else:
            lines.append(f"# {f.name} = {_toml(f.metadata['default'])}")
    return "\n".join(lines)


def show() -> str:
    s = load_settings()
    file = settings_file(os.environ)
    file_table: dict = {}
    if file:
        import tomllib

        file_table = tomllib.loads(file.read_text(encoding="utf-8"))
    out = [f"settings file: {file or '(none; ' + str(PROJECT_ROOT / 'cx.toml') + ')'}"]
    for section, f in all_fields():
        if os.environ.get(env_name(f)):
            source = f"env {env_name(f)}"
        elif f.name in file_table.get(section, {}):
            source = "file"
        else:
            source = "default"
        value = _text(getattr(getattr(s, section), f.name))
        out.append(f"{section}.{f.name} = {value}  [{source}]")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    command, rest = argv[0], argv[1:]
    if command == "get" and len(rest) == 1:
        print(_text(value_of(load_settings(), rest[0])))
    elif command == "show":
        print(show())
    elif command == "template":
        print(template())
    elif command == "table":
        print(table())
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
