"""Pages and bundles go gzipped to browsers that accept it, except where BREACH could bite."""

from __future__ import annotations

import gzip
import re

from tests.factories import make_cohort, make_enrollment, make_program, make_session, make_user

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def grid_page(app, login):
    program = make_program()
    cohort = make_cohort(program)
    make_enrollment(cohort)
    session = make_session(cohort)
    return login(make_user("clinician", programs=[program])), f"/sessions/{session.id}"


def test_a_page_is_gzipped_for_a_browser_that_accepts_it_and_reads_the_same(app, login):
    client, path = grid_page(app, login)
    plain = client.get(path)
    packed = client.get(path, headers=GZIP)
    assert plain.headers.get("Content-Encoding") is None and "Attendance for" in plain.text
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"] and "HX-Request" in packed.headers["Vary"]
    html = gzip.decompress(packed.data).decode()
    assert "Attendance for" in html and html.count("<form") == plain.text.count("<form")
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data)
    assert packed.headers["Cache-Control"] == "no-store"  # pages with client data are still never cached


def test_a_page_asked_with_a_query_string_is_not_compressed(app, login):
    client, path = grid_page(app, login)
    response = client.get(f"{path}?q=anything", headers=GZIP)
    assert response.status_code == 200 and "Content-Encoding" not in response.headers


def test_an_answer_to_a_post_is_not_compressed(app, login):
    client, path = grid_page(app, login)
    response = client.post(f"{path}/note", data={"version": "0", "topic": "x" * 2000}, headers=GZIP)
    assert "Content-Encoding" not in response.headers
    assert "x" * 2000 in response.text  # what was typed comes back, as sent


def test_a_small_answer_is_sent_as_it_is(app, login):
    client, _ = grid_page(app, login)
    response = client.get("/alerts/badge", headers=GZIP)
    assert response.status_code == 200 and len(response.data) < 1024
    assert "Content-Encoding" not in response.headers


def test_a_versioned_bundle_is_gzipped_and_cached_for_a_year(app):
    client = app.test_client()
    response = client.get("/static/gen/app.css?abc123", headers=GZIP)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.cache_control.max_age == 365 * 24 * 3600 and response.cache_control.immutable
    assert response.headers["ETag"].startswith('W/"')
    css = gzip.decompress(response.data)
    again = client.get("/static/gen/app.css?abc123", headers=GZIP)  # from the cache of compressed bundles
    assert gzip.decompress(again.data) == css == client.get("/static/gen/app.css?abc123").data
    revalidated = client.get(
        "/static/gen/app.css?abc123", headers={**GZIP, "If-None-Match": response.headers["ETag"]}
    )
    assert revalidated.status_code == 304


def test_an_unversioned_static_file_keeps_the_default_cache_rule(app):
    response = app.test_client().get("/static/css/app.css", headers=GZIP)
    assert response.status_code == 200
    assert not response.cache_control.immutable and response.cache_control.max_age is None


def test_pages_link_the_versioned_bundles(app, login):
    client, path = grid_page(app, login)
    html = client.get(path).text
    assert re.search(r'<link rel="stylesheet" href="/static/gen/app\.css\?[0-9a-f]+">', html)
    assert re.search(r'<script src="/static/gen/app\.js\?[0-9a-f]+" defer></script>', html)
