"""Work across processes: batches by size, results in the order of the items."""

from __future__ import annotations

from fastlint.engine.runner import PARALLEL_THRESHOLD, _batches, _map


def test_batches_hand_out_large_items_first_and_alone() -> None:
    sizes = [5, 100, 1, 1, 1, 50, 1, 1, 1, 1] * 3
    batches = _batches(sizes, 2)
    assert sorted(i for batch in batches for i in batch) == list(range(len(sizes)))
    assert [sizes[i] for i in batches[0]] == [100]
    firsts = [sizes[batch[0]] for batch in batches]
    assert firsts == sorted(firsts, reverse=True)


def test_map_gives_results_in_order_across_processes() -> None:
    items = list(range(-PARALLEL_THRESHOLD, PARALLEL_THRESHOLD))
    sizes = [abs(i) * 7 % 13 for i in items]
    assert list(_map(abs, items, 2, {}, sizes)) == [abs(i) for i in items]
    assert list(_map(abs, items, 2, {})) == [abs(i) for i in items]
