#!/usr/bin/env python3
"""PyTorch anchor: torchvision architectures measured with PyTorch on the same GPU as `bench run`.

Why: an H100 figure from onnxruntime-node (WebGPU or CUDA provider) means little on its own; the same
architectures run by PyTorch eager and torch.compile on the same card show how far the Node engines
are from what the hardware gives a mainstream framework. These are anchors, not our result files.

Models: torchvision's resnet18, resnet50, mobilenet_v2, mobilenet_v3_small, mobilenet_v3_large,
efficientnet_b0, squeezenet1_1, convnext_tiny, vit_b_16, with weights=None (random init: throughput
does not depend on the weights' values, and nothing is downloaded), eval mode, torch.inference_mode,
channels_last by default, input 3x224x224.

Timing: a closed loop of one batch at a time, like `bench run --scenario offline --concurrency 1`.
On CUDA each iteration is bracketed by CUDA events and followed by torch.cuda.synchronize(), so the
per-iteration time is the GPU-side span of that batch (kernel launch gaps included: the queue is empty
when it starts) and the loop never queues ahead. Warm-up: one first call (cuDNN autotuning; for
torch.compile the compilation, recorded as compileS and never timed), then --warmup calls. Eager
configurations of one model and precision share one model instance across batches. images/s =
batch * 1000 / median(ms); the wall-clock figure (images over the measured wall time) sits beside it.
Percentiles use linear interpolation between order statistics (R-7, numpy's default), the same rule
as src/stats/statistics.ts.

Commands (Python 3.10+, torch and torchvision only):
  GPU campaign:  python3 bench/anchors/pytorch_anchor.py --device cuda --out pytorch.json
  CPU smoke:     python3 bench/anchors/pytorch_anchor.py --device cpu --models resnet18 --batches 1 \
                   --precisions fp32 --modes eager --duration 0.2 --out /tmp/pt-smoke.json
  No torch:      python3 bench/anchors/pytorch_anchor.py --self-test

Output JSON (format "h100e-pytorch-anchor", formatVersion 1; NOT a bench result file):
  createdAt, command (argv), environment {python, platform, hostname, torch, torchvision, cuda, cudnn,
  gpu, driver, triton, gpuCapability, gpuMemoryMiB, tf32 {cudnn, matmul}, float32MatmulPrecision,
  compileProbe {ok, seconds, error?}}, settings {device, warmup, durationS, maxDurationS, minIterations,
  channelsLast, fp16Method (half: model.to(dtype) and input cast; autocast: torch.autocast, fp32
  weights), compileMode, budgetS, configTimeoutS},
  runs[] {model, precision (fp32|fp16|bf16), batch, mode (eager|compile), status (ok|failed|skipped),
          error?, iterations, medianMs, p50Ms, p90Ms, p99Ms, meanMs, minMs, maxMs, imagesPerS,
          wallClockImagesPerS, measuredS, compileS (compile mode: first call incl. compilation),
          graphs, graphBreaks (compile mode: Dynamo graphs compiled / graph breaks during the run;
          graphs > 1 means part of the model ran eager or was recompiled), peakMemoryMiB (CUDA)}
A failed configuration (CUDA out of memory, a compile error, --config-timeout-s exceeded) is recorded
with its error and the sweep goes on; configurations not started because --budget-s ran out are
recorded as skipped, and so are compiled ones when torch.compile cannot work here (PyTorch 1.x, no
triton, no C compiler for triton: a tiny probe compile before the first one says which). torch.compile
runs with dynamic=False, one shape per compilation, Dynamo reset between configurations. On SIGTERM
(the campaign's `timeout`) the configuration in flight is recorded as failed, the rest as skipped,
and the JSON and table are still written.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from datetime import datetime, timezone
from typing import Any, Callable

FORMAT = "h100e-pytorch-anchor"
FORMAT_VERSION = 1
MODELS = [
    "resnet18",
    "resnet50",
    "mobilenet_v2",
    "mobilenet_v3_small",
    "mobilenet_v3_large",
    "efficientnet_b0",
    "squeezenet1_1",
    "convnext_tiny",
    "vit_b_16",
]
PRECISIONS = ["fp32", "fp16", "bf16"]
MODES = ["eager", "compile"]
COMPILE_MODES = ["default", "reduce-overhead", "max-autotune"]
EXIT_USAGE = 2


# ---------------------------------------------------------------- pure part (no torch) --


def percentile(sorted_values: list[float], p: float) -> float:
    """R-7 percentile of an ascending list (0 for an empty one), as src/stats/statistics.ts."""
    if not 0 <= p <= 100:
        raise ValueError(f"percentile p must be in [0, 100], got {p}")
    n = len(sorted_values)
    if n == 0:
        return 0.0
    h = (n - 1) * p / 100
    lo = math.floor(h)
    hi = min(lo + 1, n - 1)
    frac = h - lo
    a = sorted_values[lo]
    return a if frac == 0 else a + frac * (sorted_values[hi] - a)


def summarize(samples_ms: list[float], batch: int, wall_s: float) -> dict[str, Any]:
    """Statistics of per-iteration times: percentiles in ms, images/s from the median and from wall time."""
    s = sorted(samples_ms)
    n = len(s)
    median = percentile(s, 50)
    return {
        "iterations": n,
        "medianMs": median,
        "p50Ms": median,
        "p90Ms": percentile(s, 90),
        "p99Ms": percentile(s, 99),
        "meanMs": sum(s) / n if n else 0.0,
        "minMs": s[0] if n else 0.0,
        "maxMs": s[-1] if n else 0.0,
        "imagesPerS": batch * 1000 / median if median > 0 else 0.0,
        "wallClockImagesPerS": batch * n / wall_s if wall_s > 0 else 0.0,
        "measuredS": wall_s,
    }


def int_list(text: str) -> list[int]:
    """'1,8,32' -> [1, 8, 32]; every entry a positive integer."""
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not values or any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return values


def choice_list(allowed: list[str]) -> Callable[[str], list[str]]:
    """Parser of a comma list whose entries must be in `allowed`."""

    def parse(text: str) -> list[str]:
        values = [x.strip() for x in text.split(",") if x.strip()]
        bad = [v for v in values if v not in allowed]
        if not values or bad:
            raise argparse.ArgumentTypeError(
                f"unknown {', '.join(bad) or 'empty list'}; choose from {', '.join(allowed)}"
            )
        return values

    return parse


def positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not v > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return v


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pytorch_anchor.py",
        description="Measure torchvision architectures with PyTorch eager and torch.compile (anchor for h100e).",
    )
    p.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    p.add_argument("--models", type=choice_list(MODELS), default=list(MODELS), help="comma list")
    p.add_argument("--batches", type=int_list, default=[1, 8, 32, 128, 256], help="e.g. 1,8,32")
    p.add_argument("--precisions", type=choice_list(PRECISIONS), default=list(PRECISIONS))
    p.add_argument("--modes", type=choice_list(MODES), default=list(MODES), help="eager,compile")
    p.add_argument("--compile-mode", choices=COMPILE_MODES, default="default")
    p.add_argument(
        "--compile-batches", type=int_list, default=None, help="batches compiled (default: --batches)"
    )
    p.add_argument(
        "--compile-precisions",
        type=choice_list(PRECISIONS),
        default=None,
        help="precisions compiled (default: --precisions)",
    )
    p.add_argument(
        "--fp16-method",
        choices=["half", "autocast"],
        default="half",
        help="half: weights and activations cast (like our fp16 ONNX models); autocast: torch.autocast",
    )
    p.add_argument("--no-channels-last", dest="channels_last", action="store_false")
    p.add_argument("--warmup", type=int, default=10, help="untimed iterations per configuration")
    p.add_argument("--duration", type=positive_float, default=1.0, help="minimum measured seconds")
    p.add_argument("--max-duration", type=positive_float, default=3.0, help="cap on measured seconds")
    p.add_argument("--min-iterations", type=int, default=10)
    p.add_argument("--budget-s", type=positive_float, default=None, help="start no configuration after this")
    p.add_argument(
        "--config-timeout-s",
        type=positive_float,
        default=300.0,
        help="fail a configuration (compilation included) that runs longer; with --budget-s also ended "
        "at most 45 s past the budget",
    )
    p.add_argument("--out", default="pytorch.json", help="JSON output file")
    p.add_argument("--self-test", action="store_true", help="check the torch-free code and exit")
    return p


def validate(args: argparse.Namespace) -> str | None:
    """A one-line usage error naming the flag, or None."""
    if args.duration > args.max_duration:
        return f"--duration {args.duration} exceeds --max-duration {args.max_duration}"
    if args.warmup < 0:
        return f"--warmup must be >= 0, got {args.warmup}"
    if args.min_iterations < 1:
        return f"--min-iterations must be >= 1, got {args.min_iterations}"
    return None


def plan(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Configurations in the order measured: every eager one first, then the compiled ones.

    Eager first because it is cheap and complete; compilation costs tens of seconds per
    configuration, so under a time budget it is what gets cut. Compiled configurations go batch by
    batch over all models, so a cut budget still leaves every model at the first compiled batch.
    """
    configs: list[dict[str, Any]] = []
    if "eager" in args.modes:
        for m in args.models:
            for prec in args.precisions:
                for b in args.batches:
                    configs.append({"model": m, "precision": prec, "batch": b, "mode": "eager"})
    if "compile" in args.modes:
        cb = args.compile_batches or args.batches
        cp = args.compile_precisions or args.precisions
        for b in cb:
            for prec in cp:
                for m in args.models:
                    configs.append({"model": m, "precision": prec, "batch": b, "mode": "compile"})
    return configs


