"""A lesson's prose in parts (mounted one a frame) and its unlabelled code blocks marked as text."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from tutor.course.access import load_course
from tutor.tui.prose_parts import plain_fences, prose_parts

DOC = """# Title

A first paragraph
over two lines.

```
a diagram
```

- a list
- of two

## A heading

```python
x = 1
```

| a | b |
|---|---|
| 1 | 2 |

Last paragraph.
"""


def test_unlabelled_code_blocks_are_marked_as_text_and_labelled_ones_kept():
    out = plain_fences(DOC)
    assert "```text\na diagram\n```" in out
    assert "```python\nx = 1\n```" in out
    assert out.replace("```text\n", "```\n") == DOC


def test_a_closing_fence_and_an_indented_or_tilde_fence():
    doc = "para\n\n  ~~~\n  code\n  ~~~\n\n````\n```\n````\n"
    out = plain_fences(doc)
    assert out == "para\n\n  ~~~text\n  code\n  ~~~\n\n````text\n```\n````\n"


def test_parts_join_back_and_cut_only_before_paragraphs_lists_and_tables():
    for first, lines in ((1, 1), (3, 2), (5, 100), (1000, 1)):
        parts = prose_parts(DOC, first, lines)
        assert "".join(parts) == plain_fences(DOC)
        for part in parts[1:]:
            top = next(t for t in MarkdownIt("gfm-like").parse(part) if t.level == 0)
            assert top.type in ("paragraph_open", "bullet_list_open", "ordered_list_open", "table_open")
    assert len(prose_parts(DOC, 1, 1)) == 5  # cut before the paragraph, the list, the table, the last paragraph
    assert prose_parts(DOC, 1000, 1) == [plain_fences(DOC)]


def test_the_first_part_is_at_least_the_lines_asked_for():
    parts = prose_parts(DOC, 6, 1000)
    assert len(parts) == 2 and parts[0].count("\n") >= 6


@pytest.mark.parametrize("lesson", load_course().lessons, ids=lambda lesson: lesson.id)
def test_every_lessons_prose_survives_being_cut(lesson):
    parts = prose_parts(lesson.body_markdown, 10, 12)
    assert "".join(parts) == plain_fences(lesson.body_markdown)
    assert len(parts) > 1  # every lesson is long enough to be built in steps
