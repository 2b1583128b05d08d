// Executed on CUDA (f32): the CPU integration cases at T = 257, every combination
// of B, H, dk, dv, C and initial state, through retnet-harness (outputs poisoned
// before each run; relative L2 against the float64 reference: f32 1e-4, bf16 1e-2).
//
// DEFINE: %{case} =
// DEFINE: %{check} = retnet-harness --target cuda %cuda_binary --dtype f32 --work-dir %t %{case}
// RUN: rm -rf %t && mkdir -p %t

// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 16 --scale 0.125 --seed 1257
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1258
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1259
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 64 --state --scale 0.125 --seed 1260
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1261
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1262
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 64 --scale 0.125 --seed 1263
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1264
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1265
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 16 --state --scale 0.125 --seed 1266
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1267
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1268
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 16 --scale 0.125 --seed 1269
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1270
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1271
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 64 --state --scale 0.125 --seed 1272
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1273
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1274
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 16 --dv 16 --chunk 64 --scale 0.125 --seed 1275
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1276
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1277
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 16 --dv 128 --chunk 16 --state --scale 0.125 --seed 1278
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1279
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1280
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 16 --scale 0.125 --seed 1281
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1282
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1283
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 64 --state --scale 0.125 --seed 1284
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1285
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1286
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 64 --dv 128 --chunk 64 --scale 0.125 --seed 1287
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1288
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1289
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 16 --state --scale 0.125 --seed 1290
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1291
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1292
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 16 --scale 0.125 --seed 1293
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1294
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1295
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 64 --state --scale 0.125 --seed 1296
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1297
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1298
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 64 --scale 0.125 --seed 1299
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1300
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1301
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 16 --state --scale 0.125 --seed 1302
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1303
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1304
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 16 --dv 16 --chunk 16 --scale 0.125 --seed 1305
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1306
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1307
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 16 --dv 16 --chunk 64 --state --scale 0.125 --seed 1308
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1309
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1310
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 16 --dv 128 --chunk 64 --scale 0.125 --seed 1311
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1312
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1313
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 16 --state --scale 0.125 --seed 1314
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1315
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1316
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 64 --dv 128 --chunk 16 --scale 0.125 --seed 1317
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1318
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1319
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 64 --dv 128 --chunk 64 --state --scale 0.125 --seed 1320
// RUN: %{check}
