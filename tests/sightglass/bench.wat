;; tests/sightglass/bench.wat: the `bench` module of the Sightglass protocol, given to
;; `kiln run --preload bench=tests/sightglass/bench.wat`. A program calls bench.start once and
;; then bench.end once around its measured region; anything else is a protocol violation and
;; traps, so the conformance tests also check that each program follows the protocol.
(module
  ;; 0: not started, 1: measuring, 2: done.
  (global $state (mut i32) (i32.const 0))
  (func (export "start")
    (if (i32.ne (global.get $state) (i32.const 0)) (then unreachable))
    (global.set $state (i32.const 1)))
  (func (export "end")
    (if (i32.ne (global.get $state) (i32.const 1)) (then unreachable))
    (global.set $state (i32.const 2))))
