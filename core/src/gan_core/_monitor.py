"""The failure-mode monitor: detectors that turn the logged losses and probes into named events.

Each detector reads every log line (losses and ``probe/`` values, see :mod:`gan_core._probes`) and
says whether its failure mode shows *now*; the monitor turns a run of such lines into one event when
it starts (written to ``log.jsonl`` as ``{"step", "event", "detail", "advice"}``, shown as one
``gan: warning:`` line) and lets it end when the detector has been quiet for a while, so a failure
that comes back is reported again. docs/theory/failure-modes.md gives each rule's theory, the seed
topic it comes from, and the runs that reproduce it.

The thresholds are deliberately far from what healthy runs show (docs/theory/failure-modes.md lists
the false alarms measured on every variant's default recipe): an event means "look", not "stop".
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import attrs

from gan_core._probes import PROBE_PREFIX

__all__ = ["Detector", "Event", "Monitor", "default_detectors", "scores_are_probabilities"]

_LOSSES = ("d_loss", "g_loss")


@attrs.frozen
class Event:
    """One failure mode, from the log step where its detector started firing."""

    step: int
    name: str
    detail: str
    advice: str

    def record(self) -> dict[str, object]:
        return {"step": self.step, "event": self.name, "detail": self.detail, "advice": self.advice}

    def line(self) -> str:
        return f"step {self.step}: {self.name}: {self.detail}; try: {self.advice}"


def scores_are_probabilities(loss: object) -> bool:
    """Whether a loss reads the discriminator's scores as logits of probabilities (its
    ``probabilities`` class attribute; critics' losses do not), which decides how the probes show
    them and which detectors apply."""
    return bool(getattr(loss, "probabilities", False))


def _probe(values: Mapping[str, float], name: str) -> float | None:
    value = values.get(PROBE_PREFIX + name)
    return value if isinstance(value, int | float) and math.isfinite(value) else None


class Detector:
    """Reads one log line at a time; :meth:`check` returns the detail of a firing, else ``None``.

    ``patience``: how many consecutive firing lines make an event (one noisy line does not), at the
    default ``log_every`` of 10 steps; at a denser log the lines must span as many steps;
    ``topic``: the seed document's name for the failure; ``advice``: what to try.
    """

    name: ClassVar[str]
    topic: ClassVar[str]
    advice: ClassVar[str]
    patience: ClassVar[int] = 3

    def check(self, step: int, values: Mapping[str, float], probabilities: bool) -> str | None:
        raise NotImplementedError


class ExplodingLosses(Detector):
    """A loss grows past 1,000 times its typical size at the start of the run (the median of the
    absolute losses over the first five log lines, at least 1), or past 100,000 whatever it started
    at (a run that explodes from its first steps). NaN and infinity stop the run before this (the
    trainer's divergence guard, the same event name)."""

    name = "divergence"
    topic = "non-convergence: the updates overshoot and the game runs away"
    advice = "lower the learning rates (model.lr, model.d_lr), add train.r1, or use a bounded loss (hinge)"
    patience = 1
    FACTOR = 1000.0
    ABSOLUTE = 1e5

    def __init__(self) -> None:
        self._start: list[float] = []

    def check(self, step: int, values: Mapping[str, float], probabilities: bool) -> str | None:
        losses = {k: abs(values[k]) for k in _LOSSES if isinstance(values.get(k), int | float)}
        if not losses:
            return None
        name, size = max(losses.items(), key=lambda item: item[1])
        if len(self._start) < 5:
            self._start.append(size)
        start = max(1.0, statistics.median(self._start))
        limit = self.ABSOLUTE if len(self._start) < 5 else min(self.FACTOR * start, self.ABSOLUTE)
        if size > limit:
            return f"|{name}| = {size:.3g} (about {start:.3g} at the start of the run)"
        return None


class VanishingGradient(Detector):
    """For probabilistic losses: the gradient reaching the generator's output falls below a fifth of
    its size early in the run (the median of the first three probes) while the discriminator calls the
    generated samples fake with probability over 0.9 (D(G(z)) < 0.1), three log lines in a row. The
    minimax loss log(1 - D(G(z))) saturates there: its gradient with respect to D's logit is D(G(z))
    itself, where the non-saturating -log D(G(z)) keeps 1 - D(G(z)), near 1. (Measured: with the
    discriminator given a head start on mnist-5k, the minimax generator's output gradient fell to about
    a tenth of its early size on two stretches; the non-saturating one's median was three times its
    early size.) Critics' scores have no such saturation, so this detector reads only probabilistic
    losses."""

    name = "vanishing_gradient"
    topic = "vanishing gradients: a winning discriminator leaves the minimax generator nothing to learn from"
    advice = (
        "use the non-saturating generator loss (--set loss=non-saturating), slow the discriminator "
        "(lower model.d_lr, train.d_steps 1), or add train.r1 / a Wasserstein loss"
    )
    FRACTION = 0.2
    CONFIDENT_FAKE = 0.1

    def __init__(self) -> None:
        self._start: list[float] = []

    def check(self, step: int, values: Mapping[str, float], probabilities: bool) -> str | None:
        grad = _probe(values, "g_out_grad")
        if grad is None or not probabilities:
            return None
        if len(self._start) < 3:
            self._start.append(grad)
            return None
        reference = statistics.median(self._start)
        d_fake = _probe(values, "d_fake")
        if d_fake is None or d_fake > self.CONFIDENT_FAKE:
            return None
        if reference > 0 and grad < self.FRACTION * reference:
            return (
                f"the generator's output gradient is {grad:.2e}, {grad / reference:.0%} of its early size, "
                f"with D(G(z)) = {d_fake:.3f}"
            )
        return None


class DiscriminatorOverpowering(Detector):
    """For probabilistic losses: the discriminator tells real from generated samples almost perfectly,
    D(x) over 0.95 and D(G(z)) under 0.05 on average, for five log lines in a row. Critics' raw scores
    have no such scale, so this detector reads only probabilities."""

    name = "discriminator_overpowering"
    topic = "the discriminator wins: disjoint supports, where the JSD is constant and gives no direction"
    advice = (
        "slow the discriminator (lower model.d_lr: TTUR; train.d_steps 1), add train.r1 or "
        "train.diffaugment, or more generator capacity"
    )
    patience = 5
    MARGIN = 0.05

    def check(self, step: int, values: Mapping[str, float], probabilities: bool) -> str | None:
        if not probabilities:
            return None
        d_real, d_fake = _probe(values, "d_real"), _probe(values, "d_fake")
        if d_real is None or d_fake is None:
            return None
        if d_real > 1 - self.MARGIN and d_fake < self.MARGIN:
            return f"D(x) = {d_real:.3f} on real samples and D(G(z)) = {d_fake:.3f} on generated ones"
        return None


class ModeCollapse(Detector):
    """The generated batch spreads less than a quarter as far as the real one (the diversity probe),
    or, where the data set knows its modes (the toy mixtures), reaches fewer than half as many of them
    as a batch of its size that drew every mode equally would (the mode probe: half of all 25 modes of
    grid25 for a batch of 256, a quarter of them for a batch of 16), for five log lines in a row, after
    a warm-up. A fresh generator starts collapsed and
    spreads as it learns, so each probe is read only once healthy runs have spread: the diversity
    ratio after the first 500 steps or the first tenth of the run, whichever is longer (vanilla on
    mnist-5k starts near 0.03 and passes 0.4 within 300 to 400 steps, then stays between 0.5 and 0.7);
    the mode share after the first third of the run (vanilla on grid25, 3,000 steps of 256 points,
    stays at 16-28% of the modes until step 720 and reaches all 25 by step 920). The mode share
    catches what the spread cannot: a generator that keeps a few modes far apart (measured: one at 3
    or 4 of ring8's 8 modes with a diversity ratio of 0.85)."""

    name = "mode_collapse"
    topic = "mode collapse: the generator maps many z to few outputs (the Helvetica scenario)"
    advice = (
        "a Wasserstein loss with a gradient penalty (gan train wgan), train.r1 and train.r2, "
        "train.diffaugment, minibatch discrimination, or a lower generator learning rate"
    )
    patience = 5
    RATIO = 0.25
    MODES = 0.5
    WARM_UP = 0.1
    MODES_WARM_UP = 1 / 3
    WARM_UP_STEPS = 500

    def __init__(self, total_steps: int) -> None:
        self.total_steps = total_steps

    def check(self, step: int, values: Mapping[str, float], probabilities: bool) -> str | None:
        ratio, modes = _probe(values, "diversity"), _probe(values, "modes")
        expected = _probe(values, "modes_expected") or 1.0
        if modes is not None and modes < self.MODES * expected and step >= self._after(self.MODES_WARM_UP):
            return (
                f"generated samples reach {modes:.0%} of the data set's modes "
                f"(a batch that drew every mode equally would reach {expected:.0%})"
            )
        if ratio is not None and ratio < self.RATIO and step >= self._after(self.WARM_UP):
            return f"generated samples spread {ratio:.2f} times as far as real ones"
        return None

    def _after(self, share: float) -> float:
        return max(share * self.total_steps, self.WARM_UP_STEPS)


class Oscillation(Detector):
    """The players cycle instead of settling: over the last 32 log lines, the discriminator's margin
    (mean output on real minus on generated samples) swings with a standard deviation of at least 0.1,
    and one frequency of at least three cycles per window (a period of 2 to 10 log lines) holds over
    60% of the swing's power, for four lines in a row. Noise around an equilibrium spreads its power
    over many frequencies, and a slow drift puts it in the lowest ones, which are not read; a cycle
    puts it in one. On 20,000 lines of simulated noise of standard deviation 0.3 (white, and
    autocorrelated with coefficients 0.5 to 0.95) the rule fired at most once."""

    name = "oscillation"
    topic = "non-convergence: simultaneous gradient steps circle the Nash equilibrium instead of reaching it"
    advice = (
        "a zero-centred gradient penalty (train.r1, train.r2), lower learning rates, or alternating "
        "updates with more discriminator steps"
    )
    patience = 4
    WINDOW = 32
    AMPLITUDE = 0.1
    SHARE = 0.6

    def __init__(self) -> None:
        self._margins: deque[float] = deque(maxlen=self.WINDOW)

    def check(self, step: int, values: Mapping[str, float], probabilities: bool) -> str | None:
        d_real, d_fake = _probe(values, "d_real"), _probe(values, "d_fake")
        if d_real is None or d_fake is None:
            return None
        self._margins.append(d_real - d_fake)
        if len(self._margins) < self.WINDOW:
            return None
        series = list(self._margins)
        spread = statistics.pstdev(series)
        if spread < self.AMPLITUDE:
            return None
        period, share = _dominant_period(series)
        if share > self.SHARE:
            return f"D's margin swings by {spread:.2f} (std) with a period of about {period:.0f} log lines"
        return None


def _dominant_period(series: Sequence[float]) -> tuple[float, float]:
    """The period (in samples) of the strongest frequency of ``series`` of at least three cycles per
    window, and the share of the variance it holds (a plain discrete Fourier transform of 32 points)."""
    n = len(series)
    mean = statistics.fmean(series)
    centred = [x - mean for x in series]
    powers = {}
    for k in range(1, n // 2 + 1):
        re = sum(x * math.cos(2 * math.pi * k * t / n) for t, x in enumerate(centred))
        im = sum(x * math.sin(2 * math.pi * k * t / n) for t, x in enumerate(centred))
        powers[k] = re * re + im * im
    total = sum(powers.values())
    if total == 0:
        return float(n), 0.0
    best = max(range(3, n // 2 + 1), key=lambda k: powers[k])
    return n / best, powers[best] / total


def default_detectors(total_steps: int) -> list[Detector]:
    """Every detector, fresh for a run of ``total_steps`` steps."""
    return [
        ExplodingLosses(),
        VanishingGradient(),
        DiscriminatorOverpowering(),
        ModeCollapse(total_steps),
        Oscillation(),
    ]


_PATIENCE_STEPS = 10  # a detector's patience in lines is meant at this log_every (the default)


def _patience(lines: int, log_every: int) -> int:
    """A patience of several lines spans as many steps at a denser log; one line stays one line (a
    loss that explodes is reported at once, whatever the log's cadence)."""
    if lines <= 1:
        return lines
    return max(lines, math.ceil(lines * _PATIENCE_STEPS / max(log_every, 1)))


class Monitor:
    """Feeds each log line to every detector; an event starts when a detector has fired on
    ``patience`` lines in a row, and ends after as many quiet lines (then a new firing is a new event).

    Patience is kept in steps as well as lines: with ``log_every`` under 10 a detector of several lines'
    patience must fire on lines that span ``10 * patience`` steps (a run logged at every step would otherwise report a
    discriminator's lead of five steps: measured on dcgan's default recipe at steps 102 and 151)."""

    def __init__(self, detectors: Sequence[Detector], probabilities: bool, log_every: int = _PATIENCE_STEPS) -> None:
        self.detectors = list(detectors)
        self.probabilities = probabilities
        self._patience = {d.name: _patience(d.patience, log_every) for d in self.detectors}
        self.events: list[Event] = []
        self._streak = {d.name: 0 for d in self.detectors}
        self._quiet = {d.name: 0 for d in self.detectors}
        self._active: set[str] = set()

    def replay(self, records: Sequence[Mapping[str, Any]], until: int | None = None) -> list[Event]:
        """Observe a log's lines (events and other records skipped), up to step ``until``; the events
        that start, in order."""
        started = []
        for record in records:
            step = record.get("step")
            if "event" in record or not isinstance(step, int) or (until is not None and step > until):
                continue
            started += self.observe(step, record)
        return started

    def observe(self, step: int, values: Mapping[str, float]) -> list[Event]:
        """The events that start at this log line."""
        started = []
        for detector in self.detectors:
            detail = detector.check(step, values, self.probabilities)
            name = detector.name
            if detail is None:
                self._streak[name] = 0
                self._quiet[name] += 1
                if name in self._active and self._quiet[name] >= self._patience[name]:
                    self._active.discard(name)
                continue
            self._quiet[name] = 0
            self._streak[name] += 1
            if name not in self._active and self._streak[name] >= self._patience[name]:
                self._active.add(name)
                event = Event(step, name, detail, detector.advice)
                self.events.append(event)
                started.append(event)
        return started
