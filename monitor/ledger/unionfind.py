"""Disjoint sets (union-find) over ints or strings: what story clustering, statement linking and
speaker identity all use to join items transitively. The smaller item is kept as a set's root, so the
result never depends on the order of the unions."""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T", int, str)


class UnionFind(Generic[T]):
    def __init__(self) -> None:
        self._parent: dict[T, T] = {}

    def find(self, item: T) -> T:
        """The root of `item`'s set (an item never seen is a set of its own)."""
        root = item
        while (parent := self._parent.setdefault(root, root)) != root:
            root = parent
        while item != root:  # path compression
            item, self._parent[item] = self._parent[item], root
        return root

    def union(self, a: T, b: T) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)
