from __future__ import annotations

from shipviewer.viewer.catalog import Catalog, CatalogView, Filter, Status


class Recorder:
    def __init__(self, view: CatalogView) -> None:
        self.calls: list[tuple] = []
        for name in (
            "about_to_insert",
            "inserted",
            "about_to_remove",
            "removed",
            "about_to_reset",
            "reset",
            "changed",
        ):
            getattr(view, name).connect(lambda *args, n=name: self.calls.append((n, *args)))


def _catalog(n: int = 5) -> Catalog:
    catalog = Catalog()
    catalog.extend(f"/data/img{i}.jpg" for i in range(n))
    return catalog


def test_extend_skips_duplicates_and_picks_up_truth() -> None:
    catalog = Catalog()
    catalog.set_truth({"b.jpg": ["1 2", "10 2"], "a.jpg": []})
    added = catalog.extend(["/x/a.jpg", "/x/b.jpg", "/x/a.jpg"])
    assert list(added) == [0, 1]
    assert [e.n_truth for e in catalog.entries] == [0, 2]
    assert catalog.index_of("/x/b.jpg") == 1
    assert catalog.index_of("/x/zzz.jpg") == -1
    assert catalog.truth_for(1) == ["1 2", "10 2"]


def test_identity_view_announces_rows_before_and_after() -> None:
    catalog = Catalog()
    view = CatalogView(catalog)
    lengths = []
    view.about_to_insert.connect(lambda row, n: lengths.append(("before", len(view))))
    view.inserted.connect(lambda row, n: lengths.append(("after", len(view))))
    catalog.extend(["/a.jpg", "/b.jpg"])
    assert lengths == [("before", 0), ("after", 2)]
    assert view.index_at(1) == 1 and view.row_of(1) == 1


def test_filters_and_search() -> None:
    catalog = _catalog(6)
    view = CatalogView(catalog)
    catalog.set_prediction(0, 2)
    catalog.set_prediction(1, 0)
    catalog.set_truth({"img2.jpg": ["1 3"]})
    catalog.set_status(3, Status.ACCEPTED)
    catalog.set_problem(4, "empty file (0 bytes)")
    view.set_filter(Filter.WITH_SHIPS)
    assert [view.index_at(r) for r in range(len(view))] == [0, 2]
    view.set_filter(Filter.WITHOUT_SHIPS)
    assert [view.index_at(r) for r in range(len(view))] == [1]
    view.set_filter(Filter.UNREVIEWED)
    assert [view.index_at(r) for r in range(len(view))] == [0, 1, 2, 5]
    view.set_filter(Filter.PROBLEMS)
    assert [view.index_at(r) for r in range(len(view))] == [4]
    view.set_filter(Filter.ALL, "IMG5")
    assert [view.index_at(r) for r in range(len(view))] == [5]
    view.set_search("")
    assert view.is_identity and len(view) == 6


def test_changes_move_rows_in_and_out_of_a_filter() -> None:
    catalog = _catalog(4)
    view = CatalogView(catalog)
    view.set_filter(Filter.WITH_SHIPS)
    rec = Recorder(view)
    catalog.set_prediction(2, 3)
    catalog.set_prediction(0, 1)
    assert [view.index_at(r) for r in range(len(view))] == [0, 2]
    catalog.set_prediction(2, 0)
    assert [view.index_at(r) for r in range(len(view))] == [0]
    assert rec.calls == [
        ("about_to_insert", 0, 1),
        ("inserted", 0, 1),
        ("about_to_insert", 0, 1),
        ("inserted", 0, 1),
        ("about_to_remove", 1, 1),
        ("removed", 1, 1),
    ]
    catalog.extend(["/data/new.jpg"])  # not predicted: not "with ships"
    assert len(view) == 1


def test_pinned_entry_stays_until_unpinned() -> None:
    catalog = _catalog(3)
    view = CatalogView(catalog)
    view.set_filter(Filter.UNREVIEWED)
    view.pin(1)
    catalog.set_status(1, Status.ACCEPTED)
    assert view.row_of(1) == 1
    view.pin(2)
    assert view.row_of(1) == -1
    assert [view.index_at(r) for r in range(len(view))] == [0, 2]


def test_neighbour_steps_and_clamps() -> None:
    catalog = _catalog(5)
    view = CatalogView(catalog)
    assert view.neighbour(-1, 1) == 0
    assert view.neighbour(0, 1) == 1
    assert view.neighbour(4, 1) == 4
    assert view.neighbour(0, -1) == 0
    catalog.set_prediction(1, 1)
    catalog.set_prediction(3, 1)
    view.set_filter(Filter.WITH_SHIPS)
    assert view.neighbour(2, 1) == 3  # from a row outside the view
    assert view.neighbour(2, -1) == 1
    assert CatalogView(Catalog()).neighbour(0, 1) == -1


