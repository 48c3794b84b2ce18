/**
 * HVM platform I/O ports: Xen's debug console port 0xE9 (XEN_HVM_DEBUGCONS_IOPORT, public/arch-x86/
 * hvm/... and xen/arch/x86/hvm/hvm.c: bytes go to the Xen console, reads return 0xE9), and the Xen platform
 * device's log port 0x12 (QEMU hw/xen platform device: bytes written are logged) [U: QEMU semantics not
 * checked in source]. Every other port is unclaimed: reads are all-ones and writes are ignored, as on a
 * machine without that device. PV guests reach ports only through I/O privilege, which they do not have.
 */
import type { Hypervisor } from '../hypervisor';
import type { Vcpu } from '../vcpu';

export const DEBUGCON_PORT = 0xe9;
export const PLATFORM_LOG_PORT = 0x12;

export class PlatformDevices {
  /** Per-domain line buffers for each port (Xen prints debugcon output line by line). */
  private readonly lines = new Map<string, number[]>();

  constructor(private readonly hv: Hypervisor) {}

  portIn(_v: Vcpu, port: number, _size: number): number | undefined {
    if (port === DEBUGCON_PORT) return DEBUGCON_PORT;
    return undefined;
  }

  portOut(v: Vcpu, port: number, size: number, value: number): void {
    if (port !== DEBUGCON_PORT && port !== PLATFORM_LOG_PORT) return;
    if (v.domain.isPv) return;
    const key = `${v.domain.domid}:${port}`;
    const buf = this.lines.get(key) ?? [];
    for (let i = 0; i < size; i++) buf.push((value >>> (8 * i)) & 0xff);
    // Output whole lines (and flush long ones), so text is not split into one trace event per byte.
    let nl = buf.lastIndexOf(0x0a);
    if (nl < 0 && buf.length >= 256) nl = buf.length - 1;
    if (nl >= 0) {
      const text = Buffer.from(buf.splice(0, nl + 1)).toString('latin1');
      this.hv.consoleOutput(v.domain, v, text, port === DEBUGCON_PORT ? 'debugcon' : 'platform-log');
    }
    this.lines.set(key, buf);
  }

  /** Text still waiting for a newline (printed at shutdown). */
  flush(): void {
    for (const [key, buf] of this.lines) {
      if (buf.length === 0) continue;
      const [domid, port] = key.split(':').map(Number);
      const d = this.hv.domains.find((x) => x.domid === domid);
      if (d) this.hv.consoleOutput(d, undefined, Buffer.from(buf).toString('latin1'), port === DEBUGCON_PORT ? 'debugcon' : 'platform-log');
      buf.length = 0;
    }
  }
}
