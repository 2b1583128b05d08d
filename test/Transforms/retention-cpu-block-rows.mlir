// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-cpu-block-rows))" | FileCheck %s
// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-cpu-block-rows{rows=4}))" | FileCheck %s --check-prefix=FOUR

// A dynamic row count M: the first M - M mod 8 rows as [M/8, 8, K] blocks
// (a static 8-row accumulator for the vectorizer), the rest as a matmul.
// CHECK-DAG:   #[[$FLOOR:.+]] = affine_map<()[s0] -> ((s0 floordiv 8) * 8)>
// CHECK-DAG:   #[[$GROUPS:.+]] = affine_map<()[s0] -> (s0 floordiv 8)>
// CHECK-DAG:   #[[$REST:.+]] = affine_map<()[s0] -> (s0 mod 8)>
// CHECK-LABEL: func.func @dynamic_rows(
//  CHECK-SAME:     %[[A:.+]]: tensor<?x64xf32>, %[[B:.+]]: tensor<64x48xf32>, %[[C:.+]]: tensor<?x48xf32>)
//       CHECK:   %[[M:.+]] = tensor.dim %[[A]], %c0
//       CHECK:   %[[MB:.+]] = affine.apply #[[$FLOOR]]()[%[[M]]]
//       CHECK:   %[[G:.+]] = affine.apply #[[$GROUPS]]()[%[[M]]]
//       CHECK:   %[[R:.+]] = affine.apply #[[$REST]]()[%[[M]]]
//       CHECK:   %[[A0:.+]] = tensor.extract_slice %[[A]][0, 0] [%[[MB]], 64] [1, 1]
//       CHECK:   %[[A3:.+]] = tensor.expand_shape %[[A0]] {{\[}}[0, 1], [2]] output_shape [%[[G]], 8, 64] : tensor<?x64xf32> into tensor<?x8x64xf32>
//       CHECK:   %[[BLK:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[A3]], %[[B]] : tensor<?x8x64xf32>, tensor<64x48xf32>) outs(%{{.+}} : tensor<?x8x48xf32>)
//       CHECK:     arith.mulf
//       CHECK:     arith.addf
//       CHECK:   %[[TAIL:.+]] = linalg.matmul ins(%{{.+}}, %[[B]] : tensor<?x64xf32>, tensor<64x48xf32>)
//       CHECK:   %[[OUT:.+]] = tensor.insert_slice %{{.+}} into %[[C]][0, 0] [%[[MB]], 48] [1, 1]
//       CHECK:   tensor.insert_slice %[[TAIL]] into %[[OUT]][%[[MB]], 0] [%[[R]], 48] [1, 1]
// FOUR-LABEL: func.func @dynamic_rows(
//       FOUR:   tensor.expand_shape {{.+}} into tensor<?x4x64xf32>
func.func @dynamic_rows(%a: tensor<?x64xf32>, %b: tensor<64x48xf32>, %c: tensor<?x48xf32>) -> tensor<?x48xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<?x64xf32>, tensor<64x48xf32>) outs(%c : tensor<?x48xf32>) -> tensor<?x48xf32>
  return %r : tensor<?x48xf32>
}

// Static row counts are left to the vectorizer's own tiles.
// CHECK-LABEL: func.func @static_rows(
//       CHECK:   linalg.matmul
//   CHECK-NOT:   tensor.expand_shape
func.func @static_rows(%a: tensor<20x64xf32>, %b: tensor<64x48xf32>, %c: tensor<20x48xf32>) -> tensor<20x48xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<20x64xf32>, tensor<64x48xf32>) outs(%c : tensor<20x48xf32>) -> tensor<20x48xf32>
  return %r : tensor<20x48xf32>
}
