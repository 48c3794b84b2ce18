/**
 * vm_assist (21), xen/common/domain.c do_vm_assist with the per-guest-type valid masks of
 * xen/arch/x86/include/asm/domain.h (HEAD; §7): PV32 0x3F, PV64 0x1_0000_003F, HVM only
 * runstate_update_flag (0x20). HVM reaches it only from 4.14 (the dispatch table decides).
 */
import { XenErrno } from '../errno';
import type { HypercallContext } from '../hypercall/context';
import type { HypercallFamily } from './index';

const VMASST_CMD_enable = 0;
const VMASST_CMD_disable = 1;
export const VMASST_TYPE = {
  '4gb_segments': 0, '4gb_segments_notify': 1, writable_pagetables: 2, pae_extended_cr3: 3,
  architectural_iopl: 4, runstate_update_flag: 5, m2p_strict: 32,
} as const;

function validMask(ctx: HypercallContext): bigint {
  if (ctx.domain.isHvm) return 1n << 5n;
  return ctx.domain.pvBits === 64 ? 0x1_0000_003fn : 0x3fn;
}

function vmAssist(ctx: HypercallContext): number {
  const cmd = ctx.u32(0);
  const type = ctx.u32(1);
  const name = Object.entries(VMASST_TYPE).find(([, n]) => n === type)?.[0];
  ctx.subop = cmd === VMASST_CMD_enable ? 'VMASST_CMD_enable' : cmd === VMASST_CMD_disable ? 'VMASST_CMD_disable' : undefined;
  if (name) ctx.traceArgs.type = `VMASST_TYPE_${name}`;
  // Type first (type >= BITS_PER_LONG or not in the mask → -EINVAL), then cmd (unknown → -ENOSYS).
  if (type >= 64 || ((validMask(ctx) >> BigInt(type)) & 1n) === 0n) return -XenErrno.EINVAL;
  switch (cmd) {
    case VMASST_CMD_enable: ctx.domain.vmAssist |= 1n << BigInt(type); return 0;
    case VMASST_CMD_disable: ctx.domain.vmAssist &= ~(1n << BigInt(type)); return 0;
    default: return -XenErrno.ENOSYS;
  }
}

export const vmAssistHypercalls: HypercallFamily = { vm_assist: vmAssist };
