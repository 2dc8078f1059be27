;; The power sums of the Vandermonde kernel and of its gradient, in float64
;; WASM SIMD. Every array is float64 unless said otherwise, addressed by byte
;; offsets into the exported memory, which the caller fills and grows.
;;
;; Modes come in groups of four, [channels, groups, 4] in row-major order,
;; held as two vectors of two lanes each. The caller pads a channel's modes to
;; a multiple of four with zeros; a zero mode adds nothing and stops at once.
;; A group stops early once |z^l|^2 has fallen to 1e-60 times its start for
;; all four modes, checked every 32 positions, so that decayed modes cost
;; nothing and the loop stays out of subnormal numbers.
(module
  (memory (export "memory") 1)

  ;; out[h, l] = 2 * Re(sum_n w[h, n] * z[h, n]^l) for l < length, with
  ;; p_l = p_(l-1) * z from p_0 = w. `row` is scratch space of length * 16
  ;; bytes, where each position keeps two lane sums until the channel ends.
  (func (export "forward")
    (param $zRe i32) (param $zIm i32) (param $wRe i32) (param $wIm i32)
    (param $channels i32) (param $groups i32) (param $length i32)
    (param $row i32) (param $out i32)
    (local $mode i32) (local $group i32) (local $l i32) (local $end i32)
    (local $rp i32) (local $rowEnd i32)
    (local $zr0 v128) (local $zi0 v128) (local $zr1 v128) (local $zi1 v128)
    (local $pr0 v128) (local $pi0 v128) (local $pr1 v128) (local $pi1 v128)
    (local $next v128) (local $cut0 v128) (local $cut1 v128)
    (local.set $rowEnd
      (i32.add (local.get $row) (i32.shl (local.get $length) (i32.const 4))))
    (block $done
      (br_if $done
        (i32.or (i32.eqz (local.get $channels)) (i32.eqz (local.get $length))))
      (loop $channel
        (local.set $rp (local.get $row))
        (loop $zero
          (v128.store (local.get $rp) (v128.const i64x2 0 0))
          (local.set $rp (i32.add (local.get $rp) (i32.const 16)))
          (br_if $zero (i32.lt_u (local.get $rp) (local.get $rowEnd))))

        (local.set $group (local.get $groups))
        (block $modesDone
          (br_if $modesDone (i32.eqz (local.get $group)))
          (loop $modes
            (local.set $zr0 (v128.load (i32.add (local.get $zRe) (local.get $mode))))
            (local.set $zr1 (v128.load offset=16 (i32.add (local.get $zRe) (local.get $mode))))
            (local.set $zi0 (v128.load (i32.add (local.get $zIm) (local.get $mode))))
            (local.set $zi1 (v128.load offset=16 (i32.add (local.get $zIm) (local.get $mode))))
            (local.set $pr0 (v128.load (i32.add (local.get $wRe) (local.get $mode))))
            (local.set $pr1 (v128.load offset=16 (i32.add (local.get $wRe) (local.get $mode))))
            (local.set $pi0 (v128.load (i32.add (local.get $wIm) (local.get $mode))))
            (local.set $pi1 (v128.load offset=16 (i32.add (local.get $wIm) (local.get $mode))))
            (local.set $cut0
              (f64x2.mul (v128.const f64x2 1e-60 1e-60)
                (f64x2.add (f64x2.mul (local.get $pr0) (local.get $pr0))
                  (f64x2.mul (local.get $pi0) (local.get $pi0)))))
            (local.set $cut1
              (f64x2.mul (v128.const f64x2 1e-60 1e-60)
                (f64x2.add (f64x2.mul (local.get $pr1) (local.get $pr1))
                  (f64x2.mul (local.get $pi1) (local.get $pi1)))))

            (local.set $rp (local.get $row))
            (local.set $l (i32.const 0))
            (block $decayed
              (loop $chunk
                (local.set $end (i32.add (local.get $l) (i32.const 32)))
                (local.set $end
                  (select (local.get $end) (local.get $length)
                    (i32.lt_u (local.get $end) (local.get $length))))
                (loop $step
                  (v128.store (local.get $rp)
                    (f64x2.add (v128.load (local.get $rp))
                      (f64x2.add (local.get $pr0) (local.get $pr1))))
                  (local.set $next
                    (f64x2.sub (f64x2.mul (local.get $pr0) (local.get $zr0))
                      (f64x2.mul (local.get $pi0) (local.get $zi0))))
                  (local.set $pi0
                    (f64x2.add (f64x2.mul (local.get $pr0) (local.get $zi0))
                      (f64x2.mul (local.get $pi0) (local.get $zr0))))
                  (local.set $pr0 (local.get $next))
                  (local.set $next
                    (f64x2.sub (f64x2.mul (local.get $pr1) (local.get $zr1))
                      (f64x2.mul (local.get $pi1) (local.get $zi1))))
                  (local.set $pi1
                    (f64x2.add (f64x2.mul (local.get $pr1) (local.get $zi1))
                      (f64x2.mul (local.get $pi1) (local.get $zr1))))
                  (local.set $pr1 (local.get $next))
                  (local.set $rp (i32.add (local.get $rp) (i32.const 16)))
                  (local.set $l (i32.add (local.get $l) (i32.const 1)))
                  (br_if $step (i32.lt_u (local.get $l) (local.get $end))))
                (br_if $decayed
                  (i32.and
                    (i64x2.all_true
                      (f64x2.le
                        (f64x2.add (f64x2.mul (local.get $pr0) (local.get $pr0))
                          (f64x2.mul (local.get $pi0) (local.get $pi0)))
                        (local.get $cut0)))
                    (i64x2.all_true
                      (f64x2.le
                        (f64x2.add (f64x2.mul (local.get $pr1) (local.get $pr1))
                          (f64x2.mul (local.get $pi1) (local.get $pi1)))
                        (local.get $cut1)))))
                (br_if $chunk (i32.lt_u (local.get $l) (local.get $length)))))

            (local.set $mode (i32.add (local.get $mode) (i32.const 32)))
            (local.set $group (i32.sub (local.get $group) (i32.const 1)))
            (br_if $modes (local.get $group))))

        (local.set $rp (local.get $row))
        (loop $write
          (local.set $next (v128.load (local.get $rp)))
          (f64.store (local.get $out)
            (f64.mul (f64.const 2)
              (f64.add (f64x2.extract_lane 0 (local.get $next))
                (f64x2.extract_lane 1 (local.get $next)))))
          (local.set $rp (i32.add (local.get $rp) (i32.const 16)))
          (local.set $out (i32.add (local.get $out) (i32.const 8)))
          (br_if $write (i32.lt_u (local.get $rp) (local.get $rowEnd))))

        (local.set $channels (i32.sub (local.get $channels) (i32.const 1)))
        (br_if $channel (local.get $channels)))))

  ;; For every mode, S = sum_l dK[l] * z^l and T = sum_(l >= 1) l * dK[l] *
  ;; z^(l-1), where dK is the float32 row [length] of channel h in `grad`,
  ;; [channels, length]. Writes the real and imaginary parts of S and T to
  ;; sRe, sIm, tRe and tIm, laid out as the modes are.
  (func (export "backward")
    (param $zRe i32) (param $zIm i32) (param $grad i32)
    (param $channels i32) (param $groups i32) (param $length i32)
    (param $sRe i32) (param $sIm i32) (param $tRe i32) (param $tIm i32)
    (local $mode i32) (local $group i32) (local $l i32) (local $end i32)
    (local $gp i32) (local $position f64)
    (local $zr0 v128) (local $zi0 v128) (local $zr1 v128) (local $zi1 v128)
    (local $pr0 v128) (local $pi0 v128) (local $pr1 v128) (local $pi1 v128)
    (local $sr0 v128) (local $si0 v128) (local $sr1 v128) (local $si1 v128)
    (local $tr0 v128) (local $ti0 v128) (local $tr1 v128) (local $ti1 v128)
    (local $g v128) (local $lg v128) (local $next v128)
    (block $done
      (br_if $done
        (i32.or (i32.eqz (local.get $channels)) (i32.eqz (local.get $length))))
      (loop $channel
        (local.set $group (local.get $groups))
        (block $modesDone
          (br_if $modesDone (i32.eqz (local.get $group)))
          (loop $modes
            (local.set $zr0 (v128.load (i32.add (local.get $zRe) (local.get $mode))))
            (local.set $zr1 (v128.load offset=16 (i32.add (local.get $zRe) (local.get $mode))))
            (local.set $zi0 (v128.load (i32.add (local.get $zIm) (local.get $mode))))
            (local.set $zi1 (v128.load offset=16 (i32.add (local.get $zIm) (local.get $mode))))
            (local.set $pr0 (v128.const f64x2 1 1))
            (local.set $pr1 (v128.const f64x2 1 1))
            (local.set $pi0 (v128.const i64x2 0 0))
            (local.set $pi1 (v128.const i64x2 0 0))
            (local.set $sr0
              (f64x2.splat (f64.promote_f32 (f32.load (local.get $grad)))))
            (local.set $sr1 (local.get $sr0))
            (local.set $si0 (v128.const i64x2 0 0))
            (local.set $si1 (v128.const i64x2 0 0))
            (local.set $tr0 (v128.const i64x2 0 0))
            (local.set $tr1 (v128.const i64x2 0 0))
            (local.set $ti0 (v128.const i64x2 0 0))
            (local.set $ti1 (v128.const i64x2 0 0))

            (local.set $gp (i32.add (local.get $grad) (i32.const 4)))
            (local.set $l (i32.const 1))
            (local.set $position (f64.const 1))
            (block $decayed
              (br_if $decayed (i32.ge_u (local.get $l) (local.get $length)))
              (loop $chunk
                (local.set $end (i32.add (local.get $l) (i32.const 32)))
                (local.set $end
                  (select (local.get $end) (local.get $length)
                    (i32.lt_u (local.get $end) (local.get $length))))
                (loop $step
                  (local.set $g
                    (f64x2.splat (f64.promote_f32 (f32.load (local.get $gp)))))
                  (local.set $lg
                    (f64x2.mul (local.get $g) (f64x2.splat (local.get $position))))
                  (local.set $tr0
                    (f64x2.add (local.get $tr0) (f64x2.mul (local.get $lg) (local.get $pr0))))
                  (local.set $ti0
                    (f64x2.add (local.get $ti0) (f64x2.mul (local.get $lg) (local.get $pi0))))
                  (local.set $tr1
                    (f64x2.add (local.get $tr1) (f64x2.mul (local.get $lg) (local.get $pr1))))
                  (local.set $ti1
                    (f64x2.add (local.get $ti1) (f64x2.mul (local.get $lg) (local.get $pi1))))
                  (local.set $next
                    (f64x2.sub (f64x2.mul (local.get $pr0) (local.get $zr0))
                      (f64x2.mul (local.get $pi0) (local.get $zi0))))
                  (local.set $pi0
                    (f64x2.add (f64x2.mul (local.get $pr0) (local.get $zi0))
                      (f64x2.mul (local.get $pi0) (local.get $zr0))))
                  (local.set $pr0 (local.get $next))
                  (local.set $next
                    (f64x2.sub (f64x2.mul (local.get $pr1) (local.get $zr1))
                      (f64x2.mul (local.get $pi1) (local.get $zi1))))
                  (local.set $pi1
                    (f64x2.add (f64x2.mul (local.get $pr1) (local.get $zi1))
                      (f64x2.mul (local.get $pi1) (local.get $zr1))))
                  (local.set $pr1 (local.get $next))
                  (local.set $sr0
                    (f64x2.add (local.get $sr0) (f64x2.mul (local.get $g) (local.get $pr0))))
                  (local.set $si0
                    (f64x2.add (local.get $si0) (f64x2.mul (local.get $g) (local.get $pi0))))
                  (local.set $sr1
                    (f64x2.add (local.get $sr1) (f64x2.mul (local.get $g) (local.get $pr1))))
                  (local.set $si1
                    (f64x2.add (local.get $si1) (f64x2.mul (local.get $g) (local.get $pi1))))
                  (local.set $gp (i32.add (local.get $gp) (i32.const 4)))
                  (local.set $position (f64.add (local.get $position) (f64.const 1)))
                  (local.set $l (i32.add (local.get $l) (i32.const 1)))
                  (br_if $step (i32.lt_u (local.get $l) (local.get $end))))
                (br_if $decayed
                  (i32.and
                    (i64x2.all_true
                      (f64x2.le
                        (f64x2.add (f64x2.mul (local.get $pr0) (local.get $pr0))
                          (f64x2.mul (local.get $pi0) (local.get $pi0)))
                        (v128.const f64x2 1e-60 1e-60)))
                    (i64x2.all_true
                      (f64x2.le
                        (f64x2.add (f64x2.mul (local.get $pr1) (local.get $pr1))
                          (f64x2.mul (local.get $pi1) (local.get $pi1)))
                        (v128.const f64x2 1e-60 1e-60)))))
                (br_if $chunk (i32.lt_u (local.get $l) (local.get $length)))))

            (v128.store (i32.add (local.get $sRe) (local.get $mode)) (local.get $sr0))
            (v128.store offset=16 (i32.add (local.get $sRe) (local.get $mode)) (local.get $sr1))
            (v128.store (i32.add (local.get $sIm) (local.get $mode)) (local.get $si0))
            (v128.store offset=16 (i32.add (local.get $sIm) (local.get $mode)) (local.get $si1))
            (v128.store (i32.add (local.get $tRe) (local.get $mode)) (local.get $tr0))
            (v128.store offset=16 (i32.add (local.get $tRe) (local.get $mode)) (local.get $tr1))
            (v128.store (i32.add (local.get $tIm) (local.get $mode)) (local.get $ti0))
            (v128.store offset=16 (i32.add (local.get $tIm) (local.get $mode)) (local.get $ti1))
            (local.set $mode (i32.add (local.get $mode) (i32.const 32)))
            (local.set $group (i32.sub (local.get $group) (i32.const 1)))
            (br_if $modes (local.get $group))))

        (local.set $grad
          (i32.add (local.get $grad) (i32.shl (local.get $length) (i32.const 2))))
        (local.set $channels (i32.sub (local.get $channels) (i32.const 1)))
        (br_if $channel (local.get $channels))))))
