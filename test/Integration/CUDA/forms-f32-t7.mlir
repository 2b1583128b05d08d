// Executed on CUDA (f32): the CPU integration cases at T = 7, every combination
// of B, H, dk, dv, C and initial state, through retnet-harness (outputs poisoned
// before each run; relative L2 against the float64 reference: f32 1e-4, bf16 1e-2).
//
// DEFINE: %{case} =
// DEFINE: %{check} = retnet-harness --target cuda %cuda_binary --dtype f32 --work-dir %t %{case}
// RUN: rm -rf %t && mkdir -p %t

// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 16 --scale 0.125 --seed 1065
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1066
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1067
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 64 --state --scale 0.125 --seed 1068
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1069
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1070
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 16 --dv 128 --chunk 64 --scale 0.125 --seed 1071
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1072
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1073
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 64 --dv 16 --chunk 16 --state --scale 0.125 --seed 1074
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1075
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1076
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 64 --dv 128 --chunk 16 --scale 0.125 --seed 1077
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1078
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1079
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 64 --dv 128 --chunk 64 --state --scale 0.125 --seed 1080
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1081
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1082
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 64 --scale 0.125 --seed 1083
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1084
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1085
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 16 --dv 128 --chunk 16 --state --scale 0.125 --seed 1086
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1087
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1088
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 64 --dv 16 --chunk 16 --scale 0.125 --seed 1089
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1090
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1091
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 64 --dv 16 --chunk 64 --state --scale 0.125 --seed 1092
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1093
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1094
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 64 --dv 128 --chunk 64 --scale 0.125 --seed 1095
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1096
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1097
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 16 --state --scale 0.125 --seed 1098
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1099
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1100
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 16 --dv 128 --chunk 16 --scale 0.125 --seed 1101
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1102
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1103
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 16 --dv 128 --chunk 64 --state --scale 0.125 --seed 1104
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1105
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1106
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 64 --dv 16 --chunk 64 --scale 0.125 --seed 1107
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1108
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1109
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 64 --dv 128 --chunk 16 --state --scale 0.125 --seed 1110
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1111
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1112
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 16 --scale 0.125 --seed 1113
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1114
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1115
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 64 --state --scale 0.125 --seed 1116
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1117
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1118
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 16 --dv 128 --chunk 64 --scale 0.125 --seed 1119
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1120
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1121
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 64 --dv 16 --chunk 16 --state --scale 0.125 --seed 1122
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1123
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1124
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 64 --dv 128 --chunk 16 --scale 0.125 --seed 1125
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1126
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1127
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 64 --dv 128 --chunk 64 --state --scale 0.125 --seed 1128
// RUN: %{check}
