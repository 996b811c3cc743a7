#!/usr/bin/env bash
# The GPU part of the benchmark suite (issue #6): run on a machine with an NVIDIA GPU, from the
# repository root. Writes JSON lines to ${1:-$CARGO_TARGET_DIR/poai-bench/gpu.jsonl}:
#
#   {"kind":"gpu_suite",…}     the settings of this run (date, commit, threads, reps, …);
#   {"kind":"gpu_device",…}    the GPU as nvidia-smi reports it (name, driver, memory, CUDA
#                              version, compute capability) and the host CPU;
#   {"kind":"ort_gpu_lib",…}   the ONNX Runtime library used, its CUDA provider, the providers
#                              Python onnxruntime lists, and the libraries ldd cannot find;
#   bench_engine's lines       per model: `--device cuda` at 65,536 samples (MAX_BATCH_SIZE), then
#                              `--device cpu` at the CPU-tier batch (same library, same host),
#                              each with `device` (the device actually used: a CUDA fallback
#                              says `cpu`) and `flops_per_sample` (FLOP/s = flops_per_sample ×
#                              batch / infer_s);
#   bench_honest's lines       per model: prover on CUDA, verifier on the CPU: the honest
#                              CUDA-vs-CPU divergence (max_rel_l2_ppm, …) against the tolerance;
#   {"kind":"peak",…}          models/bench_peak.py: the measured fp32 GEMM peak (TF32 off) on
#                              the GPU, and on the CPU;
#   {"kind":"step_failed",…}   a step that failed (the others still run).
#
# The device machine may have no cargo and no internet, so the examples are built elsewhere and
# the onnxruntime-gpu wheel is brought in by hand. The workflow with the device tool (each call
# copies at most 64 MiB of ignored files, "carry"; the machine is released when idle, so make
# the calls back to back):
#
#   1. Here: build the examples and put them under the ignored target/:
#        . scripts/env.sh
#        cargo build --release --locked -p poai-offchain-worker --example bench_engine --example bench_honest
#        mkdir -p target/device/bin
#        cp "$CARGO_TARGET_DIR"/release/examples/bench_{engine,honest} target/device/bin/
#   2. Here: split the onnxruntime-gpu 1.31.1 wheel (same version as models/requirements.txt;
#      its CUDA major must match the device's CUDA libraries) into parts of at most 60 MiB:
#        scripts/device-split-wheel.sh /path/to/onnxruntime_gpu-1.31.1-cp3XX-…whl target/device/wheel
#      The wheel's CUDA provider needs the CUDA runtime, cuBLAS and cuDNN 9 libraries on the
#      device (the CUDA toolkit under /usr/local/cuda, or nvidia-* wheels in the venv: both are
#      put on LD_LIBRARY_PATH); `ort_gpu_lib`'s `missing_libs` lists what ldd cannot find, and
#      without them every CUDA run falls back to the CPU (its lines then say "device":"cpu").
#   3. Device calls, one part each, then the binaries and the small files:
#        carry ["target/device/wheel/part-000"]   command: true
#        carry ["target/device/wheel/part-001"]   command: true
#        …
#        carry ["target/device/bin", "target/device/wheel/NAME", "target/device/wheel/SHA256"]
#   4. Device call (it reassembles the wheel, installs it, runs everything; a few minutes):
#        BENCH_BIN_DIR=target/device/bin ORT_GPU_WHEEL_PARTS=target/device/wheel \
#          bash scripts/bench-gpu.sh "$OUT/gpu.jsonl"
#   5. Here: copy the returned gpu.jsonl to docs/bench-data/gpu.jsonl and rerun
#      scripts/benchmarks.sh, which folds it into the report.
#
# Settings (environment):
#   BENCH_BIN_DIR        folder with bench_engine and bench_honest (default
#                        $CARGO_TARGET_DIR/release/examples)
#   ORT_GPU_WHEEL        the onnxruntime-gpu wheel; with ORT_GPU_WHEEL_PARTS=DIR it is first
#                        reassembled there from DIR/part-* (default: a temporary file named
#                        DIR/NAME). Neither given: `pip install onnxruntime-gpu==1.31.1`.
#   ORT_GPU_LIB          skip the wheel: use this libonnxruntime.so (and PYTHON for bench_peak)
#   GPU_VENV             the venv the wheel goes into (default $HOME/.cache/poai-gpu-venv); it
#                        sees the system's packages: bench_peak.py needs numpy (a CPU
#                        onnxruntime installed with pip brings it)
#   EXTRA_WHEELS         more wheels to install offline into it (space-separated), e.g. numpy's
#   GPU_DEVICE           cuda:N (default cuda:0)
#   CPU_THREADS          intra-op threads of the CPU runs (default: nproc)
#   REPS, VERIFY_REPS    bench_engine's --reps and --verify-reps (default 5 and 30)
#   SEEDS                bench_honest's --seeds (default 3)
#   GPU_BATCH            bench_engine's batch on CUDA (default: 65,536, MAX_BATCH_SIZE)
#   PEAK_N, CPU_PEAK_N   bench_peak's matrix size on the GPU and on the CPU (8192 and 4096)
#   PEAK_REPS            bench_peak's --reps (default 10)
#   ALLOW_NO_GPU=1       run without nvidia-smi (to try the script on a CPU machine)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
. "$REPO_ROOT/scripts/env.sh"
cd "$REPO_ROOT"

