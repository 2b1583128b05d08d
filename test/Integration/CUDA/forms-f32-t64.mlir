// Executed on CUDA (f32): the CPU integration cases at T = 64, every combination
// of B, H, dk, dv, C and initial state, through retnet-harness (outputs poisoned
// before each run; relative L2 against the float64 reference: f32 1e-4, bf16 1e-2).
//
// DEFINE: %{case} =
// DEFINE: %{check} = retnet-harness --target cuda %cuda_binary --dtype f32 --work-dir %t %{case}
// RUN: rm -rf %t && mkdir -p %t

// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1129
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1130
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 16 --dv 16 --chunk 64 --scale 0.125 --seed 1131
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1132
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1133
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 16 --state --scale 0.125 --seed 1134
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1135
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1136
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 64 --dv 16 --chunk 16 --scale 0.125 --seed 1137
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1138
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1139
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 64 --dv 16 --chunk 64 --state --scale 0.125 --seed 1140
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1141
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1142
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 64 --dv 128 --chunk 64 --scale 0.125 --seed 1143
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1144
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1145
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 16 --dv 16 --chunk 16 --state --scale 0.125 --seed 1146
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1147
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1148
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 16 --dv 128 --chunk 16 --scale 0.125 --seed 1149
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1150
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1151
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 16 --dv 128 --chunk 64 --state --scale 0.125 --seed 1152
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1153
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1154
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 64 --dv 16 --chunk 64 --scale 0.125 --seed 1155
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1156
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1157
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 64 --dv 128 --chunk 16 --state --scale 0.125 --seed 1158
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1159
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1160
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 16 --dv 16 --chunk 16 --scale 0.125 --seed 1161
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1162
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 1163
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 16 --dv 16 --chunk 64 --state --scale 0.125 --seed 1164
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1165
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 1166
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 64 --scale 0.125 --seed 1167
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1168
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 1169
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 64 --dv 16 --chunk 16 --state --scale 0.125 --seed 1170
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1171
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 1172
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 64 --dv 128 --chunk 16 --scale 0.125 --seed 1173
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1174
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 1175
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 64 --dv 128 --chunk 64 --state --scale 0.125 --seed 1176
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1177
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 1178
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 16 --dv 16 --chunk 64 --scale 0.125 --seed 1179
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 1180
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 1181
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 16 --dv 128 --chunk 16 --state --scale 0.125 --seed 1182
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 1183
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 1184
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 64 --dv 16 --chunk 16 --scale 0.125 --seed 1185
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 1186
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 1187
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 64 --dv 16 --chunk 64 --state --scale 0.125 --seed 1188
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 1189
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 1190
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 64 --dv 128 --chunk 64 --scale 0.125 --seed 1191
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 1192
// RUN: %{check}
