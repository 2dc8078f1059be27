;; One step of the diagonal recurrence for every sequence, channel and mode,
;; in float64 WASM SIMD, on the memory of tfjs's WASM backend (imported as
;; env.memory), where the state, the input and the outputs live as float32
;; tensors. Every argument is a byte offset into that memory or a count.
(module
  (import "env" "memory" (memory 0))

  ;; For b < batch, h < channels and n < modes, with the complex state
  ;; x = state[b, h, n, 0] + i * state[b, h, n, 1] (float32):
  ;;   x' = Abar * x + Bbar * u[b, h]
  ;;   next[b, h, n] = x'
  ;;   y[b, h] = 2 * Re(sum_n C * x') + d[h] * u[b, h]
  ;; `table` holds four float64 pairs per (h, n), 64 bytes:
  ;; (Re Abar, Re Abar), (-Im Abar, Im Abar), (Re Bbar, Im Bbar) and
  ;; (2 Re C, -2 Im C), so that with x = (re, im) as one vector,
  ;; x' = pair0 * x + pair1 * swap(x) + pair2 * u and the output term is
  ;; the lane sum of pair3 * x'.
  (func (export "step")
    (param $table i32) (param $d i32) (param $state i32) (param $u i32)
    (param $y i32) (param $next i32)
    (param $batch i32) (param $channels i32) (param $modes i32)
    (local $h i32) (local $n i32) (local $tp i32) (local $input f64)
    (local $x v128) (local $ut v128) (local $sum v128)
    (block $done
      (br_if $done
        (i32.or (i32.eqz (local.get $batch))
          (i32.or (i32.eqz (local.get $channels)) (i32.eqz (local.get $modes)))))
      (loop $sequence
        (local.set $tp (local.get $table))
        (local.set $h (i32.const 0))
        (loop $channel
          (local.set $input (f64.promote_f32 (f32.load (local.get $u))))
          (local.set $ut (f64x2.splat (local.get $input)))
          (local.set $sum (v128.const i64x2 0 0))
          (local.set $n (local.get $modes))
          (loop $mode
            (local.set $x
              (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $state))))
            (local.set $x
              (f64x2.add
                (f64x2.add
                  (f64x2.mul (v128.load (local.get $tp)) (local.get $x))
                  (f64x2.mul (v128.load offset=16 (local.get $tp))
                    (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                      (local.get $x) (local.get $x))))
                (f64x2.mul (v128.load offset=32 (local.get $tp)) (local.get $ut))))
            (v128.store64_lane 0 (local.get $next)
              (f32x4.demote_f64x2_zero (local.get $x)))
            (local.set $sum
              (f64x2.add (local.get $sum)
                (f64x2.mul (v128.load offset=48 (local.get $tp)) (local.get $x))))
            (local.set $tp (i32.add (local.get $tp) (i32.const 64)))
            (local.set $state (i32.add (local.get $state) (i32.const 8)))
            (local.set $next (i32.add (local.get $next) (i32.const 8)))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br_if $mode (local.get $n)))
          (f32.store (local.get $y)
            (f32.demote_f64
              (f64.add
                (f64.add (f64x2.extract_lane 0 (local.get $sum))
                  (f64x2.extract_lane 1 (local.get $sum)))
                (f64.mul
                  (f64.promote_f32
                    (f32.load
                      (i32.add (local.get $d) (i32.shl (local.get $h) (i32.const 2)))))
                  (local.get $input)))))
          (local.set $u (i32.add (local.get $u) (i32.const 4)))
          (local.set $y (i32.add (local.get $y) (i32.const 4)))
          (local.set $h (i32.add (local.get $h) (i32.const 1)))
          (br_if $channel (i32.lt_u (local.get $h) (local.get $channels))))
        (local.set $batch (i32.sub (local.get $batch) (i32.const 1)))
        (br_if $sequence (local.get $batch))))))
