// Executed on CUDA (bf16): the CPU integration cases at T = 7, every combination
// of B, H, dk, dv, C and initial state, through retnet-harness (outputs poisoned
// before each run; relative L2 against the float64 reference: f32 1e-4, bf16 1e-2).
//
// DEFINE: %{case} =
// DEFINE: %{check} = retnet-harness --target cuda %cuda_binary --dtype bf16 --work-dir %t %{case}
// RUN: rm -rf %t && mkdir -p %t

// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1385
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 16 --state --scale 0.125 --seed 1386
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1387
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1388
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 16 --dv 128 --chunk 16 --scale 0.125 --seed 1389
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1390
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1391
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 16 --dv 128 --chunk 64 --state --scale 0.125 --seed 1392
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1393
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1394
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 64 --dv 16 --chunk 64 --scale 0.125 --seed 1395
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1396
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1397
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 64 --dv 128 --chunk 16 --state --scale 0.125 --seed 1398
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1399
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1400
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 16 --scale 0.125 --seed 1401
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1402
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1403
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 64 --state --scale 0.125 --seed 1404
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1405
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1406
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 16 --dv 128 --chunk 64 --scale 0.125 --seed 1407
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1408
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1409
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 64 --dv 16 --chunk 16 --state --scale 0.125 --seed 1410
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1411
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1412
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 64 --dv 128 --chunk 16 --scale 0.125 --seed 1413
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1414
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1415
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 64 --dv 128 --chunk 64 --state --scale 0.125 --seed 1416
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1417
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1418
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 64 --scale 0.125 --seed 1419
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1420
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1421
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 16 --dv 128 --chunk 16 --state --scale 0.125 --seed 1422
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1423
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1424
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 64 --dv 16 --chunk 16 --scale 0.125 --seed 1425
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1426
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1427
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 64 --dv 16 --chunk 64 --state --scale 0.125 --seed 1428
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1429
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1430
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 64 --dv 128 --chunk 64 --scale 0.125 --seed 1431
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1432
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1433
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 16 --state --scale 0.125 --seed 1434
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1435
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1436
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 16 --dv 128 --chunk 16 --scale 0.125 --seed 1437
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1438
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1439
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 16 --dv 128 --chunk 64 --state --scale 0.125 --seed 1440
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1441
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1442
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 64 --dv 16 --chunk 64 --scale 0.125 --seed 1443
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1444
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1445
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 64 --dv 128 --chunk 16 --state --scale 0.125 --seed 1446
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1447
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1448
// RUN: %{check}
