#!/usr/bin/env python3
"""`torchrun`, usable with Debian's PyTorch 1.13 on Python 3.11: the same launcher
(torch.distributed.run.main), after one fix. PyTorch 1.13's Std.from_str compares the Std enum members
with an int, which Python 3.11 no longer treats as equal, so `torchrun` fails before starting any process
("'NoneType' object has no attribute 'get'"). Newer PyTorch releases do not need this; there, run
`torchrun` itself with the same arguments.

    python3 examples/pytorch/torchrun.py --nproc_per_node 2 --master_addr 127.0.0.1 --master_port 29511 SCRIPT ARGS...
"""
import re

from torch.distributed.elastic.multiprocessing import api


def _from_str(cls, vm):
    to_std = lambda v: cls(int(v))  # noqa: E731 (the member with that value)
    if re.fullmatch(r"[0-3]", vm):
        return to_std(vm)
    if re.fullmatch(r"(\d:[0-3],)*(\d:[0-3])", vm):
        return {int(i): to_std(v) for i, v in (m.split(":") for m in vm.split(","))}
    raise ValueError(f"{vm} does not match <[0-3]> or <i:[0-3],...>")


if api.Std.from_str("0") is None:  # the broken comparison: patch it
    api.Std.from_str = classmethod(_from_str)

if __name__ == "__main__":
    from torch.distributed.run import main

    main()
