"""The client's own PHQ-9 and GAD-7 trend, shown only when the program chose to (a program setting)."""

from flask import abort, g, jsonify, render_template

from iop.extensions import db
from iop.permissions import client_required
from iop.services.client_links import record_client_view
from iop.services.self_reports import client_own_scores


def _own_scores():
    # The same answer as an unknown page while the program keeps scores from its clients.
    return client_own_scores(g.client) or abort(404)


@client_required
def scores():
    """The client's totals over time against the severity bands, as a chart and a table."""
    progress = _own_scores()
    record_client_view("scores")
    db.session.commit()
    return render_template("me/scores.html", client=g.client, progress=progress)


@client_required
def scores_data():
    """What the page's charts draw (its tables hold the same); seen with the page, not audited twice."""
    return jsonify({**_own_scores().to_json(), "decisions": []})
