"""Continue a wasmgrad training run in PyTorch, or a PyTorch run in wasmgrad: optimizer and lr-scheduler
state in safetensors files, one line each way.

    from wasmgrad_torch import save_optimizer, load_optimizer, save_scheduler, load_scheduler
    save_optimizer(opt, "opt.safetensors"); save_scheduler(sched, "sched.safetensors")   # for wasmgrad
    load_optimizer(opt, "opt.safetensors"); load_scheduler(sched, "sched.safetensors")   # from wasmgrad

In TypeScript: `optimizer.loadStateDict(optimizerStateFromSafetensors(bytes))`,
`scheduler.loadStateDict(schedulerStateFromSafetensors(bytes))`, and for PyTorch
`optimizerStateToSafetensors(optimizer.stateDict({ format: 'pytorch' }))`,
`schedulerStateToSafetensors(scheduler.stateDict({ format: 'pytorch' }))`.

Files written here use PyTorch's layout: tensors `state.<param index>.<key>` (Adam's `step` a 0-d float32
tensor), `__metadata__` with `format: "pytorch"`, `param_groups` (JSON, PyTorch's keys) and `state_scalars`
(JSON, numbers in the state such as RMSprop's int `step` in PyTorch 1.13); schedulers as JSON under
`lr_scheduler`. The loaders also read wasmgrad's own layout (`optim.<index>.<key>`, camelCase keys).

As in PyTorch, to resume: build the model, the optimizer and the scheduler, then load the optimizer's state,
then the scheduler's. Unknown group or scheduler keys raise ValueError rather than being carried along.

Needs only the standard library and torch: the safetensors format (8-byte little-endian header length, JSON
header, raw little-endian data) is read and written here, so the `safetensors` package is not required.
"""
import json
import math
import re
import struct
from collections import Counter

import torch

__all__ = ["save_optimizer", "load_optimizer", "save_scheduler", "load_scheduler",
           "read_safetensors", "write_safetensors"]

# ---------------------------------------------------------------- the safetensors format

_DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
    "BOOL": torch.bool,
}
_NAMES = {v: k for k, v in _DTYPES.items()}


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor} and a {str: str} metadata map as a safetensors file (tensors sorted by name)."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    chunks, offset = [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        if t.dtype not in _NAMES:
            raise TypeError("write_safetensors: %s has dtype %s, which safetensors cannot hold" % (name, t.dtype))
        data = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() > 0 else b""
        header[name] = {"dtype": _NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":"), allow_nan=False).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for c in chunks:
            f.write(c)


