// Executed on CUDA (bf16): the CPU integration cases at T = 1, every combination
// of B, H, dk, dv, C and initial state, through retnet-harness (outputs poisoned
// before each run; relative L2 against the float64 reference: f32 1e-4, bf16 1e-2).
//
// DEFINE: %{case} =
// DEFINE: %{check} = retnet-harness --target cuda %cuda_binary --dtype bf16 --work-dir %t %{case}
// RUN: rm -rf %t && mkdir -p %t

// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1321
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1322
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 16 --dv 16 --chunk 64 --scale 0.125 --seed 1323
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1324
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1325
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 16 --dv 128 --chunk 16 --state --scale 0.125 --seed 1326
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1327
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1328
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 64 --dv 16 --chunk 16 --scale 0.125 --seed 1329
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1330
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1331
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 64 --dv 16 --chunk 64 --state --scale 0.125 --seed 1332
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1333
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1334
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 64 --dv 128 --chunk 64 --scale 0.125 --seed 1335
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1336
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1337
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 16 --state --scale 0.125 --seed 1338
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1339
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1340
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 16 --dv 128 --chunk 16 --scale 0.125 --seed 1341
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1342
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1343
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 16 --dv 128 --chunk 64 --state --scale 0.125 --seed 1344
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1345
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1346
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 64 --dv 16 --chunk 64 --scale 0.125 --seed 1347
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1348
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1349
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 64 --dv 128 --chunk 16 --state --scale 0.125 --seed 1350
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1351
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1352
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 16 --dv 16 --chunk 16 --scale 0.125 --seed 1353
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1354
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1355
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 16 --dv 16 --chunk 64 --state --scale 0.125 --seed 1356
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1357
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1358
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 16 --dv 128 --chunk 64 --scale 0.125 --seed 1359
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1360
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1361
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 64 --dv 16 --chunk 16 --state --scale 0.125 --seed 1362
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1363
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1364
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 64 --dv 128 --chunk 16 --scale 0.125 --seed 1365
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1366
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1367
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 64 --dv 128 --chunk 64 --state --scale 0.125 --seed 1368
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1369
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1370
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 64 --scale 0.125 --seed 1371
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1372
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1373
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 16 --dv 128 --chunk 16 --state --scale 0.125 --seed 1374
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1375
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1376
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 64 --dv 16 --chunk 16 --scale 0.125 --seed 1377
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1378
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1379
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 64 --dv 16 --chunk 64 --state --scale 0.125 --seed 1380
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1381
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1382
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 64 --dv 128 --chunk 64 --scale 0.125 --seed 1383
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1384
// RUN: %{check}
