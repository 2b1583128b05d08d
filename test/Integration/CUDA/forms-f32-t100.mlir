// Executed on CUDA (f32): the CPU integration cases at T = 100, every combination
// of B, H, dk, dv, C and initial state, through retnet-harness (outputs poisoned
// before each run; relative L2 against the float64 reference: f32 1e-4, bf16 1e-2).
//
// DEFINE: %{case} =
// DEFINE: %{check} = retnet-harness --target cuda %cuda_binary --dtype f32 --work-dir %t %{case}
// RUN: rm -rf %t && mkdir -p %t

// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1193
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 16 --dv 16 --chunk 16 --state --scale 0.125 --seed 1194
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1195
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1196
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 16 --dv 128 --chunk 16 --scale 0.125 --seed 1197
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1198
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1199
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 16 --dv 128 --chunk 64 --state --scale 0.125 --seed 1200
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1201
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1202
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 64 --dv 16 --chunk 64 --scale 0.125 --seed 1203
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1204
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1205
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 64 --dv 128 --chunk 16 --state --scale 0.125 --seed 1206
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1207
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1208
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 16 --dv 16 --chunk 16 --scale 0.125 --seed 1209
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1210
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1211
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 16 --dv 16 --chunk 64 --state --scale 0.125 --seed 1212
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1213
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1214
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 64 --scale 0.125 --seed 1215
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1216
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1217
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 16 --state --scale 0.125 --seed 1218
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1219
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1220
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 16 --scale 0.125 --seed 1221
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1222
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1223
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 64 --state --scale 0.125 --seed 1224
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1225
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1226
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 16 --dv 16 --chunk 64 --scale 0.125 --seed 1227
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1228
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1229
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 16 --dv 128 --chunk 16 --state --scale 0.125 --seed 1230
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1231
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1232
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 64 --dv 16 --chunk 16 --scale 0.125 --seed 1233
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1234
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1235
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 64 --dv 16 --chunk 64 --state --scale 0.125 --seed 1236
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1237
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1238
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 64 --dv 128 --chunk 64 --scale 0.125 --seed 1239
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1240
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1241
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 16 --dv 16 --chunk 16 --state --scale 0.125 --seed 1242
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1243
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1244
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 16 --scale 0.125 --seed 1245
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1246
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1247
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 64 --state --scale 0.125 --seed 1248
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1249
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1250
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 64 --scale 0.125 --seed 1251
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1252
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1253
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 16 --state --scale 0.125 --seed 1254
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1255
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1256
// RUN: %{check}
