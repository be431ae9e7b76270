"""The explorer's figure, redrawn fast: :class:`LiveCompare` keeps one :func:`compare` figure
alive across redraws (its axes, ticks and layout are reused) and renders it to PNG.

Most of the time of a redraw is text: Matplotlib (3.10 and later) lays out and renders each
glyph in Python. The canvas here renders each distinct text (string, font, colour, angle) once
and pastes its pixels afterwards; tick labels, titles and legend entries recur from one redraw
to the next. Most of the rest is the axes (ticks, tick labels, legends): :class:`LiveCompare`
keeps the pixels of each row's frame and draws only what changed over them.
"""

from __future__ import annotations

import math
import struct
import zlib

import numpy as np
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.transforms import ScaledTranslation

from .common import artist_style
from .composite import compare

_MAX_TEXTS = 4000  # cached text images per canvas; the cache starts over beyond


class _Renderer(RendererAgg):
    """Agg, drawing each distinct text once: later draws paste its pixels (at whole pixels
    from the first: at most half a pixel from where Agg would draw it)."""

    def __init__(self, width, height, dpi):
        super().__init__(width, height, dpi)
        self._texts: dict = {}
        self._widths: dict = {}

    def text_width(self, s: str, prop) -> float:
        """Width of a one-line text in pixels, cached."""
        key = (s, hash(prop))
        if key not in self._widths:
            self._widths[key] = self.get_text_width_height_descent(s, prop, False)[0]
        return self._widths[key]

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        key = (s, hash(prop), angle, ismath, gc.get_rgb(), gc.get_alpha(),
               gc.get_antialiased())
        if key not in self._texts:
            if len(self._texts) >= _MAX_TEXTS:
                self._texts.clear()
            self._texts[key] = self._render(gc, x % 1, y % 1, s, prop, angle, ismath, mtext)
        im, fx, fy, dx, dy = self._texts[key]
        if im is not None:  # y is measured downwards; draw_image's from the bottom
            self.draw_image(gc, round(x - fx) + dx, self.height - round(y - fy) - dy, im)

    def _render(self, gc, fx, fy, s, prop, angle, ismath, mtext):
        """(RGBA pixels bottom row first, the anchor's fractions of a pixel it was drawn
        at, and the pixels' offset from the anchor) of a text drawn alone (None: no pixels)."""
        w, h, _ = self.get_text_width_height_descent(s, prop, ismath)
        c = int(math.hypot(w, h)) + 4  # the anchor, at the centre of a square it fits in
        scratch = RendererAgg(2 * c, 2 * c, self.dpi)
        gc1 = scratch.new_gc()
        gc1.copy_properties(gc)
        gc1.set_clip_rectangle(None)
        gc1.set_clip_path(None)
        RendererAgg.draw_text(scratch, gc1, c + fx, c + fy, s, prop, angle, ismath, mtext)
        gc1.restore()
        px = np.asarray(scratch.buffer_rgba())
        rows, cols = np.flatnonzero(px[..., 3].any(1)), np.flatnonzero(px[..., 3].any(0))
        if not len(rows):
            return None, 0, 0, 0, 0
        r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        return np.ascontiguousarray(px[r0:r1, c0:c1][::-1]), fx, fy, c0 - c, r1 - c


class _Canvas(FigureCanvasAgg):
    """An Agg canvas whose renderer caches texts (:class:`_Renderer`)."""

    def get_renderer(self):
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer, self._lastKey = _Renderer(w, h, self.figure.dpi), key
        return self.renderer


