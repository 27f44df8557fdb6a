"""Export what a view shows: its scenario as TOML (``Scenario.to_toml()``) and its tables as CSV/Parquet.

The TOML is exactly what the view ran: ``wellspread run scenario.toml`` builds the same network from
the same seed, picks the same seeds and gives the same numbers (replicate 0 is the scenario's own
seed). An uploaded network is referenced by the path where the dashboard keeps it; copy that file
beside the TOML and edit ``path`` to share the scenario.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import solara

from model import Scenario, ScenarioError

from .messages import user_message
from .state import Session, to_bytes_csv, to_bytes_parquet

__all__ = ["ScenarioLink", "scenario_query", "draft_from_query", "ScenarioExport", "ScenarioImport", "TableDownloads", "scenario_toml", "load_scenario_file", "draft_from_toml"]


def scenario_toml(scenario: Scenario, comment: str | None = None) -> str:
    """The scenario as TOML, with an optional comment line on top (how to reproduce it)."""
    text = scenario.to_toml()
    if comment:
        text = "".join(f"# {line}\n" for line in comment.splitlines()) + text
    return text


@solara.component
def ScenarioExport(scenario: Scenario | None, error: str | None, command: str, filename: str = "scenario.toml"):
    if scenario is None:
        solara.Warning(f"Nothing to export until the scenario is valid: {error}")
        return
    text = scenario_toml(scenario, comment=f"wellspread dashboard export; reproduce with:\n  {command}")
    with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.FileDownload(text.encode("utf-8"), filename=filename, label=f"scenario ({filename})",
                            mime_type="application/toml")
        solara.Text(f"then: {command}", style={"font-family": "monospace", "font-size": "0.85rem"})
    with solara.Details(summary="show the TOML"):
        solara.Preformatted(text, class_="scenario-toml")


def scenario_query(draft: dict) -> str:
    """The draft as a URL query value (compressed JSON, URL-safe base64): the page opens with it."""
    import base64
    import json
    import zlib

    raw = zlib.compress(json.dumps(draft, sort_keys=True, separators=(",", ":")).encode("utf-8"), 9)
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def draft_from_query(search: str | None) -> dict | None:
    """The draft in a URL's ``?scenario=...`` (None when absent or unreadable)."""
    import base64
    import json
    import zlib
    from urllib.parse import parse_qs

    if not search:
        return None
    value = (parse_qs(search.lstrip("?")).get("scenario") or [None])[0]
    if not value:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        draft = json.loads(zlib.decompress(raw, bufsize=1 << 16).decode("utf-8"))
    except (ValueError, zlib.error):
        return None
    return draft if isinstance(draft, dict) else None


@solara.component
def ScenarioLink(draft: dict):
    """A link that opens the dashboard on this very scenario (bookmark it, send it)."""
    href = f"?scenario={scenario_query(draft)}"
    solara.HTML(tag="div", unsafe_innerHTML=(
        f'<a class="scenario-link" href="{href}" style="font-size:0.85rem">link to this scenario</a>'
        '<span style="font-size:0.8rem;color:#666"> (opens the page with exactly these settings)</span>'))


@solara.component
def TableDownloads(df, stem: str, label: str):
    """CSV and Parquet downloads of one table (made when clicked)."""
    with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.FileDownload(lambda: to_bytes_csv(df), filename=f"{stem}.csv", label=f"{label} (CSV)")
        solara.FileDownload(lambda: to_bytes_parquet(df), filename=f"{stem}.parquet", label=f"{label} (Parquet)")


def draft_from_toml(path) -> dict:
    """A scenario file as the editor's draft: the keys as written (validated; relative paths resolved).

    Raises ``ScenarioError`` (one line naming the file and field) when the scenario is not valid.
    """
    from model.scenario import read_toml

    path = Path(path)
    Scenario.from_toml(path)  # validates (and says what is wrong)
    data = read_toml(path)
    network = data.get("network")
    if isinstance(network, dict) and network.get("kind") == "file" and isinstance(network.get("path"), str):
        if not Path(network["path"]).is_absolute():
            network["path"] = str((path.parent / network["path"]).resolve())
    return data


def load_scenario_file(name: str, data: bytes) -> tuple[dict | None, str]:
    """A dropped scenario TOML as a draft dict, or None and the one-line reason it is refused."""
    if len(data) > 1024 * 1024:
        return None, f"{name}: a scenario file over 1 MB is not a scenario"
    with tempfile.TemporaryDirectory(prefix="wellspread-scenario-") as tmp:
        path = Path(tmp) / (Path(name).name or "scenario.toml")
        path.write_bytes(data)
        try:
            draft = draft_from_toml(path)
        except ScenarioError as exc:
            return None, user_message(exc, path, shown=name)
    return draft, f"{name}: loaded"


@solara.component
def ScenarioImport(session: Session):
    """Open a scenario TOML (one exported here, or written by hand) into the editor."""
    from .forms import FilePicker

    note = solara.use_reactive(None)

    def on_file(info):
        data = info["data"] if info.get("data") is not None else info["file_obj"].read(1024 * 1024 + 1)
        draft, message = load_scenario_file(str(info.get("name") or "scenario.toml"), data)
        note.value = (draft is not None, message)
        if draft is not None:
            session.draft.value = draft

    with solara.Details(summary="open a scenario (TOML)"):
        FilePicker(on_file=on_file)
        if note.value is not None:
            ok, message = note.value
            (solara.Success if ok else solara.Error)(message, classes=["scenario-import-" + ("ok" if ok else "error")])
