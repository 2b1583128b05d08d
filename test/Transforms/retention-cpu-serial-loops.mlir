// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-cpu-serial-loops))" | FileCheck %s

// scf.forall in a function marked retention.serial becomes scf.for; other
// functions keep theirs (for OpenMP).
// CHECK-LABEL: func.func @serial(
//   CHECK-NOT:   scf.forall
//       CHECK:   scf.for %{{.+}} = %{{.+}} to %c4 step %{{.+}}
//       CHECK:     scf.for %{{.+}} = %{{.+}} to %c8 step %{{.+}}
//       CHECK:       memref.store
func.func @serial(%m: memref<4x8xf32>, %v: f32) attributes {retention.serial} {
  scf.forall (%i, %j) in (4, 8) {
    memref.store %v, %m[%i, %j] : memref<4x8xf32>
  }
  return
}

// CHECK-LABEL: func.func @parallel(
//       CHECK:   scf.forall (%{{.+}}, %{{.+}}) in (4, 8)
func.func @parallel(%m: memref<4x8xf32>, %v: f32) {
  scf.forall (%i, %j) in (4, 8) {
    memref.store %v, %m[%i, %j] : memref<4x8xf32>
  }
  return
}
