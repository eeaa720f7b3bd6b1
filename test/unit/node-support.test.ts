import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readConfig } from '../../lib/config.js';
import {
  chooseHookApi,
  nativeCjsRequire,
  nodeVersion,
  parseNodeVersion,
  registerHooksAvailable,
} from '../../lib/node-support.js';

const hasRegisterHooks = registerHooksAvailable;

test('registerHooks only where it is sound', { skip: !hasRegisterHooks && 'needs module.registerHooks' }, () => {
  const cases: Array<[string, 'register' | 'registerHooks']> = [
    ['20.20.2', 'register'],
    ['22.15.0', 'register'],
    ['22.22.2', 'register'],
    ['22.22.3', 'registerHooks'],
    ['22.23.3', 'registerHooks'],
    ['23.11.0', 'register'],
    ['24.11.0', 'register'],
    ['24.11.1', 'registerHooks'],
    ['25.0.0', 'register'],
    ['25.1.0', 'registerHooks'],
    ['26.0.0', 'registerHooks'],
    ['26.10.0', 'registerHooks'],
  ];
  for (const [version, api] of cases) assert.equal(chooseHookApi(version, undefined), api, version);
});

test('HOTZIP_HOOKS overrides the choice', () => {
  assert.equal(chooseHookApi('26.10.0', readConfig({ HOTZIP_HOOKS: 'register' }).hooks), 'register');
  assert.equal(
    chooseHookApi('20.20.2', readConfig({ HOTZIP_HOOKS: 'registerHooks' }).hooks),
    hasRegisterHooks ? 'registerHooks' : 'register',
  );
});

test('require() through the hooks only with registerHooks on >= 24.18 and >= 26.2', () => {
  for (const version of ['24.18.0', '26.2.0']) assert.equal(nativeCjsRequire('registerHooks', version), true, version);
  for (const version of ['24.17.0', '25.9.0', '26.1.0', '22.23.3']) {
    assert.equal(nativeCjsRequire('registerHooks', version), false, version);
  }
  assert.equal(nativeCjsRequire('register', '26.10.0'), false);
});

test('one parser reads every form of a Node version', () => {
  assert.deepEqual(parseNodeVersion('24.11.1'), [24, 11, 1]);
  assert.deepEqual(parseNodeVersion('v26.0.0-pre'), [26, 0, 0]);
  assert.deepEqual(parseNodeVersion('22'), [22, 0, 0]);
  assert.deepEqual(nodeVersion, parseNodeVersion(process.version));
});
