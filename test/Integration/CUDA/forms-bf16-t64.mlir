// Executed on CUDA (bf16): the CPU integration cases at T = 64, every combination
// of B, H, dk, dv, C and initial state, through retnet-harness (outputs poisoned
// before each run; relative L2 against the float64 reference: f32 1e-4, bf16 1e-2).
//
// DEFINE: %{case} =
// DEFINE: %{check} = retnet-harness --target cuda %cuda_binary --dtype bf16 --work-dir %t %{case}
// RUN: rm -rf %t && mkdir -p %t

// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 16 --dv 16 --chunk 16 --scale 0.125 --seed 1449
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1450
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1451
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 16 --dv 16 --chunk 64 --state --scale 0.125 --seed 1452
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1453
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1454
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 64 --scale 0.125 --seed 1455
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1456
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1457
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 64 --dv 16 --chunk 16 --state --scale 0.125 --seed 1458
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1459
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1460
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 64 --dv 128 --chunk 16 --scale 0.125 --seed 1461
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1462
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1463
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 64 --dv 128 --chunk 64 --state --scale 0.125 --seed 1464
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1465
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1466
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 16 --dv 16 --chunk 64 --scale 0.125 --seed 1467
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1468
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1469
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 16 --dv 128 --chunk 16 --state --scale 0.125 --seed 1470
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1471
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1472
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 64 --dv 16 --chunk 16 --scale 0.125 --seed 1473
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1474
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1475
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 64 --dv 16 --chunk 64 --state --scale 0.125 --seed 1476
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1477
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1478
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 64 --dv 128 --chunk 64 --scale 0.125 --seed 1479
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1480
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1481
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 16 --dv 16 --chunk 16 --state --scale 0.125 --seed 1482
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1483
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1484
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 16 --scale 0.125 --seed 1485
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1486
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1487
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 64 --state --scale 0.125 --seed 1488
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1489
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1490
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 64 --dv 16 --chunk 64 --scale 0.125 --seed 1491
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1492
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1493
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 64 --dv 128 --chunk 16 --state --scale 0.125 --seed 1494
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1495
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1496
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 16 --dv 16 --chunk 16 --scale 0.125 --seed 1497
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1498
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1499
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 16 --dv 16 --chunk 64 --state --scale 0.125 --seed 1500
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1501
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1502
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 16 --dv 128 --chunk 64 --scale 0.125 --seed 1503
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1504
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1505
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 64 --dv 16 --chunk 16 --state --scale 0.125 --seed 1506
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1507
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1508
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 64 --dv 128 --chunk 16 --scale 0.125 --seed 1509
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1510
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1511
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 64 --dv 128 --chunk 64 --state --scale 0.125 --seed 1512
// RUN: %{check}