OUT_FILE="${1:-$CARGO_TARGET_DIR/poai-bench/gpu.jsonl}"
BENCH_BIN_DIR="${BENCH_BIN_DIR:-$CARGO_TARGET_DIR/release/examples}"
GPU_VENV="${GPU_VENV:-$HOME/.cache/poai-gpu-venv}"
ORT_GPU_VERSION=1.31.1
GPU_DEVICE="${GPU_DEVICE:-cuda:0}"
CPU_THREADS="${CPU_THREADS:-$(nproc)}"
REPS="${REPS:-5}"
VERIFY_REPS="${VERIFY_REPS:-30}"
SEEDS="${SEEDS:-3}"
GPU_BATCH="${GPU_BATCH:-}"
PEAK_N="${PEAK_N:-8192}"
CPU_PEAK_N="${CPU_PEAK_N:-4096}"
PEAK_REPS="${PEAK_REPS:-10}"
GPU_INDEX="${GPU_DEVICE#cuda:}"
[ "$GPU_INDEX" = cuda ] && GPU_INDEX=0

BENCH="$BENCH_BIN_DIR/bench_engine"
HONEST="$BENCH_BIN_DIR/bench_honest"
for bin in "$BENCH" "$HONEST"; do
	[ -x "$bin" ] || {
		echo "$0: no executable $bin; build the examples (see the top of this script) or set BENCH_BIN_DIR" >&2
		exit 1
	}
done
command -v python3 >/dev/null || {
	echo "$0: python3 is needed" >&2
	exit 1
}

mkdir -p "$(dirname "$OUT_FILE")"
: >"$OUT_FILE"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Appends one JSON line (stdin) to the output and shows it.
emit() { tee -a "$OUT_FILE"; }
# Runs a step whose stdout is JSON lines; a failure is recorded and the suite goes on.
step() {
	local name="$1"
	shift
	log "$name"
	local rc=0
	"$@" >"$work/step.out" || rc=$?
	emit <"$work/step.out"
	if [ "$rc" -ne 0 ]; then
		echo "$0: step \`$name\` failed with status $rc" >&2
		python3 -c 'import json, sys; print(json.dumps({"kind": "step_failed", "step": sys.argv[1], "rc": int(sys.argv[2])}))' \
			"$name" "$rc" | emit
	fi
}

log "settings"
python3 - "$GPU_DEVICE" "$CPU_THREADS" "$REPS" "$VERIFY_REPS" "$SEEDS" "$PEAK_N" "$CPU_PEAK_N" \
	"$PEAK_REPS" "$GPU_BATCH" "$(git rev-parse HEAD 2>/dev/null || echo "${GIT_COMMIT:-unknown}")" <<'EOF' | emit
import datetime, json, sys
a = sys.argv[1:]
print(json.dumps({
    "kind": "gpu_suite", "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "commit": a[9], "gpu_device": a[0], "cpu_threads": int(a[1]), "reps": int(a[2]),
    "verify_reps": int(a[3]), "seeds": int(a[4]), "peak_n": int(a[5]), "cpu_peak_n": int(a[6]),
    "peak_reps": int(a[7]), "gpu_batch": int(a[8]) if a[8] else None,
}))
EOF

