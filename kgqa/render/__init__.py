"""Render answers, premise checks and traces: text for the CLI, self-contained HTML for Jupyter.

- :mod:`kgqa.render.text`: :func:`answer_text`, :func:`premise_text`, :func:`trace_text`
- :mod:`kgqa.render.html`: :func:`answer_html`, :func:`premise_html`, :func:`trace_html`, ...
- :mod:`kgqa.render.graph_svg`: :func:`subgraph_svg`, the graph facts as an inline SVG
- :mod:`kgqa.render.common`: helpers the three share

Example:
    >>> from kgqa.render import answer_text
    >>> from kgqa.types import Answer
    >>> print(answer_text(Answer("Is Paris in France?", "yes", "answered", 0.91)))
    Q: Is Paris in France?
    A: yes   [answered, confidence 0.91]
"""

from __future__ import annotations

from kgqa.render.graph_svg import subgraph_svg
from kgqa.render.html import answer_html, html_document, premise_html, premise_page_html, trace_html
from kgqa.render.text import answer_text, premise_text, trace_text

__all__ = [
    "answer_html",
    "answer_text",
    "html_document",
    "premise_html",
    "premise_page_html",
    "premise_text",
    "subgraph_svg",
    "trace_html",
    "trace_text",
]