def write_json(path: str, doc: dict[str, Any]) -> None:
    """Atomic write (temp file + rename), so an interrupted sweep leaves the last complete file."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".pytorch-anchor-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def format_table(runs: list[dict[str, Any]]) -> str:
    """Plain-text table of the runs, one line each."""
    head = f"{'model':<20} {'prec':<5} {'batch':>5} {'mode':<8} {'img/s':>10} {'wall img/s':>10} {'p50 ms':>9} {'p99 ms':>9}  status"
    lines = [head, "-" * len(head)]
    for r in runs:
        if r["status"] == "ok":
            lines.append(
                f"{r['model']:<20} {r['precision']:<5} {r['batch']:>5} {r['mode']:<8} "
                f"{r['imagesPerS']:>10.1f} {r['wallClockImagesPerS']:>10.1f} {r['p50Ms']:>9.3f} {r['p99Ms']:>9.3f}  ok"
            )
        else:
            why = (r.get("error") or "").splitlines()[0][:60] if r.get("error") else ""
            lines.append(
                f"{r['model']:<20} {r['precision']:<5} {r['batch']:>5} {r['mode']:<8} "
                f"{'-':>10} {'-':>10} {'-':>9} {'-':>9}  {r['status']}: {why}"
            )
    return "\n".join(lines) + "\n"


def self_test() -> int:
    """Exercises the torch-free code on synthetic numbers with exact expected values."""
    failures: list[str] = []
    passed = 0

    def check(name: str, got: Any, want: Any) -> None:
        nonlocal passed
        ok = (
            abs(got - want) < 1e-9
            if isinstance(want, float) and isinstance(got, (int, float))
            else got == want
        )
        if ok:
            passed += 1
            print(f"ok {name} = {got!r}")
        else:
            failures.append(name)
            print(f"FAIL {name}: got {got!r}, want {want!r}")

    # Synthetic samples 1..10 ms. R-7: h = 9p/100; p50 -> h=4.5 -> 5 + 0.5*(6-5) = 5.5;
    # p90 -> h=8.1 -> 9 + 0.1*1 = 9.1; p99 -> h=8.91 -> 9.91. Batch 8: 8*1000/5.5 = 1454.5454...
    # Wall: 10 iterations of 8 images in 0.5 s -> 160 img/s. Mean 5.5.
    s = summarize([float(x) for x in [10, 3, 1, 7, 5, 2, 9, 4, 8, 6]], batch=8, wall_s=0.5)
    check("median_ms", s["medianMs"], 5.5)
    check("p90_ms", s["p90Ms"], 9.1)
    check("p99_ms", s["p99Ms"], 9.91)
    check("mean_ms", s["meanMs"], 5.5)
    check("images_per_s", s["imagesPerS"], 8000 / 5.5)
    check("wall_images_per_s", s["wallClockImagesPerS"], 160.0)
    check("min_max", (s["minMs"], s["maxMs"]), (1.0, 10.0))
    check("empty_percentile", percentile([], 50), 0.0)

    args = build_parser().parse_args(
        ["--models", "resnet18,vit_b_16", "--batches", "1,256", "--precisions", "fp16", "--compile-batches", "256"]
    )
    check("parse_models", args.models, ["resnet18", "vit_b_16"])
    check("parse_batches", args.batches, [1, 256])
    check("parse_default_device", args.device, "cuda")
    check("parse_default_compile_mode", args.compile_mode, "default")
    # 2 models x 1 precision x 2 batches eager = 4, then 2 models x 1 x 1 compiled batch = 2.
    configs = plan(args)
    check("plan_count", len(configs), 6)
    check("plan_order", [c["mode"] for c in configs], ["eager"] * 4 + ["compile"] * 2)
    check("plan_last", configs[-1], {"model": "vit_b_16", "precision": "fp16", "batch": 256, "mode": "compile"})
    bad = build_parser().parse_args(["--duration", "5", "--max-duration", "3"])
    check("validate_duration", validate(bad), "--duration 5.0 exceeds --max-duration 3.0")
    try:
        int_list("1,0")
        check("int_list_rejects_zero", "accepted", "rejected")
    except argparse.ArgumentTypeError:
        check("int_list_rejects_zero", "rejected", "rejected")

    inductor = RuntimeError("backend='inductor' raised:\nRuntimeError: Cannot find a working triton installation.\n\n"
                            "Set TORCH_LOGS=\"+dynamo\" and TORCHDYNAMO_VERBOSE=1 for more information")
    check("error_text_keeps_cause", error_text(inductor),
          "backend='inductor' raised: RuntimeError: Cannot find a working triton installation.")

    run = {"model": "resnet18", "precision": "fp16", "batch": 8, "mode": "eager", "status": "ok", **s}
    failed = {"model": "vit_b_16", "precision": "fp32", "batch": 256, "mode": "compile", "status": "failed",
              "error": "CUDA out of memory. Tried to allocate 2.00 GiB"}
    table = format_table([run, failed])
    check("table_ok_row", "resnet18             fp16      8 eager        1454.5      160.0     5.500     9.910  ok" in table, True)
    check("table_failed_row", "failed: CUDA out of memory" in table, True)

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "sub", "pytorch.json")
        doc = {"format": FORMAT, "formatVersion": FORMAT_VERSION, "runs": [run, failed]}
        write_json(path, doc)
        with open(path) as f:
            back = json.load(f)
        check("json_roundtrip", back, doc)
        check("json_no_temp_left", sorted(os.listdir(os.path.dirname(path))), ["pytorch.json"])

    print(f"self-test: {passed} passed, {len(failures)} failed")
    return 1 if failures else 0


# ---------------------------------------------------------------- torch part --


def cpu_model() -> str | None:
    """The CPU's marketing name: /proc/cpuinfo on Linux (platform.processor() is empty there)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def environment(torch: Any, torchvision: Any, device: str) -> dict[str, Any]:
    """Versions and the GPU, as reported by torch and nvidia-smi (null where unknown)."""
    env: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "hostname": socket.gethostname(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
        "gpu": None,
        "driver": None,
        "cpu": cpu_model(),
        "threads": torch.get_num_threads(),
    }
    try:
        import triton  # noqa: F401 — torch.compile's GPU code generator; its version matters for compile

        env["triton"] = getattr(triton, "__version__", "unknown")
    except Exception:  # noqa: BLE001 — ImportError, or a broken install
        env["triton"] = None
    if device == "cuda":
        env["gpu"] = torch.cuda.get_device_name(0)
        try:
            props = torch.cuda.get_device_properties(0)
            env["gpuCapability"] = f"{props.major}.{props.minor}"
            env["gpuMemoryMiB"] = round(props.total_memory / 2**20)
        except Exception:  # noqa: BLE001 — informative only
            pass
        # fp32 figures depend on these: cuDNN convolutions default to TF32, matmuls do not.
        try:
            env["tf32"] = {
                "cudnn": bool(torch.backends.cudnn.allow_tf32),
                "matmul": bool(torch.backends.cuda.matmul.allow_tf32),
            }
            env["float32MatmulPrecision"] = torch.get_float32_matmul_precision()
        except Exception:  # noqa: BLE001 — informative only
            pass
        try:
            out = subprocess.run(
                ["nvidia-smi", "--query-gpu=name,driver_version,memory.total,power.limit,clocks.max.sm",
                 "--format=csv,noheader"],
                capture_output=True, text=True, timeout=20, check=True,
            ).stdout.strip().splitlines()
            if out:
                parts = [p.strip() for p in out[0].split(",")]
                env["driver"] = parts[1] if len(parts) > 1 else None
                env["nvidiaSmi"] = out[0]
        except (OSError, subprocess.SubprocessError) as e:
            env["nvidiaSmiError"] = str(e).splitlines()[0] if str(e) else type(e).__name__
    return env


