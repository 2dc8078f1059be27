;; The dense float64 matrix product behind the blocked Vandermonde kernel and
;; its gradient (see src/vandermonde_simd.ts), in WASM SIMD. Arguments are
;; byte offsets into the exported memory, which the caller fills and grows,
;; or counts.
(module
  (memory (export "memory") 1)

  ;; c = a * b for row-major a [rows, inner], b [inner, cols] and
  ;; c [rows, cols]. `rows` must be even and `cols` a multiple of 8. Each
  ;; pass keeps a 2 x 8 block of c in eight vectors, so every load of b
  ;; serves two rows and every load of a serves eight columns.
  (func (export "matmul")
    (param $a i32) (param $b i32) (param $c i32)
    (param $rows i32) (param $inner i32) (param $cols i32)
    (local $rowA i32) (local $rowC i32) (local $row i32) (local $col i32)
    (local $k i32) (local $pa i32) (local $pb i32) (local $pc i32)
    (local $x0 v128) (local $x1 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $c00 v128) (local $c01 v128) (local $c02 v128) (local $c03 v128)
    (local $c10 v128) (local $c11 v128) (local $c12 v128) (local $c13 v128)
    (local.set $rowA (i32.shl (local.get $inner) (i32.const 3)))
    (local.set $rowC (i32.shl (local.get $cols) (i32.const 3)))
    (block $done
      (br_if $done
        (i32.or (i32.eqz (local.get $rows)) (i32.eqz (local.get $cols))))
      (local.set $row (i32.const 0))
      (loop $rowPairs
        (local.set $col (i32.const 0))
        (loop $columnBlocks
          (local.set $c00 (v128.const i64x2 0 0))
          (local.set $c01 (v128.const i64x2 0 0))
          (local.set $c02 (v128.const i64x2 0 0))
          (local.set $c03 (v128.const i64x2 0 0))
          (local.set $c10 (v128.const i64x2 0 0))
          (local.set $c11 (v128.const i64x2 0 0))
          (local.set $c12 (v128.const i64x2 0 0))
          (local.set $c13 (v128.const i64x2 0 0))
          (local.set $pa
            (i32.add (local.get $a) (i32.mul (local.get $row) (local.get $rowA))))
          (local.set $pb
            (i32.add (local.get $b) (i32.shl (local.get $col) (i32.const 3))))
          (local.set $k (local.get $inner))
          (block $innerDone
            (br_if $innerDone (i32.eqz (local.get $k)))
            (loop $products
              (local.set $x0 (f64x2.splat (f64.load (local.get $pa))))
              (local.set $x1
                (f64x2.splat
                  (f64.load (i32.add (local.get $pa) (local.get $rowA)))))
              (local.set $b0 (v128.load (local.get $pb)))
              (local.set $b1 (v128.load offset=16 (local.get $pb)))
              (local.set $b2 (v128.load offset=32 (local.get $pb)))
              (local.set $b3 (v128.load offset=48 (local.get $pb)))
              (local.set $c00
                (f64x2.add (local.get $c00) (f64x2.mul (local.get $x0) (local.get $b0))))
              (local.set $c01
                (f64x2.add (local.get $c01) (f64x2.mul (local.get $x0) (local.get $b1))))
              (local.set $c02
                (f64x2.add (local.get $c02) (f64x2.mul (local.get $x0) (local.get $b2))))
              (local.set $c03
                (f64x2.add (local.get $c03) (f64x2.mul (local.get $x0) (local.get $b3))))
              (local.set $c10
                (f64x2.add (local.get $c10) (f64x2.mul (local.get $x1) (local.get $b0))))
              (local.set $c11
                (f64x2.add (local.get $c11) (f64x2.mul (local.get $x1) (local.get $b1))))
              (local.set $c12
                (f64x2.add (local.get $c12) (f64x2.mul (local.get $x1) (local.get $b2))))
              (local.set $c13
                (f64x2.add (local.get $c13) (f64x2.mul (local.get $x1) (local.get $b3))))
              (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
              (local.set $pb (i32.add (local.get $pb) (local.get $rowC)))
              (local.set $k (i32.sub (local.get $k) (i32.const 1)))
              (br_if $products (local.get $k))))
          (local.set $pc
            (i32.add (local.get $c)
              (i32.add (i32.mul (local.get $row) (local.get $rowC))
                (i32.shl (local.get $col) (i32.const 3)))))
          (v128.store (local.get $pc) (local.get $c00))
          (v128.store offset=16 (local.get $pc) (local.get $c01))
          (v128.store offset=32 (local.get $pc) (local.get $c02))
          (v128.store offset=48 (local.get $pc) (local.get $c03))
          (local.set $pc (i32.add (local.get $pc) (local.get $rowC)))
          (v128.store (local.get $pc) (local.get $c10))
          (v128.store offset=16 (local.get $pc) (local.get $c11))
          (v128.store offset=32 (local.get $pc) (local.get $c12))
          (v128.store offset=48 (local.get $pc) (local.get $c13))
          (local.set $col (i32.add (local.get $col) (i32.const 8)))
          (br_if $columnBlocks (i32.lt_u (local.get $col) (local.get $cols))))
        (local.set $row (i32.add (local.get $row) (i32.const 2)))
        (br_if $rowPairs (i32.lt_u (local.get $row) (local.get $rows))))))
)
