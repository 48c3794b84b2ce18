/**
 * `xen-guest run` as a user meets it: exit statuses, messages, console on stdout, --trace and --trace-json,
 * and xl.cfg input (DESIGN.md CLI contract).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCommand } from '../../emulator/cli/run';
import { buildTestGuest } from './build-guest';

function run(argv: string[]): { rc: number; out: string; err: string } {
  let out = '', err = '';
  const rc = runCommand(argv, { stdout: (s) => { out += s; }, stderr: (s) => { err += s; } });
  return { rc, out, err };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xen-guest-cli-'));

describe('xen-guest run', () => {
  const smoke = buildTestGuest('hvm-smoke');
  it('prints the guest console on stdout and exits 0 on poweroff', () => {
    const r = run([smoke]);
    assert.strictEqual(r.rc, 0, r.err);
    assert.strictEqual(r.out, 'hello from hvm-smoke\n');
  });
  it('prints one trace line per event on stderr with --trace', () => {
    const r = run([smoke, '--trace']);
    const lines = r.err.trim().split('\n');
    assert.ok(lines.some((l) => /d1v0 hypercall +console_io CONSOLEIO_write/.test(l)), r.err);
    assert.ok(lines.some((l) => /d1v0 shutdown +poweroff/.test(l)), r.err);
  });
  it('writes JSON Lines with the contract fields with --trace-json', () => {
    const file = path.join(tmp, 'trace.jsonl');
    assert.strictEqual(run([smoke, '--trace-json', file]).rc, 0);
    const events = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const call = events.find((e) => e.kind === 'hypercall' && e.name === 'xen_version');
    for (const k of ['seq', 'icount', 'domain', 'vcpu', 'kind', 'name', 'args']) assert.ok(k in call, k);
    const ret = events.find((e) => e.kind === 'hypercall-return' && e.name === 'xen_version');
    assert.strictEqual(ret.ret, 0x40011);
    assert.deepStrictEqual(events.map((e) => e.seq), events.map((_e, i) => i + 1));
  });
  it('exits 3 when the instruction limit is reached', () => {
    const r = run([buildTestGuest('spin'), '--max-instructions', '100000']);
    assert.strictEqual(r.rc, 3);
    assert.match(r.err, /instruction limit reached/);
  });
  it('exits 1 with the reason for a triple fault', () => {
    const r = run([buildTestGuest('triple'), '--type', 'hvm']);
    assert.strictEqual(r.rc, 1);
    assert.match(r.err, /triple-fault/);
  });
  it('exits 2 with a clear message for usage and configuration errors', () => {
    const cases: [string[], RegExp][] = [
      [[], /no kernel ELF or xl.cfg given/],
      [[smoke, '--bogus'], /unknown option --bogus/],
      [[smoke, '--xen', '9.9'], /--xen "9.9" is not a known profile/],
      [[smoke, '--vcpus', '0'], /--vcpus must be an integer from 1/],
      [[smoke, '--memory', 'lots'], /--memory must be an integer/],
      [[smoke, '--type', 'pv'], /PV|Xen notes|__xen_guest/i],
      [[path.join(tmp, 'missing.elf')], /file not found/],
      [[smoke, '--preemption', 'sometimes'], /--preemption must be/],
    ];
    for (const [argv, re] of cases) {
      const r = run(argv);
      assert.strictEqual(r.rc, 2, `${argv.join(' ')}: ${r.err}`);
      assert.match(r.err, re, argv.join(' '));
    }
  });
  it('rejects a malformed ELF with exit 2 and names the problem', () => {
    const bad = path.join(tmp, 'bad.elf');
    const bytes = fs.readFileSync(smoke);
    fs.writeFileSync(bad, bytes.subarray(0, 200));
    const r = run([bad]);
    assert.strictEqual(r.rc, 2);
    assert.match(r.err, /bad\.elf: .+/);
  });
  it('boots an xl.cfg with type="hvm" and firmware_override', () => {
    const cfg = path.join(tmp, 'smoke.cfg');
    fs.writeFileSync(cfg, `# XTF-style configuration\nname = "smoke"\ntype = "hvm"\nmemory = 32\nvcpus = 1\nfirmware_override = "${smoke}"\non_reboot = "destroy"\n`);
    const r = run([cfg]);
    assert.strictEqual(r.rc, 0, r.err);
    assert.strictEqual(r.out, 'hello from hvm-smoke\n');
  });
  it('reports an xl.cfg syntax error with its line', () => {
    const cfg = path.join(tmp, 'broken.cfg');
    fs.writeFileSync(cfg, 'type = "hvm"\nmemory = = 3\n');
    const r = run([cfg]);
    assert.strictEqual(r.rc, 2);
    assert.match(r.err, /broken\.cfg:2: /);
  });
});
