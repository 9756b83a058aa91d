"""PyTorch reference for `npm run bench`: the same model, batch and loss as the tfjs step.

Usage: python3 scripts/torch_ref.py SPEC.json DATA.bin [--device cpu|cuda] [--threads N]
                                    [--warmup N] [--steps N]

On cuda each step is timed to torch.cuda.synchronize(), in float32 (TF32 off, as tfjs computes)
with cudnn.benchmark on (fixed shapes), and torch.cuda.max_memory_allocated is reported.

SPEC.json (written by scripts/bench.ts) lists the tfjs LayersModel's layers in graph order
(class name, Keras config, inbound layer names, weights as offsets into DATA.bin), the batch
(x [B, S, S, 3] NHWC, y [B], masks [B, h, w], maskWeight [B]) and the training options. The
step mirrors src/core/trainer.ts with one-pass differentiable GradCAM (alpha detached):

    A, q  = forward(x)                                  (A: target layer, NCHW here)
    alpha = mean_ij dq/dA    (autograd.grad of sum(q), not part of the graph)
    cam   = relu(sum_k alpha_k A_k);  norm = min-max normalised cam per image
    L     = mean((q - y)^2) + lambda * sum_b w_b mean_ij (norm - M)^2 / max(sum_b w_b, 1)

then Adam. Layers run in inference mode (BatchNormalization uses its moving statistics,
Dropout is off), as src/core/graph.ts runs them. Prints one JSON object.
"""

import argparse
import json
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

EPS = 1e-7


def same_pad(size, k, s, d):
    """TF 'same' padding (before, after) for one spatial dimension."""
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


def activation(name, x):
    if name in (None, "linear"):
        return x
    if name == "relu":
        return F.relu(x)
    if name == "relu6":
        return F.relu6(x)
    if name == "sigmoid":
        return torch.sigmoid(x)
    if name == "tanh":
        return torch.tanh(x)
    if name == "elu":
        return F.elu(x)
    if name == "softplus":
        return F.softplus(x)
    raise ValueError(f"unsupported activation {name}")


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


