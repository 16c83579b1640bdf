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
;;   18: jb 0x228
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
;;   99: lea eax, [rax + 0x1234]
;;   9f: rol eax, 7
;;   a2: lea eax, [rax + 0x1234]
;;   a8: rol eax, 7
;;   ab: lea eax, [rax + 0x1234]
;;   b1: rol eax, 7
;;   b4: lea eax, [rax + 0x1234]
;;   ba: rol eax, 7
;;   bd: lea eax, [rax + 0x1234]
;;   c3: rol eax, 7
;;   c6: lea eax, [rax + 0x1234]
;;   cc: rol eax, 7
;;   cf: lea eax, [rax + 0x1234]
;;   d5: rol eax, 7
;;   d8: lea eax, [rax + 0x1234]
;;   de: rol eax, 7
;;   e1: lea eax, [rax + 0x1234]
;;   e7: rol eax, 7
;;   ea: lea eax, [rax + 0x1234]
;;   f0: rol eax, 7
;;   f3: lea eax, [rax + 0x1234]
;;   f9: rol eax, 7
;;   fc: lea eax, [rax + 0x1234]
;;  102: rol eax, 7
;;  105: lea eax, [rax + 0x1234]
;;  10b: rol eax, 7
;;  10e: lea eax, [rax + 0x1234]
;;  114: rol eax, 7
;;  117: lea eax, [rax + 0x1234]
;;  11d: rol eax, 7
;;  120: lea eax, [rax + 0x1234]
;;  126: rol eax, 7
;;  129: lea eax, [rax + 0x1234]
;;  12f: rol eax, 7
;;  132: lea eax, [rax + 0x1234]
;;  138: rol eax, 7
;;  13b: lea eax, [rax + 0x1234]
;;  141: rol eax, 7
;;  144: lea eax, [rax + 0x1234]
;;  14a: rol eax, 7
;;  14d: lea eax, [rax + 0x1234]
;;  153: rol eax, 7
;;  156: lea eax, [rax + 0x1234]
;;  15c: rol eax, 7
;;  15f: lea eax, [rax + 0x1234]
;;  165: rol eax, 7
;;  168: lea eax, [rax + 0x1234]
;;  16e: rol eax, 7
;;  171: lea eax, [rax + 0x1234]
;;  177: rol eax, 7
;;  17a: lea eax, [rax + 0x1234]
;;  180: rol eax, 7
;;  183: lea eax, [rax + 0x1234]
;;  189: rol eax, 7
;;  18c: lea eax, [rax + 0x1234]
;;  192: rol eax, 7
;;  195: lea eax, [rax + 0x1234]
;;  19b: rol eax, 7
;;  19e: lea eax, [rax + 0x1234]
;;  1a4: rol eax, 7
;;  1a7: lea eax, [rax + 0x1234]
;;  1ad: rol eax, 7
;;  1b0: lea eax, [rax + 0x1234]
;;  1b6: rol eax, 7
;;  1b9: lea eax, [rax + 0x1234]
;;  1bf: rol eax, 7
;;  1c2: lea eax, [rax + 0x1234]
;;  1c8: rol eax, 7
;;  1cb: lea eax, [rax + 0x1234]
;;  1d1: rol eax, 7
;;  1d4: lea eax, [rax + 0x1234]
;;  1da: lea eax, [rax + rbx]
;;  1dd: sub eax, r12d
;;  1e0: and eax, r13d
;;  1e3: or eax, r14d
;;  1e6: xor eax, dword ptr [rsp]
;;  1e9: and eax, dword ptr [rsp + 8]
;;  1ed: or eax, dword ptr [rsp + 0x10]
;;  1f1: xor eax, dword ptr [rsp + 0x18]
;;  1f5: sub eax, r15d
;;  1f8: imul eax, dword ptr [rsp + 0x20]
;;  1fd: add eax, dword ptr [rsp + 0x28]
;;  201: cmp eax, dword ptr [rsp + 0x30]
;;  205: jb 0x216
;;  207: add rsp, 0x38
;;  20b: pop r15
;;  20d: pop r14
;;  20f: pop r13
;;  211: pop r12
;;  213: pop rbx
;;  214: pop rbp
;;  215: ret
;;  216: mov rax, rcx
;;  219: add rsp, 0x38
;;  21d: pop r15
;;  21f: pop r14
;;  221: pop r13
;;  223: pop r12
;;  225: pop rbx
;;  226: pop rbp
;;  227: ret
;;  228: ud2
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
;;   trap 0x228: StackOverflow
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
;;   18: jb 0xfd
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
;;   91: lea eax, [rax + rbx]
;;   94: sub eax, r12d
;;   97: and eax, r13d
;;   9a: or eax, r14d
;;   9d: mov r11, qword ptr [rsp]
;;   a1: xor eax, r11d
;;   a4: mov r11, qword ptr [rsp + 8]
;;   a9: and eax, r11d
;;   ac: mov r11, qword ptr [rsp + 0x10]
;;   b1: or eax, r11d
;;   b4: mov r11, qword ptr [rsp + 0x18]
;;   b9: xor eax, r11d
;;   bc: sub eax, r15d
;;   bf: mov r11, qword ptr [rsp + 0x20]
;;   c4: imul eax, r11d
;;   c8: mov r11, qword ptr [rsp + 0x28]
;;   cd: add eax, r11d
;;   d0: mov r11, qword ptr [rsp + 0x30]
;;   d5: cmp eax, r11d
;;   d8: jb 0xe9
;;   da: add rsp, 0x38
;;   de: pop r15
;;   e0: pop r14
;;   e2: pop r13
;;   e4: pop r12
;;   e6: pop rbx
;;   e7: pop rbp
;;   e8: ret
;;   e9: mov eax, 7
;;   ee: add rsp, 0x38
;;   f2: pop r15
;;   f4: pop r14
;;   f6: pop r13
;;   f8: pop r12
;;   fa: pop rbx
;;   fb: pop rbp
;;   fc: ret
;;   fd: ud2
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
;;   trap 0xfd: StackOverflow
