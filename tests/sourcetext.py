"""Text written in the code, recognised in a syntax tree (for the tests that keep wording in
the message catalogues: ``test_no_inline_wording``, ``test_errors``)."""

from __future__ import annotations

import ast

__all__ = ["is_written_text"]


def is_written_text(node: ast.expr) -> bool:
    """Whether ``node`` is text written in the code.

    A string literal, an f-string, a ``+`` with one of them, a ``... if ... else ...``
    choosing one, or ``"...".format(...)``.

    >>> is_written_text(ast.parse('"a" + ("b" if c else d)', mode="eval").body)
    True
    >>> is_written_text(ast.parse('TEXTS("id", "sv")', mode="eval").body)
    False
    """
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return is_written_text(node.left) or is_written_text(node.right)
    if isinstance(node, ast.IfExp):
        return is_written_text(node.body) or is_written_text(node.orelse)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and is_written_text(node.func.value)
    return False
