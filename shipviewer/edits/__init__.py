"""Editing ship masks by hand and by click: pure numpy/OpenCV tools over a label image, with undo atoms.

A label image is an int32 (H, W) array, 0 for background and k for the pixels of ship k. Every tool
takes it and its parameters, changes only a box of it, and returns an :class:`~shipviewer.edits.undo.Atom`
(the tight changed box, the old and new values of the changed pixels) or None when nothing changed.
Ships never overlap: painting a ship takes no pixels of another unless ``overwrite=True``.

Ship identity: labels are ship numbers, saved as they are in the session store. A new ship (or a part
split off a ship: the largest part keeps the number) takes one above the largest number seen in the
document; a merge keeps the lowest number; deleting a ship leaves a gap. The export writes each image's
ships in increasing label order and the numbers never reach the CSV, so gaps are renumbered away there.

:class:`AnnotationDoc` wraps one image's label image with its history and change events; it is what
the viewer drives.
"""

from __future__ import annotations

from shipviewer.edits._core import EditError, label_box, label_boxes
from shipviewer.edits.accept import ship_near, take_ship
from shipviewer.edits.brush import (
    BRUSH_STEPS,
    brush_footprint,
    erase_segment,
    next_brush_size,
    paint_segment,
    stroke_label,
)
from shipviewer.edits.click_segment import Click, SegmentOptions, click_segment, fit_click, segment_clicks
from shipviewer.edits.document import AnnotationDoc, DocChange
from shipviewer.edits.encoding import encode_in_box
from shipviewer.edits.fill import bucket_fill, fill_holes, holes_of
from shipviewer.edits.morphology import grow, shrink
from shipviewer.edits.polygon import check_outline, polygon_add, polygon_cut, polygon_mask
from shipviewer.edits.render import palette, render_overlay
from shipviewer.edits.ships import (
    add_ships,
    clear,
    delete_ship,
    label_at,
    labels_from_rles,
    labels_from_ships,
    merge_ships,
    remove_small,
    set_ships,
)
from shipviewer.edits.snapping import EdgeSnapper, snap_outline, snap_path
from shipviewer.edits.split import ship_under_line, split_ship
from shipviewer.edits.undo import Atom, Box, History, UndoItem
from shipviewer.edits.watershed import find_seeds, watershed_split

__all__ = [
    "BRUSH_STEPS",
    "AnnotationDoc",
    "Atom",
    "Box",
    "Click",
    "DocChange",
    "EdgeSnapper",
    "EditError",
    "History",
    "SegmentOptions",
    "UndoItem",
    "add_ships",
    "brush_footprint",
    "bucket_fill",
    "check_outline",
    "clear",
    "click_segment",
    "delete_ship",
    "encode_in_box",
    "erase_segment",
    "fill_holes",
    "find_seeds",
    "fit_click",
    "grow",
    "holes_of",
    "label_at",
    "label_box",
    "label_boxes",
    "labels_from_rles",
    "labels_from_ships",
    "merge_ships",
    "next_brush_size",
    "paint_segment",
    "palette",
    "polygon_add",
    "polygon_cut",
    "polygon_mask",
    "remove_small",
    "render_overlay",
    "segment_clicks",
    "set_ships",
    "ship_near",
    "ship_under_line",
    "shrink",
    "snap_outline",
    "snap_path",
    "split_ship",
    "stroke_label",
    "take_ship",
    "watershed_split",
]
