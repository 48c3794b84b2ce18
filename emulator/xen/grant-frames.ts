/**
 * A domain's grant-table frames as pages (struct grant_table's shared_raw[] / status[] in
 * xen/common/grant_table.c): how many exist, how many may exist, and their contents. Minimal on purpose: it is
 * what XENMEM_add_to_physmap(XENMAPSPACE_grant_table) needs to map frames into a translated guest's physmap, and
 * what the grant_table_op code reads and writes entries through (grantFrameBytes).
 *
 * Storage model: a frame that is not in the guest physmap lives in a private buffer here (Xen heap memory the
 * guest cannot see). While a translated guest has it mapped at a GFN, the authoritative copy is that page of the
 * domain's flat guest memory (d.mem), so guest writes to the mapped frame are what Xen reads; attach/detach move
 * the bytes between the two places. d.grantFrames (frame index → physical address) mirrors the mapped shared
 * frames for the debugger.
 *
 * Facts used (xen/common/grant_table.c, 4.17): v1 entries are 8 bytes (512 per 4 KiB frame), v2 entries 16 bytes
 * (256 per frame); v2 status frames hold uint16_t status words (2048 per frame), so a table of n shared frames
 * has ceil(n * 256 / 2048) status frames (grant_to_status_frames); frames grow on demand up to max_grant_frames
 * (default 32 ≤4.9, 64 4.10+: profile.gnttabMaxFramesDefault, fact sheet §5.7/§9).
 */
import type { Domain } from './domain';

export const GRANT_FRAME_SIZE = 4096;
/** XENMAPIDX_grant_table_status (public/memory.h): idx bit selecting a v2 status frame. */
export const XENMAPIDX_GRANT_TABLE_STATUS = 0x80000000;
/** Frames a new table starts with. [U] 4.4 allocated INITIAL_NR_GRANT_FRAMES = 4 (fact sheet §5.7); later
 * releases grow from a minimum on demand. Only grant_table_op query_size/setup_table can observe this. */
export const INITIAL_GRANT_FRAMES = 1;

export type GrantFrameKind = 'shared' | 'status';

export class GrantFrames {
  /** Grant table version (1 by default; GNTTABOP_set_version may switch it). */
  version: 1 | 2 = 1;
  /** max_grant_frames for this domain. */
  readonly maxFrames: number;
  private readonly shared: Uint8Array[] = [];
  private readonly status: Uint8Array[] = [];
  /** Where each frame is mapped in the guest physmap (GFN), by kind and index. */
  private readonly mappedAt = new Map<string, number>();

  constructor(private readonly d: Domain, maxFrames: number) {
    this.maxFrames = maxFrames;
    this.grow(INITIAL_GRANT_FRAMES);
  }

  /** nr_grant_frames. */
  get nrFrames(): number { return this.shared.length; }

  /** nr_status_frames: only v2 has status frames (grant_to_status_frames). */
  get nrStatusFrames(): number {
    return this.version === 2 ? Math.ceil((this.shared.length * 256) / 2048) : 0;
  }

  /** gnttab_grow_table(d, n): false when n exceeds max_grant_frames. Never shrinks. */
  grow(n: number): boolean {
    if (n > this.maxFrames) return false;
    while (this.shared.length < n) this.shared.push(new Uint8Array(GRANT_FRAME_SIZE));
    this.syncStatus();
    return true;
  }

  /** Keeps status frame storage in step with the version and the number of shared frames. */
  syncStatus(): void {
    while (this.status.length < this.nrStatusFrames) this.status.push(new Uint8Array(GRANT_FRAME_SIZE));
  }

  /** Does frame `idx` of `kind` exist? */
  has(kind: GrantFrameKind, idx: number): boolean {
    return idx >= 0 && idx < (kind === 'shared' ? this.nrFrames : this.nrStatusFrames);
  }

  /** GFN where the frame is mapped, if it is. */
  gfnOf(kind: GrantFrameKind, idx: number): number | undefined {
    return this.mappedAt.get(`${kind}:${idx}`);
  }

  /**
   * The live bytes of a frame: the guest page while mapped, else the private buffer. Writes through this view are
   * what the guest sees (callers writing into d.mem directly must call d.mem.noteWrite for code-cache coherency).
   */
  bytes(kind: GrantFrameKind, idx: number): Uint8Array {
    if (!this.has(kind, idx)) throw new RangeError(`grant ${kind} frame ${idx} does not exist`);
    const gfn = this.gfnOf(kind, idx);
    if (gfn !== undefined) return this.d.mem.bytes.subarray(gfn * GRANT_FRAME_SIZE, (gfn + 1) * GRANT_FRAME_SIZE);
    return (kind === 'shared' ? this.shared : this.status)[idx];
  }

  /** Puts the frame's contents at `gfn` (a page of d.mem) and makes that page the live copy. */
  attach(kind: GrantFrameKind, idx: number, gfn: number): void {
    const cur = this.gfnOf(kind, idx);
    if (cur === gfn) return;
    const data = this.bytes(kind, idx).slice();
    if (cur !== undefined) this.detach(kind, idx);
    this.d.mem.writeBytes(gfn * GRANT_FRAME_SIZE, data);
    this.mappedAt.set(`${kind}:${idx}`, gfn);
    if (kind === 'shared') this.d.grantFrames.set(idx, gfn * GRANT_FRAME_SIZE);
  }

  /** Takes the frame out of the physmap: its current contents go back to the private buffer. */
  detach(kind: GrantFrameKind, idx: number): void {
    const gfn = this.gfnOf(kind, idx);
    if (gfn === undefined) return;
    const buf = (kind === 'shared' ? this.shared : this.status)[idx];
    buf.set(this.d.mem.bytes.subarray(gfn * GRANT_FRAME_SIZE, (gfn + 1) * GRANT_FRAME_SIZE));
    this.mappedAt.delete(`${kind}:${idx}`);
    if (kind === 'shared') this.d.grantFrames.delete(idx);
  }
}

const tables = new WeakMap<Domain, GrantFrames>();

/** The domain's grant frames, created on first use with the profile's default max_grant_frames. */
export function grantFrames(d: Domain): GrantFrames {
  let t = tables.get(d);
  if (!t) {
    t = new GrantFrames(d, d.profile.gnttabMaxFramesDefault);
    tables.set(d, t);
  }
  return t;
}
