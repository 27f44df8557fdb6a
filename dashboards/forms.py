"""The scenario editor: network, behaviours, seeding and run settings, built from the schemas.

Nothing here lists parameters by hand: a network kind's inputs come from
``networks.kind_parameters(kind)``, a data set's from its reader's signature, a rule's from
``RULES[rule].Params.model_fields`` and a strategy's from its function's signature. Every input writes
into the session's draft scenario (a dict); ``Scenario`` validates it and the page shows the one-line
message when it is wrong.
"""

from __future__ import annotations

import inspect
import json
import typing

import solara
from pydantic import BaseModel

import networks
from model.rules import RULES, help_text

from .labels import STRATEGY_LABELS, kind_label, plain, strategy_label
from .messages import user_message
from .state import UPLOAD_LIMIT, Session, read_upload

__all__ = ["ScenarioEditor", "NetworkEditor", "BehavioursEditor", "SeedingEditor", "RunEditor", "ParamInput",
           "NumberInput", "bounds_of"]

SOURCES = ["generated", "data set", "file"]
SMALL = {"font-size": "0.8rem", "color": "#666"}


# --------------------------------------------------------------------------- generic inputs
def _text_of(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(list(value) if isinstance(value, tuple) else value)


def _parse_text(text: str):
    text = (text or "").strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def bounds_of(field) -> tuple[float | None, float | None]:
    """(low, high) from a pydantic field's ge/gt/le/lt constraints (None where open)."""
    low = high = None
    for m in getattr(field, "metadata", []) or []:
        for name in ("ge", "gt"):
            if getattr(m, name, None) is not None:
                low = getattr(m, name)
        for name in ("le", "lt"):
            if getattr(m, name, None) is not None:
                high = getattr(m, name)
    return low, high


def _range_text(integer: bool, low, high) -> str | None:
    if low is None and high is None:
        return None
    fmt = (lambda x: f"{x:,}") if integer else (lambda x: f"{x:g}")
    if low is not None and high is not None:
        return f"from {fmt(low)} to {fmt(high)}"
    return f"at least {fmt(low)}" if low is not None else f"at most {fmt(high)}"


def _number(text: str, integer: bool):
    """The number typed, or the raw text (the schema then says what is wrong with it, beside the field)."""
    t = (text or "").strip().replace(",", "")
    try:
        x = float(t)
    except ValueError:
        return text
    if integer:
        return int(x) if x.is_integer() else x
    return x


@solara.component
def NumberInput(label: str, value, on_value, integer: bool = False, low=None, high=None, error: str | None = None,
                slider: bool = False, classes: list[str] | None = None):
    """A number field with its range under it and, when bounded both ways, a slider.

    An out-of-range or unreadable value is still written into the draft, so the scenario is invalid
    (Run is disabled) and this field is marked with the reason: the page never runs a value other than
    the one shown.
    """
    text = "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))
    hint = _range_text(integer, low, high)
    solara.InputText(label, value=text, on_value=lambda t: on_value(_number(t, integer)), continuous_update=False,
                     error=error or False, message=hint if not error else None,
                     classes=["field", *(classes or []), *(["field-invalid"] if error else [])])
    if slider and low is not None and high is not None and isinstance(value, (int, float)) and low <= value <= high:
        if integer:
            solara.SliderInt("", value=int(value), min=int(low), max=int(high), on_value=on_value, thumb_label=False)
        else:
            solara.SliderFloat("", value=float(value), min=float(low), max=float(high), step=(high - low) / 100,
                               on_value=lambda x: on_value(round(float(x), 4)), thumb_label=False)


@solara.component
def ParamInput(label: str, value, default, on_value, description: str | None = None, error: str | None = None,
               bounds: tuple | None = None):
    """One input whose kind follows the parameter's default: checkbox, integer, number or text.

    Text inputs read JSON (``[0.3, 0.7]``, ``{"a": 1}``) or plain words; empty means "the default".
    ``error`` marks the field with the reason the scenario is invalid; ``bounds`` gives its range.
    """
    kind = default if default is not None else value
    low, high = bounds or (None, None)

    def make():
        if isinstance(kind, bool):
            solara.Checkbox(label=label, value=bool(value), on_value=on_value)
            if error:
                solara.Text(error, style={"color": "#b00020", "font-size": "0.8rem"}, classes=["field-invalid"])
        elif isinstance(kind, (int, float)):
            NumberInput(label, value if value is not None else default, on_value, integer=isinstance(kind, int),
                        low=low, high=high, error=error, slider=low is not None and high is not None)
        else:
            hint = f"{label} (default {_text_of(default) or 'none'})"
            solara.InputText(hint, value=_text_of(value), on_value=lambda t: on_value(_parse_text(t)),
                             continuous_update=False, error=error or False,
                             classes=["field", *(["field-invalid"] if error else [])])

    if description:
        with solara.Tooltip(plain(description)):
            with solara.Div():
                make()
    else:
        make()


def _signature_params(fn, skip: int) -> dict:
    """Keyword parameters of ``fn`` after its first ``skip`` positional ones, with defaults."""
    out = {}
    for i, (name, p) in enumerate(inspect.signature(fn).parameters.items()):
        if i < skip or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            continue
        out[name] = None if p.default is inspect.Parameter.empty else p.default
    return out


def _models_in(annotation) -> list[type[BaseModel]]:
    """BaseModel classes inside a (possibly Annotated / Union) annotation."""
    found = []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    for arg in typing.get_args(annotation):
        found += _models_in(arg)
    return found


def _default_of(field):
    return field.get_default(call_default_factory=True)


# --------------------------------------------------------------------------- network
@solara.component
def NetworkEditor(session: Session):
    draft = session.draft.value
    net = draft["network"]
    kind = net.get("kind", "erdos_renyi")
    initial = "file" if kind == "file" else "data set" if kind == "dataset" else "generated"
    source, set_source = solara.use_state(initial)

    def choose(new):
        set_source(new)
        if new == "generated" and kind in ("file", "dataset"):
            session.edit(("network",), {"kind": "town", "n": 5000})
        elif new == "data set" and kind != "dataset":
            session.edit(("network",), {"kind": "dataset", "name": next(iter(networks.DATASETS))})

    with solara.Card("Network", margin=0, classes=["mb-2"]):
        solara.ToggleButtonsSingle(value=source, values=SOURCES, on_value=choose)
        if source == "generated":
            _GeneratedNetwork(session, net)
        elif source == "data set":
            _DatasetNetwork(session, net)
        else:
            _UploadedNetwork(session, net)


@solara.component
def _GeneratedNetwork(session: Session, net: dict):
    kind = net.get("kind") if net.get("kind") in networks.KINDS else None

    def set_kind(new):
        n = net.get("n")
        session.edit(("network",), {"kind": new, "n": n if isinstance(n, int) and n > 0 else 1000})

    labels = {kind_label(k): k for k in networks.KINDS}
    solara.Select("kind of network", value=kind_label(kind) if kind else None, values=list(labels),
                  on_value=lambda lab: set_kind(labels[lab]))
    if kind is None:
        solara.Text("Choose a kind of network.", style=SMALL)
        return
    NumberInput("people in the network", net.get("n"), lambda v: session.edit(("network", "n"), v), integer=True,
                low=1, error=session.field_error(("network", "n")), classes=["field-network-n"])
    params = networks.kind_parameters(kind)

    def inputs():
        for name, default in params.items():
            def on_value(v, name=name, default=default):
                session.edit(("network", name), v, remove=v is None or v == default)

            ParamInput(name.replace("_", " "), net.get(name, default), default, on_value,
                       error=session.field_error(("network", name))).key(f"{kind}.{name}")

    if len(params) > 4:  # the town has a dozen: fold them away
        changed = [k for k in params if k in net]
        with solara.Details(summary=f"{kind} parameters" + (f" ({', '.join(changed)} changed)" if changed else "")):
            inputs()
    else:
        inputs()
    if kind == "town":
        solara.Text("People carry area, deprivation quintile (1 = most deprived), age band and household.",
                    style=SMALL)


@solara.component
def _DatasetNetwork(session: Session, net: dict):
    name = net.get("name") if net.get("name") in networks.DATASETS else None
    solara.Select("data set", value=name, values=list(networks.DATASETS),
                  on_value=lambda v: session.edit(("network",), {"kind": "dataset", "name": v}))
    if name is None:
        return
    reader = networks.DATASETS[name]
    doc = plain((inspect.getdoc(reader) or "").split("\n\n")[0].replace("\n", " "))
    if doc:
        solara.Text(doc, style=SMALL)
    for param, default in _signature_params(reader, 0).items():
        def on_value(v, param=param, default=default):
            session.edit(("network", param), v, remove=v is None or v == default)

        ParamInput(param.replace("_", " "), net.get(param, default), default, on_value,
                   error=session.field_error(("network", param))).key(f"{name}.{param}")


def accept_upload(session: Session, info: dict) -> bool:
    """Check and store a dropped file (``FileDrop``'s file info); on success use it as the network."""
    path, message = read_upload(info)
    if path is None:
        session.upload_note.value = ("error", message)
        return False
    session.upload_note.value = ("ok", message)
    session.edit(("network",), {"kind": "file", "path": str(path)})
    return True


@solara.component
def FilePicker(on_file):
    """A file chooser (``<input type=file>``) with ``solara.FileDrop``'s contract: ``on_file(file_info)``.

    Solara's drop zone only takes drag-and-drop; this is the keyboard- and script-friendly way in
    (browser tests use it through Playwright's ``set_input_files``). Same wiring as ``FileDrop``.
    """
    from ipyvuetify.extra import FileInput

    file_info, set_file_info = solara.use_state(None)
    wired, set_wired = solara.use_state(None)
    picker = FileInput.element(multiple=False, on_file_info=set_file_info, show_progress=True,
                               class_="upload-picker")

    def wire():
        if not file_info:
            return
        real = solara.get_widget(picker)
        real.version += 1
        real.reset_stats()
        set_wired(real.get_files())

    solara.use_effect(wire, [file_info])

    def read(cancel):
        if wired:
            info = wired[0]
            info["data"] = None
            on_file(info)

    result = solara.use_thread(read, [wired])
    if result.error:
        raise result.error
    return picker


@solara.component
def _UploadedNetwork(session: Session, net: dict):
    limit_mb = UPLOAD_LIMIT / 1024 / 1024
    note = session.upload_note.value
    solara.FileDrop(
        label=f"Drop a network file here: .edgelist .txt .csv .graphml .gml .gexf .net (optionally .gz), "
        f"at most {limit_mb:g} MB",
        on_file=lambda info: accept_upload(session, info),
        lazy=True,
    )
    solara.Text("or choose one:", style=SMALL)
    FilePicker(on_file=lambda info: accept_upload(session, info))
    if note is not None:
        level, message = note
        if level == "error":
            solara.Error(f"Upload refused: {message}", classes=["upload-error"])
        else:
            solara.Success(message, classes=["upload-ok"])
    if net.get("kind") == "file":
        solara.Text(f"Using {net.get('path')}", style=SMALL)
    else:
        solara.Text("Until a file is accepted, the network chosen before stays in use.", style=SMALL)


# --------------------------------------------------------------------------- behaviours
@solara.component
def BehavioursEditor(session: Session):
    behaviours = session.draft.value["behaviours"]

    def add():
        names = {b.get("name") for b in behaviours}
        k = len(behaviours) + 1
        while f"behaviour{k}" in names:
            k += 1
        session.edit(("behaviours",), behaviours + [{"name": f"behaviour{k}", "rule": "independent_cascade", "p": 0.05}])

    with solara.Card("Behaviour", margin=0, classes=["mb-2"]):
        for i, b in enumerate(behaviours):
            _BehaviourEditor(session, i, b, removable=len(behaviours) > 1).key(f"behaviour-{i}-{b.get('rule')}")
        solara.Button("add a behaviour", icon_name="mdi-plus", on_click=add, text=True, small=True)


@solara.component
def _BehaviourEditor(session: Session, i: int, b: dict, removable: bool):
    rule = b.get("rule") if b.get("rule") in RULES else None

    def set_rule(new):
        session.edit(("behaviours", i), {"name": b.get("name", "activity"), "rule": new, "initial": b.get("initial", 0.0)})

    def remove():
        rest = [x for j, x in enumerate(session.draft.value["behaviours"]) if j != i]
        session.edit(("behaviours",), rest)

    with solara.Column(gap="4px", style={"border-left": "3px solid #ddd", "padding-left": "8px", "margin-bottom": "8px"}):
        with solara.Row(gap="8px"):
            solara.InputText("name", value=b.get("name", ""), continuous_update=False,
                             on_value=lambda v: session.edit(("behaviours", i, "name"), v))
            if removable:
                solara.Button(icon_name="mdi-delete", on_click=remove, icon=True, small=True)
        solara.Select("rule", value=rule, values=list(RULES), on_value=set_rule)
        if rule is None:
            return
        solara.Text(help_text(rule), style=SMALL)
        fields = RULES[rule].Params.model_fields
        for name, field in fields.items():
            if name in ("name", "rule"):
                continue
            default = _default_of(field)
            models = _models_in(field.annotation)
            if models:
                _DistributionInput(session, i, name, b.get(name, default), default, models, field.description)
                problem = session.field_error(("behaviours", i, name))
                if problem:
                    solara.Text(f"{name} {problem}", style={"color": "#b00020", "font-size": "0.8rem"},
                                classes=["field-invalid"])
                continue

            def on_value(v, name=name):
                session.edit(("behaviours", i, name), v, remove=v is None)

            label = "starting share adopting" if name == "initial" else name.replace("_", " ")
            ParamInput(label, b.get(name, default), default, on_value, description=field.description,
                       error=session.field_error(("behaviours", i, name)), bounds=bounds_of(field)).key(f"{rule}.{name}")


@solara.component
def _DistributionInput(session: Session, i: int, name: str, value, default, models, description):
    """A number, or a distribution (one of the rule's models, told apart by their ``dist`` field)."""
    dists = {}
    for m in models:
        if "dist" not in m.model_fields:  # an observed ``initial`` (attribute or file) is set in the file
            continue
        lit = typing.get_args(m.model_fields["dist"].annotation)
        if lit:
            dists[lit[0]] = m
    mode = value.get("dist") if isinstance(value, dict) and value.get("dist") in dists else "fixed"

    def set_mode(new):
        if new == "fixed":
            session.edit(("behaviours", i, name), default if not isinstance(default, dict) else 0.2)
        else:
            fields = dists[new].model_fields
            session.edit(("behaviours", i, name),
                         {"dist": new, **{k: f.default for k, f in fields.items() if k != "dist"}})

    solara.Select(f"{name}: the same for everyone, or drawn per person", value=mode, values=["fixed", *dists],
                  on_value=set_mode)
    if mode == "fixed":
        ParamInput(f"{name} (everyone)", value if not isinstance(value, dict) else default,
                   float(default) if isinstance(default, (int, float)) else 0.2,
                   lambda v: session.edit(("behaviours", i, name), v), description=description,
                   error=session.field_error(("behaviours", i, name)), bounds=(0.0, 1.0))
    else:
        for key, field in dists[mode].model_fields.items():
            if key == "dist":
                continue
            ParamInput(f"{name} {key}", value.get(key, field.default), field.default,
                       lambda v, key=key: session.edit(("behaviours", i, name, key), v),
                       error=session.field_error(("behaviours", i, name, key)),
                       bounds=bounds_of(field)).key(f"{mode}.{key}")


# --------------------------------------------------------------------------- seeding
def strategy_names() -> list[str]:
    from model.targeting import STRATEGIES

    return list(STRATEGIES)


def strategy_params(name: str) -> dict:
    """A strategy's own options (beyond G, count, rng), with defaults; dict-valued ones left out."""
    from model.targeting import STRATEGIES

    fn = STRATEGIES.get(name)
    if fn is None:
        return {}
    params = _signature_params(fn, 3)
    params.pop("behaviour", None)  # the model passes the scenario's first behaviour
    params.pop("nodes", None)  # 'given' has its own input
    return params


def _seeding_fields() -> dict:
    """SeedingSpec's fields beyond strategy/count/nodes/behaviours: {name: (default, description, free-form)}."""
    from model.scenario import SeedingSpec

    out = {}
    for name, field in SeedingSpec.model_fields.items():
        if name in ("strategy", "count", "nodes", "behaviours"):
            continue
        kinds = [a for a in typing.get_args(field.annotation) if a is not type(None)]
        out[name] = (_default_of(field), field.description, len(kinds) > 1 or typing.get_origin(field.annotation) is list)
    return out


@solara.component
def SeedingEditor(session: Session):
    draft = session.draft.value
    seeding = draft.get("seeding", {})
    strategy = seeding.get("strategy", "random")
    names = strategy_names()

    def set_strategy(new):
        keep = {k: seeding[k] for k in ("count", "behaviours") if k in seeding}
        if new == "given":
            keep["nodes"] = seeding.get("nodes") or [0]
        session.edit(("seeding",), {"strategy": new, **keep})

    labels = {strategy_label(k): k for k in names}
    with solara.Card("First adopters (seeding)", margin=0, classes=["mb-2"]):
        solara.Select("whom to recruit first (targeting strategy)", value=strategy_label(strategy) if strategy in names else None,
                      values=list(labels), on_value=lambda lab: set_strategy(labels[lab]))
        if strategy == "given":
            solara.InputText("first adopters (node ids, comma separated)",
                             value=", ".join(str(v) for v in seeding.get("nodes") or []), continuous_update=False,
                             error=session.field_error(("seeding", "nodes")) or False,
                             on_value=lambda t: session.edit(("seeding", "nodes"), [_parse_text(x) for x in t.split(",") if x.strip()]))
        else:
            n = draft["network"].get("n") if draft["network"].get("kind") not in ("file", "dataset") else None
            NumberInput("first adopters (how many people)", seeding.get("count", 1),
                        lambda v: session.edit(("seeding", "count"), v), integer=True, low=0,
                        high=n if isinstance(n, int) and n > 0 else None,
                        error=session.field_error(("seeding", "count")), classes=["field-seeding-count"])
        options = strategy_params(strategy)
        if options:
            with solara.Details(summary=f"options of '{STRATEGY_LABELS.get(strategy, strategy)}'"):
                for name, default in options.items():
                    def on_value(v, name=name, default=default):
                        session.edit(("seeding", name), v, remove=v is None or v == default)

                    ParamInput(name.replace("_", " "), seeding.get(name, default), default, on_value,
                               error=session.field_error(("seeding", name))).key(f"{strategy}.{name}")
        spec_fields = _seeding_fields()
        if spec_fields:
            changed = [k for k, (default, _, _) in spec_fields.items() if k in seeding and seeding[k] != default]
            with solara.Details(summary="budget, costs and phases" + (f" ({', '.join(changed)} set)" if changed else "")):
                for name, (default, description, free) in spec_fields.items():
                    def on_spec(v, name=name, default=default):
                        session.edit(("seeding", name), v, remove=v is None or v == default)

                    # a field that takes several types (a number, an attribute, a table) is typed as text
                    ParamInput(name.replace("_", " "), seeding.get(name, default), None if free else default, on_spec,
                               description=description, error=session.field_error(("seeding", name))).key(f"seeding.{name}")
        behaviours = [b.get("name") for b in draft["behaviours"]]
        if len(behaviours) > 1:
            solara.SelectMultiple("seeds adopt (none chosen = all behaviours)", values=seeding.get("behaviours") or [],
                                  all_values=behaviours,
                                  on_value=lambda v: session.edit(("seeding", "behaviours"), list(v) or None, remove=not v))


# --------------------------------------------------------------------------- run settings
@solara.component
def RunEditor(session: Session):
    draft = session.draft.value
    with solara.Card("Run settings", margin=0, classes=["mb-2"]):
        with solara.Row(gap="8px"):
            NumberInput("random seed (fixes every draw)", draft.get("seed", 0), lambda v: session.edit(("seed",), v),
                        integer=True, low=0, error=session.field_error(("seed",)), classes=["field-seed"])
            NumberInput("rounds (weeks) at most", draft.get("steps", 100), lambda v: session.edit(("steps",), v),
                        integer=True, low=1, error=session.field_error(("steps",)), classes=["field-steps"])
        NumberInput("weeks per round (for the time axis)", session.weeks_per_round.value,
                    lambda v: session.weeks_per_round.set(float(v)) if isinstance(v, (int, float)) and v > 0 else None,
                    low=0.01, classes=["field-weeks"])
        with solara.Row(gap="8px"):
            solara.Select("engine", value=draft.get("engine", "numba"), values=["numba", "python"],
                          on_value=lambda v: session.edit(("engine",), v))
            solara.Checkbox(label="stop at a steady state", value=bool(draft.get("stop_when_steady", True)),
                            on_value=lambda v: session.edit(("stop_when_steady",), v, remove=v))
        if draft.get("engine") == "python":
            solara.Text("The python engine is the readable reference (one Mesa agent per person): "
                        "keep it to a few thousand people.", style=SMALL)


# --------------------------------------------------------------------------- interventions
def intervention_kinds() -> dict[str, type[BaseModel]]:
    """{kind: schema} of the interventions a scenario accepts (from ``model.interventions``)."""
    try:
        from model.interventions import Intervention
    except ImportError:  # pragma: no cover - an older model without interventions
        return {}
    kinds = {}
    for m in _models_in(Intervention):
        lit = typing.get_args(m.model_fields["kind"].annotation)
        if lit:
            kinds[lit[0]] = m
    return kinds


TARGETS = ["everyone", "seeds", "people with an attribute"]


@solara.component
def InterventionsEditor(session: Session):
    kinds = intervention_kinds()
    draft = session.draft.value
    items = draft.get("interventions") or []
    if not kinds:
        return

    def add():
        kind = "campaign" if "campaign" in kinds else next(iter(kinds))
        session.edit(("interventions",), items + [{"kind": kind, "start": 0, "end": 20}])

    with solara.Card("Interventions", margin=0, classes=["mb-2"]):
        if not items:
            solara.Text("None: the spread runs on its own after seeding. Add a campaign, recruitment drive, "
                        "publicity, events that bring people together, or a change to the environment.", style=SMALL)
        names = [b.get("name") for b in draft["behaviours"]]
        for i, item in enumerate(items):
            _InterventionEditor(session, i, item, kinds, names).key(f"intervention-{i}-{item.get('kind')}")
        solara.Button("add an intervention", icon_name="mdi-plus", on_click=add, text=True, small=True)


@solara.component
def _InterventionEditor(session: Session, i: int, item: dict, kinds: dict, behaviour_names: list):
    kind = item.get("kind") if item.get("kind") in kinds else None

    def set_kind(new):
        keep = {k: item[k] for k in ("name", "start", "end", "target", "behaviours") if k in item}
        session.edit(("interventions", i), {"kind": new, **keep})

    def remove():
        rest = [x for j, x in enumerate(session.draft.value.get("interventions") or []) if j != i]
        session.edit(("interventions",), rest, remove=not rest)

    def put(name, value, default=None):
        session.edit(("interventions", i, name), value, remove=value is None or (value == default and name != "kind"))

    with solara.Column(gap="4px", style={"border-left": "3px solid #ddd", "padding-left": "8px", "margin-bottom": "8px"}):
        with solara.Row(gap="8px"):
            solara.Select("kind", value=kind, values=list(kinds), on_value=set_kind)
            solara.Button(icon_name="mdi-delete", on_click=remove, icon=True, small=True)
        if kind is None:
            return
        model = kinds[kind]
        doc = plain((inspect.getdoc(model) or "").split("\n\n")[0].replace("\n", " "))
        if doc:
            solara.Text(doc, style=SMALL)
        for name, field in model.model_fields.items():
            if name == "kind":
                continue
            default = _default_of(field)
            value = item.get(name, default)
            if name == "target":
                _TargetInput(value, lambda v: put("target", v, "everyone")).key("target")
            elif name == "behaviours":
                solara.SelectMultiple("behaviours (none chosen = all)", values=value or [], all_values=behaviour_names,
                                      on_value=lambda v: put("behaviours", list(v) or None))
            elif typing.get_origin(field.annotation) is typing.Literal:
                solara.Select(name, value=value, values=list(typing.get_args(field.annotation)),
                              on_value=lambda v, name=name, default=default: put(name, v, default))
            elif isinstance(default, BaseModel):  # e.g. a recruitment drive's own seeding
                current = value if isinstance(value, dict) else default.model_dump(exclude_none=True)
                with solara.Row(gap="8px"):
                    solara.Select(f"{name}: strategy", value=current.get("strategy"), values=strategy_names(),
                                  on_value=lambda v, name=name, current=current: put(name, {**current, "strategy": v}))
                    solara.InputInt(f"{name}: count", value=int(current.get("count", 1)), continuous_update=False,
                                    on_value=lambda v, name=name, current=current: put(name, {**current, "count": v}))
            else:
                ParamInput(name.replace("_", " "), value, default, lambda v, name=name, default=default: put(name, v, default),
                           description=field.description, error=session.field_error(("interventions", i, name)),
                           bounds=bounds_of(field)).key(f"{kind}.{name}")


@solara.component
def _TargetInput(value, on_value):
    mode = value if value in ("everyone", "seeds") else "people with an attribute"
    solara.Select("target", value=mode, values=TARGETS,
                  on_value=lambda m: on_value(m if m != TARGETS[2] else {"attribute": "deprivation", "values": [1, 2]}))
    if mode == TARGETS[2]:
        target = value if isinstance(value, dict) else {}
        with solara.Row(gap="8px"):
            solara.InputText("attribute", value=str(target.get("attribute", "")), continuous_update=False,
                             on_value=lambda a: on_value({**target, "attribute": a}))
            solara.InputText("values (comma separated)", value=", ".join(str(x) for x in target.get("values", [])),
                             continuous_update=False,
                             on_value=lambda t: on_value({**target, "values": [_parse_text(x) for x in t.split(",") if x.strip()]}))


# --------------------------------------------------------------------------- everything else, as TOML
FORM_KEYS = ("seed", "steps", "engine", "stop_when_steady", "network", "behaviours", "seeding", "interventions")


def other_settings(draft: dict) -> dict:
    """The parts of the draft without their own form (economics, organisations, stress, ...)."""
    return {k: v for k, v in draft.items() if k not in FORM_KEYS}


@solara.component
def OtherSettingsEditor(session: Session):
    """Economics, organisations, stress, turnover, groups...: edited as TOML, validated with the rest."""
    import tomllib

    import tomli_w

    from model import Scenario

    others = other_settings(session.draft.value)
    text = tomli_w.dumps(others) if others else ""
    problem = solara.use_reactive(None)
    fields = [k for k in Scenario.model_fields if k not in FORM_KEYS]

    def on_value(new: str):
        try:
            data = tomllib.loads(new or "")
        except tomllib.TOMLDecodeError as exc:
            problem.value = user_message(ValueError(f"not valid TOML ({exc})"), "other settings")
            return
        unknown = [k for k in data if k in FORM_KEYS]
        if unknown:
            problem.value = f"{unknown[0]!r} has its own form above"
            return
        problem.value = None
        kept = {k: v for k, v in session.draft.value.items() if k in FORM_KEYS}
        session.draft.value = {**kept, **data}

    with solara.Details(summary="other settings (TOML)" + (f": {', '.join(others)}" if others else "")):
        solara.Text(f"Any of: {', '.join(fields)}. See the scenario reference; the page checks them with the rest.",
                    style=SMALL)
        solara.InputTextArea("other settings", value=text, on_value=on_value, rows=6, continuous_update=False)
        if problem.value:
            solara.Error(problem.value, classes=["other-settings-error"])


@solara.component
def ScenarioEditor(session: Session):
    """All of the above, top to bottom; a wrong field is marked where it is (and named at the top)."""
    _, error = session.scenario()
    # always one element here (an empty one when valid): the editors below keep their places, so a field
    # being typed into is never remounted when the message comes or goes
    with solara.Div():
        if error:
            solara.Error(error + " (marked below; Run is disabled until it is fixed)", classes=["scenario-error"],
                         dense=True)
    NetworkEditor(session)
    BehavioursEditor(session)
    SeedingEditor(session)
    InterventionsEditor(session)
    RunEditor(session)
    OtherSettingsEditor(session)
