"""Front-end bundles built by flask-assets from npm packages in node_modules/ (never a CDN)."""

from flask import Flask
from flask_assets import Bundle

from iop import ROOT
from iop.extensions import assets

BUNDLES = {
    "app_css": Bundle("@picocss/pico/css/pico.min.css", "css/app.css", output="gen/app.css"),
    "app_js": Bundle("htmx.org/dist/htmx.min.js", "js/app.js", output="gen/app.js"),
    "charts_js": Bundle("chart.js/dist/chart.umd.js", "js/charts.js", output="gen/charts.js"),
}


def init_app(app: Flask) -> None:
    """Register the bundles; sources are looked up in node_modules/ and static/."""
    app.config.setdefault("ASSETS_LOAD_PATH", [str(ROOT / "node_modules"), str(ROOT / "static")])
    assets.init_app(app)
    for name, bundle in BUNDLES.items():
        if name not in assets:
            assets.register(name, bundle)
