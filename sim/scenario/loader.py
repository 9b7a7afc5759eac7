"""Load scenario files: safe YAML with line numbers, ``extends`` chains, validation.

``load_scenario`` returns a resolved :class:`~sim.scenario.schema.Scenario` or raises one
:class:`~sim.errors.ScenarioError` listing every problem with its file, field path and line.

Inheritance: a child's mappings are merged into its parent's key by key (a key set to
``null`` removes the parent's entry), lists replace the parent's, except ``events``, which
are appended to the parent's timeline. ``extends`` names a file relative to the child or,
when no such file exists, a bundled scenario (``us_withdraws`` or ``us_withdraws.yaml``).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import stat
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.bundled import scenario_dir
from sim.errors import MAX_PROBLEMS_SHOWN, Problem, ScenarioError, did_you_mean
from sim.scenario.schema import NAME_PATTERN, Scenario, month_index, month_name

Path_ = tuple[str | int, ...]
Origins = dict[Path_, tuple[str, int]]

SCENARIO_DIR = scenario_dir()
"""Folder of the bundled scenarios (shipped in the package; ``scenarios/`` in a checkout)."""


def bundled_scenarios() -> dict[str, Path]:
    """Map the name of each bundled scenario to its file."""
    return {p.stem: p for p in sorted(SCENARIO_DIR.glob("*.yaml"))}


def resolve_path(ref: str | Path) -> Path:
    """Turn a file path or the name of a bundled scenario into a path (may not exist)."""
    path = Path(ref)
    try:
        exists = path.exists()
    except (OSError, ValueError):  # a name too long, a NUL byte: reported when read
        exists = False
    if path.suffix in {".yaml", ".yml"} or exists or len(path.parts) > 1:
        return path
    return SCENARIO_DIR / f"{ref}.yaml"


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --- YAML with line numbers -------------------------------------------------------------------

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Largest scenario or parameter file read (the bundled ones are under 25 kB)."""
MAX_DEPTH = 50
"""Deepest nesting of mappings and lists (a scenario needs 6)."""
MAX_NODES = 20_000
"""Most YAML values in one file once aliases are expanded (the largest bundled scenario
has about 1,500); bounds the time and memory of loading any file, including YAML whose
anchors and aliases would expand exponentially ("billion laughs")."""

_FLOAT_WITHOUT_SIGN = r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"


class _Loader(yaml.SafeLoader):
    """SafeLoader (no object construction) that also reads ``1e5`` as a number (YAML 1.2);
    duplicate keys are refused by :func:`_construct`."""


class _FastLoader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]
    """The same rules, parsed by libyaml when it is available (several times faster)."""


for _cls in (_Loader, _FastLoader):
    _cls.add_implicit_resolver(
        "tag:yaml.org,2002:float", re.compile(_FLOAT_WITHOUT_SIGN), list("-+0123456789")
    )


def _read(path: Path, shown: str) -> str:
    """The text of a scenario file: a regular file of at most 5 MB of UTF-8."""

    def fail(message: str) -> ScenarioError:
        return ScenarioError(shown, [Problem("", message)])

    try:
        info = path.stat()
    except FileNotFoundError:
        bundled = sorted(bundled_scenarios())
        msg = (
            "file not found; expected a scenario YAML file or the name of a bundled scenario"
            f" ({', '.join(bundled) or 'none'})." + _suggest(path.stem, bundled)
        )
        raise fail(msg) from None
    except (OSError, ValueError) as exc:
        raise fail(f"cannot read file: {getattr(exc, 'strerror', None) or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise fail(f"{kind}; expected a scenario YAML file")
    too_big = (
        f"{{size}} is too large for a scenario file; expected at most"
        f" {MAX_FILE_BYTES // (1024 * 1024)} MB"
    )
    if info.st_size > MAX_FILE_BYTES:
        raise fail(too_big.format(size=f"the file ({info.st_size / 1024 / 1024:.1f} MB)"))
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise fail(f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise fail(too_big.format(size="the file"))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ScenarioError(
            shown,
            [
                Problem(
                    "",
                    f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start});"
                    " expected a YAML file saved as UTF-8",
                    shown,
                    line,
                )
            ],
        ) from None


