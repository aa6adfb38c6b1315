"""Partner data pages: the kinds of file tfclaims imports, each with its templates and the page explaining its
columns. Thin: role, the source's data, render or send the file. Coordinators and managers."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template

from tfclaims.auth.permissions import roles_required
from tfclaims.auth.roles import Role
from tfclaims.imports import templates
from tfclaims.imports.sources import SOURCES, Source
from tfclaims.spreadsheet import XLSX

bp = Blueprint("imports", __name__)

READERS = (Role.COORDINATOR, Role.MANAGER)


def _source(kind: str) -> Source:
    return SOURCES.get(kind) or abort(404)


def _file_name(source: Source, suffix: str) -> str:
    return f"tfclaims-{source.kind.replace('_', '-')}-template.{suffix}"


@bp.get("/")
@roles_required(*READERS)
def index():
    return render_template("imports/index.html", sources=list(SOURCES.values()))


@bp.get("/<kind>/columns")
@roles_required(*READERS)
def columns(kind: str):
    return render_template("imports/columns.html", source=_source(kind))


@bp.get("/<kind>/template.csv")
@roles_required(*READERS)
def template_csv(kind: str):
    source = _source(kind)
    return Response(templates.template_csv(source), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{_file_name(source, "csv")}"'})


@bp.get("/<kind>/template.xlsx")
@roles_required(*READERS)
def template_xlsx(kind: str):
    source = _source(kind)
    return Response(templates.template_xlsx(source), content_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{_file_name(source, "xlsx")}"'})
