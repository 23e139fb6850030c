"""Read YAML safely (the rules file, Markdown front matter): hostile or broken text is a `YamlProblem`
with a line, never a crash or a hang.

PyYAML's SafeLoader constructs no Python objects, but on its own it still lets some input through as
unhandled exceptions or unbounded work, each refused here with the line it is on:

- a file larger than MAX_BYTES (4 MiB; a rules file is a few kilobytes, and the parser and validation
  would hold the whole thing several times over in memory);

- bytes that are not UTF-8, and characters YAML does not allow (NUL, other control characters);
- a scalar its constructor cannot build (`2024-13-01`, `!!int abc`, an integer of 5,000 digits raise
  ValueError, not a YAML error);
- nesting deeper than MAX_DEPTH (the composer recurses: ten thousand `[` end in RecursionError);
- anchors and aliases that expand to more than MAX_NODES nodes (a "billion laughs" document is small,
  yet walking or validating what it stands for never ends);
- a key written twice in one mapping (PyYAML keeps the last silently: a second `claims:` block would
  replace the first), named with both lines and its key path. Keys a merge (`<<: *base`) brings in may
  be overridden, as YAML intends.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 4 * 1024 * 1024
"""The largest file `read_yaml` reads (4 MiB): the rules file with hundreds of claims is far smaller."""
MAX_DEPTH = 100
"""Collections nested deeper than this are refused; a rules file needs fewer than ten levels."""
MAX_NODES = 100_000
"""The most nodes a rules file may stand for once its aliases are expanded."""


class YamlProblem(Exception):
    """The rules file cannot be read as YAML; `line` (1-based) when known, `message` for people, `loc`
    the key path (("claims", 0, "id")) when the problem is a key's."""

    def __init__(self, line: int | None, message: str, loc: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.loc = loc


class _DuplicateKey(yaml.constructor.ConstructorError):
    def __init__(self, mapping: yaml.MappingNode, first: yaml.Node, again: yaml.Node) -> None:
        super().__init__(None, None, f"duplicate key {_short(again)}", again.start_mark)
        self.mapping, self.first, self.again = mapping, first, again


class _Loader(yaml.SafeLoader):
    """SafeLoader whose scalar constructors fail as YAML errors that say where."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError, TypeError, AttributeError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read the value {_short(node)}: {exc}", node.start_mark
            ) from exc

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Refuse a key written twice in this mapping (raises _DuplicateKey)."""
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node)
            except TypeError:  # an unhashable key, which the constructor refuses with its own error
                continue
            if first is not key_node:
                raise _DuplicateKey(node, first, key_node)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """The file's data and its node tree (for line numbers). Raises OSError if it cannot be opened,
    YamlProblem if it is larger than MAX_BYTES or not safe, readable YAML."""
    with path.open("rb") as handle:
        raw = handle.read(MAX_BYTES + 1)  # a file that grows while it is read is cut here
    if len(raw) > MAX_BYTES:
        size = max(path.stat().st_size, len(raw))
        raise YamlProblem(
            None,
            f"the file is too large ({size:,} bytes): at most {MAX_BYTES:,} bytes ({MAX_BYTES // 2**20} MiB)",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise YamlProblem(line, f"not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be decoded") from exc
    return parse_yaml(text)


def parse_yaml(text: str) -> tuple[Any, yaml.Node | None]:
    """The data of the YAML document `text` and its node tree; raises YamlProblem."""
    root: yaml.Node | None = None
    try:
        root = _compose(text)
        _check_size(root)
        data = _construct(root)
    except _DuplicateKey as exc:
        first, again = exc.first.start_mark.line + 1, exc.again.start_mark.line + 1
        loc = (*_path_to(root, exc.mapping), str(exc.again.value))
        message = f"duplicate key: first at line {first}, again at line {again}"
        raise YamlProblem(again, message, loc) from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(_line(exc, text), f"invalid YAML: {_reason(exc)}") from exc
    return data, root


def _compose(text: str) -> yaml.Node | None:
    """The node tree of `text`: composed by libyaml when PyYAML has it (a rules file with hundreds of
    sources takes a fraction of a second less), by PyYAML's own parser otherwise, and always by
    PyYAML's own when libyaml finds a problem or the text has a character PyYAML refuses: its
    messages and lines are the ones reported."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None and not yaml.reader.Reader.NON_PRINTABLE.search(text):
        try:
            _check_depth(text, fast)
            node: yaml.Node | None = yaml.compose(text, Loader=fast)
            return node
        except (yaml.YAMLError, YamlProblem):
            pass
    _check_depth(text, _Loader)
    return yaml.compose(text, Loader=_Loader)


def _construct(root: yaml.Node | None) -> Any:
    """The data the composed document stands for (as yaml.load, without composing it again)."""
    if root is None:
        return None
    loader = _Loader("")  # a SafeLoader
    try:
        return loader.construct_document(root)
    finally:
        loader.dispose()


def _path_to(root: yaml.Node | None, target: yaml.Node) -> tuple[str | int, ...]:
    """The key path from `root` to the node `target` (() if it is the root or not found)."""
    stack: list[tuple[yaml.Node, tuple[str | int, ...]]] = [(root, ())] if root is not None else []
    seen: set[int] = set()
    while stack:
        node, loc = stack.pop()
        if node is target:
            return loc
        if id(node) in seen:  # an alias: walked once
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend((value, (*loc, str(key.value))) for key, value in node.value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*loc, i)) for i, item in enumerate(node.value))
    return ()


def _check_depth(text: str, loader: Any) -> None:
    """Refuse deep nesting before the (recursive) composer sees it; the parsers (PyYAML's and
    libyaml's) are iterative."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else None
                raise YamlProblem(line, f"invalid YAML: nested more than {MAX_DEPTH} levels deep")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _check_size(root: yaml.Node | None) -> None:
    """Refuse a document whose aliases stand for more than MAX_NODES nodes (each shared node is
    counted once per use, as everything after this step would walk it; memoised, so linear)."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        total = 1
        if isinstance(node, yaml.MappingNode):
            total += sum(size(key) + size(value) for key, value in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(item) for item in node.value)
        sizes[id(node)] = total
        if total > MAX_NODES:
            raise YamlProblem(
                node.start_mark.line + 1,
                f"invalid YAML: its anchors and aliases stand for more than {MAX_NODES} values",
            )
        return total

    if root is not None:
        size(root)


def _line(exc: yaml.YAMLError, text: str) -> int | None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        return int(mark.line) + 1
    position = getattr(exc, "position", None)  # yaml.reader.ReaderError: a character YAML forbids
    return text.count("\n", 0, position) + 1 if isinstance(position, int) else None


def _reason(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.reader.ReaderError):
        return f"character U+{exc.character:04X} is not allowed in YAML"
    return " ".join(str(getattr(exc, "problem", None) or exc).split())


def _short(node: yaml.Node) -> str:
    value = str(node.value)
    return repr(value if len(value) <= 40 else value[:37] + "...")
