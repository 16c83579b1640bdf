;; br_table lowers to a bounds check and an indirect jump through a rip-relative jump table.
(module
  (func $switch (export "switch") (param i32) (result i32)
    block block block block
      local.get 0
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
