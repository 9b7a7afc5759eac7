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
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.bundled import scenario_dir
from sim.errors import Problem, ScenarioError, did_you_mean
from sim.scenario.schema import Scenario, month_index, month_name

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
    if path.suffix in {".yaml", ".yml"} or path.exists() or len(path.parts) > 1:
        return path
    return SCENARIO_DIR / f"{ref}.yaml"


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --- YAML with line numbers -------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader (no object construction) that refuses duplicate keys."""


def _parse(path: Path, shown: str) -> tuple[Any, Origins]:
    """Parse one YAML file into plain data and a map from field path to (file, line)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        bundled = sorted(bundled_scenarios())
        msg = (
            "file not found; expected a scenario YAML file or the name of a bundled scenario"
            f" ({', '.join(bundled) or 'none'})." + _suggest(path.stem, bundled)
        )
        raise ScenarioError(shown, [Problem("", msg)]) from None
    except OSError as exc:
        raise ScenarioError(shown, [Problem("", f"cannot read file: {exc.strerror}")]) from None
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(exc, "problem", None) or str(exc)
        context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and context_mark is not None and context_mark.line + 1 != line:
            what += f" ({context} that starts on line {context_mark.line + 1})"
        raise ScenarioError(
            shown, [Problem("", f"malformed YAML: {what}", file=shown, line=line)]
        ) from None
    if node is None:
        raise ScenarioError(shown, [Problem("", "the file is empty; expected a mapping")])
    origins: Origins = {}
    problems: list[Problem] = []
    data = _construct(node, (), origins, shown, problems)
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
    node: yaml.Node, path: Path_, origins: Origins, file: str, problems: list[Problem]
) -> Any:
    origins[path] = (file, node.start_mark.line + 1)
    plain = {yaml.MappingNode: _MAP_TAG, yaml.SequenceNode: _SEQ_TAG}.get(type(node))
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
            key = _scalar(key_node, path, file, problems)
            if key in out:
                problems.append(
                    Problem(_dotted((*path, key)), f"duplicate key {key!r}", file, line)
                )
            out[key] = _construct(value_node, (*path, key), origins, file, problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _construct(v, (*path, i), origins, file, problems) for i, v in enumerate(node.value)
        ]
    return _scalar(node, path, file, problems)


def _scalar(node: yaml.Node, path: Path_, file: str, problems: list[Problem]) -> Any:
    """Build a plain scalar; tags that would construct objects are reported, not obeyed."""
    try:
        return _Loader("").construct_object(node, deep=True)
    except yaml.constructor.ConstructorError:
        problems.append(_tag_problem(node, path, file))
        return None


