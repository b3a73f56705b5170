"""The traceability dossier's download: for officers who may open the company's profile, every printing audited.

A plain Flask route (a PDF, not a Dash page): the guard has required the profile's permission; the service checks
the company as the profile does (office, a coordinator's section) and refuses what the profile would.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, make_response, render_template, request

from portal.extensions import database
from portal.i18n import t
from portal.reports import dossier as drawing
from portal.security.access import requires, user
from portal.services.dossier import PERMISSION
from portal.validation import Forbidden, InvalidInput, NotFound
from portal.web.downloads import missing, refused

bp = Blueprint("dossier", __name__)


@bp.route("/dossier/<int:service_user_id>.pdf")
@requires(PERMISSION)
def download(service_user_id: int):
    """The dossier of one company for ?from=YYYY-MM-DD&to=YYYY-MM-DD (default: the last 12 months), of the
    consignments of ?section= (a section code), ?direction= and ?commodity= (a commodity id) when given: the
    profile's form sends its own."""
    viewer = user()
    try:
        with database().session() as db:
            found = drawing.printed(db, viewer, service_user_id, request.args.get("from"), request.args.get("to"),
                                    section=request.args.get("section"), direction=request.args.get("direction"),
                                    commodity_id=request.args.get("commodity"))
    except Forbidden:
        return refused(viewer, "dossier", service_user_id)
    except NotFound:
        return missing()
    except InvalidInput as error:
        messages = error.messages(lambda key, **params: t(key, **params))
        return make_response(render_template("message.html", t=t, title=t("dossier.title"),
                                             message=" ".join(messages.values())), 400)
    response = make_response(found["pdf"])
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (f"attachment; filename=\"{found['filename']}\"; "
                                               f"filename*=UTF-8''{quote(found['filename'])}")
    response.headers["Cache-Control"] = "private, no-store"  # a company's record: never kept by a shared cache
    response.headers["X-Dossier-Hash"] = found["hash"]
    return response