class Net:
    """Executes the exported layer list; activations are NCHW."""

    def __init__(self, spec, data, device):
        self.layers = spec["layers"]
        self.target = spec["targetLayer"]
        self.output = spec["outputLayer"]
        self.weights = {}
        self.params = []
        for layer in self.layers:
            for w in layer["weights"]:
                arr = data[w["offset"] : w["offset"] + int(np.prod(w["shape"]))].reshape(w["shape"])
                t = self.to_torch(layer["className"], w["role"], torch.from_numpy(arr.copy())).to(device)
                if w["trainable"]:
                    t.requires_grad_(True)
                    self.params.append(t)
                self.weights[(layer["name"], w["role"])] = t

    @staticmethod
    def to_torch(cls, role, t):
        if cls == "Conv2D" and role == "kernel":  # [kh, kw, ci, co] -> [co, ci, kh, kw]
            return t.permute(3, 2, 0, 1).contiguous()
        if cls == "DepthwiseConv2D" and role == "depthwise_kernel":  # [kh, kw, c, m] -> [c*m, 1, kh, kw]
            kh, kw, c, m = t.shape
            return t.permute(2, 3, 0, 1).reshape(c * m, 1, kh, kw).contiguous()
        if cls == "Dense" and role == "kernel":  # [in, out] -> [out, in]
            return t.t().contiguous()
        return t

    def w(self, layer, role):
        return self.weights.get((layer["name"], role))

    def conv(self, layer, x, groups):
        c = layer["config"]
        k = pair(c["kernelSize"])
        s = pair(c["strides"])
        d = pair(c.get("dilationRate", 1))
        if c["padding"] == "same":
            ph = same_pad(x.shape[2], k[0], s[0], d[0])
            pw = same_pad(x.shape[3], k[1], s[1], d[1])
            x = F.pad(x, (pw[0], pw[1], ph[0], ph[1]))
        role = "kernel" if groups == 1 else "depthwise_kernel"
        y = F.conv2d(x, self.w(layer, role), self.w(layer, "bias"), stride=s, dilation=d, groups=groups)
        return activation(c.get("activation"), y)

    def apply(self, layer, xs):
        cls = layer["className"]
        c = layer["config"]
        x = xs[0]
        if cls == "Conv2D":
            return self.conv(layer, x, 1)
        if cls == "DepthwiseConv2D":
            return self.conv(layer, x, x.shape[1])
        if cls == "BatchNormalization":
            return F.batch_norm(
                x,
                self.w(layer, "moving_mean"),
                self.w(layer, "moving_variance"),
                self.w(layer, "gamma"),
                self.w(layer, "beta"),
                training=False,
                eps=c["epsilon"],
            )
        if cls == "ReLU":
            y = F.relu(x)
            return y if c.get("maxValue") is None else torch.clamp(y, max=c["maxValue"])
        if cls == "Activation":
            return activation(c["activation"], x)
        if cls == "Add":
            return sum(xs[1:], xs[0])
        if cls == "ZeroPadding2D":
            (t, b), (lft, r) = c["padding"]
            return F.pad(x, (lft, r, t, b))
        if cls == "GlobalAveragePooling2D":
            return x.mean(dim=(2, 3))
        if cls == "Dense":
            return activation(c.get("activation"), F.linear(x, self.w(layer, "kernel"), self.w(layer, "bias")))
        if cls in ("Dropout", "SpatialDropout2D"):
            return x
        if cls == "Flatten":
            return x.permute(0, 2, 3, 1).reshape(x.shape[0], -1) if x.dim() == 4 else x
        raise ValueError(f"unsupported layer {cls}")

    def forward(self, x):
        values = {}
        for layer in self.layers:
            if layer["className"] == "InputLayer":
                values[layer["name"]] = x
                continue
            values[layer["name"]] = self.apply(layer, [values[n] for n in layer["inbound"]])
        return values[self.target], values[self.output].reshape(-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("spec")
    ap.add_argument("data")
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch's default)")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    cuda = a.device == "cuda"
    if cuda:
        if not torch.cuda.is_available():
            raise RuntimeError("--device cuda: torch sees no CUDA device")
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cudnn.benchmark = True
    spec = json.load(open(a.spec))
    data = np.fromfile(a.data, dtype="<f4")
    net = Net(spec, data, device)

    def tensor(name):
        b = spec["batch"][name]
        arr = data[b["offset"] : b["offset"] + int(np.prod(b["shape"]))].reshape(b["shape"]).copy()
        return torch.from_numpy(arr).to(device)

    x = tensor("x").permute(0, 3, 1, 2).contiguous()
    y, masks, mw = tensor("y"), tensor("masks"), tensor("maskWeight")
    opts = spec["options"]
    opt = torch.optim.Adam(net.params, lr=opts["learningRate"], eps=EPS)

    def step():
        opt.zero_grad()
        A, q = net.forward(x)
        (g,) = torch.autograd.grad(q.sum(), A, retain_graph=True)
        alpha = g.mean(dim=(2, 3), keepdim=True)
        cam = F.relu((alpha * A).sum(1))
        mn = cam.amin(dim=(1, 2), keepdim=True)
        mx = cam.amax(dim=(1, 2), keepdim=True)
        norm = (cam - mn) / (mx - mn + EPS)
        per = ((norm - masks) ** 2).mean(dim=(1, 2))
        cam_loss = (per * mw).sum() / torch.clamp(mw.sum(), min=1)
        task = ((q - y) ** 2).mean()
        total = task + opts["lambda"] * cam_loss
        total.backward()
        opt.step()
        return total, task, cam_loss

    def timed():
        t0 = time.perf_counter()
        losses = step()
        if cuda:
            torch.cuda.synchronize()
        return (time.perf_counter() - t0) * 1000, losses

    if cuda:
        torch.cuda.reset_peak_memory_stats()
    first_ms, first = timed()
    first_losses = [v.item() for v in first]
    for _ in range(a.warmup):
        timed()
    times = [timed()[0] for _ in range(a.steps)]
    out = {
        "torchVersion": torch.__version__,
        "device": torch.cuda.get_device_name(0) if cuda else "cpu",
        "threads": 0 if cuda else torch.get_num_threads(),
        "firstStepMs": first_ms,
        "medianMs": statistics.median(times),
        "stepsMs": times,
        "firstLosses": first_losses,
    }
    if cuda:
        out["maxMemoryAllocatedMiB"] = torch.cuda.max_memory_allocated() / 2**20
        out["cudnnBenchmark"] = True
        out["tf32"] = False
    print(json.dumps(out))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # reported as a skipped row, not a crash of the benchmark
        print(json.dumps({"error": f"{type(e).__name__}: {e}"}))
