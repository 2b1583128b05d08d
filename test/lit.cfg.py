# -*- Python -*-
# lit configuration of the retention compiler's test suite.

import os
import subprocess
import sys

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "RETNET"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "README.md", "lit.cfg.py", "lit.site.cfg.py", "unit", "tools", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.retnet_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%shlibext", config.llvm_shlib_ext))
config.environment["FILECHECK_OPTS"] = "-enable-var-scope --allow-unused-prefixes=false"

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()
config.substitutions.append(("%python", sys.executable))

# Our tools first, then LLVM's (FileCheck, not, count).
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
tool_dirs = [config.retnet_tools_dir, config.llvm_tools_dir]
tools = ["retnet-opt", "retnet-check", "retnet-harness", "retnet-cuda-info",
         "retnet-compile", "retnet-run", "retnet-golden", "retnet-tokenize", "retnet-serve", "mlir-translate", "llc", "llvm-dis", "llvm-objdump", ToolSubst("mlir-runner", unresolved="ignore")]
llvm_config.add_tool_substitutions(tools, tool_dirs)


def add_runtime(name):
    path = os.path.join(config.llvm_shlib_dir, f"lib{name}{config.llvm_shlib_ext}")
    config.substitutions.append((f"%{name}", path))


# CPU execution tests: mlir-runner -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils
add_runtime("mlir_runner_utils")
add_runtime("mlir_c_runner_utils")

# The CUDA runtime (the mgpu* functions of host code from the NVVM pipeline).
config.substitutions.append(
    ("%retnet_cuda_runtime",
     os.path.join(config.retnet_obj_root, "lib",
                  "libretnet_cuda_runtime" + config.llvm_shlib_ext)))

# Lowers a module with --retention-cpu-pipeline's output to execution.
config.substitutions.append(
    ("%mlir_cpu_run",
     "mlir-runner -e main -entry-point-result=void "
     "-shared-libs=%mlir_runner_utils,%mlir_c_runner_utils"))
config.recursiveExpansionLimit = 10

# ptxas: present with the CUDA toolkit; tests that assemble PTX say REQUIRES: ptxas.
if config.ptxas_executable and os.access(config.ptxas_executable, os.X_OK):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", config.ptxas_executable))

# avx512bf16: this CPU has AVX-512 BF16, so retnet-compile --dtype bf16
# computes the matmuls with vdpbf16ps (retention-cpu-bf16-dot).
try:
    with open("/proc/cpuinfo") as f:
        if " avx512_bf16" in f.read():
            config.available_features.add("avx512bf16")
except OSError:
    pass

config.substitutions.append(("%retnet_obj_root", config.retnet_obj_root))
config.substitutions.append(("%retnet_src_root", config.retnet_src_root))
# The Python with the OpenAI client (utils/install-deps.sh makes .pyenv/).
config.substitutions.append(
    ("%serve_python", os.path.join(config.retnet_src_root, ".pyenv", "bin", "python")))
# The CMake that configured the build (cmake --install of the build folder).
config.substitutions.append(("%cmake", config.cmake_command))
config.substitutions.append(
    ("%golden", os.path.join(config.retnet_src_root, "test", "golden", "models")))
# Checkpoints in the other layouts (flash-linear-attention's, syncdoth's).
config.substitutions.append(
    ("%fixtures", os.path.join(config.retnet_src_root, "test", "golden")))
config.substitutions.append(
    ("%example_kjv", os.path.join(config.retnet_src_root, "examples", "retnet-kjv")))
config.substitutions.append(
    ("%example_model", os.path.join(config.retnet_src_root, "examples", "retnet-tiny")))

# A recording stand-in for libcuda.so.1 (test/unit/cuda/FakeCuda.cpp).
config.substitutions.append(
    ("%fake_libcuda", os.path.join(config.retnet_obj_root, "test", "unit", "cuda",
                                   "libFakeCuda" + config.llvm_shlib_ext)))

# cuda-gpu: set only when the runtime finds a usable GPU (driver and device).
cuda_info = os.path.join(config.retnet_tools_dir, "retnet-cuda-info")
if os.access(cuda_info, os.X_OK) and subprocess.run(
        [cuda_info], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
    config.available_features.add("cuda-gpu")

# cuda-sim: the PTX simulator behind the driver API (tools/ptx-sim). Without
# a GPU, every CUDA test runs on it: the runtime loads it through
# RETNET_CUDA_DRIVER and kernels are embedded as PTX (it executes no cubins).
# The warp order comes from RETNET_SIM_SEED (lit --param sim_seed=N, default
# 1); tests that look for races also run with other seeds.
sim_dir = os.path.join(config.retnet_obj_root, "sim")
sim_driver = os.path.join(sim_dir, "libcuda.so.1")
config.substitutions.append(("%sim_dir", sim_dir))
config.substitutions.append(("%sim_driver", sim_driver))
if "cuda-gpu" in config.available_features:
    config.substitutions.append(("%cuda_binary", "--gpu-binary cubin"))
elif os.access(sim_driver, os.R_OK):
    config.available_features.add("cuda-sim")
    # Set by the directories that run CUDA code (their lit.local.cfg), not
    # here: tests of the runtime against a stand-in driver set their own.
    config.retnet_sim_environment = {
        "RETNET_CUDA_DRIVER": sim_driver,
        "RETNET_SIM_SEED": lit_config.params.get("sim_seed", "1"),
    }
    config.substitutions.append(("%cuda_binary", "--gpu-binary ptx"))

# numpy (Debian's python3-numpy, for the interpreter running lit): the
# lane-level model of the tensor-core kernels.
if subprocess.run([sys.executable, "-c", "import numpy"],
                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
    config.available_features.add("numpy")

# nvcc (CUDA toolkit): driver-API programs built from CUDA C for the simulator.
if config.nvcc_executable and os.access(config.nvcc_executable, os.X_OK):
    config.available_features.add("nvcc")
    config.substitutions.append(("%nvcc", config.nvcc_executable))
    cuda_root = os.path.dirname(os.path.dirname(os.path.realpath(config.nvcc_executable)))
    config.substitutions.append(("%cuda_include", os.path.join(cuda_root, "include")))
    config.substitutions.append(("%cuda_stubs", os.path.join(cuda_root, "lib64", "stubs")))
