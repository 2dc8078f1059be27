;; A float32 vector-matrix product with bias for streaming at batch 1, in
;; WASM SIMD, on the memory of tfjs's WASM backend (imported as env.memory).
;; Arguments are byte offsets into that memory, or counts.
(module
  (import "env" "memory" (memory 0))

  ;; y[j] = bias[j] + sum_i x[i] * w[i, j] for j < outputs, with w
  ;; [inputs, outputs] packed as `packGemvWeight` in gemv.ts describes:
  ;; blocks of four rows, each stored as 4 x 4 tiles of four columns by four
  ;; rows, then the last inputs % 4 rows in row-major order. `outputs` must
  ;; be a multiple of 4. Each block of rows goes through y in one pass, so y,
  ;; which stays in the first-level cache, is read and written once per four
  ;; rows while w is read once, in order.
  (func (export "gemv")
    (param $x i32) (param $w i32) (param $bias i32) (param $y i32)
    (param $inputs i32) (param $outputs i32)
    (local $rowBytes i32) (local $end i32) (local $j i32) (local $p i32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local.set $rowBytes (i32.shl (local.get $outputs) (i32.const 2)))
    (local.set $end (i32.add (local.get $y) (local.get $rowBytes)))
    (block $empty
      (br_if $empty (i32.eqz (local.get $outputs)))

      ;; y = bias
      (local.set $j (local.get $y))
      (local.set $p (local.get $bias))
      (loop $copy
        (v128.store (local.get $j) (v128.load (local.get $p)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br_if $copy (i32.lt_u (local.get $j) (local.get $end))))

      ;; Four rows at a time.
      (block $fourDone
        (loop $four
          (br_if $fourDone (i32.lt_u (local.get $inputs) (i32.const 4)))
          (local.set $x0 (f32x4.splat (f32.load (local.get $x))))
          (local.set $x1 (f32x4.splat (f32.load offset=4 (local.get $x))))
          (local.set $x2 (f32x4.splat (f32.load offset=8 (local.get $x))))
          (local.set $x3 (f32x4.splat (f32.load offset=12 (local.get $x))))
          (local.set $j (local.get $y))
          (loop $columns
            (v128.store (local.get $j)
              (f32x4.add
                (f32x4.add (v128.load (local.get $j))
                  (f32x4.add
                    (f32x4.mul (local.get $x0) (v128.load (local.get $w)))
                    (f32x4.mul (local.get $x1) (v128.load offset=16 (local.get $w)))))
                (f32x4.add
                  (f32x4.mul (local.get $x2) (v128.load offset=32 (local.get $w)))
                  (f32x4.mul (local.get $x3) (v128.load offset=48 (local.get $w))))))
            (local.set $w (i32.add (local.get $w) (i32.const 64)))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br_if $columns (i32.lt_u (local.get $j) (local.get $end))))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (local.set $inputs (i32.sub (local.get $inputs) (i32.const 4)))
          (br $four)))

      ;; The last rows, one at a time.
      (block $oneDone
        (loop $one
          (br_if $oneDone (i32.eqz (local.get $inputs)))
          (local.set $x0 (f32x4.splat (f32.load (local.get $x))))
          (local.set $p (local.get $w))
          (local.set $j (local.get $y))
          (loop $columns
            (v128.store (local.get $j)
              (f32x4.add (v128.load (local.get $j))
                (f32x4.mul (local.get $x0) (v128.load (local.get $p)))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br_if $columns (i32.lt_u (local.get $j) (local.get $end))))
          (local.set $w (i32.add (local.get $w) (local.get $rowBytes)))
          (local.set $x (i32.add (local.get $x) (i32.const 4)))
          (local.set $inputs (i32.sub (local.get $inputs) (i32.const 1)))
          (br $one))))))
