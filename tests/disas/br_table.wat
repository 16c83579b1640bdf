;; br_table lowers to a bounds check and an indirect jump through a rip-relative jump table.
;; A parameter index is zero-extended first (mov eax, edx); a loaded one is used as it is (the
;; 32-bit load zeroed the register's upper half).
(module
  (memory 1)
  (func $switch (export "switch") (param i32) (result i32)
    block block block block
      local.get 0
      br_table 0 1 2 3
    end i32.const 10 return
    end i32.const 20 return
    end i32.const 30 return
    end i32.const 40)
  (func $switch_load (export "switch_load") (param i32) (result i32)
    block block block block
      (i32.load (local.get 0))
      br_table 0 1 2 3
    end i32.const 10 return
    end i32.const 20 return
    end i32.const 30 return
    end i32.const 40))

;; ==== expected (KILN_BLESS=1 rewrites everything below) ====
;; -O2 function 0 $switch
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x44
;;   10: mov eax, edx
;;   12: cmp rax, 3
;;   16: jae 0x3d
;;   18: lea r11, [rip + 0x29]
;;   1f: movsxd rax, dword ptr [r11 + rax*4]
;;   23: add rax, r11
;;   26: jmp rax
;;   28: mov eax, 0x1e
;;   2d: pop rbp
;;   2e: ret
;;   2f: mov eax, 0x14
;;   34: pop rbp
;;   35: ret
;;   36: mov eax, 0xa
;;   3b: pop rbp
;;   3c: ret
;;   3d: mov eax, 0x28
;;   42: pop rbp
;;   43: ret
;;   44: ud2
;;   46: int3
;;   47: int3
;;   48: out dx, al
;;   49: .byte 0xff
;;   4a: .byte 0xff
;;   4b: jmp rdi
;;   4d: .byte 0xff
;;   4e: .byte 0xff
;;   4f: jmp rax
;;   51: .byte 0xff
;;   52: .byte 0xff
;;   53: .byte 0xff
;;   trap 0x44: StackOverflow
;; -O2 function 1 $switch_load
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: mov r11, qword ptr [r11]
;;    b: cmp rbp, r11
;;    e: jb 0x4b
;;   10: mov eax, edx
;;   12: mov rcx, qword ptr [rdi + 0x38]
;;   16: mov eax, dword ptr [rcx + rax]
;;   19: cmp rax, 3
;;   1d: jae 0x44
;;   1f: lea r11, [rip + 0x2a]
;;   26: movsxd rax, dword ptr [r11 + rax*4]
;;   2a: add rax, r11
;;   2d: jmp rax
;;   2f: mov eax, 0x1e
;;   34: pop rbp
;;   35: ret
;;   36: mov eax, 0x14
;;   3b: pop rbp
;;   3c: ret
;;   3d: mov eax, 0xa
;;   42: pop rbp
;;   43: ret
;;   44: mov eax, 0x28
;;   49: pop rbp
;;   4a: ret
;;   4b: ud2
;;   4d: int3
;;   4e: int3
;;   4f: int3
;;   50: in eax, dx
;;   51: .byte 0xff
;;   52: .byte 0xff
;;   53: jmp rsi
;;   55: .byte 0xff
;;   56: .byte 0xff
;;   57: .byte 0xff
;;   58: .byte 0xdf
;;   59: .byte 0xff
;;   5a: .byte 0xff
;;   5b: .byte 0xff
;;   trap 0x16: HeapOutOfBounds
;;   trap 0x4b: StackOverflow
