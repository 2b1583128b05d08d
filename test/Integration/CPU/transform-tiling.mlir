// The retention ops tiled by a user's transform-dialect schedule (upstream
// transform.structured.tile_using_forall on the ops' TilingInterface, tile
// sizes [1, 1]: one batch row and one head per tile), then compiled by
// --retention-cpu-pipeline and executed: every form matches the float64
// reference. The heads have different decays, so a tile that read the wrong
// head's gamma (head_offset lost) would fail.
//
// DEFINE: %{case} =
// DEFINE: %{check} = retnet-check gen %{case} > %t.mlir && retnet-opt %t.mlir --transform-preload-library="transform-library-paths=%S/Inputs/tile-batch-heads.mlir" --transform-interpreter > %t.tiled.mlir && FileCheck %s < %t.tiled.mlir && retnet-opt %t.tiled.mlir --retention-cpu-pipeline | %mlir_cpu_run > %t.out && retnet-check verify %{case} < %t.out

// CHECK: scf.forall (%{{.*}}, %[[H:.*]]) in (
// CHECK:   retention.chunkwise {{.*}} head_offset(%[[H]]) outs(
// CHECK-SAME: tensor<1x1x
// CHECK: scf.forall (%{{.*}}, %[[H2:.*]]) in (
// CHECK:   retention.parallel {{.*}} head_offset(%[[H2]]) outs(
// CHECK: scf.forall (%{{.*}}, %[[H3:.*]]) in (
// CHECK:   retention.recurrent {{.*}} head_offset(%[[H3]]) outs(

// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 40 --dk 16 --dv 8 --chunk 16 --state --seed 41
// RUN: %{check}

// REDEFINE: %{case} = --batch 1 --heads 4 --tokens 100 --dk 32 --dv 16 --chunk 32 --scale 0.25 --seed 42
// RUN: %{check}

// REDEFINE: %{case} = --dynamic-tokens --batch 2 --heads 2 --tokens 33 --dk 16 --dv 16 --chunk 16 --state --seed 43
// RUN: %{check}
