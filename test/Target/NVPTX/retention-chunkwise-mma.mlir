// REQUIRES: ptxas
// The tensor-core chunkwise kernel (retention-gpu-chunkwise-mma) through the
// whole NVVM pipeline: bf16 mma.sync m16n8k16 and ldmatrix in the PTX, and
// ptxas -v on each kernel: no spills, registers within 255 (measured: dk=128
// BV=64 230 registers; dk=256 BV=32 186).
//
// RUN: retnet-opt %s --retention-nvvm-pipeline="format=isa" > %t.mlir
// RUN: FileCheck %s < %t.mlir
// RUN: rm -rf %t.d && mkdir -p %t.d
// RUN: %python -c "import re,sys; s=open(sys.argv[1]).read(); [open(sys.argv[2]+'/k%%d.ptx'%%i,'w').write(re.sub(r'\\\\([0-9A-Fa-f]{2})', lambda x: chr(int(x.group(1),16)), m.group(1))) for i,m in enumerate(re.finditer(r'assembly = \"((?:[^\"\\\\]|\\\\.)*)\"', s))]" %t.mlir %t.d
// RUN: %ptxas -arch=sm_90a -v %t.d/k0.ptx -o %t.d/k0.cubin 2>&1 | FileCheck %s --check-prefix=RES
// RUN: %ptxas -arch=sm_90a -v %t.d/k1.ptx -o %t.d/k1.cubin 2>&1 | FileCheck %s --check-prefix=RES

// CHECK:       gpu.binary @dk128_kernel
// CHECK-SAME:    ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK-SAME:    mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK-SAME:    ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// CHECK:       gpu.binary @dk256_kernel
// CHECK-SAME:    mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32

// RES:     0 bytes spill stores, 0 bytes spill loads
// RES:     Used {{([0-9]|[0-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])}} registers

func.func @dk128(%q: tensor<2x3x100x128xbf16>, %v: tensor<2x3x100x128xbf16>,
                 %s: tensor<2x3x128x128xf32>)
    -> (tensor<2x3x100x128xbf16>, tensor<2x3x128x128xf32>) {
  %o, %s1 = retention.chunkwise %q, %q, %v, %s
      {chunk_size = 64 : i64, gamma = array<f64: 0.96875, 0.984375, 0.5>, scale = 0.25 : f64}
      : (tensor<2x3x100x128xbf16>, tensor<2x3x100x128xbf16>, tensor<2x3x100x128xbf16>,
         tensor<2x3x128x128xf32>) -> (tensor<2x3x100x128xbf16>, tensor<2x3x128x128xf32>)
  return %o, %s1 : tensor<2x3x100x128xbf16>, tensor<2x3x128x128xf32>
}

func.func @dk256(%q: tensor<1x2x257x256xbf16>, %v: tensor<1x2x257x64xbf16>)
    -> tensor<1x2x257x64xbf16> {
  %o = retention.parallel %q, %q, %v {gamma = array<f64: 0.96875, 0.984375>}
      : (tensor<1x2x257x256xbf16>, tensor<1x2x257x256xbf16>, tensor<1x2x257x64xbf16>)
      -> tensor<1x2x257x64xbf16>
  return %o : tensor<1x2x257x64xbf16>
}
