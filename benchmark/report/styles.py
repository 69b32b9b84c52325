"""One look per model, the same in every figure of every run: colour, marker and line dash.

- Colour is the model's family (registry metadata): every LSTM variant is orange, every simple
  RNN variant blue, and so on, so a reader groups them at a glance. A variant with options is
  a lighter or darker shade of its family's colour.
- Marker is the registered key (``lstm`` a square, ``gru`` a triangle, ...; a from-scratch
  twin a thin diamond or sideways triangle beside its library model's).
- Dash: solid for a bare key, a pattern of its own for a variant with options, and (4, 2) for a
  from-scratch twin, which otherwise looks exactly like its library twin (it trains to the same
  numbers and is drawn on top).

Everything is a function of the model spec alone — fixed tables for the built-ins, a stable
hash (SHA-256, not Python's salted ``hash``) for plug-ins and options — so a model keeps its
look across runs. Within one figure, two models that would still share a colour and a dash
(two bare keys of one family, say the LRU and S4D, or two option sets hashed to one slot) are
told apart by moving the later one, in the run's model order, to the next dash no line of the
figure uses: a marker alone is too small to follow a line by.
"""

from __future__ import annotations

import colorsys
import dataclasses
import hashlib
import itertools

import seaborn as sns

from models import MODELS, model_traits
from models.options import parse_spec
from models.registry import FAMILY_COLOURS

_COLOURBLIND = sns.color_palette("colorblind", 10)
OTHER_MARKERS = ("p", "h", "*", "<", "8", "H")
TWIN_DASH = (4, 2)
OPTION_DASHES = ((1, 1), (6, 2, 1, 2), (8, 2), (3, 1, 1, 1), (2, 2), (6, 1, 1, 1, 1, 1),
                 (10, 3), (1, 2))
SHADES = (-0.12, 0.12, -0.22, 0.2)  # lightness shifts of a variant's colour
LIGHTEST = 0.7  # HLS lightness: a paler line or band is hard to see on white


@dataclasses.dataclass(frozen=True)
class Style:
    colour: tuple[float, float, float]
    marker: str
    dash: tuple[int, ...] | str  # "" is solid (seaborn's spelling)


def _digest(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)


def _with_lightness(colour, light: float) -> tuple:
    hue, _, sat = colorsys.rgb_to_hls(*colour)
    return tuple(round(c, 4) for c in colorsys.hls_to_rgb(hue, light, sat))


def _legible(colour) -> tuple:
    """The colour, darkened to LIGHTEST where it is paler (the palette's pink, 0.84)."""
    light = colorsys.rgb_to_hls(*colour)[1]
    return _with_lightness(colour, min(light, LIGHTEST))


def _shade(colour, shift: float) -> tuple:
    """A variant's shade: lighter or darker by ``shift``, turned the other way where lighter
    would pass LIGHTEST, so that no variant fades into the white page."""
    light = colorsys.rgb_to_hls(*colour)[1]
    shifted = light + shift if light + shift <= LIGHTEST else light - abs(shift)
    return _with_lightness(colour, max(shifted, 0.1))


def model_style(spec: str) -> Style:
    """The look of one model, from its spec alone."""
    key, options = parse_spec(spec, MODELS.keys())
    traits = model_traits(spec)
    if key not in MODELS:  # not registered here (a plug-in not loaded): the plug-in colour
        traits = {**traits, "family": "plugin", "colour": FAMILY_COLOURS["plugin"]}
    index = traits["colour"] if traits["colour"] is not None else \
        _digest(traits["family"]) % len(_COLOURBLIND)
    colour = _legible(_COLOURBLIND[index])
    marker = traits["marker"] or OTHER_MARKERS[_digest(key) % len(OTHER_MARKERS)]
    if options:
        text = ":".join(f"{k}={v}" for k, v in sorted(options.items()))
        slot = _digest(text)
        return Style(_shade(colour, SHADES[slot % len(SHADES)]), marker,
                     OPTION_DASHES[(slot // len(SHADES)) % len(OPTION_DASHES)])
    return Style(colour, marker, TWIN_DASH if traits["twin"] is not None else "")


def _spare_dash(used: set) -> tuple[int, ...]:
    """The first dash pattern no line of the figure uses: the option dashes, then longer
    generated ones."""
    generated = ((1 + n, 1 + n // 2) for n in itertools.count(len(OPTION_DASHES)))
    return next(dash for dash in itertools.chain(OPTION_DASHES, generated) if dash not in used)


def _names_its_family(spec: str) -> bool:
    """Whether a spec is its family's namesake (``lstm``, ``gru``, ``rnn``, bare): the line a
    reader knows the family's colour by, which keeps its own look in a clash."""
    key, options = parse_spec(spec, MODELS.keys())
    return not options and key in MODELS and model_traits(spec)["family"] == key


def styles_for(models: list[str]) -> dict[str, Style]:
    """Every model's look in one figure: ``model_style``, with any remaining clash (a colour
    and dash another model already has) resolved by giving the later model the next dash no
    line of the figure uses; a family's namesake (nn.LSTM beside the sLSTM) comes first,
    the others in the given order."""
    chosen: dict[str, Style] = {}
    for model in sorted(models, key=lambda spec: not _names_its_family(spec)):  # stable
        style = model_style(model)
        taken = {(other.colour, other.dash) for other in chosen.values()}
        if (style.colour, style.dash) in taken:
            style = dataclasses.replace(
                style, dash=_spare_dash({other.dash for other in chosen.values()}))
        chosen[model] = style
    return {model: chosen[model] for model in models}
