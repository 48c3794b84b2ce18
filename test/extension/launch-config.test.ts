/** Launch configuration handling before a session starts: defaults, path resolution, validation messages. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  configForKernel, isEmptyConfig, requiredFiles, resolvePaths, validateLaunchConfig, withDefaults,
} from '../../extension/core/launch-config';
import { KERNEL_REQUIRED } from '../../extension/core/launch-schema';

describe('extension: launch configuration', () => {
  it('recognises the empty configuration of F5 without a launch.json', () => {
    assert.equal(isEmptyConfig({}), true);
    assert.equal(isEmptyConfig({ noDebug: true }), true);
    assert.equal(isEmptyConfig({ type: 'xen-guest', request: 'launch', name: 'x' }), false);
  });

  it('fills type, request and a name from the kernel, and leaves machine defaults to the adapter', () => {
    const c = withDefaults({ kernel: '/w/build/guest.elf' });
    assert.deepEqual(c, { kernel: '/w/build/guest.elf', type: 'xen-guest', request: 'launch', name: 'Xen: guest.elf' });
    assert.equal(withDefaults({ xlConfig: 'a/b.cfg' }).name, 'Xen: b.cfg');
    assert.equal(withDefaults({ name: 'mine', kernel: 'k' }).name, 'mine');
    assert.deepEqual(configForKernel('${workspaceFolder}/k.elf', 'k.elf (PV64)'),
      { type: 'xen-guest', request: 'launch', name: 'Xen: k.elf (PV64)', kernel: '${workspaceFolder}/k.elf' });
  });

  it('resolves relative paths against the workspace folder', () => {
    const c = resolvePaths({ kernel: 'build/k.elf', xlConfig: '/etc/xen/g.cfg', symbolFiles: ['sym/vmlinux', '/abs/x'] }, '/ws');
    assert.equal(c.kernel, path.resolve('/ws', 'build/k.elf'));
    assert.equal(c.xlConfig, '/etc/xen/g.cfg');
    assert.deepEqual(c.symbolFiles, [path.resolve('/ws/sym/vmlinux'), '/abs/x']);
    assert.deepEqual(resolvePaths({ kernel: 'k' }, undefined), { kernel: 'k' });
    assert.deepEqual(requiredFiles(c).map((f) => f.field), ['kernel', 'xlConfig', 'symbolFiles[0]', 'symbolFiles[1]']);
  });

  it('names each invalid field', () => {
    assert.deepEqual(validateLaunchConfig({}), [KERNEL_REQUIRED]);
    assert.deepEqual(validateLaunchConfig({ xlConfig: 'g.cfg' }), []);
    const problems = validateLaunchConfig({
      kernel: 'k', vcpus: 0, memoryMiB: 'lots', guestType: 'pv128', preemption: 'sometimes', xenVersion: 'latest',
      domainFlags: { evtchnFifo: 'yes', fifo: true }, stopOnEntry: 1, symbolFiles: ['a', 2], disassemblyFlavor: 'masm',
    } as never);
    const expectField = ['vcpus', 'memoryMiB', 'guestType', 'preemption', 'xenVersion', 'domainFlags.evtchnFifo', 'domainFlags.fifo',
      'stopOnEntry', 'symbolFiles[1]', 'disassemblyFlavor'];
    assert.equal(problems.length, expectField.length, problems.join('\n'));
    expectField.forEach((f, i) => assert.ok(problems[i].startsWith(f), `${problems[i]} should name ${f}`));
    assert.match(problems[0], /vcpus must be at least 1 \(got 0\)/);
    assert.match(problems[3], /preemption: use "never", "always", "auto" or a positive number/);
  });

  it('ignores the keys VS Code adds to every configuration', () => {
    assert.deepEqual(validateLaunchConfig({
      kernel: 'k', type: 'xen-guest', request: 'launch', name: 'n', preLaunchTask: 'build', presentation: { hidden: false },
      __configurationTarget: 5, noDebug: false,
    }), []);
  });
});
