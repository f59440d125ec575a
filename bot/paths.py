"""Where the project's data lives: `data/` beside the packages (editable install or checkout)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
MIGRATIONS = DATA / "migrations"
TEXTS = DATA / "texts"
DEMO = DATA / "demo"
BOTAPI_SPEC = DATA / "botapi" / "api-10.0.json"
