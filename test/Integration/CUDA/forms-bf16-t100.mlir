// Executed on CUDA (bf16): the CPU integration cases at T = 100, every combination
// of B, H, dk, dv, C and initial state, through retnet-harness (outputs poisoned
// before each run; relative L2 against the float64 reference: f32 1e-4, bf16 1e-2).
//
// DEFINE: %{case} =
// DEFINE: %{check} = retnet-harness --target cuda %cuda_binary --dtype bf16 --work-dir %t %{case}
// RUN: rm -rf %t && mkdir -p %t

// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1513
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1514
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 16 --dv 16 --chunk 64 --scale 0.125 --seed 1515
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1516
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1517
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 16 --dv 128 --chunk 16 --state --scale 0.125 --seed 1518
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1519
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1520
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 64 --dv 16 --chunk 16 --scale 0.125 --seed 1521
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1522
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1523
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 64 --dv 16 --chunk 64 --state --scale 0.125 --seed 1524
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1525
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1526
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 64 --dv 128 --chunk 64 --scale 0.125 --seed 1527
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1528
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1529
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 16 --dv 16 --chunk 16 --state --scale 0.125 --seed 1530
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1531
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1532
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 16 --scale 0.125 --seed 1533
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1534
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1535
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 64 --state --scale 0.125 --seed 1536
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1537
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1538
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 64 --scale 0.125 --seed 1539
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1540
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1541
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 16 --state --scale 0.125 --seed 1542
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1543
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1544
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 16 --dv 16 --chunk 16 --scale 0.125 --seed 1545
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1546
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1547
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 16 --dv 16 --chunk 64 --state --scale 0.125 --seed 1548
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1549
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1550
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 16 --dv 128 --chunk 64 --scale 0.125 --seed 1551
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1552
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1553
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 64 --dv 16 --chunk 16 --state --scale 0.125 --seed 1554
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1555
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1556
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 64 --dv 128 --chunk 16 --scale 0.125 --seed 1557
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1558
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1559
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 100 --dk 64 --dv 128 --chunk 64 --state --scale 0.125 --seed 1560
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1561
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1562
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 16 --dv 16 --chunk 64 --scale 0.125 --seed 1563
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1564
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1565
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 16 --state --scale 0.125 --seed 1566
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1567
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1568
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 16 --scale 0.125 --seed 1569
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1570
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1571
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 64 --state --scale 0.125 --seed 1572
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1573
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1574
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 64 --scale 0.125 --seed 1575
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1576
// RUN: %{check}