def _check_shape(text: str, shown: str) -> None:
    """Refuse YAML nested deeper than MAX_DEPTH, expanding to more than MAX_NODES values, or
    with an alias inside its own anchor, in one pass over the parser's events (before any
    tree is built, so that neither time nor memory depends on the expansion)."""
    depth = 0
    expanded = 0
    sizes: dict[str, int] = {}  # anchor -> values it stands for
    open_: list[tuple[str | None, int]] = []  # (anchor, count at start) per open collection
    for event in yaml.parse(text, Loader=_FastLoader):
        line = event.start_mark.line + 1 if event.start_mark is not None else None
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            expanded += 1
            if depth > MAX_DEPTH:
                raise _shape_error(
                    shown, line, f"nested more than {MAX_DEPTH} levels deep; a scenario needs 6"
                )
            open_.append((event.anchor, expanded))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            anchor, at_start = open_.pop()
            if anchor is not None:
                sizes[anchor] = expanded - at_start + 1
        elif isinstance(event, yaml.ScalarEvent):
            expanded += 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            if any(anchor == event.anchor for anchor, _ in open_):
                raise _shape_error(
                    shown, line, f"alias *{event.anchor} refers to a value that contains it"
                )
            expanded += sizes.get(event.anchor or "", 1)
        if expanded > MAX_NODES:
            raise _shape_error(
                shown,
                line,
                f"more than {MAX_NODES:,} values (counting what anchors and aliases repeat);"
                " expected a scenario file (the largest bundled one has about 1,500)",
            )


def _shape_error(shown: str, line: int | None, message: str) -> ScenarioError:
    return ScenarioError(shown, [Problem("", message, shown, line)])


def _yaml_problem(exc: yaml.YAMLError, text: str, shown: str) -> Problem:
    """A malformed-YAML problem on one line, in the words of the pure-Python parser when the
    file is small enough to parse again quickly (libyaml's messages are terser)."""
    if len(text) <= 200_000:
        try:
            for _ in yaml.parse(text, Loader=_Loader):
                pass
        except yaml.YAMLError as slow:
            exc = slow
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    what = getattr(exc, "problem", None) or str(exc)
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and context_mark is not None and context_mark.line + 1 != line:
        what += f" ({context} that starts on line {context_mark.line + 1})"
    if isinstance(exc, yaml.reader.ReaderError):
        char = chr(exc.character) if isinstance(exc.character, int) else exc.character
        what = f"character {char!r} is not allowed in YAML"
        line = text.count("\n", 0, max(0, exc.position)) + 1
    return Problem("", f"malformed YAML: {_short(' '.join(str(what).split()))}", shown, line)