_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


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
    """Merge ``child`` into ``base`` (see module docstring); return data and origins."""
    if isinstance(base, dict) and isinstance(child, dict):
        out = dict(base)
        origins = {p: o for p, o in base_o.items()}
        for key, value in child.items():
            sub = (*path, key)
            if value is None and key in base:
                out.pop(key)
                origins = {p: o for p, o in origins.items() if p[: len(sub)] != sub}
                continue
            if (
                key == "events"
                and path == ()
                and isinstance(value, list)
                and isinstance(base.get(key), list)
            ):
                offset = len(base[key])
                out[key] = base[key] + value
                for p, o in child_o.items():
                    if p[:1] == ("events",) and len(p) > 1 and isinstance(p[1], int):
                        origins[("events", p[1] + offset, *p[2:])] = o
                        if len(p) == 2:  # remember the index as written in its own file
                            origins[("#local", "events", p[1] + offset)] = (o[0], p[1])
                continue
            if key in base:
                merged, sub_o = _merge(
                    base[key],
                    value,
                    {p: o for p, o in base_o.items() if p[: len(sub)] == sub},
                    {p: o for p, o in child_o.items() if p[: len(sub)] == sub},
                    sub,
                )
                origins = {p: o for p, o in origins.items() if p[: len(sub)] != sub}
                origins.update(sub_o)
                out[key] = merged
            else:
                out[key] = value
                origins.update({p: o for p, o in child_o.items() if p[: len(sub)] == sub})
        if path in child_o:
            origins[path] = child_o[path]
        return out, origins
    return child, {p: o for p, o in child_o.items() if p[: len(path)] == path}


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
    real = path.resolve()
    data, origins = _parse(path, shown)
    if isinstance(data, dict) and data.get("parameter_file") is not None:
        data, origins = _with_parameter_file(data, origins, path, shown, main)
    parent = data.get("extends")
    if parent is None:
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
    problems = []
    for err in exc.errors(include_url=False):
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
        kind = err["type"]
        if kind == "extra_forbidden":
            parent = _lookup(data, loc[:-1])
            known = _known_fields(loc[:-1], parent)
            msg = f"unknown field {loc[-1]!r}; expected one of: {', '.join(known)}." + _suggest(
                loc[-1], known
            )
        elif kind == "missing":
            msg = "required field is missing"
        elif kind in ("union_tag_invalid", "union_tag_not_found"):
            got = value.get("do") if isinstance(value, dict) else value
            msg = f"got do: {got!r}; expected one of: {', '.join(_event_tags())}"
            if isinstance(value, dict) and value.get("do") is not None:
                msg += "." + _suggest(value.get("do"), list(_event_tags()))
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
            msg = f"got {value!r}; expected a number {bound} {limit}"
        elif kind == "string_pattern_mismatch":
            msg = f"got {value!r}; expected a three-letter upper-case country code such as 'NER'"
        elif kind == "value_error":
            msg = str(err["msg"]).removeprefix("Value error, ")
        else:
            msg = f"got {value!r}; {err['msg'][0].lower()}{err['msg'][1:]}"
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
        cls = {c.model_fields["do"].annotation.__args__[0]: c for c in _event_classes(schema)}
        model = cls.get(parent.get("do"))
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


def _event_classes(schema: Any) -> list[Any]:
    return [
        getattr(schema, n)
        for n in dir(schema)
        if isinstance(getattr(schema, n), type)
        and issubclass(getattr(schema, n), schema._Event)
        and getattr(schema, n) is not schema._Event
    ]


def check_references(scn: Scenario) -> list[tuple[Path_, str]]:
    """Cross-field checks the schema cannot express: every referenced actor exists, etc."""
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


def _reference_problems(data: dict[str, Any]) -> list[tuple[Path_, str]]:
    """The checks of :func:`check_references` on plain (possibly invalid) scenario data.

    Parts with the wrong shape are skipped (the schema reports them), so that reference
    problems can be listed together with schema problems.
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
                f"{value!r} is not {'an' if kind[0] in 'aeiou' else 'a'} {kind} in this"
                f" scenario; known: {listing}." + _suggest(value, known),
            )
        )

    if isinstance(raw_countries, dict) and not raw_countries:
        out.append((("countries",), "no countries; expected at least one country"))
    for iso, c in _dict(raw_countries).items():
        c = _dict(c)
        junta = c.get("junta")
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
    start = _month(data.get("start"))
    params = sorted(Parameters.model_fields)
    for i, ev in enumerate(_list(data.get("events"))):
        if not isinstance(ev, dict):
            continue
        base: Path_ = ("events", i)
        at = _month(ev.get("at"))
        if at is not None and start is not None and at < start:
            out.append(
                (
                    (*base, "at"),
                    f"{month_name(at)} is before the scenario's start ({month_name(start)})",
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


def _overlaps(a: str, b: str) -> bool:
    """Whether dotted paths ``a`` and ``b`` are the same field or one contains the other."""
    return a == b or any(x.startswith(y + sep) for x, y in ((a, b), (b, a)) for sep in ".[")


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
    data = {**data, **overrides}
    return validate_data(data, main, origins)


def validate_data(
    data: dict[str, Any], file: str = "<scenario>", origins: Origins | None = None
) -> Scenario:
    """Validate already-parsed scenario data (the same checks as :func:`load_scenario`)."""
    origins = origins or {}
    try:
        scn = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = _pydantic_problems(exc, data, origins)
        refs = _reference_problems(data) if isinstance(data, dict) else []
    else:
        problems, refs = [], check_references(scn)
    for path, msg in refs:
        dotted = _shown_path(origins, path)
        if not any(_overlaps(dotted, p.path) for p in problems):
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
