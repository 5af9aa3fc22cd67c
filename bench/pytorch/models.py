#!/usr/bin/env python3
"""PyTorch's side of `npm run bench`'s model tables (bench/models.ts has wasmgrad's): the same models, data
shapes, losses and optimizers, timed as whole training steps (forward, backward, optimizer step) on 1 and
2 threads. Prints one JSON line: {"torch": version, "blas": name, "<model>": {"1": steps/s, "2": steps/s}, ...}.
Debian's python3-torch runs its matmuls on the system BLAS: with only the reference libblas3 installed they
are several times slower than with OpenBLAS (apt-get install libopenblas0-pthread), so the tables name it.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/pytorch/models.py [--quick] [--model gpt,resnet,lstm,cnn,mlp] [--threads 1]

Models (the issue's; wasmgrad's are built the same way, layer for layer):
  gpt     nanoGPT-style, 2 layers, 4 heads, n_embd 128, block 64, batch 16, vocab 65, AdamW
  resnet  CIFAR ResNet-20 (16-32-64 channels, 3 BasicBlocks per stage), batch 32, 32x32x3, SGD momentum
  lstm    char LSTM: embedding 65x128, nn.LSTM hidden 128, linear 128->65, seq 32, batch 16, Adam
  cnn     the MNIST CNN of `npm start`, batch 32, Adam
  mlp     784-256-256-10, batch 128, SGD
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

QUICK = "--quick" in sys.argv
SEL = sys.argv[sys.argv.index("--model") + 1].split(",") if "--model" in sys.argv else ["gpt", "resnet", "lstm", "cnn", "mlp"]
# the thread counts to measure; OpenBLAS sizes its own pool from OPENBLAS_NUM_THREADS at load (torch cannot
# set it when built against the generic BLAS interface), so bench/run.ts starts one process per count
THREADS = [int(t) for t in sys.argv[sys.argv.index("--threads") + 1].split(",")] if "--threads" in sys.argv else [1, 2]


class Attn(nn.Module):
    def __init__(self, c, h):
        super().__init__()
        self.c_attn, self.c_proj, self.h = nn.Linear(c, 3 * c), nn.Linear(c, c), h

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = (t.view(B, T, self.h, C // self.h).transpose(1, 2) for t in self.c_attn(x).split(C, 2))
        if hasattr(F, "scaled_dot_product_attention"):
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:  # PyTorch 1.13: written out, as nanoGPT does without flash attention
            att = (q @ k.transpose(-2, -1)) / math.sqrt(k.shape[-1])
            att = att.masked_fill(torch.ones(T, T, dtype=torch.bool).tril().logical_not(), float("-inf"))
            y = F.softmax(att, -1) @ v
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class Block(nn.Module):
    def __init__(self, c, h):
        super().__init__()
        self.ln_1, self.attn, self.ln_2 = nn.LayerNorm(c), Attn(c, h), nn.LayerNorm(c)
        self.mlp = nn.Sequential(nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab=65, block=64, layers=2, heads=4, c=128):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, c), nn.Embedding(block, c)
        self.h = nn.ModuleList([Block(c, heads) for _ in range(layers)])
        self.ln_f, self.lm_head = nn.LayerNorm(c), nn.Linear(c, vocab, bias=False)
        self.lm_head.weight = self.wte.weight

    def forward(self, idx, targets):
        x = self.wte(idx) + self.wpe.weight[: idx.shape[1]]
        for b in self.h:
            x = b(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)
        self.conv2, self.bn2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class ResNet(nn.Module):
    def __init__(self, n=3, classes=10):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16)
        layers, cin = [], 16
        for cout, stride in ((16, 1), (32, 2), (64, 2)):
            for i in range(n):
                layers.append(BasicBlock(cin, cout, stride if i == 0 else 1))
                cin = cout
        self.layers = nn.Sequential(*layers)
        self.linear = nn.Linear(64, classes)

    def forward(self, x, y):
        out = self.layers(F.relu(self.bn1(self.conv1(x))))
        out = F.avg_pool2d(out, out.shape[-1]).flatten(1)
        return F.cross_entropy(self.linear(out), y)


class CharLSTM(nn.Module):
    def __init__(self, vocab=65, hidden=128):
        super().__init__()
        self.emb, self.lstm, self.head = nn.Embedding(vocab, hidden), nn.LSTM(hidden, hidden, batch_first=True), nn.Linear(hidden, vocab)

    def forward(self, idx, targets):
        out, _ = self.lstm(self.emb(idx))
        logits = self.head(out)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


class Wrap(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x, y):
        return F.cross_entropy(self.net(x), y)


def cnn():
    return Wrap(nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.3), nn.Linear(32 * 7 * 7, 10)))


def mlp():
    return Wrap(nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)))


def setup(name):
    g = torch.Generator().manual_seed(0)
    if name == "gpt":
        m = GPT()
        data = (torch.randint(0, 65, (16, 64), generator=g), torch.randint(0, 65, (16, 64), generator=g))
        return m, torch.optim.AdamW(m.parameters(), lr=1e-3), data
    if name == "resnet":
        m = ResNet()
        data = (torch.randn(32, 3, 32, 32, generator=g), torch.randint(0, 10, (32,), generator=g))
        return m, torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9), data
    if name == "lstm":
        m = CharLSTM()
        data = (torch.randint(0, 65, (16, 32), generator=g), torch.randint(0, 65, (16, 32), generator=g))
        return m, torch.optim.Adam(m.parameters(), lr=2e-3), data
    if name == "cnn":
        m = cnn()
        data = (torch.rand(32, 1, 28, 28, generator=g), torch.randint(0, 10, (32,), generator=g))
        return m, torch.optim.Adam(m.parameters(), lr=2e-3), data
    m = mlp()
    data = (torch.rand(128, 1, 28, 28, generator=g), torch.randint(0, 10, (128,), generator=g))
    return m, torch.optim.SGD(m.parameters(), lr=0.01), data


def steps_per_second(name):
    m, opt, (x, y) = setup(name)
    m.train()

    def step():
        opt.zero_grad(set_to_none=True)
        m(x, y).backward()
        opt.step()

    t0 = time.perf_counter()
    while time.perf_counter() - t0 < (0.3 if QUICK else 2.0):  # warm-up
        step()
    rates = []
    for _ in range(3 if QUICK else 7):
        n, t0 = 0, time.perf_counter()
        while True:
            step()
            n += 1
            t = time.perf_counter()
            if t - t0 >= (0.05 if QUICK else 0.3):
                break
        rates.append(n / (t - t0))
    return sorted(rates)[len(rates) // 2]


def blas():
    """The BLAS PyTorch's matmuls run on: Debian's torch links the system libblas.so.3 (an alternative)."""
    for link in ("/etc/alternatives/libblas.so.3-x86_64-linux-gnu", "/etc/alternatives/libblas.so.3-aarch64-linux-gnu"):
        if os.path.exists(link):
            path = os.path.realpath(link)
            return "OpenBLAS" if "openblas" in path else "BLIS" if "blis" in path else "MKL" if "mkl" in path else "the reference BLAS"
    return "bundled BLAS"


out = {"torch": torch.__version__, "blas": blas()}
for name in SEL:
    out[name] = {}
    for threads in THREADS:
        torch.set_num_threads(threads)
        out[name][str(threads)] = steps_per_second(name)
print(json.dumps(out))
