;; Dropout keep-masks with WebAssembly SIMD: the hot loop of tensor/dropout.ts's keepMask, 8 hashes
;; (16 decisions) per iteration where JavaScript does one. Element j of a line is kept when its half
;; (low 16 bits for even j, high for odd) of lowbias32(lineKey + j/2) is >= t.
;; Built into keep-mask.wasm.ts by `npm run build:wasm` (scripts/build-wasm.mjs); keep both in step.
(module
  (memory (export "memory") 1)

  ;; lowbias32 (C. Wellons) on four lanes.
  (func $mix (param $x v128) (result v128)
    (local.set $x (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 16))))
    (local.set $x (i32x4.mul (local.get $x) (i32x4.splat (i32.const 0x7feb352d))))
    (local.set $x (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 15))))
    (local.set $x (i32x4.mul (local.get $x) (i32x4.splat (i32.const 0x846ca68b))))
    (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 16))))

  (func $mix1 (param $x i32) (result i32)
    (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 16))))
    (local.set $x (i32.mul (local.get $x) (i32.const 0x7feb352d)))
    (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 15))))
    (local.set $x (i32.mul (local.get $x) (i32.const 0x846ca68b)))
    (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 16))))

  ;; fill(keys, lines, n, t, out): line l (key at keys + 4l) writes n bytes (1 = keep) at out + l*n.
  (func (export "fill") (param $keys i32) (param $lines i32) (param $n i32) (param $t i32) (param $out i32)
    (local $l i32) (local $key i32) (local $j i32) (local $dst i32) (local $w i32)
    (local $base v128) (local $tv v128) (local $one v128) (local $a v128) (local $b v128)
    (local.set $tv (i16x8.splat (local.get $t)))
    (local.set $one (i8x16.splat (i32.const 1)))
    (block $done
      (loop $line
        (br_if $done (i32.ge_u (local.get $l) (local.get $lines)))
        (local.set $key (i32.load (i32.add (local.get $keys) (i32.shl (local.get $l) (i32.const 2)))))
        (local.set $dst (i32.add (local.get $out) (i32.mul (local.get $l) (local.get $n))))
        (local.set $j (i32.const 0))
        ;; pairs j/2 .. j/2+7 in two vectors of four hashes: 16 bytes per iteration
        (local.set $base (i32x4.add (i32x4.splat (local.get $key)) (v128.const i32x4 0 1 2 3)))
        (block $tail
          (loop $simd
            (br_if $tail (i32.gt_u (i32.add (local.get $j) (i32.const 16)) (local.get $n)))
            (local.set $a (call $mix (i32x4.add (local.get $base) (i32x4.splat (i32.shr_u (local.get $j) (i32.const 1))))))
            (local.set $b (call $mix (i32x4.add (local.get $base) (i32x4.splat (i32.add (i32.shr_u (local.get $j) (i32.const 1)) (i32.const 4))))))
            (v128.store (i32.add (local.get $dst) (local.get $j))
              (v128.and (local.get $one)
                (i8x16.narrow_i16x8_s (i16x8.ge_u (local.get $a) (local.get $tv)) (i16x8.ge_u (local.get $b) (local.get $tv)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $simd)))
        (block $end
          (loop $scalar
            (br_if $end (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $w (call $mix1 (i32.add (local.get $key) (i32.shr_u (local.get $j) (i32.const 1)))))
            (if (i32.and (local.get $j) (i32.const 1))
              (then (local.set $w (i32.shr_u (local.get $w) (i32.const 16))))
              (else (local.set $w (i32.and (local.get $w) (i32.const 0xffff)))))
            (i32.store8 (i32.add (local.get $dst) (local.get $j)) (i32.ge_u (local.get $w) (local.get $t)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $scalar)))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (br $line))))
)
