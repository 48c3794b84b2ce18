/**
 * The launch schema is the contract between launch.json and the adapter: every XenLaunchArguments key has a
 * schema entry and nothing else does, package.json carries exactly what launch-schema.ts declares, and the
 * schema agrees with the emulator's own validation of the machine fields.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LaunchConfigError, resolveMachineOptions } from '../../emulator/config/launch-options';
import { DEFAULT_PROFILE, PROFILE_NAMES } from '../../emulator/xen/profiles';
import type { JsonSchema } from '../../extension/core/json-schema';
import {
  BREAKPOINT_LANGUAGES, CONFIGURATION_SNIPPETS, DEBUG_TYPE, DEFAULT_XEN_PROFILE, INITIAL_CONFIGURATION, LAUNCH_PROPERTIES,
  XEN_PROFILES, debuggerContribution,
} from '../../extension/core/launch-schema';
import { validateLaunchConfig } from '../../extension/core/launch-config';
import { validateValue } from '../../extension/core/schema-validate';
import { replaceBlock } from './tools/sync-manifest';

const ROOT = path.resolve(__dirname, '../../..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const SAMPLE = path.join(ROOT, 'out/sample-guests/hello/hello-pv64.elf');

/** The member names of `export interface XenLaunchArguments { … }` in protocol.ts, read from the source. */
function protocolLaunchKeys(): string[] {
  const src = fs.readFileSync(path.join(ROOT, 'debug-adapter/protocol.ts'), 'utf8');
  const m = /export interface XenLaunchArguments\s*\{([\s\S]*?)\n\}/.exec(src);
  assert.ok(m, 'XenLaunchArguments not found in protocol.ts');
  const body = m[1].replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  return [...body.matchAll(/^\s*(\w+)\??\s*:/gm)].map((k) => k[1]).sort();
}

function allSchemas(s: JsonSchema): JsonSchema[] {
  return [s, ...(s.anyOf ?? []).flatMap(allSchemas), ...Object.values(s.properties ?? {}).flatMap(allSchemas), ...(s.items ? allSchemas(s.items) : [])];
}

/** A snippet body value with the snippet escaping of `${…}` undone. */
function unescapeSnippet(v: unknown): unknown {
  return typeof v === 'string' ? v.replace(/^\^"(.*)"$/, '$1').replace(/\\\$/g, '$') : v;
}

