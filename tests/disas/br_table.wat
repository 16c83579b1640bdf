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
;;    8: cmp rsp, qword ptr [r11]
;;    b: jb 0x41
;;    d: mov eax, edx
;;    f: cmp rax, 3
;;   13: jae 0x3a
;;   15: lea r11, [rip + 0x28]
;;   1c: movsxd rax, dword ptr [r11 + rax*4]
;;   20: add rax, r11
;;   23: jmp rax
;;   25: mov eax, 0x1e
;;   2a: pop rbp
;;   2b: ret
;;   2c: mov eax, 0x14
;;   31: pop rbp
;;   32: ret
;;   33: mov eax, 0xa
;;   38: pop rbp
;;   39: ret
;;   3a: mov eax, 0x28
;;   3f: pop rbp
;;   40: ret
;;   41: ud2
;;   43: int3
;;   44: out dx, eax
;;   45: .byte 0xff
;;   46: .byte 0xff
;;   47: .byte 0xff
;;   48: call 0xffffffffe200004c
;;   4d: .byte 0xff
;;   4e: .byte 0xff
;;   4f: .byte 0xff
;;   trap 0x41: StackOverflow
;; -O2 function 1 $switch_load
;;    0: push rbp
;;    1: mov rbp, rsp
;;    4: mov r11, qword ptr [rdi + 8]
;;    8: cmp rsp, qword ptr [r11]
;;    b: jb 0x48
;;    d: mov eax, edx
;;    f: mov rcx, qword ptr [rdi + 0x38]
;;   13: mov eax, dword ptr [rcx + rax]
;;   16: cmp rax, 3
;;   1a: jae 0x41
;;   1c: lea r11, [rip + 0x29]
;;   23: movsxd rax, dword ptr [r11 + rax*4]
;;   27: add rax, r11
;;   2a: jmp rax
;;   2c: mov eax, 0x1e
;;   31: pop rbp
;;   32: ret
;;   33: mov eax, 0x14
;;   38: pop rbp
;;   39: ret
;;   3a: mov eax, 0xa
;;   3f: pop rbp
;;   40: ret
;;   41: mov eax, 0x28
;;   46: pop rbp
;;   47: ret
;;   48: ud2
;;   4a: int3
;;   4b: int3
;;   4c: out dx, al
;;   4d: .byte 0xff
;;   4e: .byte 0xff
;;   4f: jmp rdi
;;   51: .byte 0xff
;;   52: .byte 0xff
;;   53: jmp rax
;;   55: .byte 0xff
;;   56: .byte 0xff
;;   57: .byte 0xff
;;   trap 0x13: HeapOutOfBounds
;;   trap 0x48: StackOverflow
