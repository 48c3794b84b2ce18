/** Parsing the Xen commands' inputs and the choices they offer. */
import * as assert from 'node:assert/strict';
import type { EventChannelsResponse } from '../../debug-adapter/protocol';
import { MAX_PORT, PREEMPTION_CHOICES, parsePreemptionInput, parseSendEventInput, portChoices } from '../../extension/core/command-input';

describe('extension: command inputs', () => {
  it('parses a port, optionally with a domain', () => {
    assert.deepEqual(parseSendEventInput('3'), { ok: true, value: { port: 3 } });
    assert.deepEqual(parseSendEventInput(' 0x1f '), { ok: true, value: { port: 31 } });
    assert.deepEqual(parseSendEventInput('d1:3'), { ok: true, value: { domid: 1, port: 3 } });
    assert.deepEqual(parseSendEventInput('0:7'), { ok: true, value: { domid: 0, port: 7 } });
    assert.deepEqual(parseSendEventInput('D2 5'), { ok: true, value: { domid: 2, port: 5 } });
    for (const bad of ['', '0', 'x', '-1', `${MAX_PORT + 1}`, 'd1:', 'dx:3', '1:2:3']) {
      assert.equal(parseSendEventInput(bad).ok, false, bad);
    }
  });

  it('offers the open ports, pending ones first', () => {
    const resp: EventChannelsResponse = {
      domains: [{
        domid: 1, name: 'g', abi: 'fifo', ports: [
          { port: 1, state: 'virq', binding: 'VIRQ_TIMER', vcpu: 0, pending: false, masked: false },
          { port: 2, state: 'closed', binding: '', vcpu: 0, pending: false, masked: false },
          { port: 4, state: 'interdomain', binding: 'remote d0:9', vcpu: 1, pending: true, masked: true },
        ],
      }],
    };
    assert.deepEqual(portChoices(resp), [
      { label: 'd1 port 4', description: 'interdomain · remote d0:9 · pending · masked', args: { domid: 1, port: 4 } },
      { label: 'd1 port 1', description: 'virq · VIRQ_TIMER', args: { domid: 1, port: 1 } },
    ]);
  });

  it('parses preemption policies', () => {
    assert.deepEqual(PREEMPTION_CHOICES.map((c) => c.policy), ['never', 'always', 'auto', undefined]);
    assert.deepEqual(parsePreemptionInput('Always'), { ok: true, value: 'always' });
    assert.deepEqual(parsePreemptionInput('1024'), { ok: true, value: 1024 });
    assert.deepEqual(parsePreemptionInput('every 64 units'), { ok: true, value: 64 });
    assert.deepEqual(parsePreemptionInput('0x100'), { ok: true, value: 256 });
    for (const bad of ['', '0', 'sometimes', '-5', 'every']) assert.equal(parsePreemptionInput(bad).ok, false, bad);
  });
});
