/**
 * PV-only public structs that structs.ts does not declare (Xen 4.17 public headers, guest view, interface
 * version 0x00040e00): the register file and vCPU context of VCPUOP_initialise, the iret hypercall's stack
 * frame, and the small callback/NMI argument structs. Declared once for both ABIs; the x86_32 layouts are
 * the compat ABI of 32-bit PV guests. test/xen/pv/pv-structs.test.ts checks every field against the real
 * headers compiled with gcc -m64 and -m32.
 */
import { StructDef, array, char, field, nested, perAbi, struct, u16, u32, u64, u8, ulong } from './layout';
import { trap_info } from './structs';

const X64_H = 'xen/include/public/arch-x86/xen-x86_64.h';
const X32_H = 'xen/include/public/arch-x86/xen-x86_32.h';
const ARCH_X86_H = 'xen/include/public/arch-x86/xen.h';
const CALLBACK_H = 'xen/include/public/callback.h';
const NMI_H = 'xen/include/public/nmi.h';

const only64 = ['x86_64'] as const;
const only32 = ['x86_32'] as const;

// arch-x86/xen-x86_{64,32}.h `struct cpu_user_regs`. The 64-bit and 32-bit register orders differ; both
// are declared here with per-ABI fields (names are the widest union member: rax / eax...).
export const cpu_user_regs = struct('cpu_user_regs', `${X64_H}, ${X32_H}`, [
  field('r15', u64, only64),
  field('r14', u64, only64),
  field('r13', u64, only64),
  field('r12', u64, only64),
  field('rbp', u64, only64),
  field('rbx', u64, only64),
  field('r11', u64, only64),
  field('r10', u64, only64),
  field('r9', u64, only64),
  field('r8', u64, only64),
  field('rax', u64, only64),
  field('rcx', u64, only64),
  field('rdx', u64, only64),
  field('rsi', u64, only64),
  field('rdi', u64, only64),
  field('ebx', u32, only32),
  field('ecx', u32, only32),
  field('edx', u32, only32),
  field('esi', u32, only32),
  field('edi', u32, only32),
  field('ebp', u32, only32),
  field('eax', u32, only32),
  field('error_code', perAbi({ x86_64: u32, x86_32: u16 })),
  field('entry_vector', perAbi({ x86_64: u32, x86_32: u16 })),
  field('rip', u64, only64),
  field('eip', u32, only32),
  field('cs', u16),
  field('_pad0', array(u16, 1), only64),
  field('saved_upcall_mask', u8),
  field('_pad1', array(u8, 3), only64),
  field('_pad0', u8, only32),
  field('rflags', u64, only64),
  field('eflags', u32, only32),
  field('rsp', u64, only64),
  field('esp', u32, only32),
  // Padding after each selector: 3 words on x86_64 (_pad2.._pad6), one on i386 (_pad1.._pad5).
  ...(['ss', 'es', 'ds', 'fs', 'gs'] as const).flatMap((sel, i) => [
    field(sel, u16),
    field(`_pad${i + 2}`, array(u16, 3), only64),
    field(`_pad${i + 1}`, u16, only32),
  ]),
]);

// arch-x86/xen.h `struct vcpu_guest_context` (guest view: the 64-bit variant has syscall_callback_eip
// where Xen's own build has a union with the compat callback selectors).
export const vcpu_guest_context = struct('vcpu_guest_context', ARCH_X86_H, [
  field('fpu_ctxt', array(char, 512)),
  field('flags', ulong),
  field('user_regs', nested(cpu_user_regs)),
  field('trap_ctxt', array(nested(trap_info), 256)),
  field('ldt_base', ulong),
  field('ldt_ents', ulong),
  field('gdt_frames', array(ulong, 16)),
  field('gdt_ents', ulong),
  field('kernel_ss', ulong),
  field('kernel_sp', ulong),
  field('ctrlreg', array(ulong, 8)),
  field('debugreg', array(ulong, 8)),
  field('event_callback_cs', ulong, only32),
  field('event_callback_eip', ulong),
  field('failsafe_callback_cs', ulong, only32),
  field('failsafe_callback_eip', ulong),
  field('syscall_callback_eip', ulong, only64),
  field('vm_assist', ulong),
  field('fs_base', u64, only64),
  field('gs_base_kernel', u64, only64),
  field('gs_base_user', u64, only64),
]);

// arch-x86/xen-x86_64.h: what HYPERVISOR_iret finds at %rsp (64-bit only; 32-bit guests pass EAX, EIP,
// CS, EFLAGS[, ESP, SS] as plain words, see pv/iret.c compat_iret).
export const iret_context = struct('iret_context', X64_H, [
  field('rax', u64),
  field('r11', u64),
  field('rcx', u64),
  field('flags', u64),
  field('rip', u64),
  field('cs', u64),
  field('rflags', u64),
  field('rsp', u64),
  field('ss', u64),
], { abis: only64 });

// public/callback.h
export const callback_unregister = struct('callback_unregister', CALLBACK_H, [
  field('type', u16),
  field('_unused', u16),
]);

// public/nmi.h
export const xennmi_callback = struct('xennmi_callback', NMI_H, [
  field('handler_address', ulong),
  field('pad', ulong),
]);

/** Every declaration above, for the layout test. */
export const PV_STRUCTS: readonly StructDef[] = [
  cpu_user_regs, vcpu_guest_context, iret_context, callback_unregister, xennmi_callback,
];

/** VGCF_* (arch-x86/xen.h; VGCF_in_syscall is arch-x86/xen-x86_64.h). */
export const VGCF = {
  i387_valid: 1 << 0,
  in_kernel: 1 << 2,
  failsafe_disables_events: 1 << 3,
  syscall_disables_events: 1 << 4,
  online: 1 << 5,
  in_syscall: 1 << 8,
} as const;