class LiveCompare:
    """:func:`compare` of two results redrawn into one figure (``fig``), as PNG bytes fast:
    ``update(a, b, labels)`` redraws and returns the PNG. The figure is :func:`compare`'s with
    fixed margins (``layout=None``) at ``dpi``, and holds nothing else.

    Each row of the figure is a band of pixels, whose frame (all but the data) is kept from
    one redraw to the next in layers: titles and legend, then the x axes, then the y axes.
    When the y limits changed (the usual case: the x axis is the horizon) only the y axes are
    drawn anew, over the kept layers below; when the x limits changed too (the latency
    distribution), the x and y axes. The data is drawn over the frames."""

    def __init__(self, dpi: float = 72):
        self.fig = Figure(dpi=dpi)
        _Canvas(self.fig)
        self._axes: tuple = ()  # the axes the bands are cut for
        self._edges: list[int] | None = None  # band edges, pixels from the bottom, top first
        self._frames: dict = {}  # band -> [(key, pixels) of each layer of its frame]

    def update(self, a, b, labels: tuple[str, str] = ("push", "pull"), **kwargs) -> bytes:
        """Redraw the comparison of ``a`` and ``b`` (``kwargs`` go to :func:`compare`) and
        return it as PNG."""
        compare(a, b, labels=labels, layout=None, fig=self.fig, **kwargs)
        with rc_context({"text.hinting": "none"}):
            if tuple(self.fig.axes) != self._axes:
                self._lay_out()  # draws the whole figure: the frames are cut next time
            else:
                self._draw()
        return self.png()

    def png(self) -> bytes:
        """The figure as last drawn, as PNG."""
        return png_bytes(np.asarray(self.fig.canvas.buffer_rgba()))

    # -- drawing ----------------------------------------------------------------------------
    def _lay_out(self) -> None:
        """New axes: draw them once as Matplotlib does, keep the x labels where it put them
        (tick labels are one line high whatever their numbers: placing the labels after every
        draw measures them all again), and cut the figure into bands."""
        self.fig.canvas.draw()
        renderer = self.fig.canvas.get_renderer()
        to_inches = self.fig.dpi_scale_trans
        for ax in self.fig.axes:
            dy = (ax.xaxis.label.get_position()[1] - ax.bbox.y0) / self.fig.dpi
            ax.xaxis.set_label_coords(0.5, 0, ax.transAxes + ScaledTranslation(0, dy, to_inches))
            if not ax.get_ylabel():  # the second column's: nothing to place
                ax.yaxis.set_label_coords(0, 0.5)
        self._axes = tuple(self.fig.axes)
        self._edges = _band_edges(self._rows(), renderer)
        self._frames.clear()

    def _rows(self) -> np.ndarray:
        return np.array(self.fig.axes).reshape(-1, 2)

    def _draw(self) -> None:
        """Draw the figure: each band's frame (kept, or drawn anew from the deepest layer
        that would look the same), then the data."""
        if self._edges is None:  # the rows overlap: no bands
            self.fig.canvas.draw()
            return
        renderer = self.fig.canvas.get_renderer()
        px = np.asarray(renderer.buffer_rgba())
        height, data = px.shape[0], []
        for i, row in enumerate(self._rows()):
            band = slice(height - self._edges[i], height - self._edges[i + 1])
            art = [_data_artists(ax) for ax in row]
            keys = self._layer_keys(i, row, art)
            kept = self._frames.setdefault(i, [])
            n = 0  # the layers kept as they are
            while n < len(kept) and kept[n][0] == keys[n]:
                n += 1
            px[band] = kept[n - 1][1] if n else _rgba8(self.fig.get_facecolor())
            for layer in range(n, len(keys)):
                if not self._draw_layer(layer, i, row, art, renderer):
                    self._edges = None  # a legend reaches out of its band
                    return self._draw()
                kept[layer:] = [(keys[layer], px[band].copy())]
            data += art
        for artists in data:
            for a in sorted(artists, key=lambda a: a.get_zorder()):
                a.draw(renderer)

    def _layer_keys(self, i: int, row, data) -> list[tuple]:
        """What each layer of the frame of band ``i`` shows: (1) positions, texts and legend
        entries, (2) the x axes too, (3) the y axes too. Data drawn under the grid (throttle
        areas) joins the first layer, which is then never kept."""
        base: list = [[t.get_text() for t in self.fig.texts] if i == 0 else None]
        for ax, artists in zip(row, data, strict=True):
            leg = ax.get_legend()
            base += [ax.bbox.bounds, ax.get_title()]
            if leg is not None:
                base += [[t.get_text() for t in leg.get_texts()],
                         [artist_style(h) for h in leg.legend_handles]]
            for a in [a for a in artists if a.get_zorder() < ax.xaxis.get_zorder()]:
                artists.remove(a)  # under the grid: drawn with the first layer
                base.append(object())
        x = [(ax.get_xlim(), ax.get_xscale(), ax.get_xlabel()) for ax in row]
        y = [(ax.get_ylim(), ax.get_yscale(), ax.get_ylabel()) for ax in row]
        return [(base,), (base, x), (base, x, y)]

    def _draw_layer(self, layer: int, i: int, row, data, renderer) -> bool:
        """Draw a layer of the frame of band ``i`` (see :meth:`_layer_keys`); whether it
        stayed in its band."""
        if layer == 2:
            for ax in row:
                if ax.get_ylabel():
                    _place_y_label(ax, renderer)
                ax.yaxis.draw(renderer)
        elif layer == 1:
            for ax in row:
                ax.xaxis.draw(renderer)
        else:
            if i == 0:  # the suptitle
                for text in self.fig.texts:
                    text.draw(renderer)
            for ax, artists in zip(row, data, strict=True):
                hidden = [*artists, ax.xaxis, ax.yaxis]
                for a in hidden:
                    a.set_animated(True)
                ax.draw(renderer)  # all that is not animated
                for a in hidden:
                    a.set_animated(False)
            boxes = [leg.get_window_extent(renderer) for ax in row if (leg := ax.get_legend())]
            return all(self._edges[i + 1] <= b.y0 and b.y1 <= self._edges[i] for b in boxes)
        return True


