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
;;    4: mov eax, edx
;;    6: cmp rax, 3
;;    a: jae 0x31
;;    c: lea r11, [rip + 0x25]
;;   13: movsxd rax, dword ptr [r11 + rax*4]
;;   17: add rax, r11
;;   1a: jmp rax
;;   1c: mov eax, 0x1e
;;   21: pop rbp
;;   22: ret
;;   23: mov eax, 0x14
;;   28: pop rbp
;;   29: ret
;;   2a: mov eax, 0xa
;;   2f: pop rbp
;;   30: ret
;;   31: mov eax, 0x28
;;   36: pop rbp
;;   37: ret
;;   38: .byte 0xf2
;;   39: .byte 0xff
;;   3a: .byte 0xff
;;   3b: .byte 0xff
;;   3c: jmp 0x3d
;;   3e: .byte 0xff
;;   3f: jmp rsp
;;   41: .byte 0xff
;;   42: .byte 0xff
;;   43: .byte 0xff
;; -O2 function 1 $switch_load
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov eax, edx
;;    6: mov rcx, qword ptr [rdi + 0x38]
;;    a: mov eax, dword ptr [rcx + rax]
;;    d: cmp rax, 3
;;   11: jae 0x38
;;   13: lea r11, [rip + 0x26]
;;   1a: movsxd rax, dword ptr [r11 + rax*4]
;;   1e: add rax, r11
;;   21: jmp rax
;;   23: mov eax, 0x1e
;;   28: pop rbp
;;   29: ret
;;   2a: mov eax, 0x14
;;   2f: pop rbp
;;   30: ret
;;   31: mov eax, 0xa
;;   36: pop rbp
;;   37: ret
;;   38: mov eax, 0x28
;;   3d: pop rbp
;;   3e: ret
;;   3f: int3
;;   40: int1
;;   41: .byte 0xff
;;   42: .byte 0xff
;;   43: .byte 0xff
;;   44: .byte 0xea
;;   45: .byte 0xff
;;   46: .byte 0xff
;;   47: jmp rbx
;;   49: .byte 0xff
;;   4a: .byte 0xff
;;   4b: .byte 0xff
;;   trap 0xa: HeapOutOfBounds