def read_safetensors(path):
    """Reads a safetensors file: ({name: tensor}, {str: str} metadata)."""
    with open(path, "rb") as f:
        buf = f.read()
    if len(buf) < 8:
        raise ValueError("read_safetensors: %s is too short" % path)
    (n,) = struct.unpack("<Q", buf[:8])
    if 8 + n > len(buf):
        raise ValueError("read_safetensors: %s: header length %d exceeds the file" % (path, n))
    header = json.loads(buf[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", None) or {}
    body = memoryview(buf)[8 + n:]
    tensors = {}
    for name, info in header.items():
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError("read_safetensors: %s has unsupported dtype %s" % (name, info["dtype"]))
        begin, end = info["data_offsets"]
        shape = info["shape"]
        count = math.prod(shape)
        if end - begin != count * torch.empty((), dtype=dtype).element_size():
            raise ValueError("read_safetensors: %s: data size does not match shape %s" % (name, shape))
        data = bytearray(body[begin:end])
        t = torch.frombuffer(data, dtype=dtype) if count > 0 else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(shape).clone()
    return tensors, meta

# ---------------------------------------------------------------- optimizers


def _snake(k):
    return re.sub(r"[A-Z]", lambda m: "_" + m.group(0).lower(), k)


def _jsonable(v):
    if isinstance(v, torch.Tensor):
        if v.numel() != 1:
            raise TypeError("cannot save a tensor hyperparameter with %d elements" % v.numel())
        return v.item()
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    raise TypeError("cannot save a value of type %s" % type(v).__name__)


# Keys a group may hold besides the optimizer's defaults: the schedulers' and PyTorch's implementation flags.
_EXTRA_GROUP_KEYS = {"params", "initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum",
                     "foreach", "capturable", "differentiable", "fused"}
# Options wasmgrad keeps that an older torch.optim class may lack (NAdam/RAdam in PyTorch 1.13): dropped when
# they have the value that means "off", an error otherwise.
_OPTIONAL_GROUP_KEYS = {"maximize": False, "decoupled_weight_decay": False}


def save_optimizer(opt, path, metadata=None):
    """Writes opt.state_dict() in PyTorch's layout (wasmgrad's optimizerStateFromSafetensors reads it)."""
    sd = opt.state_dict()
    tensors, scalars = {}, {}
    for i, st in sd["state"].items():
        for k, v in st.items():
            if isinstance(v, torch.Tensor):
                t = v.detach()
                if k == "step":
                    t = t.to(torch.float32).reshape(())
                tensors["state.%d.%s" % (i, k)] = t
            elif v is None:
                continue  # SGD's momentum_buffer without momentum
            elif isinstance(v, (int, float)):
                scalars.setdefault(str(i), {})[k] = v
            else:
                raise TypeError("save_optimizer: state %r of parameter %d has type %s" % (k, i, type(v).__name__))
    groups = [{k: _jsonable(v) for k, v in g.items()} for g in sd["param_groups"]]
    meta = dict(metadata or {})
    meta.update({"format": "pytorch", "param_groups": json.dumps(groups), "state_scalars": json.dumps(scalars),
                 "optimizer": type(opt).__name__, "torch_version": torch.__version__})
    write_safetensors(path, tensors, meta)


def load_optimizer(opt, path):
    """Loads a file written by save_optimizer or by wasmgrad (either layout) into opt (same group sizes)."""
    tensors, meta = read_safetensors(path)
    if "param_groups" in meta:
        groups, scalars, prefix, camel = json.loads(meta["param_groups"]), json.loads(meta.get("state_scalars", "{}")), "state.", False
    elif "optim.param_groups" in meta:
        groups, scalars, prefix, camel = (json.loads(meta["optim.param_groups"]), json.loads(meta["optim.state_scalars"]),
                                          "optim.", True)
    else:
        raise ValueError("load_optimizer: %s has no optimizer state (param_groups or optim.param_groups metadata)" % path)
    name = type(opt).__name__
    known = set(opt.defaults) | _EXTRA_GROUP_KEYS
    out_groups = []
    for gi, g in enumerate(groups):
        ng = {}
        for k, v in g.items():
            key = _snake(k) if camel else k
            if key == "decoupled_weight_decay" and key not in opt.defaults and name in ("Adam", "AdamW"):
                want = name == "AdamW"
                if bool(v) != want:
                    raise ValueError("load_optimizer: param group %d has decoupledWeightDecay=%s, which torch.optim.%s "
                                     "does not do" % (gi, v, name))
                continue
            if key in _OPTIONAL_GROUP_KEYS and key not in opt.defaults:
                if v != _OPTIONAL_GROUP_KEYS[key]:
                    raise ValueError("load_optimizer: param group %d has %s=%s, which this torch.optim.%s does not do"
                                     % (gi, key, v, name))
                continue
            if key not in known:
                raise ValueError("load_optimizer: unknown key %r in param group %d for torch.optim.%s (known: %s)"
                                 % (k, gi, name, ", ".join(sorted(known))))
            ng[key] = tuple(v) if key == "betas" else v
        out_groups.append(ng)
    state = {}
    for i, st in scalars.items():
        state.setdefault(int(i), {}).update(st)
    for tname, t in tensors.items():
        m = re.match(r"^" + re.escape(prefix) + r"(\d+)\.(.+)$", tname)
        if m is None:
            raise ValueError("load_optimizer: unexpected tensor %r in %s" % (tname, path))
        state.setdefault(int(m.group(1)), {})[m.group(2)] = t
    for st in state.values():
        if "step" in st and not isinstance(st["step"], torch.Tensor):
            st["step"] = torch.tensor(float(st["step"]))  # what Adam's __setstate__ would do; RMSprop takes both
    opt.load_state_dict({"state": state, "param_groups": out_groups})

# ---------------------------------------------------------------- lr schedulers

# wasmgrad's field names that are not the camelCase of PyTorch's.
_SCHED_FIELDS = {"stepCount": "_step_count", "lastLr": "_last_lr", "tMax": "T_max", "phases": "_schedule_phases",
                 "annealStrategy": "_anneal_func_type", "t0": "T_0", "tI": "T_i", "tMult": "T_mult", "tCur": "T_cur"}


def save_scheduler(sched, path, metadata=None):
    """Writes sched.state_dict() as JSON (PyTorch's keys; wasmgrad's schedulerStateFromSafetensors reads it)."""
    sd = {}
    for k, v in sched.state_dict().items():
        if k == "anneal_func":  # PyTorch 1.13's OneCycleLR keeps a bound method; 2.x keeps _anneal_func_type
            sd["_anneal_func_type"] = "cos" if v.__name__ == "_annealing_cos" else "linear"
        elif isinstance(v, Counter):
            sd[k] = {str(m): c for m, c in v.items()}
        elif callable(v):
            raise TypeError("save_scheduler: %s.%s is a function, which cannot be saved" % (type(sched).__name__, k))
        else:
            sd[k] = _jsonable(v)
    meta = dict(metadata or {})
    meta.update({"format": "pytorch", "lr_scheduler": json.dumps(sd, allow_nan=False),
                 "scheduler": type(sched).__name__, "torch_version": torch.__version__})
    write_safetensors(path, {}, meta)


def _from_wasmgrad_scheduler(sd):
    out = {}
    nested = "schedulers" in sd  # SequentialLR, ChainedScheduler: their schedulers' states, _milestones a list
    for k, v in sd.items():
        if nested and k in ("schedulers", "milestones"):
            out["_" + k] = v
            continue
        key = _SCHED_FIELDS.get(k, _snake(k))
        if key == "_schedule_phases":
            v = [{_snake(pk): (_snake(pv) if isinstance(pv, str) else pv) for pk, pv in ph.items()} for ph in v]
        if key == "milestones" and isinstance(v, list):
            v = dict(Counter(v))
        out[key] = v
    return out


def _to_torch_scheduler_state(sched, sd):
    """sd (either format) as sched.load_state_dict takes it, every key checked; nested schedulers too."""
    if "last_epoch" not in sd and "_schedulers" not in sd:
        sd = _from_wasmgrad_scheduler(sd)
    mine = sched.state_dict()
    known = set(mine) | {"_get_lr_called_within_step", "verbose", "_step_count", "_last_lr", "use_beta1"}
    if "anneal_func" in mine:
        known.add("_anneal_func_type")
    for k in sd:
        if k not in known:
            raise ValueError("load_scheduler: unknown key %r for %s (known: %s)" % (k, type(sched).__name__, ", ".join(sorted(known))))
    if "_scale_fn_custom" in sd and sd["_scale_fn_custom"] is None:
        del sd["_scale_fn_custom"]  # functions are not saved; keep the scheduler's own (PyTorch 1.13 would drop it)
    if isinstance(sd.get("milestones"), dict):
        sd["milestones"] = Counter({int(m): c for m, c in sd["milestones"].items()})
    if "_anneal_func_type" in sd and "anneal_func" in mine:
        sd["anneal_func"] = sched._annealing_cos if sd.pop("_anneal_func_type") == "cos" else sched._annealing_linear
    if "_schedulers" in sd:
        if len(sd["_schedulers"]) != len(sched._schedulers):
            raise ValueError("load_scheduler: %d saved schedulers for %s of %d" % (len(sd["_schedulers"]), type(sched).__name__,
                                                                                len(sched._schedulers)))
        sd["_schedulers"] = [_to_torch_scheduler_state(s, x) for s, x in zip(sched._schedulers, sd["_schedulers"])]
    return sd


def load_scheduler(sched, path):
    """Loads a file written by save_scheduler or by wasmgrad (either format) into sched."""
    _, meta = read_safetensors(path)
    if "lr_scheduler" not in meta:
        raise ValueError("load_scheduler: %s has no lr_scheduler metadata" % path)
    sched.load_state_dict(_to_torch_scheduler_state(sched, json.loads(meta["lr_scheduler"])))
