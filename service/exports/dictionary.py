"""Print the data dictionary: ``python -m service.exports.dictionary > docs/data-dictionary.md``."""

from __future__ import annotations

from service.exports.catalog import all_kinds
from service.exports.rules import dictionary_markdown


def render() -> str:
    """The whole ``docs/data-dictionary.md`` page."""
    return dictionary_markdown(all_kinds())


if __name__ == "__main__":
    print(render(), end="")
