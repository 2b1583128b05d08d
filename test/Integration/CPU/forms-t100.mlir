// Executed on the CPU: every combination of B in {1,2}, H in {1,3}, dk in {16,64},
// dv in {16,128}, C in {16,64}, with and without an initial state, at T = 100.
// Each case runs the three forms on the same random inputs (from retnet-check's
// seed, not typed here) and checks outputs and final states against the float64
// reference (relative L2 <= 1e-5) and against each other.
//
// DEFINE: %{case} =
// DEFINE: %{check} = retnet-check gen %{case} > %t.mlir && retnet-opt %t.mlir --retention-cpu-pipeline | %mlir_cpu_run > %t.out && retnet-check verify %{case} < %t.out

// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 193
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 194
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 16 --dv 16 --chunk 64 --scale 0.125 --seed 195
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 196
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 197
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 16 --dv 128 --chunk 16 --state --scale 0.125 --seed 198
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 199
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 200
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 64 --dv 16 --chunk 16 --scale 0.125 --seed 201
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 202
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 203
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 64 --dv 16 --chunk 64 --state --scale 0.125 --seed 204
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 205
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 206
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 64 --dv 128 --chunk 64 --scale 0.125 --seed 207
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 208
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 209
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 16 --dv 16 --chunk 16 --state --scale 0.125 --seed 210
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 211
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 212
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 16 --scale 0.125 --seed 213
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 214
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 215
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 64 --state --scale 0.125 --seed 216
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 217
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 218
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 64 --scale 0.125 --seed 219
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 220
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 221
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 16 --state --scale 0.125 --seed 222
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 223
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 224
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 16 --dv 16 --chunk 16 --scale 0.125 --seed 225
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 226
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 227
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 16 --dv 16 --chunk 64 --state --scale 0.125 --seed 228
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 229
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 230
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 16 --dv 128 --chunk 64 --scale 0.125 --seed 231
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 232
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 233
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 64 --dv 16 --chunk 16 --state --scale 0.125 --seed 234
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 235
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 236
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 64 --dv 128 --chunk 16 --scale 0.125 --seed 237
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 238
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 239
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 64 --dv 128 --chunk 64 --state --scale 0.125 --seed 240
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 241
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 242
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 16 --dv 16 --chunk 64 --scale 0.125 --seed 243
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 244
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 245
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 16 --state --scale 0.125 --seed 246
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 247
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 248
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 16 --scale 0.125 --seed 249
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 250
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 251
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 64 --state --scale 0.125 --seed 252
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 253
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 254
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 64 --scale 0.125 --seed 255
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 256
// RUN: %{check}
