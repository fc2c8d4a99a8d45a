"""Messages with an id: the rules' sentences, kept translatable after they are built.

A rule writes ``M("cert_expired.verdict", "%s's certificate expired %.0f days ago (%s)", host, days, date)``.
The result *is* the English string (a ``str``: ``--json``, ``explain``, ``fix`` and every
comparison see exactly what they saw before), and it remembers its id and its values, so
``check --lang zh`` can print the Chinese template of the same id (``tlsdoctor.render.zh.MESSAGES``)
with the same values inserted unchanged: host names, paths, versions, cause ids and commands are
never translated, whatever they contain. A value that is itself a ``Msg`` (a clause built
elsewhere) is translated by its own id.

Only the English is stored in the rules; the Chinese lives in one catalogue next to the renderer
that prints it, and ``tests/rules/test_zh_catalogue.py`` holds every id used here to a template
there with the same values.
"""

from __future__ import annotations

from typing import Any, Tuple


JOIN = "join"  # the id of J(): items joined by a separator, each translated by its own id


class Msg(str):
    """An English sentence that knows its message id and the values put into it."""

    id: str
    template: str
    args: Tuple[Any, ...]

    def __new__(cls, id: str, template: str, *args: Any) -> "Msg":
        # JOIN: template is the separator and args the items (J); else a %-template and its values.
        text = template.join(str(a) for a in args) if id == JOIN else template % args if args else template
        s = super().__new__(cls, text)
        s.id, s.template, s.args = id, template, args
        return s

    def __reduce__(self):  # copy/pickle rebuild the message, not a bare str of it
        return (Msg, (self.id, self.template) + tuple(self.args))


def M(id: str, template: str, *args: Any) -> Msg:
    """The message ``id``: ``template % args`` in English, translatable by id."""
    return Msg(id, template, *args)


def J(sep: str, items: Any) -> Msg:
    """``sep.join(items)`` that stays translatable (a plain ``str.join`` forgets the items' ids)."""
    return Msg(JOIN, sep, *tuple(items))