log "nvidia-smi: the GPU"
if command -v nvidia-smi >/dev/null && nvidia-smi >"$work/smi.txt" 2>&1; then
	nvidia-smi --id="$GPU_INDEX" \
		--query-gpu=name,driver_version,memory.total,compute_cap,pci.bus_id,clocks.max.sm,power.limit \
		--format=csv,noheader,nounits >"$work/gpu.csv"
	python3 - "$work/smi.txt" "$work/gpu.csv" "$GPU_DEVICE" <<'EOF' | emit
import json, os, re, sys
smi = open(sys.argv[1]).read()
fields = [f.strip() for f in open(sys.argv[2]).read().strip().split(",")]
keys = ["name", "driver", "memory_mib", "compute_cap", "pci_bus_id", "max_sm_clock_mhz", "power_limit_w"]
line = {"kind": "gpu_device", "device": sys.argv[3]}
line.update(dict(zip(keys, fields)))
cuda = re.search(r"CUDA Version:\s*([0-9.]+)", smi)
line["cuda_version"] = cuda.group(1) if cuda else None
cpu = ""
try:
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "")
except OSError:
    pass
line["host_cpu"] = cpu
line["host_cpus"] = os.cpu_count()
print(json.dumps(line))
EOF
elif [ "${ALLOW_NO_GPU:-0}" = 1 ]; then
	echo "$0: no working nvidia-smi; going on as ALLOW_NO_GPU=1 says (CUDA runs will fall back to the CPU)" >&2
	echo '{"kind":"gpu_device","device":null,"name":null}' | emit
else
	echo "$0: nvidia-smi is missing or fails: no NVIDIA GPU here (ALLOW_NO_GPU=1 runs anyway)" >&2
	cat "$work/smi.txt" >&2 2>/dev/null || true
	exit 1
fi

log "onnxruntime-gpu $ORT_GPU_VERSION"
if [ -n "${ORT_GPU_LIB:-}" ]; then
	ORT_LIB="$ORT_GPU_LIB"
	PY="${PYTHON:-$HOME/.cache/poai-venv/bin/python}"
else
	wheel="${ORT_GPU_WHEEL:-}"
	if [ -n "${ORT_GPU_WHEEL_PARTS:-}" ]; then
		parts="$ORT_GPU_WHEEL_PARTS"
		name="$(cat "$parts/NAME" 2>/dev/null || echo "onnxruntime_gpu-$ORT_GPU_VERSION-py3-none-any.whl")"
		wheel="${wheel:-$work/$name}"
		cat "$parts"/part-* >"$wheel"
		if [ -f "$parts/SHA256" ] && [ "$(sha256sum "$wheel" | cut -d' ' -f1)" != "$(cat "$parts/SHA256")" ]; then
			echo "$0: the wheel reassembled from $parts/part-* does not match $parts/SHA256 (a part missing?)" >&2
			ls -l "$parts" >&2
			exit 1
		fi
	fi
	# The system's numpy (and a CPU onnxruntime, which the venv's package shadows) stay visible.
	if [ ! -x "$GPU_VENV/bin/python" ]; then
		python3 -m venv --system-site-packages "$GPU_VENV" ||
			python3 -m venv --without-pip --system-site-packages "$GPU_VENV"
	fi
	PY="$GPU_VENV/bin/python"
	if [ -n "$wheel" ]; then
		if "$PY" -m pip --version >/dev/null 2>&1; then
			"$PY" -m pip install --quiet --no-deps --no-index --force-reinstall "$wheel"
		else
			# No pip in the venv: a wheel is a zip of what goes into site-packages.
			site="$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
			"$PY" -m zipfile -e "$wheel" "$site"
		fi
	else
		"$PY" -m pip install --quiet "onnxruntime-gpu==$ORT_GPU_VERSION" || {
			echo "$0: no ORT_GPU_WHEEL / ORT_GPU_WHEEL_PARTS given and pip cannot install onnxruntime-gpu==$ORT_GPU_VERSION" >&2
			exit 1
		}
	fi
	for extra_wheel in ${EXTRA_WHEELS:-}; do
		"$PY" -m pip install --quiet --no-deps --no-index "$extra_wheel"
	done
	# Found without importing onnxruntime (which needs numpy, perhaps missing offline).
	capi="$("$PY" -c 'import importlib.util, os; print(os.path.join(importlib.util.find_spec("onnxruntime").submodule_search_locations[0], "capi"))')"
	# The real file (libonnxruntime.so.1.x.y) before the .so.1 / .so names.
	ORT_LIB="$(find "$capi" -maxdepth 1 -name 'libonnxruntime.so*' -type f | sort -V | tail -n 1)"
	[ -n "$ORT_LIB" ] || {
		echo "$0: no libonnxruntime.so* in $capi" >&2
		exit 1
	}
