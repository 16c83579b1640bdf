;; Spilled values read in place: the source operand of an integer ALU instruction or compare
;; may stay in its spill slot (Constraint::kAny), read as `op reg, [rsp + slot]` instead of a
;; reload into a register first; a plain `a + b` (otherwise a lea) becomes `add d, [slot]`.
;; Twelve values loaded before a call are live across it; five fit the callee-saved registers,
;; the rest wait in slots. In $far a long computation after the call separates the reads from
;; the slot stores: and/or/xor/sub/imul/add/cmp read the slots in place. In $near the reads
;; come right after the stores: each goes through `mov r11, [slot]` (a load the core can
;; forward the store to without latency, unlike a load folded into an ALU operation).
;; opt: O2
(module
  (import "env" "g" (func $g (param i32) (result i32)))
  (memory 1)
  (func $far (export "far") (param $p i32) (result i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $e i32) (local $f i32)
    (local $h i32) (local $i i32) (local $j i32) (local $k i32) (local $l i32) (local $m i32)
    (local $r i32)
    (local.set $a (i32.load offset=0 (local.get $p)))
    (local.set $b (i32.load offset=4 (local.get $p)))
    (local.set $c (i32.load offset=8 (local.get $p)))
    (local.set $d (i32.load offset=12 (local.get $p)))
    (local.set $e (i32.load offset=16 (local.get $p)))
    (local.set $f (i32.load offset=20 (local.get $p)))
    (local.set $h (i32.load offset=24 (local.get $p)))
    (local.set $i (i32.load offset=28 (local.get $p)))
    (local.set $j (i32.load offset=32 (local.get $p)))
    (local.set $k (i32.load offset=36 (local.get $p)))
    (local.set $l (i32.load offset=40 (local.get $p)))
    (local.set $m (i32.load offset=44 (local.get $p)))
    (local.set $r (call $g (local.get $p)))
    ;; 72 dependent instructions (rol, lea) between the stores and the reads
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (i32.rotl (local.get $r) (i32.const 7)) (i32.const 0x1234)))
    (local.set $r (i32.add (local.get $r) (local.get $a)))
    (local.set $r (i32.sub (local.get $r) (local.get $b)))
    (local.set $r (i32.and (local.get $r) (local.get $c)))
    (local.set $r (i32.or (local.get $r) (local.get $d)))
    (local.set $r (i32.xor (local.get $r) (local.get $e)))
    (local.set $r (i32.and (local.get $r) (local.get $f)))
    (local.set $r (i32.or (local.get $r) (local.get $h)))
    (local.set $r (i32.xor (local.get $r) (local.get $i)))
    (local.set $r (i32.sub (local.get $r) (local.get $j)))
    (local.set $r (i32.mul (local.get $r) (local.get $k)))
    (local.set $r (i32.add (local.get $r) (local.get $l)))
    (if (i32.lt_u (local.get $r) (local.get $m)) (then (local.set $r (i32.const 7))))
    (local.get $r))
  (func $near (export "near") (param $p i32) (result i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $e i32) (local $f i32)
    (local $h i32) (local $i i32) (local $j i32) (local $k i32) (local $l i32) (local $m i32)
    (local $r i32)
    (local.set $a (i32.load offset=0 (local.get $p)))
    (local.set $b (i32.load offset=4 (local.get $p)))
    (local.set $c (i32.load offset=8 (local.get $p)))
    (local.set $d (i32.load offset=12 (local.get $p)))
    (local.set $e (i32.load offset=16 (local.get $p)))
    (local.set $f (i32.load offset=20 (local.get $p)))
    (local.set $h (i32.load offset=24 (local.get $p)))
    (local.set $i (i32.load offset=28 (local.get $p)))
    (local.set $j (i32.load offset=32 (local.get $p)))
    (local.set $k (i32.load offset=36 (local.get $p)))
    (local.set $l (i32.load offset=40 (local.get $p)))
    (local.set $m (i32.load offset=44 (local.get $p)))
    (local.set $r (call $g (local.get $p)))
    (local.set $r (i32.add (local.get $r) (local.get $a)))
    (local.set $r (i32.sub (local.get $r) (local.get $b)))
    (local.set $r (i32.and (local.get $r) (local.get $c)))
    (local.set $r (i32.or (local.get $r) (local.get $d)))
    (local.set $r (i32.xor (local.get $r) (local.get $e)))
    (local.set $r (i32.and (local.get $r) (local.get $f)))
    (local.set $r (i32.or (local.get $r) (local.get $h)))
    (local.set $r (i32.xor (local.get $r) (local.get $i)))
    (local.set $r (i32.sub (local.get $r) (local.get $j)))
    (local.set $r (i32.mul (local.get $r) (local.get $k)))
    (local.set $r (i32.add (local.get $r) (local.get $l)))
    (if (i32.lt_u (local.get $r) (local.get $m)) (then (local.set $r (i32.const 7))))
    (local.get $r)))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 1 $far
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: push rbx
;;    5: push r12
;;    7: push r13
;;    9: push r14
;;    b: push r15
;;    d: sub rsp, 0x38
;;   11: mov r11, qword ptr [rdi + 8]
;;   15: cmp rsp, qword ptr [r11]
;;   18: jb 0x203
;;   1e: mov eax, edx
;;   20: mov rcx, qword ptr [rdi + 0x50]
;;   24: mov ebx, dword ptr [rcx + rax]
;;   27: mov r12d, dword ptr [rcx + rax + 4]
;;   2c: mov r13d, dword ptr [rcx + rax + 8]
;;   31: mov r14d, dword ptr [rcx + rax + 0xc]
;;   36: mov r15d, dword ptr [rcx + rax + 0x10]
;;   3b: mov qword ptr [rsp], r15
;;   3f: mov r8d, dword ptr [rcx + rax + 0x14]
;;   44: mov qword ptr [rsp + 8], r8
;;   49: mov r9d, dword ptr [rcx + rax + 0x18]
;;   4e: mov qword ptr [rsp + 0x10], r9
;;   53: mov r10d, dword ptr [rcx + rax + 0x1c]
;;   58: mov qword ptr [rsp + 0x18], r10
;;   5d: mov esi, dword ptr [rcx + rax + 0x20]
;;   61: mov r15d, dword ptr [rcx + rax + 0x24]
;;   66: mov qword ptr [rsp + 0x20], r15
;;   6b: mov r15d, dword ptr [rcx + rax + 0x28]
;;   70: mov qword ptr [rsp + 0x28], r15
;;   75: mov eax, dword ptr [rcx + rax + 0x2c]
;;   79: mov qword ptr [rsp + 0x30], rax
;;   7e: mov rcx, qword ptr [rdi + 0x38]
;;   82: mov rax, qword ptr [rdi + 0x48]
;;   86: mov r15, rsi
;;   89: mov rsi, rdi
;;   8c: mov rdi, rax
;;   8f: call rcx
;;   91: mov ecx, 7
;;   96: rol eax, 7
;;   99: add eax, 0x1234
;;   9e: rol eax, 7
;;   a1: add eax, 0x1234
;;   a6: rol eax, 7
;;   a9: add eax, 0x1234
;;   ae: rol eax, 7
;;   b1: add eax, 0x1234
;;   b6: rol eax, 7
;;   b9: add eax, 0x1234
;;   be: rol eax, 7
;;   c1: add eax, 0x1234
;;   c6: rol eax, 7
;;   c9: add eax, 0x1234
;;   ce: rol eax, 7
;;   d1: add eax, 0x1234
;;   d6: rol eax, 7
;;   d9: add eax, 0x1234
;;   de: rol eax, 7
;;   e1: add eax, 0x1234
;;   e6: rol eax, 7
;;   e9: add eax, 0x1234
;;   ee: rol eax, 7
;;   f1: add eax, 0x1234
;;   f6: rol eax, 7
;;   f9: add eax, 0x1234
;;   fe: rol eax, 7
;;  101: add eax, 0x1234
;;  106: rol eax, 7
;;  109: add eax, 0x1234
;;  10e: rol eax, 7
;;  111: add eax, 0x1234
;;  116: rol eax, 7
;;  119: add eax, 0x1234
;;  11e: rol eax, 7
;;  121: add eax, 0x1234
;;  126: rol eax, 7
;;  129: add eax, 0x1234
;;  12e: rol eax, 7
;;  131: add eax, 0x1234
;;  136: rol eax, 7
;;  139: add eax, 0x1234
;;  13e: rol eax, 7
;;  141: add eax, 0x1234
;;  146: rol eax, 7
;;  149: add eax, 0x1234
;;  14e: rol eax, 7
;;  151: add eax, 0x1234
;;  156: rol eax, 7
;;  159: add eax, 0x1234
;;  15e: rol eax, 7
;;  161: add eax, 0x1234
;;  166: rol eax, 7
;;  169: add eax, 0x1234
;;  16e: rol eax, 7
;;  171: add eax, 0x1234
;;  176: rol eax, 7
;;  179: add eax, 0x1234
;;  17e: rol eax, 7
;;  181: add eax, 0x1234
;;  186: rol eax, 7
;;  189: add eax, 0x1234
;;  18e: rol eax, 7
;;  191: add eax, 0x1234
;;  196: rol eax, 7
;;  199: add eax, 0x1234
;;  19e: rol eax, 7
;;  1a1: add eax, 0x1234
;;  1a6: rol eax, 7
;;  1a9: add eax, 0x1234
;;  1ae: rol eax, 7
;;  1b1: add eax, 0x1234
;;  1b6: add eax, ebx
;;  1b8: sub eax, r12d
;;  1bb: and eax, r13d
;;  1be: or eax, r14d
;;  1c1: xor eax, dword ptr [rsp]
;;  1c4: and eax, dword ptr [rsp + 8]
;;  1c8: or eax, dword ptr [rsp + 0x10]
;;  1cc: xor eax, dword ptr [rsp + 0x18]
;;  1d0: sub eax, r15d
;;  1d3: imul eax, dword ptr [rsp + 0x20]
;;  1d8: add eax, dword ptr [rsp + 0x28]
;;  1dc: cmp eax, dword ptr [rsp + 0x30]
;;  1e0: jb 0x1f1
;;  1e2: add rsp, 0x38
;;  1e6: pop r15
;;  1e8: pop r14
;;  1ea: pop r13
;;  1ec: pop r12
;;  1ee: pop rbx
;;  1ef: pop rbp
;;  1f0: ret
;;  1f1: mov rax, rcx
;;  1f4: add rsp, 0x38
;;  1f8: pop r15
;;  1fa: pop r14
;;  1fc: pop r13
;;  1fe: pop r12
;;  200: pop rbx
;;  201: pop rbp
;;  202: ret
;;  203: ud2
;;   trap 0x24: HeapOutOfBounds
;;   trap 0x27: HeapOutOfBounds
;;   trap 0x2c: HeapOutOfBounds
;;   trap 0x31: HeapOutOfBounds
;;   trap 0x36: HeapOutOfBounds
;;   trap 0x3f: HeapOutOfBounds
;;   trap 0x49: HeapOutOfBounds
;;   trap 0x53: HeapOutOfBounds
;;   trap 0x5d: HeapOutOfBounds
;;   trap 0x61: HeapOutOfBounds
;;   trap 0x6b: HeapOutOfBounds
;;   trap 0x75: HeapOutOfBounds
;;   trap 0x203: StackOverflow
;; -O2 function 2 $near
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: push rbx
;;    5: push r12
;;    7: push r13
;;    9: push r14
;;    b: push r15
;;    d: sub rsp, 0x38
;;   11: mov r11, qword ptr [rdi + 8]
;;   15: cmp rsp, qword ptr [r11]
;;   18: jb 0xfc
;;   1e: mov eax, edx
;;   20: mov rcx, qword ptr [rdi + 0x50]
;;   24: mov ebx, dword ptr [rcx + rax]
;;   27: mov r12d, dword ptr [rcx + rax + 4]
;;   2c: mov r13d, dword ptr [rcx + rax + 8]
;;   31: mov r14d, dword ptr [rcx + rax + 0xc]
;;   36: mov r15d, dword ptr [rcx + rax + 0x10]
;;   3b: mov qword ptr [rsp], r15
;;   3f: mov r8d, dword ptr [rcx + rax + 0x14]
;;   44: mov qword ptr [rsp + 8], r8
;;   49: mov r9d, dword ptr [rcx + rax + 0x18]
;;   4e: mov qword ptr [rsp + 0x10], r9
;;   53: mov r10d, dword ptr [rcx + rax + 0x1c]
;;   58: mov qword ptr [rsp + 0x18], r10
;;   5d: mov esi, dword ptr [rcx + rax + 0x20]
;;   61: mov r15d, dword ptr [rcx + rax + 0x24]
;;   66: mov qword ptr [rsp + 0x20], r15
;;   6b: mov r15d, dword ptr [rcx + rax + 0x28]
;;   70: mov qword ptr [rsp + 0x28], r15
;;   75: mov eax, dword ptr [rcx + rax + 0x2c]
;;   79: mov qword ptr [rsp + 0x30], rax
;;   7e: mov rcx, qword ptr [rdi + 0x38]
;;   82: mov rax, qword ptr [rdi + 0x48]
;;   86: mov r15, rsi
;;   89: mov rsi, rdi
;;   8c: mov rdi, rax
;;   8f: call rcx
;;   91: add eax, ebx
;;   93: sub eax, r12d
;;   96: and eax, r13d
;;   99: or eax, r14d
;;   9c: mov r11, qword ptr [rsp]
;;   a0: xor eax, r11d
;;   a3: mov r11, qword ptr [rsp + 8]
;;   a8: and eax, r11d
;;   ab: mov r11, qword ptr [rsp + 0x10]
;;   b0: or eax, r11d
;;   b3: mov r11, qword ptr [rsp + 0x18]
;;   b8: xor eax, r11d
;;   bb: sub eax, r15d
;;   be: mov r11, qword ptr [rsp + 0x20]
;;   c3: imul eax, r11d
;;   c7: mov r11, qword ptr [rsp + 0x28]
;;   cc: add eax, r11d
;;   cf: mov r11, qword ptr [rsp + 0x30]
;;   d4: cmp eax, r11d
;;   d7: jb 0xe8
;;   d9: add rsp, 0x38
;;   dd: pop r15
;;   df: pop r14
;;   e1: pop r13
;;   e3: pop r12
;;   e5: pop rbx
;;   e6: pop rbp
;;   e7: ret
;;   e8: mov eax, 7
;;   ed: add rsp, 0x38
;;   f1: pop r15
;;   f3: pop r14
;;   f5: pop r13
;;   f7: pop r12
;;   f9: pop rbx
;;   fa: pop rbp
;;   fb: ret
;;   fc: ud2
;;   trap 0x24: HeapOutOfBounds
;;   trap 0x27: HeapOutOfBounds
;;   trap 0x2c: HeapOutOfBounds
;;   trap 0x31: HeapOutOfBounds
;;   trap 0x36: HeapOutOfBounds
;;   trap 0x3f: HeapOutOfBounds
;;   trap 0x49: HeapOutOfBounds
;;   trap 0x53: HeapOutOfBounds
;;   trap 0x5d: HeapOutOfBounds
;;   trap 0x61: HeapOutOfBounds
;;   trap 0x6b: HeapOutOfBounds
;;   trap 0x75: HeapOutOfBounds
;;   trap 0xfc: StackOverflow
