#!/usr/bin/env python3
"""Continue a wasmgrad training run on PyTorch's distributed engine, then hand it back.

wasmgrad writes the model (`save(model.stateDict(), ...)`), the optimizer and the scheduler
(`optimizerStateToSafetensors(opt.stateDict({ format: 'pytorch' }))`, `schedulerStateToSafetensors(...)`);
this script, started by torchrun, rebuilds the same model in PyTorch, loads all three with
python/wasmgrad_torch.py, trains with DistributedDataParallel (gloo, CPU, loopback), and rank 0 writes the
three files back in the same formats, which wasmgrad loads to keep training:

    torchrun --nproc_per_node 2 --master_addr 127.0.0.1 --master_port 29511 examples/pytorch/ddp_continue.py \\
        --sizes 784,256,256,10 --data data.safetensors --model model.safetensors \\
        --optimizer optimizer.safetensors --scheduler scheduler.safetensors \\
        --optim adam --lr 0.002 --total-steps 100 --start-step 40 --steps 20 --batch-size 64 --out-dir back/

The model is the MLP of examples/mnist/models.ts ('mlp': Flatten, then Linear + ReLU pairs, PyTorch's
nn.Sequential keys 1.weight, 1.bias, 3.weight, ...). data.safetensors holds `x` (N, features) and `y` (N,)
int labels; step s trains on rows [s*B, (s+1)*B) mod N, and each of the W ranks takes its contiguous
share of those rows, so with the mean loss the averaged gradient equals the one-process gradient.

With Debian's PyTorch 1.13 on Python 3.11, start it with `python3 examples/pytorch/torchrun.py` (the same
launcher with one fix, see there) instead of `torchrun`; test/ddp-roundtrip.test.ts does.
"""
import argparse
import os
import sys

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from wasmgrad_torch import load_optimizer, load_scheduler, read_safetensors, save_optimizer, save_scheduler, write_safetensors  # noqa: E402


def mlp(sizes):
    layers = [nn.Flatten()]
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def make_optimizer(kind, params, lr):
    if kind == "adam":
        return torch.optim.Adam(params, lr=lr)
    if kind == "adamw":
        return torch.optim.AdamW(params, lr=lr)
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    raise ValueError(f"--optim must be adam, adamw or sgd, got {kind}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", required=True, help="layer sizes, e.g. 784,256,256,10")
    for k in ("data", "model", "optimizer", "scheduler", "out-dir"):
        ap.add_argument(f"--{k}", required=True)
    ap.add_argument("--optim", default="adam")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--total-steps", type=int, required=True, help="T_max of the cosine schedule")
    ap.add_argument("--start-step", type=int, required=True, help="steps already taken in wasmgrad")
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--batch-size", type=int, required=True)
    a = ap.parse_args()

    dist.init_process_group("gloo")  # torchrun sets RANK, WORLD_SIZE, MASTER_ADDR (loopback) and MASTER_PORT
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.set_num_threads(1)

    model = mlp([int(s) for s in a.sizes.split(",")])
    model.load_state_dict(read_safetensors(a.model)[0])  # strict: every key of wasmgrad's state dict
    ddp = DDP(model)
    opt = make_optimizer(a.optim, ddp.parameters(), a.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, a.total_steps)
    load_optimizer(opt, a.optimizer)  # first the optimizer, then the scheduler, as PyTorch resumes
    load_scheduler(sched, a.scheduler)

    data = read_safetensors(a.data)[0]
    x, y = data["x"], data["y"].long()
    n, b = x.shape[0], a.batch_size
    if b % world:
        raise ValueError(f"--batch-size {b} must be a multiple of the {world} processes")
    share = b // world
    for s in range(a.start_step, a.start_step + a.steps):
        rows = [(s * b + rank * share + i) % n for i in range(share)]
        loss = F.cross_entropy(ddp(x[rows]), y[rows])
        opt.zero_grad()
        loss.backward()  # DDP averages the gradients of the ranks
        opt.step()
        sched.step()
    if rank == 0:
        os.makedirs(a.out_dir, exist_ok=True)
        write_safetensors(os.path.join(a.out_dir, "model.safetensors"), model.state_dict())
        save_optimizer(opt, os.path.join(a.out_dir, "optimizer.safetensors"))
        save_scheduler(sched, os.path.join(a.out_dir, "scheduler.safetensors"))
        print(f"rank 0: {a.steps} steps on {world} processes, last loss {loss.item():.6f}, wrote {a.out_dir}")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
