// Executed on the CPU: every combination of B in {1,2}, H in {1,3}, dk in {16,64},
// dv in {16,128}, C in {16,64}, with and without an initial state, at T = 257.
// Each case runs the three forms on the same random inputs (from retnet-check's
// seed, not typed here) and checks outputs and final states against the float64
// reference (relative L2 <= 1e-5) and against each other.
//
// DEFINE: %{case} =
// DEFINE: %{check} = retnet-check gen %{case} > %t.mlir && retnet-opt %t.mlir --retention-cpu-pipeline | %mlir_cpu_run > %t.out && retnet-check verify %{case} < %t.out

// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 257
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 16 --state --scale 0.125 --seed 258
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 259
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 260
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 16 --scale 0.125 --seed 261
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 262
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 263
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 64 --state --scale 0.125 --seed 264
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 265
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 266
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 64 --scale 0.125 --seed 267
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 268
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 269
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 16 --state --scale 0.125 --seed 270
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 271
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 272
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 16 --dv 16 --chunk 16 --scale 0.125 --seed 273
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 274
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 275
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 16 --dv 16 --chunk 64 --state --scale 0.125 --seed 276
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 277
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 278
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 16 --dv 128 --chunk 64 --scale 0.125 --seed 279
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 280
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 281
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 16 --state --scale 0.125 --seed 282
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 283
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 284
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 64 --dv 128 --chunk 16 --scale 0.125 --seed 285
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 286
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 287
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 64 --dv 128 --chunk 64 --state --scale 0.125 --seed 288
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 289
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 290
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 64 --scale 0.125 --seed 291
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 292
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 293
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 16 --state --scale 0.125 --seed 294
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 295
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 296
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 16 --scale 0.125 --seed 297
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 298
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 299
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 64 --state --scale 0.125 --seed 300
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 301
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 302
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 64 --scale 0.125 --seed 303
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 304
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 305
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 16 --dv 16 --chunk 16 --state --scale 0.125 --seed 306
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 307
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 308
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 16 --dv 128 --chunk 16 --scale 0.125 --seed 309
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 310
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 311
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 16 --dv 128 --chunk 64 --state --scale 0.125 --seed 312
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 313
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 314
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 64 --scale 0.125 --seed 315
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 316
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 317
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 64 --dv 128 --chunk 16 --state --scale 0.125 --seed 318
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 319
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 320
// RUN: %{check}
