"""Web UI for city-hall staff: server-rendered Jinja2 pages over the served Searcher.

display (text and markup helpers) → params (request parameters as dependencies) and views (view models)
→ export (CSV/Markdown) → pages (the APIRouter); render holds the templates every page uses.
"""
