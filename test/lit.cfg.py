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
         "retnet-compile", "retnet-run", "retnet-golden", "mlir-translate", "llc", ToolSubst("mlir-runner", unresolved="ignore")]
llvm_config.add_tool_substitutions(tools, tool_dirs)


def add_runtime(name):
    path = os.path.join(config.llvm_shlib_dir, f"lib{name}{config.llvm_shlib_ext}")
    config.substitutions.append((f"%{name}", path))


# CPU execution tests: mlir-runner -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils
add_runtime("mlir_runner_utils")
add_runtime("mlir_c_runner_utils")

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

config.substitutions.append(("%retnet_obj_root", config.retnet_obj_root))
config.substitutions.append(("%retnet_src_root", config.retnet_src_root))
config.substitutions.append(
    ("%golden", os.path.join(config.retnet_src_root, "test", "golden", "models")))
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
