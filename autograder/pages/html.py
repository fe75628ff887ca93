"""What every page the grader writes shares: escaping, tagged numbers, tables, the style.

The pages are self-contained files with inline CSS and no scripts. Everything a student
controls goes through esc() where it is written.
"""

import html


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def stat(key: str, value: object) -> str:
    """A number on the page, tagged so it can be read back exactly."""
    return f'<span data-stat="{esc(key)}">{esc(value)}</span>'


def table(headers: list[str], rows: list[list[str]]) -> str:
    """rows hold HTML already escaped (escaped text or stat() spans)."""
    head = "".join(f"<th>{esc(header)}</th>" for header in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<div class="scroll"><table><tr>{head}</tr>{body}</table></div>'


def image(file: str, alt: str) -> str:
    return f'<img src="{esc(file)}" alt="{esc(alt)}">'


STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 auto; padding: 0 1em; max-width: 60em;
       line-height: 1.4; }
img { max-width: 100%; height: auto; display: block; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.5em; text-align: left;
         vertical-align: top; }
code { white-space: pre-wrap; word-break: break-word; }
pre { white-space: pre-wrap; word-break: break-word; font-size: 0.85em; background: #f7f7f7;
      padding: 0.5em; }
mark { background: #ffe08a; }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(18em, 1fr)); gap: 1em; }
"""