fi
# CUDA and cuDNN libraries from nvidia-* pip packages, if any, and from the CUDA toolkit.
site_dirs="$("$PY" -c 'import site, sys; print(":".join(site.getsitepackages() + [site.getusersitepackages()]))' 2>/dev/null || true)"
extra=""
IFS=: read -r -a sites <<<"$site_dirs"
for dir in "${sites[@]}"; do
	for lib in "$dir"/nvidia/*/lib; do
		if [ -d "$lib" ]; then extra="$extra:$lib"; fi
	done
done
if [ -d /usr/local/cuda/lib64 ]; then extra="$extra:/usr/local/cuda/lib64"; fi
export LD_LIBRARY_PATH="${extra#:}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
provider="$(dirname "$ORT_LIB")/libonnxruntime_providers_cuda.so"
python3 - "$ORT_LIB" "$provider" "$PY" <<'EOF' | emit
import json, os, subprocess, sys
lib, provider, py = sys.argv[1:]
line = {"kind": "ort_gpu_lib", "ort_lib": lib, "cuda_provider": provider if os.path.isfile(provider) else None}
try:
    line["python_providers"] = json.loads(subprocess.run(
        [py, "-c", "import json, onnxruntime as o; print(json.dumps([o.__version__, o.get_available_providers()]))"],
        capture_output=True, text=True, check=True).stdout)
except (subprocess.CalledProcessError, OSError, ValueError) as error:
    line["python_providers"] = f"error: {error}"
missing = set()
for path in (lib, provider):
    if os.path.isfile(path):
        try:
            out = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
        except OSError:
            continue
        missing.update(l.split("=>")[0].strip() for l in out.splitlines() if "not found" in l)
line["missing_libs"] = sorted(missing)
line["ld_library_path"] = os.environ.get("LD_LIBRARY_PATH", "")
print(json.dumps(line))
EOF

models="$(python3 -c 'import json, sys; print(" ".join(m["name"] for m in json.load(open(sys.argv[1]))))' models/models.json)"
for model in $models; do
	gpu_batch=()
	[ -n "$GPU_BATCH" ] && gpu_batch=(--batch "$GPU_BATCH")
	step "bench_engine $model on $GPU_DEVICE" "$BENCH" --model "$model" --device "$GPU_DEVICE" \
		"${gpu_batch[@]}" --reps "$REPS" --verify-reps "$VERIFY_REPS" --threads "$CPU_THREADS" \
		--ort-lib "$ORT_LIB"
	step "bench_engine $model on cpu" "$BENCH" --model "$model" --device cpu \
		--reps "$REPS" --verify-reps "$VERIFY_REPS" --threads "$CPU_THREADS" --ort-lib "$ORT_LIB"
	step "bench_honest $model: prover on $GPU_DEVICE, verifier on cpu" "$HONEST" --model "$model" \
		--prover-device "$GPU_DEVICE" --seeds "$SEEDS" --prover-threads "$CPU_THREADS" \
		--verifier-threads 1 --ort-lib "$ORT_LIB"
done

step "bench_peak on $GPU_DEVICE (fp32 GEMM, n = $PEAK_N)" "$PY" models/bench_peak.py \
	--device "$GPU_DEVICE" --n "$PEAK_N" --reps "$PEAK_REPS"
step "bench_peak on cpu (fp32 GEMM, n = $CPU_PEAK_N, $CPU_THREADS threads)" "$PY" models/bench_peak.py \
	--device cpu --n "$CPU_PEAK_N" --reps "$PEAK_REPS" --threads "$CPU_THREADS"

log "wrote $(wc -l <"$OUT_FILE") lines to $OUT_FILE"
