/**
 * The hypercall-page MSR (base+2 EBX, 0x40000000): writing a page-aligned guest-physical address fills that
 * page with the hypercall stubs and latches the shared_info format from the current execution mode
 * (xen/arch/x86/hvm/hvm.c hvm_init_hypercall_page → hvm_latch_shinfo_size; fact sheet §2.2, §5.4).
 * Bits 11:0 non-zero, or a page outside guest RAM, → #GP.
 */
import { fillHypercallPage } from '../hypercall-page';
import type { Hypervisor } from '../hypervisor';
import type { Vcpu } from '../vcpu';

/** Returns false for a bad address: the core then raises #GP(0) at the wrmsr, as for an unknown MSR. */
export function writeHypercallPageMsr(hv: Hypervisor, v: Vcpu, value: bigint): boolean {
  const d = v.domain;
  const gpa = BigInt.asUintN(64, value);
  // The page index (bits 11:0) must be 0 (only one hypercall page exists).
  if ((gpa & 0xfffn) !== 0n || gpa + 4096n > BigInt(d.mem.size) || (d.populated.length > 0 && d.populated[Number(gpa >> 12n)] === 0)) {
    return false;
  }
  latchSharedInfoFormat(hv, v);
  const page = fillHypercallPage(v.guestType(), 'intel');
  d.mem.writeBytes(Number(gpa), page);
  hv.emit('boot', d, v, 'hypercall-page', { args: { gpa: `0x${gpa.toString(16)}`, kind: 'vmcall' } });
  return true;
}

/** hvm_latch_shinfo_size: 64-bit format only when the vCPU is in 64-bit mode at that moment. */
export function latchSharedInfoFormat(hv: Hypervisor, v: Vcpu): void {
  const d = v.domain;
  const abi = v.cpu.mode === 'long64' ? 'x86_64' : 'x86_32';
  if (d.sharedInfoAbi === abi) return;
  d.sharedInfoAbi = abi;
  // vcpu_info is 64 bytes in both formats, so the default slots stay where they are.
  hv.writeWallclock(d);
  for (const x of d.vcpus) hv.updateTimeInfo(x);
}
