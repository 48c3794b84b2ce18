/**
 * The hypercall page exactly as Xen writes it (fact sheet §2.2, from HEAD xen/arch/x86/pv/hypercall.c,
 * hvm/vmx/vmx.c, hvm/svm/svm.c; same bytes at RELEASE-4.4.0, so one implementation serves every profile).
 *
 * Layout: the page is filled with 0xCC (int3), then entry i (0..127) sits at offset i*32 and loads i into eax
 * before trapping. Guests `call hypercall_page + nr*32`, except iret (#23, offset 0x2E0), which is `jmp`ed to.
 */
import { GuestType, isHvm } from './hypercall-table';

export const PAGE_SIZE = 4096;
export const HYPERCALL_STUB_SIZE = 32;
export const HYPERCALL_PAGE_ENTRIES = PAGE_SIZE / HYPERCALL_STUB_SIZE; // 128
export const HYPERCALL_IRET = 23;
export const INT3 = 0xcc;

export type CpuVendor = 'intel' | 'amd';

/** `mov $imm32, %eax` (B8 id): valid in 16/32/64-bit modes alike, zero-extends into rax in long mode. */
const movEax = (v: number): number[] => [0xb8, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** Trap instructions (§2.1): syscall 0F 05, int $0x82 CD 82, vmcall 0F 01 C1 (VMX), vmmcall 0F 01 D9 (SVM). */
const SYSCALL = [0x0f, 0x05];
const INT82 = [0xcd, 0x82];
const VMCALL = [0x0f, 0x01, 0xc1];
const VMMCALL = [0x0f, 0x01, 0xd9];
const UD2 = [0x0f, 0x0b];

/** Bytes of entry `nr` (without the 0xCC filler) for the given page flavour. */
export function hypercallStub(guest: GuestType, vendor: CpuVendor, nr: number): number[] {
  if (guest === 'pv64') {
    // Ring-3 kernel: syscall clobbers rcx/r11, so the stub saves them (§2.1 "Clobbers").
    if (nr === HYPERCALL_IRET) {
      // push rcx; push r11; push rax; mov $23,%eax; syscall — no return: Xen pops the iret frame (§2.2).
      return [0x51, 0x41, 0x53, 0x50, ...movEax(nr), ...SYSCALL];
    }
    // push rcx; push r11; mov $nr,%eax; syscall; pop r11; pop rcx; ret — 14 bytes.
    return [0x51, 0x41, 0x53, ...movEax(nr), ...SYSCALL, 0x41, 0x5b, 0x59, 0xc3];
  }
  if (guest === 'pv32') {
    // Ring-1 kernel: iret entry is push %eax; mov $23,%eax; int $0x82 (8 bytes, §2.2).
    if (nr === HYPERCALL_IRET) return [0x50, ...movEax(nr), ...INT82];
    return [...movEax(nr), ...INT82, 0xc3];
  }
  // HVM (32- and 64-bit vCPUs share one page): iret is unsupported and the slot holds ud2 (§2.2).
  if (nr === HYPERCALL_IRET) return [...UD2];
  return [...movEax(nr), ...(vendor === 'intel' ? VMCALL : VMMCALL), 0xc3];
}

/**
 * Fills `page` (or a new 4096-byte buffer) as Xen does for `guest` on a `vendor` CPU and returns it.
 * `vendor` matters only for HVM: Xen writes the native instruction and does not emulate the other vendor's
 * (vmmcall on Intel / vmcall on AMD raise #UD, §2.2).
 */
export function fillHypercallPage(guest: GuestType, vendor: CpuVendor, page?: Uint8Array): Uint8Array {
  const out = page ?? new Uint8Array(PAGE_SIZE);
  if (out.length < PAGE_SIZE) throw new RangeError(`hypercall page needs ${PAGE_SIZE} bytes, got ${out.length}`);
  out.fill(INT3, 0, PAGE_SIZE);
  for (let i = 0; i < HYPERCALL_PAGE_ENTRIES; i++) out.set(hypercallStub(guest, vendor, i), i * HYPERCALL_STUB_SIZE);
  return out;
}

/** The page flavour name Xen's code uses, for diagnostics. */
export function hypercallPageKind(guest: GuestType, vendor: CpuVendor): 'pv64' | 'pv32' | 'vmx' | 'svm' {
  if (!isHvm(guest)) return guest === 'pv64' ? 'pv64' : 'pv32';
  return vendor === 'intel' ? 'vmx' : 'svm';
}
