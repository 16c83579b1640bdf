;; The 64x64->128-bit multiply written with 32-bit halves (opt/wide_mul.cc) at -O2: compiler-rt's
;; __multi3 as clang -O2 compiles it for wasm32 (shootout-ed25519's function 19) keeps only its
;; cross terms a_lo*b_hi + a_hi*b_lo, one `mul` for the 64x64->128 product of the low words and
;; one `imul` for the low word; the high word alone (__mulddi3's) is a single `mul`; Rust
;; compiler-builtins' __multi3 (the carry form) becomes the same as compiler-rt's.
(module
  (memory 1)
  ;; (a_hi:a_lo) * (b_hi:b_lo) mod 2^128 stored at $out: compiler-rt's __multi3, clang -O2.
  (func $__multi3 (export "__multi3") (param i32 i64 i64 i64 i64)
    (local i64)
    local.get 0
    local.get 4
    local.get 1
    i64.mul
    local.get 2
    local.get 3
    i64.mul
    i64.add
    local.get 3
    i64.const 32
    i64.shr_u
    local.tee 2
    local.get 1
    i64.const 32
    i64.shr_u
    local.tee 4
    i64.mul
    i64.add
    local.get 3
    i64.const 4294967295
    i64.and
    local.tee 3
    local.get 1
    i64.const 4294967295
    i64.and
    local.tee 1
    i64.mul
    local.tee 5
    i64.const 32
    i64.shr_u
    local.get 3
    local.get 4
    i64.mul
    i64.add
    local.tee 3
    i64.const 32
    i64.shr_u
    i64.add
    local.get 3
    i64.const 4294967295
    i64.and
    local.get 2
    local.get 1
    i64.mul
    i64.add
    local.tee 1
    i64.const 32
    i64.shr_u
    i64.add
    i64.store offset=8
    local.get 0
    local.get 1
    i64.const 32
    i64.shl
    local.get 5
    i64.const 4294967295
    i64.and
    i64.or
    i64.store)
  ;; (a * b) >> 64: __mulddi3's high word, clang -O2.
  (func (export "mulhi") (param i64 i64) (result i64)
    (local i64 i64)
    local.get 1
    i64.const 4294967295
    i64.and
    local.tee 2
    local.get 0
    i64.const 4294967295
    i64.and
    local.tee 3
    i64.mul
    i64.const 32
    i64.shr_u
    local.get 2
    local.get 0
    i64.const 32
    i64.shr_u
    local.tee 0
    i64.mul
    i64.add
    local.tee 2
    i64.const 32
    i64.shr_u
    local.get 1
    i64.const 32
    i64.shr_u
    local.tee 1
    local.get 0
    i64.mul
    i64.add
    local.get 2
    i64.const 4294967295
    i64.and
    local.get 1
    local.get 3
    i64.mul
    i64.add
    i64.const 32
    i64.shr_u
    i64.add)
  ;; The carry form: Rust compiler-builtins' __multi3 as rustc compiles it for wasm32 (rust-json).
  (func $rust_multi3 (export "rust_multi3") (param i32 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64)
    local.get 0
    local.get 3
    i64.const 4294967295
    i64.and
    local.tee 5
    local.get 1
    i64.const 4294967295
    i64.and
    local.tee 6
    i64.mul
    local.tee 7
    local.get 3
    i64.const 32
    i64.shr_u
    local.tee 8
    local.get 6
    i64.mul
    local.tee 6
    local.get 5
    local.get 1
    i64.const 32
    i64.shr_u
    local.tee 9
    i64.mul
    i64.add
    local.tee 5
    i64.const 32
    i64.shl
    i64.add
    local.tee 10
    i64.store
    local.get 0
    local.get 8
    local.get 9
    i64.mul
    local.get 5
    local.get 6
    i64.lt_u
    i64.extend_i32_u
    i64.const 32
    i64.shl
    local.get 5
    i64.const 32
    i64.shr_u
    i64.or
    i64.add
    local.get 10
    local.get 7
    i64.lt_u
    i64.extend_i32_u
    i64.add
    local.get 4
    local.get 1
    i64.mul
    local.get 3
    local.get 2
    i64.mul
    i64.add
    i64.add
    i64.store offset=8
  ))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $__multi3
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: sub rsp, 0x10
;;    8: mov qword ptr [rsp], rdx
;;    c: mov rax, qword ptr [rbp + 0x10]
;;   10: imul rax, rcx
;;   14: imul r8, r9
;;   18: lea rsi, [rax + r8]
;;   1c: mov rax, r9
;;   1f: mul rcx
;;   22: lea rax, [rsi + rdx]
;;   26: mov rdx, qword ptr [rsp]
;;   2a: mov edx, edx
;;   2c: mov rsi, qword ptr [rdi + 0x38]
;;   30: mov qword ptr [rsi + rdx + 8], rax
;;   35: imul r9, rcx
;;   39: mov qword ptr [rsi + rdx], r9
;;   3d: mov rsp, rbp
;;   40: pop rbp
;;   41: ret
;;   trap 0x30: HeapOutOfBounds
;;   trap 0x39: HeapOutOfBounds
;; -O2 function 1
;;    0: mov rax, rcx
;;    3: mul rdx
;;    6: mov rax, rdx
;;    9: ret
;; -O2 function 2 $rust_multi3
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov rsi, qword ptr [rbp + 0x10]
;;    8: mov rax, rcx
;;    b: imul rax, r9
;;    f: mov r10d, edx
;;   12: mov rdi, qword ptr [rdi + 0x38]
;;   16: mov qword ptr [rdi + r10], rax
;;   1a: mov rax, rcx
;;   1d: mul r9
;;   20: imul rsi, rcx
;;   24: imul r9, r8
;;   28: lea rax, [rsi + r9]
;;   2c: add rax, rdx
;;   2f: mov qword ptr [rdi + r10 + 8], rax
;;   34: pop rbp
;;   35: ret
;;   trap 0x16: HeapOutOfBounds
;;   trap 0x2f: HeapOutOfBounds
