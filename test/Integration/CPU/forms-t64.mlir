// Executed on the CPU: every combination of B in {1,2}, H in {1,3}, dk in {16,64},
// dv in {16,128}, C in {16,64}, with and without an initial state, at T = 64.
// Each case runs the three forms on the same random inputs (from retnet-check's
// seed, not typed here) and checks outputs and final states against the float64
// reference (relative L2 <= 1e-5) and against each other.
//
// DEFINE: %{case} =
// DEFINE: %{check} = retnet-check gen %{case} > %t.mlir && retnet-opt %t.mlir --retention-cpu-pipeline | %mlir_cpu_run > %t.out && retnet-check verify %{case} < %t.out

// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 16 --dv 16 --chunk 16 --scale 0.125 --seed 129
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 130
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 131
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 16 --dv 16 --chunk 64 --state --scale 0.125 --seed 132
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 133
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 134
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 64 --scale 0.125 --seed 135
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 136
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 137
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 64 --dv 16 --chunk 16 --state --scale 0.125 --seed 138
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 139
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 140
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 64 --dv 128 --chunk 16 --scale 0.125 --seed 141
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 142
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 143
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 64 --dk 64 --dv 128 --chunk 64 --state --scale 0.125 --seed 144
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 145
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 146
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 16 --dv 16 --chunk 64 --scale 0.125 --seed 147
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 148
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 149
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 16 --dv 128 --chunk 16 --state --scale 0.125 --seed 150
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 151
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 152
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 64 --dv 16 --chunk 16 --scale 0.125 --seed 153
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 154
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 155
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 64 --dv 16 --chunk 64 --state --scale 0.125 --seed 156
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 157
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 158
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 64 --dv 128 --chunk 64 --scale 0.125 --seed 159
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 160
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 161
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 16 --dv 16 --chunk 16 --state --scale 0.125 --seed 162
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 163
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 164
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 16 --scale 0.125 --seed 165
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 166
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 167
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 64 --state --scale 0.125 --seed 168
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 169
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 170
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 64 --dv 16 --chunk 64 --scale 0.125 --seed 171
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 172
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 173
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 64 --dv 128 --chunk 16 --state --scale 0.125 --seed 174
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 175
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 64 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 176
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 16 --dv 16 --chunk 16 --scale 0.125 --seed 177
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 178
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 179
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 16 --dv 16 --chunk 64 --state --scale 0.125 --seed 180
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 181
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 182
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 16 --dv 128 --chunk 64 --scale 0.125 --seed 183
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 184
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 185
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 64 --dv 16 --chunk 16 --state --scale 0.125 --seed 186
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 187
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 188
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 64 --dv 128 --chunk 16 --scale 0.125 --seed 189
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 190
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 191
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 64 --dk 64 --dv 128 --chunk 64 --state --scale 0.125 --seed 192
// RUN: %{check}
