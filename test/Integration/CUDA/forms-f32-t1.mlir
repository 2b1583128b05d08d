// Executed on CUDA (f32): the CPU integration cases at T = 1, every combination
// of B, H, dk, dv, C and initial state, through retnet-harness (outputs poisoned
// before each run; relative L2 against the float64 reference: f32 1e-4, bf16 1e-2).
//
// DEFINE: %{case} =
// DEFINE: %{check} = retnet-harness --target cuda %cuda_binary --dtype f32 --work-dir %t %{case}
// RUN: rm -rf %t && mkdir -p %t

// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1001
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 16 --dv 16 --chunk 16 --state --scale 0.125 --seed 1002
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1003
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1004
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 16 --dv 128 --chunk 16 --scale 0.125 --seed 1005
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1006
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1007
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 16 --dv 128 --chunk 64 --state --scale 0.125 --seed 1008
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1009
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1010
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 64 --dv 16 --chunk 64 --scale 0.125 --seed 1011
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1012
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1013
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 64 --dv 128 --chunk 16 --state --scale 0.125 --seed 1014
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1015
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1016
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 16 --scale 0.125 --seed 1017
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1018
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1019
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 64 --state --scale 0.125 --seed 1020
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1021
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1022
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 16 --dv 128 --chunk 64 --scale 0.125 --seed 1023
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1024
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1025
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 64 --dv 16 --chunk 16 --state --scale 0.125 --seed 1026
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1027
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1028
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 64 --dv 128 --chunk 16 --scale 0.125 --seed 1029
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1030
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1031
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 64 --dv 128 --chunk 64 --state --scale 0.125 --seed 1032
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1033
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1034
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 16 --dv 16 --chunk 64 --scale 0.125 --seed 1035
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1036
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1037
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 16 --dv 128 --chunk 16 --state --scale 0.125 --seed 1038
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1039
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1040
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 64 --dv 16 --chunk 16 --scale 0.125 --seed 1041
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1042
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1043
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 64 --dv 16 --chunk 64 --state --scale 0.125 --seed 1044
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1045
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1046
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 64 --dv 128 --chunk 64 --scale 0.125 --seed 1047
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1048
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1049
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 16 --state --scale 0.125 --seed 1050
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1051
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1052
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 16 --dv 128 --chunk 16 --scale 0.125 --seed 1053
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1054
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1055
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 16 --dv 128 --chunk 64 --state --scale 0.125 --seed 1056
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1057
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1058
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 64 --dv 16 --chunk 64 --scale 0.125 --seed 1059
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1060
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1061
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 64 --dv 128 --chunk 16 --state --scale 0.125 --seed 1062
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1063
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1064
// RUN: %{check}