def test_forget_predictions_keeps_reviews_and_resets() -> None:
    catalog = _catalog(3)
    view = CatalogView(catalog)
    rec = Recorder(view)
    catalog.set_prediction(0, 1)
    catalog.set_prediction(1, 1)
    catalog.set_status(1, Status.ACCEPTED)
    catalog.forget_predictions()
    assert [e.status for e in catalog.entries] == [
        Status.NOT_PREDICTED,
        Status.ACCEPTED,
        Status.NOT_PREDICTED,
    ]
    assert catalog[0].n_pred is None and catalog[1].n_pred == 1
    assert ("about_to_reset",) in rec.calls and rec.calls[-1] == ("reset",)


def test_counts() -> None:
    catalog = _catalog(3)
    catalog.set_prediction(0, 2)
    catalog.set_problem(2, "corrupt")
    counts = catalog.counts()
    assert counts["unreviewed"] == 1 and counts["not predicted"] == 2
    assert counts["problems"] == 1 and counts["with ships"] == 1


def test_clear_resets_everything() -> None:
    catalog = _catalog(3)
    view = CatalogView(catalog)
    catalog.clear()
    assert len(view) == 0 and catalog.index_of("/data/img0.jpg") == -1


def test_unpredicted_and_problem_count() -> None:
    catalog = _catalog(4)
    catalog.set_prediction(0, 1)
    catalog.set_problem(2, "corrupt")
    assert catalog.unpredicted() == [(1, "/data/img1.jpg"), (3, "/data/img3.jpg")]
    assert catalog.problem_count() == 1


def test_rows_are_not_tracked_by_the_garbage_collector() -> None:
    import gc

    catalog = _catalog(3)
    catalog.set_prediction(1, 2)
    gc.collect()
    # Full collections would otherwise walk 100,000 entries and stall the UI thread.
    assert not any(gc.is_tracked(row) for row in catalog._rows)
    assert catalog[1].n_pred == 2 and catalog[1].status is Status.UNREVIEWED


def test_status_from_the_review_store() -> None:
    assert Status.from_review("unreviewed", predicted=False) is Status.NOT_PREDICTED
    assert Status.from_review("unreviewed", predicted=True) is Status.UNREVIEWED
    assert Status.from_review("confirmed_empty", predicted=False) is Status.CONFIRMED_EMPTY
    assert Status.CONFIRMED_EMPTY.label == "confirmed empty"
    assert [s.reviewed for s in Status] == [False, False, False, True, True, True]


def test_the_content_checks_reason_wins_over_a_decode_failure_in_either_order() -> None:
    for first, second, definitive_second in (("decode", "content", True), ("content", "decode", False)):
        catalog = Catalog()
        catalog.extend(["/d/a.jpg"])
        reasons = {"decode": "not a readable image", "content": "not an image (text)"}
        catalog.set_problem(0, reasons[first], definitive=first == "content")
        catalog.set_problem(0, reasons[second], definitive=definitive_second)
        assert catalog[0].problem == "not an image (text)"
    catalog.set_problem(0, None)
    assert catalog[0].problem is None


# --- issue #11 -----------------------------------------------------------------------------------------
def test_a_sort_order_reorders_the_rows_and_new_rows_come_last() -> None:
    catalog = _catalog(5)
    view = CatalogView(catalog)
    view.set_order([3, 1, 4])
    assert [view.index_at(r) for r in range(len(view))] == [3, 1, 4, 0, 2]
    assert view.row_of(4) == 2 and view.row_of(0) == 3 and not view.is_identity
    assert view.neighbour(3, 1) == 1 and view.neighbour(2, -1) == 0
    catalog.extend(["/data/late.jpg"])
    assert view.index_at(len(view) - 1) == 5
    view.set_filter(Filter.UNREVIEWED)
    catalog.set_status(1, Status.ACCEPTED)  # leaves the filter...
    assert view.row_of(1) == -1
    catalog.set_status(1, Status.UNREVIEWED)  # ...and comes back at its place in the order
    assert view.row_of(1) == 1
    view.set_filter(Filter.ALL)
    view.set_order(None)
    assert view.is_identity and [view.index_at(r) for r in range(len(view))] == [0, 1, 2, 3, 4, 5]


def test_a_search_does_not_keep_the_pinned_image() -> None:
    catalog = _catalog(5)
    view = CatalogView(catalog)
    view.pin(0)
    view.set_filter(Filter.WITH_SHIPS)
    assert view.row_of(0) == 0  # a filter keeps the image on screen
    view.set_filter(Filter.ALL, "img3")
    assert view.row_of(0) == -1 and len(view) == 1


def test_rows_show_the_annotations_count_once_a_person_worked_on_the_image() -> None:
    catalog = _catalog(2)
    catalog.set_prediction(0, 2)
    assert catalog[0].n_ships == 2 and catalog[0].has_ships()
    catalog.set_review(0, Status.ACCEPTED, 0)
    assert catalog[0].n_ships == 0 and catalog[0].n_pred == 2 and not catalog[0].has_ships()
