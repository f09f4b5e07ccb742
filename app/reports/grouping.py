"""How the reports group their buckets (a window and a matter) and what a chief may see of them.

The department of a bucket is app.ratings.common.Labels' rule, the one the permission table applies to
a case (its window's department, for a 综合窗口 its matter's); groups are named and ordered as
app.ratings.figures names and orders them (label, then key)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from app.ratings.common import Labels

Key = tuple[str | None, str]  # (window id, matter id)
Group = tuple[str, str]  # (key, label)
NO_WINDOW, NO_DEPARTMENT = "（无窗口）", "（未分部门）"
Row = TypeVar("Row")


class Grouping:
    def __init__(self, labels: Labels, by: str, department_id: str | None) -> None:
        self.labels, self.by, self.department_id = labels, by, department_id

    def department(self, key: Key) -> str | None:
        return self.labels.department_of(key[0], key[1])

    def visible(self, key: Key) -> bool:
        """In the scope: the whole hall, or the chief's department."""
        return self.department_id is None or self.department(key) == self.department_id

    def group(self, key: Key) -> Group:
        window_id, matter_id = key
        if self.by == "window":
            return window_id or "", self.labels.window(window_id) or NO_WINDOW
        if self.by == "department":
            department = self.department(key) or ""
            return department, self.labels.department_name(department) or NO_DEPARTMENT
        return matter_id, self.labels.matter(matter_id)

    def window_group(self, window_id: str | None) -> Group:
        """The group of what belongs to a window but to no matter (空岗, a person's attendance)."""
        window = self.labels.windows.get(window_id or "")
        if self.by == "window":
            return window_id or "", self.labels.window(window_id) or NO_WINDOW
        department = window.department_id if window is not None and window.department_id else ""
        return department, self.labels.department_name(department) or NO_DEPARTMENT


def tally(grouping: Grouping, buckets: Iterable[tuple[Key, Mapping[str, int]]]
          ) -> tuple[dict[Group, Counter[str]], Counter[str]]:
    """The visible buckets summed per group, and over all of them (the 合计); a bucket with nothing to count
    in this period (it had something in the other) makes no group."""
    groups: dict[Group, Counter[str]] = {}
    total: Counter[str] = Counter()
    for key, counts in buckets:
        if not grouping.visible(key) or not any(counts.values()):
            continue
        groups.setdefault(grouping.group(key), Counter()).update(counts)
        total.update(counts)
    return groups, total


def ordered(groups: Mapping[Group, Counter[str]], total: Counter[str], total_label: str,
            make: Callable[[str, str, Counter[str]], Row]) -> tuple[Row, ...]:
    """One row per group by label (then key), the total last (key '')."""
    rows = [make(key, label, counts) for (key, label), counts in sorted(groups.items(), key=lambda kv: (kv[0][1],
                                                                                                        kv[0][0]))]
    return (*rows, make("", total_label, total))
