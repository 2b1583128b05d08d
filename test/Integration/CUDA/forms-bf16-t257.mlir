// Executed on CUDA (bf16): the CPU integration cases at T = 257, every combination
// of B, H, dk, dv, C and initial state, through retnet-harness (outputs poisoned
// before each run; relative L2 against the float64 reference: f32 1e-4, bf16 1e-2).
//
// DEFINE: %{case} =
// DEFINE: %{check} = retnet-harness --target cuda %cuda_binary --dtype bf16 --work-dir %t %{case}
// RUN: rm -rf %t && mkdir -p %t

// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1577
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 16 --state --scale 0.125 --seed 1578
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1579
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1580
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 16 --scale 0.125 --seed 1581
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1582
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1583
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 64 --state --scale 0.125 --seed 1584
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1585
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1586
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 64 --scale 0.125 --seed 1587
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1588
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1589
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 16 --state --scale 0.125 --seed 1590
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1591
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1592
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 16 --dv 16 --chunk 16 --scale 0.125 --seed 1593
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1594
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1595
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 16 --dv 16 --chunk 64 --state --scale 0.125 --seed 1596
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1597
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1598
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 16 --dv 128 --chunk 64 --scale 0.125 --seed 1599
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1600
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1601
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 16 --state --scale 0.125 --seed 1602
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1603
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1604
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 64 --dv 128 --chunk 16 --scale 0.125 --seed 1605
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1606
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1607
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 257 --dk 64 --dv 128 --chunk 64 --state --scale 0.125 --seed 1608
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1609
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1610
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 64 --scale 0.125 --seed 1611
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1612
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1613
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 16 --state --scale 0.125 --seed 1614
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1615
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1616
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 16 --scale 0.125 --seed 1617
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1618
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1619
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 64 --state --scale 0.125 --seed 1620
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1621
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1622
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 64 --scale 0.125 --seed 1623
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1624
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1625
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 16 --dv 16 --chunk 16 --state --scale 0.125 --seed 1626
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1627
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1628
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 16 --dv 128 --chunk 16 --scale 0.125 --seed 1629
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1630
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1631
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 16 --dv 128 --chunk 64 --state --scale 0.125 --seed 1632
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1633
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1634
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 64 --scale 0.125 --seed 1635
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1636
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1637
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 64 --dv 128 --chunk 16 --state --scale 0.125 --seed 1638
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1639
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 257 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1640
// RUN: %{check}
