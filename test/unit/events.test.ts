/** The typed emitter behind the runtime's `on`/`off`: order, removal, and a listener that throws. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HotzipEvents } from '../../lib/hot/api.js';
import { Emitter } from '../../lib/hot/events.js';

test('listeners run in the order added; one that throws is reported and the rest still run', () => {
  const threw: string[] = [];
  const events = new Emitter<HotzipEvents>((event, error) => threw.push(`${event}: ${String(error)}`));
  const seen: string[] = [];
  const first = (payload: { updates: string[] }): void => {
    seen.push(`first ${payload.updates.join()}`);
  };
  events.on('hotzip:afterUpdate', first);
  events.on('hotzip:afterUpdate', () => {
    throw new Error('boom');
  });
  events.on('hotzip:afterUpdate', (payload) => seen.push(`last ${payload.updates.join()}`));
  events.emit('hotzip:afterUpdate', { updates: ['a'] });
  assert.deepEqual(seen, ['first a', 'last a']);
  assert.deepEqual(threw, ['hotzip:afterUpdate: Error: boom']);
  events.off('hotzip:afterUpdate', first);
  events.emit('hotzip:afterUpdate', { updates: ['b'] });
  assert.deepEqual(seen, ['first a', 'last a', 'last b']);
});

test('a listener of a custom event name is not called by the built-in events', () => {
  const events = new Emitter<HotzipEvents>(() => assert.fail('no listener throws'));
  const seen: unknown[] = [];
  events.on('my:event', (payload) => seen.push(payload));
  events.emit('hotzip:beforeUpdate', { updates: [] });
  assert.deepEqual(seen, []);
});
