#!/usr/bin/env python3
"""The torchvision side of bench/anchors/torchvision-parity.ts: one zoo model's weights, poured into
torchvision's own architecture, run on the same input.

    python3 torchvision_parity.py --versions            # JSON {torch, torchvision, numpy}; exit 2 without them
    python3 torchvision_parity.py --manifest DIR/manifest.json

The manifest (written by the Node script) names the model, a float32 little-endian weights file, an
index of the zoo model's float initializers ({name, dims, offset in elements, layout, kind}), the
input file and its shape, and where to write the logits (float32) and a result JSON.

Every state_dict entry of `torchvision.models.<model>(weights=None)` must come from an initializer of
the same name and shape (num_batches_tracked excepted: eval mode never reads it). Two layout
conventions of the zoo's ONNX graphs are undone, and only these, because they are exact rewrites
rather than architecture choices:
  - layout "in_out": the initializer is the B input of a MatMul (x @ W), so nn.Linear's weight is
    its transpose (nn.Linear computes x @ W.T);
  - nn.MultiheadAttention's in_proj_weight / in_proj_bias are the row-wise concatenation of the
    zoo's separate q_proj, k_proj and v_proj (same parameters, three MatMuls instead of one).
A state_dict key with no initializer, a shape that differs, or a zoo parameter or buffer that no
state_dict key consumed is a failure (exit 1), listed by name in the result JSON: each means the
two models do not hold the same parameters, so their outputs could not be the same computation.

Exit codes: 0 compared (the Node side judges the numbers), 1 the weights do not map onto the
architecture, 2 usage error or torch / torchvision / numpy missing.
"""

import argparse
import json
import os
import sys


def fail_usage(message):
    sys.stderr.write(f"error: {message}\n")
    sys.exit(2)


def import_torch():
    """torch, torchvision and numpy, or exit 2 naming what is missing (never a traceback)."""
    try:
        import numpy
        import torch
        import torchvision
    except ImportError as e:
        fail_usage(
            f"PyTorch with torchvision is needed for the parity check ({e}); install torch, "
            "torchvision and numpy for this Python, or pass --python / set H100E_TORCH_PYTHON "
            "to one that has them"
        )
    return numpy, torch, torchvision


def versions():
    numpy, torch, torchvision = import_torch()
    print(json.dumps({"torch": torch.__version__, "torchvision": torchvision.__version__, "numpy": numpy.__version__}))


def build_model(torchvision, name):
    """torchvision.models.<name> with random weights, in eval mode (dropout and stochastic depth off)."""
    factory = getattr(torchvision.models, name, None)
    if factory is None or not callable(factory):
        fail_usage(f"torchvision {torchvision.__version__} has no model {name}")
    try:
        model = factory(weights=None)
    except TypeError:
        # torchvision < 0.13 spells "no download" as pretrained=False.
        model = factory(pretrained=False)
    return model.eval()


FUSED_QKV = {"in_proj_weight": "weight", "in_proj_bias": "bias"}


def load_state_dict(numpy, torch, model, manifest, base):
    """The model's state_dict filled from the zoo's initializers; the problems found, by name."""
    flat = numpy.fromfile(os.path.join(base, manifest["weights"]), dtype="<f4")
    index = {t["name"]: t for t in manifest["tensors"]}
    used = set()
    problems = {"missing": [], "shapeMismatch": []}
    adapted = {"transposed": 0, "fusedQkv": 0}

    def fetch(name):
        entry = index.get(name)
        if entry is None:
            return None
        used.add(name)
        dims = entry["dims"]
        count = 1
        for d in dims:
            count *= d
        array = flat[entry["offset"] : entry["offset"] + count].reshape(dims)
        if entry.get("layout") == "in_out":
            adapted["transposed"] += 1
            array = array.T
        return torch.from_numpy(numpy.ascontiguousarray(array))

    state = {}
    for key, reference in model.state_dict().items():
        if key.endswith("num_batches_tracked"):
            state[key] = reference
            continue
        value = fetch(key)
        prefix, _, leaf = key.rpartition(".")
        if value is None and leaf in FUSED_QKV:
            parts = [fetch(f"{prefix}.{p}_proj.{FUSED_QKV[leaf]}") for p in ("q", "k", "v")]
            if all(p is not None for p in parts):
                adapted["fusedQkv"] += 1
                value = torch.cat(parts, dim=0)
        if value is None:
            problems["missing"].append(key)
            continue
        if tuple(value.shape) != tuple(reference.shape):
            problems["shapeMismatch"].append(
                {"key": key, "torchvision": list(reference.shape), "zoo": list(value.shape)}
            )
            continue
        state[key] = value
    # Graph constants (Clip bounds, 1/sqrt(d), ...) are op details, not parameters; anything else
    # left over would be a weight torchvision's model does not have.
    problems["unused"] = sorted(
        t["name"] for t in manifest["tensors"] if t["name"] not in used and t.get("kind") != "constant"
    )
    return state, problems, adapted


def compare(manifest_path):
    numpy, torch, torchvision = import_torch()
    try:
        with open(manifest_path, encoding="utf8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        fail_usage(f"cannot read the manifest {manifest_path}: {e}")
    base = os.path.dirname(os.path.abspath(manifest_path))
    torch.manual_seed(0)  # torchvision's own init is overwritten; seeded only so runs repeat exactly
    model = build_model(torchvision, manifest["model"])
    state, problems, adapted = load_state_dict(numpy, torch, model, manifest, base)
    result = {
        "model": manifest["model"],
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "adapted": adapted,
        **problems,
    }
    out_json = os.path.join(base, manifest["result"])
    if problems["missing"] or problems["shapeMismatch"] or problems["unused"]:
        with open(out_json, "w", encoding="utf8") as f:
            json.dump({**result, "status": "weights-mismatch"}, f)
        return 1
    model.load_state_dict(state, strict=True)
    model = model.float()
    shape = manifest["input"]["shape"]
    x = torch.from_numpy(numpy.fromfile(os.path.join(base, manifest["input"]["file"]), dtype="<f4").reshape(shape))
    with torch.no_grad():
        y = model(x).float().contiguous()
    y.numpy().astype("<f4").tofile(os.path.join(base, manifest["output"]))
    with open(out_json, "w", encoding="utf8") as f:
        json.dump({**result, "status": "ok", "outputShape": list(y.shape)}, f)
    return 0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--versions", action="store_true", help="print torch/torchvision/numpy versions as JSON")
    group.add_argument("--manifest", help="manifest.json written by torchvision-parity.ts")
    args = parser.parse_args(argv)
    if args.versions:
        versions()
        return 0
    return compare(args.manifest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
