"""YAML 1.2 text → plain Python data plus the line of every key and item.

Kept apart from the loader so that checks can locate problems without importing
the loader (which imports the checks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from app.questionnaires.errors import DefinitionErrors, ErrorCode, Problem

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class SourceMap:
    """Line numbers (1-based) of every mapping key and sequence item in a file."""

    file: str
    lines: dict[Path, int]

    def line(self, path: Path) -> int | None:
        """Line of ``path``, or of its nearest ancestor that the file spells out."""
        for end in range(len(path), -1, -1):
            found = self.lines.get(path[:end])
            if found is not None:
                return found
        return None


def read_yaml(text: str, filename: str) -> tuple[Any, SourceMap]:
    """Parse YAML 1.2 into plain dicts/lists/scalars plus a path → line map."""
    yaml = YAML(typ="rt")
    yaml.version = (1, 2)
    try:
        document = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        detail = exc.problem or exc.context or "syntax error"
        raise DefinitionErrors(
            [Problem.of(ErrorCode.YAML_SYNTAX, file=filename, line=line, detail=detail)]
        ) from None
    except YAMLError as exc:
        raise DefinitionErrors(
            [
                Problem.of(
                    ErrorCode.YAML_SYNTAX, file=filename, line=None, detail=str(exc)
                )
            ]
        ) from None
    lines: dict[Path, int] = {(): 1}
    return _plain(document, (), lines), SourceMap(filename, lines)


def _plain(node: Any, path: Path, lines: dict[Path, int]) -> Any:
    """ruamel's round-trip types → built-in types, recording where each part sits."""
    if isinstance(node, CommentedMap):
        result = {}
        for key in node:
            lines[(*path, str(key))] = _line(node, key, lines.get(path, 1))
            result[str(key)] = _plain(node[key], (*path, str(key)), lines)
        return result
    if isinstance(node, CommentedSeq):
        items = []
        for index, item in enumerate(node):
            lines[(*path, index)] = node.lc.item(index)[0] + 1
            items.append(_plain(item, (*path, index), lines))
        return items
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node  # timestamps and other tagged scalars: pydantic reports them


def _line(node: CommentedMap, key: Any, default: int) -> int:
    """Line of a key; keys merged in with ``<<:`` have none here, so use the map's."""
    try:
        return int(node.lc.key(key)[0]) + 1
    except (KeyError, TypeError):
        return default