def _short(text: str, limit: int = 160) -> str:
    """``text`` cut to ``limit`` characters (values quoted in messages can be huge)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _parse(path: Path, shown: str) -> tuple[Any, Origins]:
    """Parse one YAML file into plain data and a map from field path to (file, line)."""
    text = _read(path, shown)
    try:
        _check_shape(text, shown)
        node = yaml.compose(text, Loader=_FastLoader)
    except yaml.YAMLError as exc:
        raise ScenarioError(shown, [_yaml_problem(exc, text, shown)]) from None
    if node is None:
        raise ScenarioError(shown, [Problem("", "the file is empty; expected a mapping")])
    origins: Origins = {}
    problems: list[Problem] = []
    data = _construct(node, (), origins, shown, problems, _Loader(""))
    if problems:
        raise ScenarioError(shown, problems)
    if not isinstance(data, dict):
        raise ScenarioError(
            shown,
            [
                Problem(
                    "", "expected a mapping of fields at the top", shown, node.start_mark.line + 1
                )
            ],
        )
    return data, origins


def _construct(
    node: yaml.Node,
    path: Path_,
    origins: Origins,
    file: str,
    problems: list[Problem],
    scalars: yaml.SafeLoader,
) -> Any:
    origins[path] = (file, node.start_mark.line + 1)
    plain = _PLAIN_TAGS.get(type(node))
    if plain is not None and node.tag != plain:
        problems.append(_tag_problem(node, path, file))
        return None
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                problems.append(
                    Problem(_dotted(path), "YAML merge keys (<<) are not supported", file, line)
                )
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(
                    Problem(
                        _dotted(path),
                        "a key is a list or mapping; expected a plain key (a name or number)",
                        file,
                        line,
                    )
                )
                continue
            key = _scalar(key_node, path, file, problems, scalars)
            if key in out:
                problems.append(
                    Problem(_dotted((*path, key)), f"duplicate key {_short(repr(key))}", file, line)
                )
            out[key] = _construct(value_node, (*path, key), origins, file, problems, scalars)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _construct(v, (*path, i), origins, file, problems, scalars)
            for i, v in enumerate(node.value)
        ]
    return _scalar(node, path, file, problems, scalars)


def _scalar(
    node: yaml.Node, path: Path_, file: str, problems: list[Problem], scalars: yaml.SafeLoader
) -> Any:
    """Build a plain scalar; tags that would construct objects are reported, not obeyed."""
    try:
        return scalars.construct_object(node)
    except yaml.constructor.ConstructorError:
        problems.append(_tag_problem(node, path, file))
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. the date 2024-13-01
        problems.append(
            Problem(
                _dotted(path),
                f"cannot read {_short(repr(node.value), 60)}: {_short(str(exc), 80)}",
                file,
                node.start_mark.line + 1,
            )
        )
    return None


_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_PLAIN_TAGS: dict[type[yaml.Node], str] = {yaml.MappingNode: _MAP_TAG, yaml.SequenceNode: _SEQ_TAG}


def _tag_problem(node: yaml.Node, path: Path_, file: str) -> Problem:
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    return Problem(
        _dotted(path),
        f"unsupported YAML tag {tag!r}; expected plain YAML (mappings, lists, strings, "
        "numbers, booleans, dates); tags that build objects are never executed",
        file,
        node.start_mark.line + 1,
    )


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# --- extends ----------------------------------------------------------------------------------


def _merge(
    base: Any, child: Any, base_o: Origins, child_o: Origins, path: Path_
) -> tuple[Any, Origins]:
    """Merge ``child`` into ``base`` (see module docstring); return data and origins.

    ``base_o`` and ``child_o`` hold the origins of ``path`` and what lies below it; each
    origin is looked at once per level, so merging is linear in the size of the files.
    """
    if isinstance(base, dict) and isinstance(child, dict):
        out = dict(base)
        origins = dict(base_o)
        base_by, child_by = _by_key(base_o, len(path)), _by_key(child_o, len(path))
        for key, value in child.items():
            sub = (*path, key)
            if value is None and key in base:
                out.pop(key)
                for p in base_by.get(key, {}):
                    del origins[p]
                continue
            if (
                key == "events"
                and path == ()
                and isinstance(value, list)
                and isinstance(base.get(key), list)
            ):
                offset = len(base[key])
                out[key] = base[key] + value
                for p, o in child_by.get(key, {}).items():
                    if len(p) > 1 and isinstance(p[1], int):
                        origins[("events", p[1] + offset, *p[2:])] = o
                        if len(p) == 2:  # remember the index as written in its own file
                            origins[("#local", "events", p[1] + offset)] = (o[0], p[1])
                continue
            if key in base:
                merged, sub_o = _merge(
                    base[key], value, base_by.get(key, {}), child_by.get(key, {}), sub
                )
                for p in base_by.get(key, {}):
                    del origins[p]
                origins.update(sub_o)
                out[key] = merged
            else:
                out[key] = value
                origins.update(child_by.get(key, {}))
        if path in child_o:
            origins[path] = child_o[path]
        return out, origins
    return child, dict(child_o)


def _by_key(origins: Origins, depth: int) -> dict[Any, Origins]:
    """The origins below ``depth`` grouped by their key at that depth."""
    groups: dict[Any, Origins] = {}
    for p, o in origins.items():
        if len(p) > depth:
            groups.setdefault(p[depth], {})[p] = o
    return groups


def _parent_path(parent: str, child: Path) -> Path:
    """The file named by ``child``'s ``extends: parent``: a path relative to the child (or
    absolute) when that file exists; otherwise the bundled scenario of that name, written
    with or without ``.yaml`` (so a user's file anywhere can extend ``us_withdraws``)."""
    ref = Path(parent)
    relative = ref if ref.is_absolute() else child.parent / ref
    if relative.exists() or len(ref.parts) > 1 or ref.suffix not in {"", ".yaml", ".yml"}:
        return relative
    return bundled_scenarios().get(ref.stem, relative)


def _resolve(path: Path, chain: list[Path], main: str) -> tuple[dict[str, Any], Origins]:
    shown = _display(path)
    data, origins = _parse(path, shown)
    real = path.resolve()
    if isinstance(data, dict) and data.get("parameter_file") is not None:
        data, origins = _with_parameter_file(data, origins, path, shown, main)
    parent = data.get("extends")
    if parent is None:
        origins[("#span", shown)] = (shown, data.get("months"))
        return data, origins
    if not isinstance(parent, str):
        line = origins.get(("extends",), (shown, None))[1]
        raise ScenarioError(
            main, [Problem("extends", f"got {parent!r}; expected a file name", shown, line)]
        )
    parent_path = _parent_path(parent, path)
    line = origins.get(("extends",), (shown, None))[1]
    if not parent_path.exists():
        siblings = sorted(p.name for p in parent_path.parent.glob("*.y*ml") if p.resolve() != real)
        siblings += [f"{name}.yaml" for name in bundled_scenarios()]
        raise ScenarioError(
            main,
            [
                Problem(
                    "extends",
                    f"parent file {parent!r} not found (looked at {_display(parent_path)});"
                    " expected an existing scenario file, relative to this one, or the name"
                    f" of a bundled scenario ({', '.join(bundled_scenarios()) or 'none'})."
                    + _suggest_file(Path(parent).name, siblings),
                    shown,
                    line,
                )
            ],
        )
    if parent_path.resolve() in [*chain, real]:
        names = " -> ".join(_display(p) for p in [*chain, real, parent_path.resolve()])
        raise ScenarioError(
            main,
            [
                Problem(
                    "extends",
                    f"cycle in extends: {names}; expected a chain of files ending in one"
                    " without 'extends'",
                    shown,
                    line,
                )
            ],
        )
    base, base_o = _resolve(parent_path, [*chain, real], main)
    merged, merged_o = _merge(base, data, base_o, origins, ())
    merged["extends"] = parent
    merged_o[("#span", shown)] = (shown, merged.get("months"))  # this file's scenario length
    return merged, merged_o


def _with_parameter_file(
    data: dict[str, Any], origins: Origins, path: Path, shown: str, main: str
) -> tuple[dict[str, Any], Origins]:
    """Put the ``parameters:`` of the file named by ``parameter_file`` under this file's own
    ``parameters:`` (which take precedence); unknown names are reported by validation with
    the parameter file's line."""
    ref = data["parameter_file"]
    line = origins.get(("parameter_file",), (shown, None))[1]
    if not isinstance(ref, str):
        raise ScenarioError(
            main, [Problem("parameter_file", f"got {ref!r}; expected a file name", shown, line)]
        )
    target = path.parent / ref
    if not target.exists():
        raise ScenarioError(
            main,
            [
                Problem(
                    "parameter_file",
                    f"parameter file {ref!r} not found (looked at {_display(target)}); expected"
                    " a YAML file with a `parameters:` mapping, relative to this one",
                    shown,
                    line,
                )
            ],
        )
    file_shown = _display(target)
    pdata, porigins = _parse(target, file_shown)
    values = pdata.get("parameters") if isinstance(pdata, dict) else None
    if not isinstance(values, dict):
        raise ScenarioError(
            main,
            [
                Problem(
                    "parameters",
                    "expected a `parameters:` mapping of parameter names to numbers",
                    file_shown,
                    porigins.get(("parameters",), (file_shown, None))[1],
                )
            ],
        )
    own = data.get("parameters")
    merged = {**values, **(own if isinstance(own, dict) else {})}
    out_origins = dict(origins)
    for name in values:
        if not (isinstance(own, dict) and name in own):
            if ("parameters", name) in porigins:
                out_origins[("parameters", name)] = porigins[("parameters", name)]
    return {**data, "parameters": merged}, out_origins


# --- validation -------------------------------------------------------------------------------


_suggest = did_you_mean


def _no_hint(value: object, known: list[str]) -> str:
    return ""


def _suggest_file(name: str, known: list[str]) -> str:
    """Suggest a file by its name without the suffix (``.yaml`` alone makes names look alike)."""
    stems = {Path(k).stem: k for k in known}
    close = difflib.get_close_matches(Path(name).stem, list(stems), n=1)
    return f" Did you mean {stems[close[0]]!r}?" if close else ""


def _shown_path(origins: Origins, path: Path_) -> str:
    """The dotted path as the user wrote it: an inherited timeline's events are numbered
    within the file they come from, not in the merged timeline."""
    if len(path) >= 2 and path[0] == "events" and ("#local", "events", path[1]) in origins:
        path = ("events", origins[("#local", "events", path[1])][1], *path[2:])
    return _dotted(path)


def _origin(origins: Origins, path: Path_) -> tuple[str | None, int | None]:
    for n in range(len(path), -1, -1):
        if path[:n] in origins:
            return origins[path[:n]]
    return None, None


def _pydantic_problems(
    exc: ValidationError, data: dict[str, Any], origins: Origins
) -> list[Problem]:
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        # Close matches only for the problems that will be shown (keeps loading linear).
        hint = _suggest if len(problems) < MAX_PROBLEMS_SHOWN else _no_hint
        loc = tuple(err["loc"])
        # Drop pydantic's union-tag segment (events[0].withdraw.power -> events[0].power).
        if (
            len(loc) >= 3
            and loc[0] == "events"
            and isinstance(loc[1], int)
            and loc[2] in _event_tags()
        ):
            loc = (*loc[:2], *loc[3:])
        value = err.get("input")
        got = _short(repr(value), 60)
        kind = err["type"]
        if kind == "extra_forbidden":
            parent = _lookup(data, loc[:-1])
            known = _known_fields(loc[:-1], parent)
            msg = f"unknown field {_short(repr(loc[-1]), 60)}; expected one of: {', '.join(known)}."
            msg += hint(loc[-1], known)
        elif kind == "missing":
            msg = "required field is missing"
        elif kind in ("union_tag_invalid", "union_tag_not_found"):
            tag = value.get("do") if isinstance(value, dict) else value
            msg = f"got do: {_short(repr(tag), 60)}; expected one of: {', '.join(_event_tags())}"
            if isinstance(value, dict) and value.get("do") is not None:
                msg += "." + hint(value.get("do"), list(_event_tags()))
            if kind == "union_tag_not_found":
                loc = (*loc, "do")
                msg = "required field 'do' is missing; expected one of: " + ", ".join(_event_tags())
        elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
            ctx = err.get("ctx", {})
            bound = {
                "greater_than_equal": ">=",
                "less_than_equal": "<=",
                "greater_than": ">",
                "less_than": "<",
            }[kind]
            limit = next(iter(ctx.values())) if ctx else "?"
            msg = f"got {got}; expected a number {bound} {limit}"
        elif kind == "string_pattern_mismatch":
            if err.get("ctx", {}).get("pattern") == NAME_PATTERN:
                msg = (
                    f"got {got}; expected a name of letters, digits, '_' and '-' starting"
                    " with a letter or digit, e.g. us_withdraws (it names the results folder)"
                )
            else:
                msg = f"got {got}; expected a three-letter upper-case country code such as 'NER'"
        elif kind == "finite_number":
            msg = f"got {got}; expected a finite number (not .inf or .nan)"
        elif kind == "value_error":
            msg = str(err["msg"]).removeprefix("Value error, ")
        else:
            msg = f"got {got}; {err['msg'][0].lower()}{err['msg'][1:]}"
        file, line = _origin(origins, loc)
        problems.append(Problem(_shown_path(origins, loc), msg, file, line))
    return problems


def _event_tags() -> tuple[str, ...]:
    from sim.scenario.schema import EVENT_KINDS

    return EVENT_KINDS


def _lookup(data: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _known_fields(loc: tuple[Any, ...], parent: Any) -> list[str]:
    from sim.scenario import schema

    model: Any = Scenario
    for part in loc:
        if model is None:
            break
        if isinstance(part, int) or model in (dict,):
            continue
        field = model.model_fields.get(part) if hasattr(model, "model_fields") else None
        if field is None:
            model = None
            break
        model = _inner_model(field.annotation)
    if loc[:1] == ("events",) and isinstance(parent, dict):
        do = parent.get("do")
        model = schema.EVENT_CLASSES.get(do) if isinstance(do, str) else None
    if loc and loc[0] in ("countries", "powers", "groups", "blocs") and len(loc) >= 2:
        model = {
            "countries": schema.CountrySpec,
            "powers": schema.PowerSpec,
            "groups": schema.GroupSpec,
            "blocs": schema.BlocSpec,
        }[loc[0]]
        if loc[0] == "powers" and len(loc) >= 4 and loc[2] == "partners":
            model = schema.PartnershipSpec
        if loc[0] == "countries" and len(loc) >= 3 and loc[2] == "junta":
            model = schema.JuntaSpec
    if loc == ("parameters",):
        from sim.world.parameters import Parameters

        model = Parameters
    return sorted(model.model_fields) if hasattr(model, "model_fields") else []


def _inner_model(annotation: Any) -> Any:
    if hasattr(annotation, "model_fields"):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def check_references(scn: Scenario) -> list[tuple[Path_, str]]:
    """Cross-field checks the schema cannot express: every referenced actor exists, event
    dates lie inside the scenario, the last coup happened by the start, etc."""
    return _reference_problems(scn.model_dump(mode="json"))


def _dict(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _month(value: Any) -> int | None:
    from sim.scenario.schema import _to_month

    try:
        return month_index(_to_month(value))
    except (ValueError, TypeError):
        return None


def _reference_problems(data: dict[str, Any], span_months: Any = None) -> list[tuple[Path_, str]]:
    """The checks of :func:`check_references` on plain (possibly invalid) scenario data.

    Parts with the wrong shape are skipped (the schema reports them), so that reference
    problems can be listed together with schema problems. ``span_months`` is the length of
    the scenario as its files give it (event dates must lie inside it); default: ``months``.
    """
    from sim.world.parameters import Parameters

    out: list[tuple[Path_, str]] = []
    raw_countries = data.get("countries")
    countries = sorted(str(k) for k in _dict(raw_countries))
    powers = sorted(str(k) for k in _dict(data.get("powers")))
    groups = sorted(str(k) for k in _dict(data.get("groups")))
    blocs = sorted(str(k) for k in _dict(data.get("blocs")))
    checked = {
        "country": isinstance(raw_countries, dict),
        "power": isinstance(data.get("powers", {}), dict),
        "insurgent group": isinstance(data.get("groups", {}), dict),
        "bloc": isinstance(data.get("blocs", {}), dict),
    }

    def need(kind: str, value: Any, known: list[str], path: Path_) -> None:
        if not checked.get(kind, True) or not isinstance(value, str) or value in known:
            return
        listing = ", ".join(known) if known else "none"
        out.append(
            (
                path,
                f"{_short(repr(value), 60)} is not {'an' if kind[0] in 'aeiou' else 'a'} {kind}"
                f" in this scenario; known: {listing}."
                + (_suggest(value, known) if len(out) < MAX_PROBLEMS_SHOWN else ""),
            )
        )

    start = _month(data.get("start"))

    def last_month(months: Any) -> int | None:
        ok = start is not None and type(months) is int and 1 <= months <= 2400
        return start + months - 1 if ok and start is not None else None

    per_event = span_months if isinstance(span_months, list) else []
    end_all = last_month(span_months if isinstance(span_months, int) else data.get("months"))
    if isinstance(raw_countries, dict) and not raw_countries:
        out.append((("countries",), "no countries; expected at least one country"))
    for iso, c in _dict(raw_countries).items():
        c = _dict(c)
        junta = c.get("junta")
        for path, when in (
            (("countries", iso, "last_coup"), c.get("last_coup")),
            (("countries", iso, "junta", "since"), _dict(junta).get("since")),
        ):
            month = _month(when)
            if month is not None and start is not None and month > start:
                out.append(
                    (
                        path,
                        f"{month_name(month)} is after the scenario's start"
                        f" ({month_name(start)}); expected a month at or before the start",
                    )
                )
        if c.get("regime") == "junta" and junta is None:
            out.append(
                (
                    ("countries", iso, "junta"),
                    "a country ruled by a junta needs a 'junta:' block (name, since)",
                )
            )
        prefs = _dict(_dict(junta).get("preferences"))
        for pid in prefs:
            need("power", pid, powers, ("countries", iso, "junta", "preferences", pid))
        shares = [v for v in prefs.values() if isinstance(v, int | float)]
        if sum(shares) > 1 + 1e-9:
            out.append(
                (
                    ("countries", iso, "junta", "preferences"),
                    f"shares sum to {sum(shares):.3g}; expected at most 1",
                )
            )
    for name, power in _dict(data.get("powers")).items():
        for iso in _dict(_dict(power).get("partners")):
            need("country", iso, countries, ("powers", name, "partners", iso))
    for name, group in _dict(data.get("groups")).items():
        for iso in _dict(_dict(group).get("fighters")):
            need("country", iso, countries, ("groups", name, "fighters", iso))
        for j, iso in enumerate(_list(_dict(group).get("theatre"))):
            need("country", iso, countries, ("groups", name, "theatre", j))
    for name, bloc in _dict(data.get("blocs")).items():
        bloc = _dict(bloc)
        for field in ("members", "suspended", "eligible"):
            for i, iso in enumerate(_list(bloc.get(field))):
                need("country", iso, countries, ("blocs", name, field, i))
        for field in ("leaving", "sanctioned"):
            for iso in _dict(bloc.get(field)):
                need("country", iso, countries, ("blocs", name, field, iso))
    for field, kind, known in (
        ("borders", "country", countries),
        ("rivalries", "insurgent group", groups),
    ):
        for i, pair in enumerate(_list(data.get(field))):
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                continue
            need(kind, pair[0], known, (field, i, 0))
            need(kind, pair[1], known, (field, i, 1))
            if field == "borders" and pair[0] == pair[1]:
                out.append(((field, i), f"a country cannot border itself ({pair[0]})"))
    params = sorted(Parameters.model_fields)
    for i, ev in enumerate(_list(data.get("events"))):
        if not isinstance(ev, dict):
            continue
        base: Path_ = ("events", i)
        at = _month(ev.get("at"))
        own = per_event[i] if i < len(per_event) else None
        end = last_month(own) if own is not None else end_all
        if at is not None and start is not None and at < start:
            out.append(
                (
                    (*base, "at"),
                    f"{month_name(at)} is before the scenario's start ({month_name(start)})",
                )
            )
        elif at is not None and end is not None and at > end:
            out.append(
                (
                    (*base, "at"),
                    f"{month_name(at)} is after the scenario's last month ({month_name(end)},"
                    f" start + months - 1); expected a month from {month_name(start or end)}"
                    f" to {month_name(end)}",
                )
            )
        for field, kind, known in (
            ("country", "country", countries),
            ("power", "power", powers),
            ("group", "insurgent group", groups),
            ("parent", "insurgent group", groups),
            ("bloc", "bloc", blocs),
        ):
            if ev.get(field) is not None:
                need(kind, ev[field], known, (*base, field))
        for j, iso in enumerate(_list(ev.get("members"))):
            need("country", iso, countries, (*base, "members", j))
        if ev.get("do") == "set_parameter" and isinstance(ev.get("name"), str):
            if ev["name"] not in params:
                need("parameter", ev["name"], params, (*base, "name"))
            elif "value" in ev:
                try:
                    Parameters.model_validate({ev["name"]: ev["value"]})
                except ValidationError as exc:
                    msg = exc.errors()[0]["msg"]
                    out.append(
                        ((*base, "value"), f"got {ev['value']!r}; {msg[0].lower()}{msg[1:]}")
                    )
    return out


class _Covered:
    """Dotted paths already reported: ``path in covered`` is true when ``path`` is one of
    them, contains one or lies inside one (so one field is not reported twice). Lookups
    cost the length of the path, not the number of problems."""

    def __init__(self, paths: Any) -> None:
        self.paths: set[str] = set()
        self.prefixes: set[str] = set()  # every path and every enclosing field of one
        for path in paths:
            self.paths.add(path)
            self.prefixes.update(_enclosing(path))

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and (
            path in self.prefixes or any(p in self.paths for p in _enclosing(path))
        )


def _enclosing(path: str) -> list[str]:
    """``path`` and every field containing it: ``a.b[0]`` -> ``a.b[0]``, ``a.b``, ``a``."""
    out = [path]
    for i, ch in enumerate(path):
        if ch in ".[" and i > 0:
            out.append(path[:i])
    return out


def load_scenario(ref: str | Path, **overrides: Any) -> Scenario:
    """Load, resolve and validate a scenario file or bundled scenario name.

    Args:
        ref: a path to a YAML file, or the name of a bundled scenario (``us_withdraws``).
        **overrides: top-level fields to replace after loading (``months=120``, ``seed=3``).

    Raises:
        ScenarioError: listing every problem (file, field path, line, what was expected).
    """
    path = resolve_path(ref)
    main = _display(path)
    data, origins = _resolve(path, [], main)
    # Each event must lie inside the scenario of the file that declares it (a child that
    # shortens its parent does not invalidate the parent's later events, nor does an
    # override of ``months``).
    spans: list[Any] = []
    for i in range(len(data["events"]) if isinstance(data.get("events"), list) else 0):
        declared_in = origins[("events", i)][0] if ("events", i) in origins else ""
        span = origins.get(("#span", declared_in))
        spans.append(span[1] if span is not None else None)
    data = {**data, **overrides}
    return validate_data(data, main, origins, span_months=spans)


def validate_data(
    data: dict[str, Any],
    file: str = "<scenario>",
    origins: Origins | None = None,
    *,
    span_months: int | list[Any] | None = None,
) -> Scenario:
    """Validate already-parsed scenario data (the same checks as :func:`load_scenario`).

    ``span_months``: the scenario's length for the check that event dates lie inside it,
    or one length per event (default: ``data["months"]``; :func:`load_scenario` passes the
    length of the scenario in the file that declares each event).
    """
    origins = origins or {}
    try:
        scn = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = _pydantic_problems(exc, data, origins)
    else:
        problems = []
    refs = _reference_problems(data, span_months) if isinstance(data, dict) else []
    covered = _Covered(p.path for p in problems)
    for path, msg in refs:
        dotted = _shown_path(origins, path)
        if dotted not in covered:
            f, line = _origin(origins, path)
            problems.append(Problem(dotted, msg, f, line))
    if problems:
        raise ScenarioError(file, problems)
    return scn


def scenario_hash(scn: Scenario) -> str:
    """SHA-256 of the resolved scenario's canonical JSON (identity of what is simulated)."""
    payload = scn.model_dump(mode="json", exclude={"extends", "description", "parameter_file"})
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()


def with_parameters(scn: Scenario, **values: float) -> Scenario:
    """Return a copy of ``scn`` with some parameters replaced (validated against their ranges)."""
    params = type(scn.parameters).model_validate({**scn.parameters.model_dump(), **values})
    return scn.model_copy(update={"parameters": params})