describe('extension: launch schema', () => {
  it('has exactly one entry per XenLaunchArguments key in protocol.ts', () => {
    assert.deepEqual(Object.keys(LAUNCH_PROPERTIES).sort(), protocolLaunchKeys());
  });

  it('is what package.json contributes for the xen-guest debugger', () => {
    const debuggers = pkg.contributes.debuggers as Record<string, unknown>[];
    assert.equal(debuggers.length, 1);
    const expected = JSON.parse(JSON.stringify(debuggerContribution()));
    assert.deepEqual(debuggers[0], expected,
      'package.json contributes.debuggers is out of date: run `node out/test/extension/tools/sync-manifest.js`');
    assert.deepEqual(Object.keys((debuggers[0].configurationAttributes as { launch: JsonSchema }).launch.properties!).sort(), protocolLaunchKeys());
    assert.deepEqual(pkg.contributes.breakpoints, BREAKPOINT_LANGUAGES.map((language) => ({ language })));
    for (const lang of ['c', 'cpp', 'asm', 'gas']) assert.ok(BREAKPOINT_LANGUAGES.includes(lang), lang);
  });

  it('sync-manifest rewrites only its own block of package.json', () => {
    const text = '{\n  "contributes": {\n    "debuggers": [\n      { "type": "old" }\n    ],\n    "views": {}\n  },\n  "bin": {}\n}\n';
    const out = replaceBlock(text, 'debuggers', [{ type: 'new', args: ['dap'] }]);
    assert.deepEqual(JSON.parse(out), { contributes: { debuggers: [{ type: 'new', args: ['dap'] }], views: {} }, bin: {} });
    assert.ok(out.endsWith('    "views": {}\n  },\n  "bin": {}\n}\n'));
    const current = fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8');
    assert.equal(replaceBlock(current, 'debuggers', [debuggerContribution()]), current, 'package.json is in sync and formatted as the tool writes it');
  });

  it('requires kernel or xlConfig in the launch.json schema', () => {
    const launch = pkg.contributes.debuggers[0].configurationAttributes.launch as JsonSchema;
    assert.deepEqual(launch.anyOf, [{ required: ['kernel'] }, { required: ['xlConfig'] }]);
  });

  it('offers the emulator\'s Xen profiles', () => {
    assert.deepEqual([...XEN_PROFILES], [...PROFILE_NAMES]);
    assert.equal(DEFAULT_XEN_PROFILE, DEFAULT_PROFILE);
  });

  it('documents every attribute and every enum value, and its defaults are valid', () => {
    for (const [key, schema] of Object.entries(LAUNCH_PROPERTIES)) {
      assert.ok(schema.markdownDescription && schema.markdownDescription.length > 20, `${key} needs a markdownDescription`);
      for (const s of allSchemas(schema)) {
        if (s.enum) assert.equal(s.enumDescriptions?.length, s.enum.length, `${key}: enumDescriptions must match enum`);
      }
      if (schema.default !== undefined) assert.deepEqual(validateValue(key, schema.default, schema), [], `${key} default`);
    }
  });

  it('gives snippets and the initial configuration only known, valid attributes', () => {
    for (const { label, body } of CONFIGURATION_SNIPPETS) {
      const config = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, unescapeSnippet(v)]));
      assert.equal(config.type, DEBUG_TYPE, label);
      assert.equal(config.request, 'launch', label);
      for (const k of Object.keys(config)) assert.ok(['type', 'request', 'name'].includes(k) || k in LAUNCH_PROPERTIES, `${label}: ${k}`);
      assert.deepEqual(validateLaunchConfig(config), [], label);
      for (const v of Object.values(body)) {
        if (typeof v === 'string' && v.includes('${')) assert.match(v, /^\^"\\\$\{workspaceFolder\}/, `${label}: escape \${…} in snippets`);
      }
    }
    assert.deepEqual(validateLaunchConfig(INITIAL_CONFIGURATION), []);
  });

  describe('agrees with the emulator\'s launch validation', () => {
    const cases: [string, unknown][] = [
      ['vcpus', 1], ['vcpus', 128], ['vcpus', 0], ['vcpus', 129], ['vcpus', 1.5],
      ['memoryMiB', 64], ['memoryMiB', 2047], ['memoryMiB', 2048], ['memoryMiB', -1],
      ['guestType', 'pv64'], ['guestType', 'hvm'], ['guestType', 'pv128'],
      ['preemption', 'never'], ['preemption', 'always'], ['preemption', 'auto'], ['preemption', 1024], ['preemption', 0],
      ['preemption', 'sometimes'], ['preemption', 2.5],
      ['xenVersion', '4.17'], ['xenVersion', '4.8-debug'], ['xenVersion', 'xen-4.19'], ['xenVersion', 'latest'],
      ['domainFlags', { evtchnFifo: false }], ['domainFlags', { evtchnFifo: 'no' }], ['domainFlags', { fifo: true }],
      ['cmdline', 'console=hvc0'], ['cmdline', 'x'.repeat(1024)],
    ];
    for (const [field, value] of cases) {
      it(`${field} = ${JSON.stringify(value).slice(0, 30)}`, () => {
        const schemaOk = validateLaunchConfig({ kernel: SAMPLE, [field]: value }).length === 0;
        let emulatorOk = true;
        try { resolveMachineOptions({ kernel: SAMPLE, [field]: value }); } catch (e) {
          assert.ok(e instanceof LaunchConfigError, String(e));
          emulatorOk = false;
        }
        assert.equal(schemaOk, emulatorOk, `schema says ${schemaOk}, emulator says ${emulatorOk}`);
      });
    }
  });
});