def is_oom(e: BaseException) -> bool:
    return type(e).__name__ == "OutOfMemoryError" or "out of memory" in str(e).lower()


def error_text(e: BaseException, limit: int = 500) -> str:
    """One line for the JSON. torch.compile's errors put the cause on later lines
    ("backend='inductor' raised:\\nRuntimeError: ..."), so non-empty lines are joined, not cut at the first."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    # Dynamo's hints (TORCH_LOGS, TORCHDYNAMO_VERBOSE, suppress_errors) say nothing about the cause.
    lines = [ln for ln in lines if not ln.startswith(("Set TORCH", "You can suppress", "import torch._dynamo",
                                                      "torch._dynamo.config", "For even more developer"))]
    msg = " ".join(lines) if lines else type(e).__name__
    return msg[:limit]


class ConfigTimeout(BaseException):
    """Raised by SIGALRM when a configuration runs past its limit. A BaseException so that torch's
    internal `except Exception` handlers do not swallow it."""


class Terminated(BaseException):
    """Raised by SIGTERM (the campaign's `timeout`): write what we have and stop."""


def compile_toolchain_problem(device: str) -> str | None:
    """What torch.compile's inductor backend visibly lacks here, or None (a hint for the probe's error)."""
    if device == "cuda":
        # triton builds a small C launcher at first use: $CC, else gcc, else clang; with Python.h.
        if not (os.environ.get("CC") or shutil.which("gcc") or shutil.which("clang")):
            return "no C compiler for triton (CC unset, no gcc or clang on PATH)"
        scheme = sysconfig.get_default_scheme() if hasattr(sysconfig, "get_default_scheme") else None
        scheme = "posix_prefix" if scheme == "posix_local" else scheme
        inc = sysconfig.get_paths(scheme=scheme)["include"] if scheme else sysconfig.get_paths()["include"]
        if not os.path.exists(os.path.join(inc, "Python.h")):
            return f"no Python.h in {inc} (python3-dev) for triton's launcher"
    elif not (os.environ.get("CXX") or shutil.which("g++") or shutil.which("clang++") or shutil.which("c++")):
        return "no C++ compiler for inductor's CPU code (CXX unset, no g++/clang++/c++ on PATH)"
    return None


def compile_probe(torch: Any, args: argparse.Namespace) -> dict[str, Any]:
    """Compiles and runs a two-op function once: proves inductor (triton, C compiler) works here, and
    takes the one-time costs (triton import, launcher build) out of the first model's compileS.
    CUDA only: on the CPU a failing compile is recorded per configuration."""
    t0 = time.perf_counter()
    try:
        if not hasattr(torch, "compile"):
            raise RuntimeError(f"torch.compile needs PyTorch 2.0 or newer (this is {torch.__version__})")
        if args.device == "cuda":
            try:
                import triton  # noqa: F401
            except Exception as e:  # noqa: BLE001
                raise RuntimeError(f"triton is not importable ({error_text(e, 200)}); inductor needs it on CUDA") from None
        fn = torch.compile(lambda t: torch.relu(t * 2 + 1), mode=args.compile_mode, dynamic=False)
        with torch.inference_mode():
            fn(torch.randn(64, 64, device=torch.device(args.device)))
        if args.device == "cuda":
            torch.cuda.synchronize()
        return {"ok": True, "seconds": time.perf_counter() - t0}
    except (ConfigTimeout, Terminated):
        raise
    except Exception as e:  # noqa: BLE001
        hint = compile_toolchain_problem(args.device)
        return {"ok": False, "seconds": time.perf_counter() - t0,
                "error": error_text(e, 400) + (f" [{hint}]" if hint else "")}
    finally:
        try:
            torch._dynamo.reset()
        except Exception:  # noqa: BLE001
            pass


def dynamo_counts(torch: Any) -> tuple[int, int] | None:
    """(graphs compiled, graph breaks) so far, from Dynamo's counters (private API: None if absent)."""
    try:
        counters = torch._dynamo.utils.counters
        return int(counters["stats"]["unique_graphs"]), int(sum(counters["graph_break"].values()))
    except Exception:  # noqa: BLE001
        return None


def build_model(torch: Any, torchvision: Any, args: argparse.Namespace, cfg: dict[str, Any]) -> Any:
    """The torchvision model on the device, eval mode, channels_last and cast as the settings say."""
    dtype = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[cfg["precision"]]
    model = getattr(torchvision.models, cfg["model"])(weights=None).eval().to(torch.device(args.device))
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
    if cfg["precision"] != "fp32" and args.fp16_method != "autocast":
        model = model.to(dtype)
    return model


def measure_config(torch: Any, torchvision: Any, args: argparse.Namespace, cfg: dict[str, Any],
                   model: Any = None) -> dict[str, Any]:
    """Builds (unless given), optionally compiles, warms up and times one configuration; raises on failure."""
    dev = torch.device(args.device)
    dtype = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[cfg["precision"]]
    autocast = cfg["precision"] != "fp32" and args.fp16_method == "autocast"
    if model is None:
        model = build_model(torch, torchvision, args, cfg)
    x = torch.randn(cfg["batch"], 3, 224, 224, device=dev)
    if args.channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    if cfg["precision"] != "fp32" and not autocast:
        x = x.to(dtype)
    fn = model
    compiled = cfg["mode"] == "compile"
    if compiled:
        # dynamic=False: one static shape per compilation (no automatic dynamic-shape recompile).
        fn = torch.compile(model, mode=args.compile_mode, dynamic=False)

    def call() -> Any:
        if autocast:
            with torch.autocast(device_type=args.device, dtype=dtype):
                return fn(x)
        return fn(x)

    cuda = args.device == "cuda"
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    extra: dict[str, Any] = {}
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    counts0 = dynamo_counts(torch) if compiled else None
    with torch.inference_mode():
        sync()
        t0 = time.perf_counter()
        call()  # first call: compilation for torch.compile, cuDNN autotuning for eager
        sync()
        if compiled:
            extra["compileS"] = time.perf_counter() - t0
        for _ in range(args.warmup):
            call()
        sync()
        samples: list[float] = []
        start = time.perf_counter()
        while True:
            if cuda:
                a = torch.cuda.Event(enable_timing=True)
                b = torch.cuda.Event(enable_timing=True)
                a.record()
                call()
                b.record()
                torch.cuda.synchronize()  # every stream, not just b's
                samples.append(a.elapsed_time(b))
            else:
                t = time.perf_counter()
                call()
                samples.append((time.perf_counter() - t) * 1000)
            elapsed = time.perf_counter() - start
            if elapsed >= args.max_duration:
                break
            if elapsed >= args.duration and len(samples) >= args.min_iterations:
                break
        wall = time.perf_counter() - start
    if compiled and counts0 is not None:
        counts1 = dynamo_counts(torch)
        if counts1 is not None:
            extra["graphs"] = counts1[0] - counts0[0]
            extra["graphBreaks"] = counts1[1] - counts0[1]
    if cuda:
        extra["peakMemoryMiB"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    return {**summarize(samples, cfg["batch"], wall), **extra}


def _on_alarm(signum: int, frame: Any) -> None:
    raise ConfigTimeout()


_STATE = {"terminated": False, "inConfig": False}


def _on_term(signum: int, frame: Any) -> None:
    """SIGTERM: interrupts a configuration in flight; between configurations only sets the flag, so the
    loop records the rest as skipped and still writes the JSON and the table."""
    _STATE["terminated"] = True
    if _STATE["inConfig"]:
        _STATE["inConfig"] = False
        raise Terminated()


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        return self_test()
    problem = validate(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        import torch
        import torchvision
    except ImportError as e:
        print(f"error: PyTorch is not installed ({e}); install torch and torchvision, "
              "or run --self-test for the torch-free checks", file=sys.stderr)
        return EXIT_USAGE
    if args.device == "cuda" and not torch.cuda.is_available():
        print("error: --device cuda but torch.cuda.is_available() is False; use --device cpu for a smoke run",
              file=sys.stderr)
        return EXIT_USAGE
    if args.device == "cuda":
        torch.backends.cudnn.benchmark = True  # what a throughput-minded PyTorch user turns on
    doc: dict[str, Any] = {
        "format": FORMAT,
        "formatVersion": FORMAT_VERSION,
        "createdAt": datetime.now(timezone.utc).isoformat(),
        "command": [sys.executable, *sys.argv],
        "environment": environment(torch, torchvision, args.device),
        "settings": {
            "device": args.device,
            "warmup": args.warmup,
            "durationS": args.duration,
            "maxDurationS": args.max_duration,
            "minIterations": args.min_iterations,
            "channelsLast": args.channels_last,
            "fp16Method": args.fp16_method,
            "compileMode": args.compile_mode,
            "budgetS": args.budget_s,
            "configTimeoutS": args.config_timeout_s,
            "input": [3, 224, 224],
            "weights": "random init (weights=None)",
        },
        "runs": [],
    }
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGALRM, _on_alarm)
    t_start = time.perf_counter()
    configs = plan(args)
    compile_blocked: str | None = None
    probed = False
    cached: tuple[tuple[str, str], Any] | None = None  # eager: one model per (model, precision)
    rc = 0

    def free_cached() -> None:
        nonlocal cached
        cached = None
        if args.device == "cuda":
            torch.cuda.empty_cache()

    def arm(now: float) -> float:
        limit = args.config_timeout_s
        if args.budget_s is not None:
            limit = min(limit, max(1.0, args.budget_s + 45 - now))
        signal.setitimer(signal.ITIMER_REAL, limit)
        return limit

    for i, cfg in enumerate(configs):
        label = f"[{i + 1}/{len(configs)}] {cfg['model']} {cfg['precision']} b{cfg['batch']} {cfg['mode']}"
        run: dict[str, Any] = {**cfg}
        compiled = cfg["mode"] == "compile"
        if compiled:
            run["compileMode"] = args.compile_mode
        now = time.perf_counter() - t_start
        if _STATE["terminated"]:
            run.update(status="skipped", error="interrupted by SIGTERM before it started")
        elif args.budget_s is not None and now > args.budget_s:
            run.update(status="skipped", error=f"time budget of {args.budget_s} s spent")
        elif compiled and not hasattr(torch, "compile"):
            run.update(status="skipped", error=f"torch.compile needs PyTorch 2.0 or newer (this is {torch.__version__})")
        else:
            limit = 0.0
            try:
                try:
                    _STATE["inConfig"] = True
                    if _STATE["terminated"]:  # SIGTERM just before the flag was set
                        raise Terminated()
                    limit = arm(now)
                    if compiled and cached is not None:
                        free_cached()  # the last eager model is no longer needed
                    if compiled and not probed and args.device == "cuda":
                        free_cached()
                        probed = True
                        probe = compile_probe(torch, args)
                        doc["environment"]["compileProbe"] = probe
                        if not probe["ok"]:
                            compile_blocked = f"torch.compile does not work here: {probe['error']}"
                            print(f"  {compile_blocked}", file=sys.stderr, flush=True)
                    if compiled and compile_blocked:
                        run.update(status="skipped", error=compile_blocked[:500])
                    else:
                        print(label, file=sys.stderr, flush=True)
                        model = None
                        if not compiled:
                            key = (cfg["model"], cfg["precision"])
                            if cached is None or cached[0] != key:
                                free_cached()
                                cached = (key, build_model(torch, torchvision, args, cfg))
                            model = cached[1]
                        run.update(status="ok", **measure_config(torch, torchvision, args, cfg, model))
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                    _STATE["inConfig"] = False
            except ConfigTimeout:
                run.update(status="failed", error=f"timed out after {limit:.0f} s (--config-timeout-s / --budget-s)")
                print(f"  failed: {run['error']}", file=sys.stderr, flush=True)
            except Terminated:
                run.update(status="failed", error="interrupted by SIGTERM (outer timeout) while running")
                print(f"  failed: {run['error']}", file=sys.stderr, flush=True)
            except Exception as e:  # noqa: BLE001 — one failed configuration must not end the sweep
                run.update(status="failed", error=("out of memory: " if is_oom(e) else "") + error_text(e))
                print(f"  failed: {run['error']}", file=sys.stderr, flush=True)
            finally:
                try:
                    if run.get("status") == "failed":
                        free_cached()  # an OOM or a timeout may have left the model in a bad state
                    if compiled and hasattr(torch, "_dynamo"):
                        torch._dynamo.reset()
                    if args.device == "cuda":
                        torch.cuda.empty_cache()
                except Exception as e:  # noqa: BLE001 — e.g. a sticky CUDA error
                    run.setdefault("cleanupError", error_text(e, 200))
        doc["runs"].append(run)
        write_json(args.out, doc)
    write_json(args.out, doc)
    sys.stdout.write(format_table(doc["runs"]))
    sys.stdout.flush()
    print(f"wrote {args.out}", file=sys.stderr)
    if _STATE["terminated"]:
        rc = 128 + signal.SIGTERM
    elif any(r["status"] == "failed" for r in doc["runs"]):
        rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
