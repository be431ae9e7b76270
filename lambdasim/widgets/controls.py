"""The explorer's controls, made from the knob table: one ipywidgets control per knob (a
checkbox beside it when the knob can be None), its tooltip the knob's AWS note, its CSS class
``lambdasim-<attribute>``; laid out in sections, the knobs of one pull kind in a box of their
own (shown only for that kind)."""

from __future__ import annotations

from .knobs import KNOBS, SECTIONS, Knob

try:
    import ipywidgets as W
except ImportError:  # pragma: no cover - depends on the environment
    raise ImportError("lambdasim.widgets needs ipywidgets (the notebooks extra): "
                      "pip install -e '.[notebooks]'") from None

LABEL_WIDTH = "140px"


def css(widget, attr: str):
    """``widget`` with the CSS class ``lambdasim-<attr>`` (underscores as dashes)."""
    widget.add_class(f"lambdasim-{attr.replace('_', '-')}")
    return widget


def control(knob: Knob, value):
    """The control of ``knob`` showing ``value``: sliders and dropdowns 380 px wide (sliders
    report only when released), text boxes 250 px; a knob that can be None shows it as 0
    (``none="zero"``) or, ``none="unchecked"``, as a disabled slider beside its checkbox
    (:func:`switch`)."""
    cls = getattr(W, knob.control)
    kw = {**knob.kw, "tooltip": knob.help}
    if knob.control == "Button":
        return css(cls(description=knob.label, **kw), knob.attr)
    if "Slider" in knob.control:
        kw["continuous_update"] = False
    if knob.none == "zero":
        value = value or 0
    if knob.none == "unchecked":
        kw.update(disabled=value is None, layout=W.Layout(width="210px"))
        value = knob.none_shows if value is None else value
    else:
        width = "250px" if "Text" in knob.control else "380px"
        kw.update(description=knob.label, style={"description_width": LABEL_WIDTH},
                  layout=W.Layout(width=width))
    if knob.control == "SelectionSlider":  # (label, value) pairs; a value not listed joins
        options = list(knob.choices())
        if value not in [v for _, v in options]:
            options = sorted([*options, (f"{value:g} s", value)], key=lambda o: o[1])
        kw["options"] = options
    elif knob.control == "Dropdown":
        kw["options"] = knob.choices()
    return css(cls(value=value, **kw), knob.attr)


def switch(knob: Knob, value):
    """The checkbox of a knob that can be None (``none="unchecked"``): checked when set."""
    return css(W.Checkbox(description=knob.label, tooltip=knob.help, value=value is not None,
                          indent=False, layout=W.Layout(width="146px")), f"{knob.attr}_on")


def lay_out(ui, extra: dict) -> tuple[W.VBox, dict]:
    """The controls column of ``ui`` (whose knob controls are its attributes), a VBox per
    section, and the box of each pull kind's knobs (``{"kinesis": VBox, "sqs": VBox}``).
    ``extra`` maps a knob attribute to widgets shown beside its control (the Run button's
    progress bar)."""
    kind_boxes: dict[str, W.VBox] = {}
    sections = []
    for title, attrs in SECTIONS:
        children: list = [W.HTML(f"<b>{title}</b>")]
        for knob in (k for k in KNOBS if k.attr in attrs):
            row = getattr(ui, knob.attr)
            if knob.none == "unchecked":
                row = W.HBox([getattr(ui, f"{knob.attr}_on"), row])
            elif knob.attr in extra:
                row = W.HBox([row, *extra[knob.attr]])
            kind = knob.pull_kind
            if kind is None:
                children.append(row)
            elif kind in kind_boxes:
                kind_boxes[kind].children += (row,)
            else:
                kind_boxes[kind] = W.VBox([row])
                children.append(kind_boxes[kind])
        sections.append(W.VBox(children))
    column = css(W.VBox(sections, layout=W.Layout(min_width="380px")), "controls")
    return column, kind_boxes