def _band_edges(rows, renderer) -> list[int] | None:
    """The pixel heights where the bands of the rows meet (the figure's top first), halfway
    between a row's x labels and the next row's titles; None if rows overlap."""
    spans = []  # (top, bottom) of what each row draws outside its axes
    for row in rows:
        boxes = [b for ax in row for b in (ax.title.get_window_extent(renderer),
                                           ax.xaxis.label.get_window_extent(renderer))]
        boxes += [leg.get_window_extent(renderer) for ax in row if (leg := ax.get_legend())]
        spans.append((max(b.y1 for b in boxes), min(b.y0 for b in boxes)))
    edges = [int(renderer.height)]
    for (_, low), (high, _) in zip(spans[:-1], spans[1:], strict=True):
        if high >= low - 1:
            return None
        edges.append(round((low + high) / 2))
    return [*edges, 0]


def _place_y_label(ax, renderer) -> None:
    """Put the y label of ``ax`` where Matplotlib would, left of the widest tick label, but
    from the labels' texts: Matplotlib measures all tick labels once more to place it."""
    axis, fig = ax.yaxis, ax.figure
    ticks = axis.get_major_ticks()
    lo, hi = sorted(axis.get_view_interval())
    locs = axis.get_majorticklocs()
    width = 0.0
    if ticks and ticks[0].label1.get_visible():
        prop, tol = ticks[0].label1.get_fontproperties(), (hi - lo) * 1e-10
        width = max((renderer.text_width(s, prop) for v, s in
                     zip(locs, axis.major.formatter.format_ticks(locs), strict=True)
                     if s and lo - tol <= v <= hi + tol), default=0.0)
    pad = (ticks[0].get_pad() + ticks[0].get_tick_padding() if ticks else 0) + axis.labelpad
    dx = -pad / 72 - width / fig.dpi
    axis.set_label_coords(0, 0.5, ax.transAxes + ScaledTranslation(dx, 0, fig.dpi_scale_trans))


def _data_artists(ax) -> list:
    """The artists of ``ax`` drawn over its frame: its data, and its spines (over the data,
    as Matplotlib draws them)."""
    return [*ax.collections, *ax.patches, *ax.lines, *ax.texts, *ax.images, *ax.artists,
            *ax.spines.values()]


def _rgba8(color) -> np.ndarray:
    return (np.array(to_rgba(color)) * 255).round().astype(np.uint8)


def png_bytes(rgba: np.ndarray) -> bytes:
    """RGBA pixels (rows top down) as PNG, fast: each row as its difference from the row
    above, deflated at zlib level 1 (a quarter of the time Pillow takes at compress_level 1;
    5 % larger)."""
    h, w, _ = rgba.shape
    rows = rgba.reshape(h, w * 4)
    data = np.empty((h, w * 4 + 1), np.uint8)
    data[:, 0] = 2  # PNG filter "Up"
    data[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=data[1:, 1:])

    def chunk(tag: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + tag + body
                + struct.pack(">I", zlib.crc32(tag + body)))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(data, 1)) + chunk(b"IEND", b""))
