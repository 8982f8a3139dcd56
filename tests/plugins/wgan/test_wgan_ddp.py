"""The gradient penalty under DistributedDataParallel: two processes (gloo on CPU) must take the step that
one process takes on both halves of the batch together.

The penalty differentiates the critic twice (``create_graph=True`` through the wrapped module), which
DDP's gradient reduction has to survive: each process computes the gradient of its own half, DDP
averages them, and since both the critic loss and the penalty are means over samples of equal halves,
the average is the full batch's gradient. A reduction that missed the penalty's path would leave the
processes with different weights, or with weights that no single-process step gives.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from gan_plugin_wgan import WassersteinLoss
from gan_plugin_wgan.models import MLPCritic

HALF, LR, WEIGHT = 8, 0.1, 10.0

_WORKER = textwrap.dedent(
    """
    import sys
    import torch
    from accelerate import Accelerator
    from gan_core import GradientPenalty
    from gan_plugin_wgan import WassersteinLoss
    from gan_plugin_wgan.models import MLPCritic

    out, half, lr, weight = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    accelerator = Accelerator(cpu=True)
    rank = accelerator.process_index
    torch.manual_seed(0)
    critic = MLPCritic((2,), (16, 16))
    data = torch.randn(2, 2 * half, 2, generator=torch.Generator().manual_seed(1))
    real, fake = data[0, rank * half : (rank + 1) * half], data[1, rank * half : (rank + 1) * half]
    wrapped, optimizer = accelerator.prepare(critic, torch.optim.SGD(critic.parameters(), lr=lr))
    loss, penalty = WassersteinLoss(), GradientPenalty(weight)
    torch.manual_seed(100 + rank)  # the penalty's interpolation weights: one draw per sample of this half
    total = loss.discriminator_loss(wrapped(real), wrapped(fake)) + penalty.penalty(wrapped, real, fake, None)
    optimizer.zero_grad()
    accelerator.backward(total)
    optimizer.step()
    torch.save({k: v.detach().clone() for k, v in accelerator.unwrap_model(wrapped).state_dict().items()},
               f"{out}/rank{rank}.pt")
    # leave together and close gloo's threads: a process that exits while its peer still holds the
    # process group can abort ("terminate called without an active exception")
    accelerator.wait_for_everyone()
    torch.distributed.destroy_process_group()
    """
)


def _reference() -> dict[str, torch.Tensor]:
    """One SGD step on the whole batch in one process, with the two processes' interpolation weights."""
    torch.manual_seed(0)
    critic = MLPCritic((2,), (16, 16))
    data = torch.randn(2, 2 * HALF, 2, generator=torch.Generator().manual_seed(1))
    eps = []
    for rank in (0, 1):
        torch.manual_seed(100 + rank)
        eps.append(torch.rand(HALF, 1))
    real, fake = data[0], data[1]
    x_hat = (torch.cat(eps) * real + (1 - torch.cat(eps)) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    penalty = WEIGHT * ((grad.norm(dim=1) - 1) ** 2).mean()
    total = WassersteinLoss().discriminator_loss(critic(real), critic(fake)) + penalty
    optimizer = torch.optim.SGD(critic.parameters(), lr=LR)
    optimizer.zero_grad()
    total.backward()
    optimizer.step()
    return critic.state_dict()


@pytest.mark.multiprocess
def test_penalty_step_under_ddp_equals_the_full_batch_step(tmp_path: Path) -> None:
    script = tmp_path / "worker.py"
    script.write_text(_WORKER)
    launcher = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", str(script)]
    done = subprocess.run(
        [*launcher, str(tmp_path), str(HALF), str(LR), str(WEIGHT)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    reference = _reference()
    torch.manual_seed(0)
    start = MLPCritic((2,), (16, 16)).state_dict()
    for name, value in reference.items():
        assert torch.equal(ranks[0][name], ranks[1][name]), name  # DDP kept the processes in step
        assert torch.allclose(ranks[0][name], value, atol=1e-6), name  # and took the full batch's step
    # the step moved the weights (the output bias has no gradient: E[f(x~)] - E[f(x)] cancels it)
    assert all(not torch.allclose(start[name], reference[name]) for name in start if name.endswith("weight"))
